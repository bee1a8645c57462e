import Foundation
import Neurons

/// How a writer stores activation values: float32 exactly, or float16 at half the size.
public enum ActivationPrecision: String, Sendable, CaseIterable {
    case float32, float16
}

/// Appends a trace to a file block by block through a buffered `FILE*`, so that a trace
/// of any length is written in constant memory.
///
/// A class because it owns the open file: the recording source that feeds it lives inside
/// the engine, and the caller keeps the same writer to `finish()` it after the run.
/// Blocks must come in dataflow order (token 0 stages 0..<S, token 1, ...). If the writer is
/// released without `finish()`, the file ends without its end block and reads as truncated,
/// as after a crash.
public final class TraceWriter {
    public let path: String
    public let header: TraceHeader
    public let activationPrecision: ActivationPrecision
    /// Data blocks written so far.
    public private(set) var blocks = 0
    /// Bytes written so far (header included).
    public private(set) var bytes: Int64 = 0
    /// Set when a block could not be written from a context that cannot throw (a recording
    /// spike source); `finish()` throws it.
    public private(set) var failure: TraceError?

    private var file: UnsafeMutablePointer<FILE>?
    private var frame: [UInt8] = []
    private var payload: [UInt8] = []
    private var scratch = SpikeBlock()

    /// Creates (or replaces) `path` and writes the header.
    /// - Throws: `TraceError` if the header is invalid or the file cannot be written.
    public init(path: String, header: TraceHeader, activationPrecision: ActivationPrecision = .float32) throws {
        self.path = path; self.header = header; self.activationPrecision = activationPrecision
        if let problem = header.problem() { throw TraceError.invalidUse("cannot write trace \(path): \(problem)") }
        let json = try header.encoded()
        guard json.count <= TraceFormat.maxHeaderBytes else {
            throw TraceError.invalidUse("cannot write trace \(path): the header is \(json.count) bytes, more than \(TraceFormat.maxHeaderBytes)")
        }
        guard let f = fopen(path, "wb") else {
            throw TraceError.io(path: path, message: "cannot create the trace: \(String(cString: strerror(errno)))")
        }
        file = f
        setvbuf(f, nil, _IOFBF, 1 << 20)
        var pre = TraceFormat.magic
        pre.appendLittleEndian(TraceFormat.version(for: header.content))
        pre.appendLittleEndian(UInt16(0))
        pre.appendLittleEndian(UInt32(json.count))
        pre += json
        pre.appendLittleEndian(CRC32.checksum(pre))
        try write(pre)
    }

    deinit {
        if let file { fclose(file) }
    }

    /// Appends the spikes of `stage` of `token`: exactly `timeSteps` steps, neurons increasing
    /// within a step and below the stage's width, amplitudes ±1...±127.
    public func append(token: Int, stage: Int, spikes block: SpikeBlock) throws {
        try expect(token: token, stage: stage, kind: .spikes)
        guard block.steps == header.timeSteps else {
            throw TraceError.invalidUse("token \(token) stage \(stage): \(block.steps) steps given, the trace has T = \(header.timeSteps)")
        }
        payload.removeAll(keepingCapacity: true)
        do { try SpikePayload.encode(block, inputs: header.width(ofStage: stage), into: &payload) } catch {
            throw TraceError.invalidUse("token \(token) stage \(stage) (\(header.name(ofStage: stage))): \(error)")
        }
        try writeBlock(type: TraceFormat.spikesType, token: token, stage: stage)
    }

    /// Appends the non-zero entries of `train` (which must have `timeSteps` steps).
    public func append(token: Int, stage: Int, train: SpikeTrain) throws {
        scratch.assign(train)
        try append(token: token, stage: stage, spikes: scratch)
    }

    /// Appends the activation vector of `stage` of `token` (one value per input neuron).
    public func appendActivations(token: Int, stage: Int, values: UnsafeBufferPointer<Float>) throws {
        try expect(token: token, stage: stage, kind: .activations(activationPrecision))
        let n = header.stages[stage].inputs
        guard values.count == n else {
            throw TraceError.invalidUse("token \(token) stage \(stage) (\(header.stages[stage])): \(values.count) activations given")
        }
        payload.removeAll(keepingCapacity: true)
        switch activationPrecision {
        case .float32: for v in values { payload.appendLittleEndian(v.bitPattern) }
        case .float16: for v in values { payload.appendLittleEndian(HalfFloat.bits(v)) }
        }
        try writeBlock(type: activationPrecision == .float32 ? TraceFormat.float32Type : TraceFormat.float16Type, token: token, stage: stage)
    }

    /// Convenience for arrays.
    public func appendActivations(token: Int, stage: Int, values: [Float]) throws {
        try values.withUnsafeBufferPointer { try appendActivations(token: token, stage: stage, values: $0) }
    }

    /// Appends the membranes of a network trace's membrane stream `stage` at step `token`
    /// (one value per neuron, stored as float64: nothing a Double membrane holds is lost).
    public func appendMembranes(token: Int, stage: Int, values: UnsafeBufferPointer<Double>) throws {
        try expect(token: token, stage: stage, kind: .membranes)
        guard values.count == header.streams[stage].neurons else {
            throw TraceError.invalidUse("step \(token) stream \(stage) (\(header.streams[stage])): \(values.count) membranes given")
        }
        payload.removeAll(keepingCapacity: true)
        for v in values { payload.appendLittleEndian(v.bitPattern) }
        try writeBlock(type: TraceFormat.float64Type, token: token, stage: stage)
    }

    /// Writes the end block and closes the file. Throws the first failure recorded while
    /// recording (the file is then closed without an end block and reads as truncated).
    public func finish() throws {
        guard let f = file else { throw TraceError.invalidUse("trace \(path) is already finished") }
        if let failure {
            fclose(f); file = nil
            throw failure
        }
        payload.removeAll(keepingCapacity: true)
        payload.appendLittleEndian(UInt64(blocks))
        try writeBlock(type: TraceFormat.endType, token: blocks / header.blocksPerToken, stage: 0)
        file = nil
        let flushed = fflush(f) == 0
        let closed = fclose(f) == 0
        guard flushed, closed else { throw TraceError.io(path: path, message: "cannot finish the trace: \(String(cString: strerror(errno)))") }
    }

    /// Records a failure from a context that cannot throw; the first one wins.
    public func fail(_ error: TraceError) {
        if failure == nil { failure = error }
    }

    private func expect(token: Int, stage: Int, kind: TraceBlock.Kind) throws {
        if let failure { throw failure }
        guard file != nil else { throw TraceError.invalidUse("trace \(path) is already finished") }
        let s = header.blocksPerToken
        guard token <= Int(UInt32.max) else { throw TraceError.invalidUse("token \(token) is beyond the format's 2^32 tokens") }
        guard token == blocks / s, stage == blocks % s else {
            throw TraceError.invalidUse("blocks must come in dataflow order: expected token \(blocks / s) stage \(blocks % s), got token \(token) stage \(stage)")
        }
        guard header.accepts(kind, atStage: stage) else {
            let holds = header.content == .network ? "\(header.streams[stage].record.rawValue) in stream \(stage) (\(header.streams[stage].population))"
                : header.content.rawValue
            throw TraceError.invalidUse("trace \(path) holds \(holds), not \(kind.name)s")
        }
    }

    /// Frames `payload` (type, token, stage, length, payload, checksum) and writes it.
    private func writeBlock(type: UInt8, token: Int, stage: Int) throws {
        frame.removeAll(keepingCapacity: true)
        frame.append(type)
        frame.appendLittleEndian(UInt32(truncatingIfNeeded: token))
        frame.appendLittleEndian(UInt32(stage))
        frame.appendLittleEndian(UInt32(payload.count))
        var crc = frame.withUnsafeBytes { CRC32.update(0, $0) }
        crc = payload.withUnsafeBytes { CRC32.update(crc, $0) }
        try write(frame)
        try write(payload)
        frame.removeAll(keepingCapacity: true)
        frame.appendLittleEndian(crc)
        try write(frame)
        if type != TraceFormat.endType { blocks += 1 }
    }

    private func write(_ data: [UInt8]) throws {
        guard let file else { return }
        let n = data.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard n == data.count else {
            throw TraceError.io(path: path, message: "cannot write the trace: \(String(cString: strerror(errno))) (disk full?)")
        }
        bytes += Int64(n)
    }
}
