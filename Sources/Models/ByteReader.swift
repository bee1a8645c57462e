/// A bounds-checked little-endian cursor over untrusted bytes: every read checks the
/// remaining length first and throws `ModelError.truncated` naming what was being read.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    private(set) var offset: Int

    init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var remaining: Int { bytes.count - offset }

    mutating func require(_ count: Int, _ what: @autoclosure () -> String) throws {
        guard count >= 0, count <= remaining else {
            throw ModelError.truncated(what: what(), offset: offset, fileSize: bytes.count)
        }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws -> T {
        try require(MemoryLayout<T>.size, what())
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: value)
    }

    mutating func readFloat(_ what: @autoclosure () -> String) throws -> Float {
        Float(bitPattern: try read(UInt32.self, what()))
    }

    mutating func readDouble(_ what: @autoclosure () -> String) throws -> Double {
        Double(bitPattern: try read(UInt64.self, what()))
    }

    /// A GGUF string: u64 byte length, then UTF-8 bytes (validated).
    mutating func readString(_ what: @autoclosure () -> String) throws -> String {
        let length = try read(UInt64.self, what())
        guard length <= UInt64(remaining) else {
            throw ModelError.implausible("\(what()) claims \(length) bytes but only \(remaining) remain")
        }
        let raw = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + Int(length)])
        offset += Int(length)
        guard let string = ByteReader.validUTF8(raw) else { throw ModelError.malformed("\(what()) is not valid UTF-8") }
        return string
    }

    /// Decodes UTF-8, or nil if any byte sequence is invalid (the standard decoder would
    /// silently substitute U+FFFD, turning a corrupt token into a different one).
    static func validUTF8(_ raw: UnsafeRawBufferPointer) -> String? {
        var iterator = raw.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return String(decoding: raw, as: UTF8.self)
            case .error: return nil
            }
        }
    }
}
