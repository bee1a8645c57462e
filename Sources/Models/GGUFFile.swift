/// A GGUF (v2/v3) file, memory-mapped: header, metadata and tensor table are parsed and
/// validated eagerly; tensor data stays in the mapping until asked for.
///
/// Every count, length and dimension read from the file is checked against the bytes that
/// remain before anything is allocated for it, so a hostile or corrupt file is rejected
/// with a `ModelError` rather than exhausting memory. Tensor data lying past the end of the
/// file is not an error at open time (one part of a split download still has a complete
/// header and can be inspected); it is reported by `missingDataBytes` and by `data(of:)`.
public struct GGUFFile: Sendable {
    /// The first four bytes of every GGUF file ("GGUF", read little-endian).
    public static let magic: UInt32 = 0x4655_4747  // "GGUF" little-endian
    /// Tensor data alignment when `general.alignment` is absent.
    public static let defaultAlignment = 32
    /// ggml's GGML_MAX_DIMS.
    public static let maxDimensions = 4

    /// The mapping all tensor data views point into.
    public let file: MappedFile
    /// GGUF format version (2 or 3).
    public let version: UInt32
    /// Metadata keys in file order.
    public let keys: [String]
    /// Metadata values by key.
    public let metadata: [String: GGUFValue]
    /// Tensors in file order.
    public let tensors: [GGUFTensorInfo]
    /// Position of each tensor in `tensors`, by name.
    private let tensorIndex: [String: Int]
    /// Alignment of tensor data offsets, in bytes.
    public let alignment: Int
    /// Absolute offset where tensor data starts.
    public let dataOffset: Int

    /// The path the file was opened from.
    public var path: String { file.path }
    /// Size of the file in bytes (less than the header implies for a partial file).
    public var fileSize: Int { file.bytes.count }

    /// Maps and parses the file at `path`.
    public init(path: String) throws {
        try self.init(file: MappedFile(path: path))
    }

    /// Parses an already mapped file.
    public init(file: MappedFile) throws {
        self.file = file
        var reader = ByteReader(file.bytes)
        let magic = try reader.read(UInt32.self, "magic")
        guard magic == GGUFFile.magic else {
            throw ModelError.badMagic(path: file.path, found: String(magic, radix: 16))
        }
        version = try reader.read(UInt32.self, "version")
        if version.byteSwapped == 2 || version.byteSwapped == 3 {
            throw ModelError.malformed("\(file.path) is a big-endian GGUF file; only little-endian files are supported")
        }
        guard version == 2 || version == 3 else { throw ModelError.unsupportedVersion(version) }
        let tensorCount = try reader.read(UInt64.self, "tensor count")
        let kvCount = try reader.read(UInt64.self, "metadata count")
        // Smallest encodings: a key/value is an empty key (8) + type (4) + a 1-byte value; a
        // tensor info is an empty name (8) + n_dims (4) + one dim (8) + type (4) + offset (8).
        guard kvCount <= UInt64(reader.remaining / 13) else {
            throw ModelError.implausible("\(kvCount) metadata entries cannot fit in \(file.bytes.count) bytes")
        }
        guard tensorCount <= UInt64(reader.remaining / 32) else {
            throw ModelError.implausible("\(tensorCount) tensors cannot fit in \(file.bytes.count) bytes")
        }
        var keys: [String] = []
        var metadata: [String: GGUFValue] = [:]
        keys.reserveCapacity(Int(kvCount))
        for index in 0..<Int(kvCount) {
            let key = try reader.readString("metadata key \(index)")
            let type = try reader.read(UInt32.self, "type of \(key)")
            let value = try GGUFFile.readValue(type: type, &reader, key: key, depth: 0)
            guard metadata.updateValue(value, forKey: key) == nil else {
                throw ModelError.malformed("metadata key \(key) appears twice")
            }
            keys.append(key)
        }
        self.keys = keys
        self.metadata = metadata

        var alignment = GGUFFile.defaultAlignment
        if let value = metadata["general.alignment"] {
            guard case let .uint32(a) = value, a > 0, a & (a - 1) == 0, a <= 1 << 20 else {
                throw ModelError.malformed("general.alignment must be a UINT32 power of two, found \(value.summary)")
            }
            alignment = Int(a)
        }
        self.alignment = alignment

        var infos: [(name: String, shape: [Int], type: GGMLType, relative: UInt64)] = []
        infos.reserveCapacity(Int(tensorCount))
        for index in 0..<Int(tensorCount) {
            let name = try reader.readString("tensor name \(index)")
            let dimCount = try reader.read(UInt32.self, "dimension count of \(name)")
            guard (1...UInt32(GGUFFile.maxDimensions)).contains(dimCount) else {
                throw ModelError.implausible("tensor \(name) has \(dimCount) dimensions (1 to \(GGUFFile.maxDimensions) allowed)")
            }
            var shape: [Int] = []
            for d in 0..<Int(dimCount) {
                let dim = try reader.read(UInt64.self, "dimension \(d) of \(name)")
                guard dim >= 1, dim <= UInt64(Int32.max) else {
                    throw ModelError.implausible("tensor \(name) dimension \(d) is \(dim)")
                }
                shape.append(Int(dim))
            }
            let typeID = try reader.read(UInt32.self, "type of \(name)")
            guard let type = GGMLType(id: typeID) else {
                throw ModelError.malformed("tensor \(name) has unknown ggml type id \(typeID)")
            }
            let relative = try reader.read(UInt64.self, "data offset of \(name)")
            infos.append((name, shape, type, relative))
        }

        let headerEnd = reader.offset
        dataOffset = (headerEnd + alignment - 1) / alignment * alignment
        var tensors: [GGUFTensorInfo] = []
        tensors.reserveCapacity(infos.count)
        var tensorIndex: [String: Int] = [:]
        for info in infos {
            guard tensorIndex.updateValue(tensors.count, forKey: info.name) == nil else {
                throw ModelError.malformed("tensor \(info.name) appears twice")
            }
            var elements = 1
            for dim in info.shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: dim)
                guard !overflow, product <= 1 << 40 else {
                    throw ModelError.implausible("tensor \(info.name) shape \(info.shape) has too many elements")
                }
                elements = product
            }
            guard info.shape[0] % info.type.blockSize == 0 else {
                throw ModelError.malformed("tensor \(info.name): first dimension \(info.shape[0]) is not a multiple of the \(info.type.name) block size \(info.type.blockSize)")
            }
            guard info.relative % UInt64(alignment) == 0 else {
                throw ModelError.malformed("tensor \(info.name) data offset \(info.relative) is not aligned to \(alignment) bytes")
            }
            guard info.relative <= UInt64(1) << 50 else {
                throw ModelError.implausible("tensor \(info.name) data offset \(info.relative)")
            }
            let byteCount = elements / info.type.blockSize * info.type.bytesPerBlock
            tensors.append(GGUFTensorInfo(name: info.name, shape: info.shape, type: info.type,
                                          offset: dataOffset + Int(info.relative), byteCount: byteCount))
        }
        let sorted = tensors.sorted { $0.offset < $1.offset }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.end > b.offset {
            throw ModelError.malformed("tensors \(a.name) and \(b.name) overlap in the file")
        }
        self.tensors = tensors
        self.tensorIndex = tensorIndex
    }

    /// The tensor with this name, or nil.
    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// Bytes of tensor data the header describes but the file does not hold (0 for a complete file).
    public var missingDataBytes: Int {
        tensors.reduce(0) { $0 + max(0, $1.end - max($1.offset, fileSize)) }
    }

    /// Whether every byte of this tensor is in the file.
    public func isComplete(_ tensor: GGUFTensorInfo) -> Bool { tensor.end <= fileSize }

    /// The raw bytes of a tensor (a view into the mapping, no copy).
    public func data(of tensor: GGUFTensorInfo) throws -> UnsafeRawBufferPointer {
        guard isComplete(tensor) else {
            throw ModelError.missingTensorData(tensor: tensor.name, end: tensor.end, fileSize: fileSize)
        }
        return UnsafeRawBufferPointer(rebasing: file.bytes[tensor.offset..<tensor.end])
    }

    /// Dequantizes rows `rows` of a tensor (a row is `shape[0]` elements) to Float.
    /// Reads only those rows' bytes, so a truncated file can still yield its complete rows.
    public func dequantize(_ tensor: GGUFTensorInfo, rows: Range<Int>? = nil) throws -> ContiguousArray<Float> {
        let rows = rows ?? 0..<tensor.rows
        guard rows.lowerBound >= 0, rows.upperBound <= tensor.rows else {
            throw ModelError.outOfRange("rows \(rows) of tensor \(tensor.name) with \(tensor.rows) rows")
        }
        let rowBytes = tensor.shape[0] / tensor.type.blockSize * tensor.type.bytesPerBlock
        let start = tensor.offset + rows.lowerBound * rowBytes
        let end = tensor.offset + rows.upperBound * rowBytes
        guard end <= fileSize else {
            throw ModelError.missingTensorData(tensor: tensor.name, end: end, fileSize: fileSize)
        }
        var out = ContiguousArray<Float>(repeating: 0, count: rows.count * tensor.shape[0])
        try out.withUnsafeMutableBufferPointer { dst in
            try Dequantizer.dequantize(tensor.type, UnsafeRawBufferPointer(rebasing: file.bytes[start..<end]), into: dst,
                                       tensor: tensor.name)
        }
        return out
    }

    // MARK: metadata access

    /// A metadata value that must exist.
    public func value(_ key: String) throws -> GGUFValue {
        guard let value = metadata[key] else { throw ModelError.missingMetadata(key) }
        return value
    }

    /// An integer metadata value that must exist.
    public func int(_ key: String) throws -> Int {
        guard let v = try value(key).int else { throw ModelError.malformed("metadata \(key) is not an integer") }
        return v
    }

    /// A string metadata value that must exist.
    public func string(_ key: String) throws -> String {
        guard let v = try value(key).string else { throw ModelError.malformed("metadata \(key) is not a string") }
        return v
    }

    /// GGUF value type ids.
    private enum ValueType: UInt32 {
        case uint8 = 0, int8, uint16, int16, uint32, int32, float32, bool, string, array, uint64, int64, float64

        /// Smallest encoded size, used to bound array counts before allocating.
        var minimumSize: Int {
            switch self {
            case .uint8, .int8, .bool: 1
            case .uint16, .int16: 2
            case .uint32, .int32, .float32: 4
            case .uint64, .int64, .float64, .string: 8
            case .array: 12
            }
        }
    }

    private static func readValue(type raw: UInt32, _ r: inout ByteReader, key: String, depth: Int) throws -> GGUFValue {
        guard let type = ValueType(rawValue: raw) else { throw ModelError.malformed("metadata \(key) has unknown value type \(raw)") }
        switch type {
        case .uint8: return .uint8(try r.read(UInt8.self, key))
        case .int8: return .int8(try r.read(Int8.self, key))
        case .uint16: return .uint16(try r.read(UInt16.self, key))
        case .int16: return .int16(try r.read(Int16.self, key))
        case .uint32: return .uint32(try r.read(UInt32.self, key))
        case .int32: return .int32(try r.read(Int32.self, key))
        case .float32: return .float32(try r.readFloat(key))
        case .bool: return .bool(try readBool(&r, key))
        case .string: return .string(try r.readString(key))
        case .uint64: return .uint64(try r.read(UInt64.self, key))
        case .int64: return .int64(try r.read(Int64.self, key))
        case .float64: return .float64(try r.readDouble(key))
        case .array: return .array(try readArray(&r, key: key, depth: depth))
        }
    }

    private static func readBool(_ r: inout ByteReader, _ key: String) throws -> Bool {
        let byte = try r.read(UInt8.self, key)
        guard byte <= 1 else { throw ModelError.malformed("metadata \(key) holds bool byte \(byte)") }
        return byte == 1
    }

    private static func readArray(_ r: inout ByteReader, key: String, depth: Int) throws -> GGUFArray {
        guard depth < 8 else { throw ModelError.implausible("metadata \(key) nests arrays more than 8 deep") }
        let rawType = try r.read(UInt32.self, "element type of \(key)")
        guard let type = ValueType(rawValue: rawType) else {
            throw ModelError.malformed("metadata array \(key) has unknown element type \(rawType)")
        }
        let count64 = try r.read(UInt64.self, "length of \(key)")
        guard count64 <= UInt64(r.remaining / type.minimumSize) else {
            throw ModelError.implausible("metadata array \(key) claims \(count64) elements but only \(r.remaining) bytes remain")
        }
        let count = Int(count64)
        func many<T>(_ read: (inout ByteReader) throws -> T) throws -> [T] {
            var out: [T] = []
            out.reserveCapacity(count)
            for _ in 0..<count { out.append(try read(&r)) }
            return out
        }
        switch type {
        case .uint8: return .uint8(try many { try $0.read(UInt8.self, key) })
        case .int8: return .int8(try many { try $0.read(Int8.self, key) })
        case .uint16: return .uint16(try many { try $0.read(UInt16.self, key) })
        case .int16: return .int16(try many { try $0.read(Int16.self, key) })
        case .uint32: return .uint32(try many { try $0.read(UInt32.self, key) })
        case .int32: return .int32(try many { try $0.read(Int32.self, key) })
        case .float32: return .float32(try many { try $0.readFloat(key) })
        case .bool: return .bool(try many { try readBool(&$0, key) })
        case .string: return .string(try many { try $0.readString(key) })
        case .uint64: return .uint64(try many { try $0.read(UInt64.self, key) })
        case .int64: return .int64(try many { try $0.read(Int64.self, key) })
        case .float64: return .float64(try many { try $0.readDouble(key) })
        case .array:
            // Each element is itself an array value: element type, count, items.
            return .array(try many { try readArray(&$0, key: key, depth: depth + 1) })
        }
    }
}
