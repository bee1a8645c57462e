import Foundation

/// Reads a trace block by block through a buffered `FILE*`, holding one block's payload
/// at a time, and checks everything it reads: magic, version, header checksum and ranges,
/// each block's type, length bounds (before allocating), checksum, token and stage order,
/// and the end block's counts.
///
/// A class because it owns the open file and its position. A file without an end block
/// (crashed writer) reads up to its last complete block; `next()` then returns nil and
/// `completion` says where it was cut.
public final class TraceReader {
    public let path: String
    public let header: TraceHeader
    public let fileSize: Int64
    /// The end block's counts when the file ends with a valid one (checked on open, by
    /// reading the last 25 bytes): a complete trace, whose token count is known up front.
    public let trailer: (tokens: Int, blocks: Int)?
    /// Set once `next()` has returned nil.
    public private(set) var completion: TraceCompletion?
    /// The block `next()` returned last; its payload is what `spikes(into:)` and `activations(into:)` decode.
    public private(set) var current: TraceBlock?
    /// Data blocks read so far.
    public private(set) var blocksRead = 0
    /// Bytes of payload storage held: the largest payload read so far, never the file.
    public private(set) var payloadCapacity = 0

    private var file: UnsafeMutablePointer<FILE>?
    private var offset: Int64
    private var buffer: UnsafeMutableRawPointer?
    /// The current block's frame: type, token, stage, payload length.
    private var frame = [UInt8](repeating: 0, count: TraceFormat.frameBytes)
    private var payloadLength = 0
    private let stageCount: Int

    /// Opens `path` and reads and checks its header.
    /// - Throws: `TraceError.io` if the file cannot be read, `.invalidHeader` if it is not a
    ///   valid trace of this version.
    public init(path: String) throws {
        self.path = path
        guard let f = fopen(path, "rb") else {
            throw TraceError.io(path: path, message: "cannot open the trace: \(String(cString: strerror(errno)))")
        }
        file = f
        setvbuf(f, nil, _IOFBF, 1 << 20)
        fseeko(f, 0, SEEK_END)
        fileSize = Int64(ftello(f))
        fseeko(f, 0, SEEK_SET)
        func bad(_ m: String) -> TraceError { .invalidHeader(path: path, message: m) }

        var preamble = [UInt8](repeating: 0, count: TraceFormat.preambleBytes)
        guard fileSize >= Int64(TraceFormat.preambleBytes) else {
            fclose(f); file = nil
            throw bad("not a SpikeChip trace: the file is only \(fileSize) bytes")
        }
        try Self.read(f, &preamble, path: path)
        let (version, reserved, length) = preamble.withUnsafeBytes {
            ($0.littleEndian(at: 8, as: UInt16.self), $0.littleEndian(at: 10, as: UInt16.self), Int($0.littleEndian(at: 12, as: UInt32.self)))
        }
        var problem: String?
        if Array(preamble[0..<8]) != TraceFormat.magic {
            problem = "not a SpikeChip trace (the file does not start with SPKTRACE)"
        } else if version != TraceFormat.modelVersion && version != TraceFormat.networkVersion {
            problem = "trace format version \(version); this build reads versions \(TraceFormat.modelVersion) and \(TraceFormat.networkVersion) (use a matching spikechip)"
        } else if reserved != 0 {
            problem = "reserved header field is \(reserved), not 0 (file corrupted or from a newer version)"
        } else if !(2...TraceFormat.maxHeaderBytes).contains(length) {
            problem = "header length \(length) is outside 2...\(TraceFormat.maxHeaderBytes) (file corrupted)"
        } else if Int64(TraceFormat.preambleBytes + length + TraceFormat.checksumBytes) > fileSize {
            problem = "the file (\(fileSize) bytes) ends inside its \(length)-byte header: truncated before any block"
        }
        if let problem { fclose(f); file = nil; throw bad(problem) }

        var json = [UInt8](repeating: 0, count: length + TraceFormat.checksumBytes)
        try Self.read(f, &json, path: path)
        let stored = json.withUnsafeBytes { $0.littleEndian(at: length, as: UInt32.self) }
        let computed = json.withUnsafeBytes { CRC32.update(CRC32.checksum(preamble), UnsafeRawBufferPointer(rebasing: $0[0..<length])) }
        guard stored == computed else { fclose(f); file = nil; throw bad("header checksum mismatch (file corrupted)") }
        let decoded: TraceHeader
        do { decoded = try JSONDecoder().decode(TraceHeader.self, from: Data(json[0..<length])) } catch {
            fclose(f); file = nil
            throw bad("invalid header JSON: \(Self.describe(error))")
        }
        if let p = decoded.problem() { fclose(f); file = nil; throw bad("invalid header: \(p)") }
        guard version == TraceFormat.version(for: decoded.content) else {
            fclose(f); file = nil
            throw bad("invalid header: a version \(version) trace cannot hold \(decoded.content.rawValue) (network traces are version \(TraceFormat.networkVersion), model traces version \(TraceFormat.modelVersion)); file corrupted")
        }
        header = decoded
        stageCount = decoded.blocksPerToken
        offset = Int64(TraceFormat.preambleBytes + length + TraceFormat.checksumBytes)
        trailer = Self.readTrailer(f, fileSize: fileSize, dataStart: offset, stages: decoded.blocksPerToken)
        fseeko(f, off_t(offset), SEEK_SET)
    }

    deinit {
        if let file { fclose(file) }
        buffer?.deallocate()
    }

    /// Whether `path` starts with a trace's magic: a cheap test for choosing a reader, not a check of the file.
    public static func isTrace(path: String) -> Bool {
        guard let f = fopen(path, "rb") else { return false }
        defer { fclose(f) }
        var magic = [UInt8](repeating: 0, count: TraceFormat.magic.count)
        return fread(&magic, 1, magic.count, f) == magic.count && magic == TraceFormat.magic
    }

    /// Reads the next data block and verifies it; nil at the end of the trace (see `completion`).
    /// - Throws: `TraceError.corrupt` naming the block, its byte offset and the problem.
    public func next() throws -> TraceBlock? {
        guard completion == nil, let f = file else { return nil }
        let start = offset, index = blocksRead
        func corrupt(_ m: String) -> TraceError { .corrupt(block: index, offset: start, message: m) }
        let truncated = TraceCompletion.truncated(offset: start, blocks: index, tokens: index / stageCount)
        if fileSize - start < Int64(TraceFormat.frameBytes) {
            if trailer != nil { throw corrupt("the data blocks end inside a block frame (file corrupted)") }
            completion = truncated
            return nil
        }
        try frame.withUnsafeMutableBytes { p in try Self.read(f, p.baseAddress!, TraceFormat.frameBytes, path: path) }
        let (type, token, stage, length) = frame.withUnsafeBytes {
            ($0[0], Int($0.littleEndian(at: 1, as: UInt32.self)), Int($0.littleEndian(at: 5, as: UInt32.self)),
             Int($0.littleEndian(at: 9, as: UInt32.self)))
        }
        let expected = index % stageCount, inputs = header.width(ofStage: expected)
        func named() -> String { "stage \(expected) (\(header.name(ofStage: expected)))" }
        let kind: TraceBlock.Kind?
        switch type {
        case TraceFormat.spikesType:
            let bound = TraceFormat.maxSpikePayload(inputs: inputs, steps: header.timeSteps)
            guard (header.timeSteps...bound).contains(length) else {
                throw corrupt("spike payload length \(length) is outside \(header.timeSteps)...\(bound) for \(named()) (file corrupted)")
            }
            kind = .spikes
        case TraceFormat.float32Type, TraceFormat.float16Type:
            let width = type == TraceFormat.float32Type ? 4 : 2
            guard length == width * inputs else {
                throw corrupt("activation payload of \(length) bytes; \(named()) needs \(width * inputs) (file corrupted)")
            }
            kind = .activations(width == 4 ? .float32 : .float16)
        case TraceFormat.float64Type where header.content == .network:
            guard length == 8 * inputs else {
                throw corrupt("membrane payload of \(length) bytes; \(named()) needs \(8 * inputs) (file corrupted)")
            }
            kind = .membranes
        case TraceFormat.endType:
            guard length == 8 else { throw corrupt("end block with a \(length)-byte payload instead of 8 (file corrupted)") }
            kind = nil
        default:
            throw corrupt("unknown block type 0x\(String(type, radix: 16)) (file corrupted, or written by a newer format version)")
        }
        if let kind, !header.accepts(kind, atStage: expected) {
            throw corrupt("\(kind.name) block where \(named()) of a trace of \(header.content.rawValue) belongs (file corrupted)")
        }
        let end = start + Int64(TraceFormat.frameBytes + length + TraceFormat.checksumBytes)
        let limit = kind != nil && trailer != nil ? fileSize - Int64(TraceFormat.endBlockBytes) : fileSize
        if end > limit {
            if trailer != nil { throw corrupt("its \(length)-byte payload runs past the end of the data at byte \(limit) (file corrupted)") }
            completion = truncated
            return nil
        }
        let p = reserve(length + TraceFormat.checksumBytes)
        try Self.read(f, p, length + TraceFormat.checksumBytes, path: path)
        let payload = UnsafeRawBufferPointer(start: p, count: length)
        let crc = frame.withUnsafeBytes { CRC32.update(CRC32.update(0, $0), payload) }
        guard crc == UnsafeRawBufferPointer(start: p, count: length + 4).littleEndian(at: length, as: UInt32.self) else {
            throw corrupt("checksum mismatch (file corrupted)")
        }
        offset = end
        guard let kind else {
            let blocks = payload.littleEndian(at: 0, as: UInt64.self)
            guard blocks == UInt64(index), token == index / stageCount, stage == 0 else {
                throw corrupt("the end block counts \(blocks) blocks and \(token) tokens, but \(index) blocks (\(index / stageCount) complete tokens) precede it (file corrupted)")
            }
            guard end == fileSize else { throw corrupt("\(fileSize - end) bytes follow the end block (file corrupted)") }
            completion = .complete(tokens: token, blocks: index)
            current = nil
            return nil
        }
        guard token == index / stageCount, stage == index % stageCount else {
            throw corrupt("holds token \(token) stage \(stage) where token \(index / stageCount) stage \(index % stageCount) belongs (blocks missing or out of order)")
        }
        payloadLength = length
        blocksRead += 1
        let block = TraceBlock(kind: kind, index: index, token: token, stage: stage, offset: start, byteCount: Int(end - start))
        current = block
        return block
    }

    /// Decodes the current spike block's payload into `block` (reusing its storage).
    /// - Throws: `TraceError.corrupt` with the byte of the first malformed field.
    public func spikes(into block: inout SpikeBlock) throws {
        guard let b = current, b.kind == .spikes else { throw TraceError.invalidUse("spikes(into:) needs a current spike block; call next() first") }
        do {
            try SpikePayload.decode(UnsafeRawBufferPointer(start: buffer, count: payloadLength), steps: header.timeSteps,
                                    inputs: header.width(ofStage: b.stage), into: &block)
        } catch {
            throw TraceError.corrupt(block: b.index, offset: b.offset + Int64(TraceFormat.frameBytes + error.offset),
                                     message: "malformed spike payload: \(error.message) (written by a faulty writer)")
        }
    }

    /// Decodes the current activation block into `values` (one per input neuron).
    public func activations(into values: inout ContiguousArray<Float>) throws {
        guard let b = current, case .activations(let precision) = b.kind else {
            throw TraceError.invalidUse("activations(into:) needs a current activation block; call next() first")
        }
        let n = header.width(ofStage: b.stage)
        values.removeAll(keepingCapacity: true)
        values.append(contentsOf: repeatElement(0, count: n))
        let raw = UnsafeRawBufferPointer(start: buffer, count: payloadLength)
        values.withUnsafeMutableBufferPointer { v in
            switch precision {
            case .float32: for i in 0..<n { v[i] = Float(bitPattern: raw.littleEndian(at: 4 * i, as: UInt32.self)) }
            case .float16: for i in 0..<n { v[i] = HalfFloat.float(raw.littleEndian(at: 2 * i, as: UInt16.self)) }
            }
        }
    }

    /// Decodes the current membrane block of a network trace into `values` (one per neuron).
    public func membranes(into values: inout ContiguousArray<Double>) throws {
        guard let b = current, b.kind == .membranes else {
            throw TraceError.invalidUse("membranes(into:) needs a current membrane block; call next() first")
        }
        let n = header.width(ofStage: b.stage)
        values.removeAll(keepingCapacity: true)
        let raw = UnsafeRawBufferPointer(start: buffer, count: payloadLength)
        for i in 0..<n { values.append(Double(bitPattern: raw.littleEndian(at: 8 * i, as: UInt64.self))) }
    }

    /// Reads to the end and returns how the trace ends, throwing on corruption: what a replay
    /// of a file without an end block uses to learn how many tokens are complete.
    public func readToEnd() throws -> TraceCompletion {
        while try next() != nil {}
        return completion!
    }

    /// Tokens `path` holds complete: the end block's count, or for a file without one (its
    /// writer did not finish) the count found by reading it through, checksums included.
    public static func completeTokens(path: String) throws -> (tokens: Int, truncated: Bool) {
        let reader = try TraceReader(path: path)
        if let t = reader.trailer { return (t.tokens, false) }
        return (try reader.readToEnd().tokens, true)
    }

    /// Payload storage for `count` bytes, grown only when a larger block arrives.
    private func reserve(_ count: Int) -> UnsafeMutableRawPointer {
        if count > payloadCapacity || buffer == nil {
            buffer?.deallocate()
            payloadCapacity = max(count, 64)
            buffer = UnsafeMutableRawPointer.allocate(byteCount: payloadCapacity, alignment: 16)
        }
        return buffer!
    }

    private static func read(_ f: UnsafeMutablePointer<FILE>, _ bytes: inout [UInt8], path: String) throws {
        let count = bytes.count
        try bytes.withUnsafeMutableBytes { try read(f, $0.baseAddress!, count, path: path) }
    }

    private static func read(_ f: UnsafeMutablePointer<FILE>, _ p: UnsafeMutableRawPointer, _ count: Int, path: String) throws {
        guard count == 0 || fread(p, 1, count, f) == count else {
            throw TraceError.io(path: path, message: "cannot read the trace: \(ferror(f) != 0 ? String(cString: strerror(errno)) : "the file shrank while it was read")")
        }
    }

    /// The end block's counts if the file ends with a valid one (checksum and layout), else nil.
    private static func readTrailer(_ f: UnsafeMutablePointer<FILE>, fileSize: Int64, dataStart: Int64, stages: Int) -> (tokens: Int, blocks: Int)? {
        let n = TraceFormat.endBlockBytes
        guard fileSize - dataStart >= Int64(n), fseeko(f, off_t(fileSize - Int64(n)), SEEK_SET) == 0 else { return nil }
        var bytes = [UInt8](repeating: 0, count: n)
        guard (try? read(f, &bytes, path: "")) != nil else { return nil }
        return bytes.withUnsafeBytes { b in
            guard b[0] == TraceFormat.endType, b.littleEndian(at: 9, as: UInt32.self) == 8,
                  CRC32.update(0, UnsafeRawBufferPointer(rebasing: b[0..<(n - 4)])) == b.littleEndian(at: n - 4, as: UInt32.self)
            else { return nil }
            let blocks = b.littleEndian(at: 13, as: UInt64.self)
            guard blocks <= UInt64(Int.max) else { return nil }
            return (Int(b.littleEndian(at: 1, as: UInt32.self)), Int(blocks))
        }
    }

    /// A decoding error in one line: which key, what went wrong.
    private static func describe(_ error: Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, let c)?: "missing key '\((c.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case .typeMismatch(_, let c)?, .valueNotFound(_, let c)?, .dataCorrupted(let c)?:
            "\(c.codingPath.map(\.stringValue).joined(separator: ".")): \(c.debugDescription)"
        default: "\(error)"
        }
    }
}
