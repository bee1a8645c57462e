/// Constants of the trace file format (docs/trace-format.md), shared by writer and reader.
enum TraceFormat {
    /// ASCII "SPKTRACE".
    static let magic: [UInt8] = Array("SPKTRACE".utf8)
    /// Model traces (LLM stages) are version 1, which earlier builds read too; network traces
    /// are version 2, which earlier builds refuse by its number instead of misreading its header.
    static let modelVersion: UInt16 = 1
    static let networkVersion: UInt16 = 2
    static func version(for content: TraceContent) -> UInt16 { content == .network ? networkVersion : modelVersion }
    /// Magic, version, reserved, header length.
    static let preambleBytes = 16
    /// Type, token, stage, payload length.
    static let frameBytes = 13
    static let checksumBytes = 4
    /// The end block: frame, block count (u64), checksum.
    static let endBlockBytes = frameBytes + 8 + checksumBytes
    /// Bounds that keep a hostile file from making the reader allocate gigabytes.
    static let maxHeaderBytes = 16 << 20
    static let maxInputs = 1 << 24
    static let maxStages = 1 << 16
    static let maxTimeSteps = 255
    /// Longest varint accepted (values < 2^35, enough for a gap word of a 2^24-wide stage).
    static let maxVarintBytes = 5

    static let spikesType: UInt8 = 0x01
    static let float32Type: UInt8 = 0x02
    static let float16Type: UInt8 = 0x03
    /// Membranes of a network trace's membrane stream (version 2 only).
    static let float64Type: UInt8 = 0x04
    static let endType: UInt8 = 0x45

    /// Largest spike payload a stage of `inputs` neurons can need at `steps` steps: a count
    /// varint per step, a 5-byte gap word and a 2-byte amplitude per spike.
    static func maxSpikePayload(inputs: Int, steps: Int) -> Int { steps * (maxVarintBytes + 7 * inputs) }
}

extension Array where Element == UInt8 {
    /// Appends `value` as `width` little-endian bytes.
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        var v = value.littleEndian
        Swift.withUnsafeBytes(of: &v) { append(contentsOf: $0) }
    }
}

extension UnsafeRawBufferPointer {
    /// The little-endian integer at `offset`.
    func littleEndian<T: FixedWidthInteger>(at offset: Int, as: T.Type) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
