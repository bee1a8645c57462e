import Engine
import Mapping
import Neurons

/// Replays a trace into the engine: the spikes of each (token, stage) come from the
/// trace's block instead of being drawn or computed. Spike traces are replayed as written;
/// activation traces are encoded block by block with a `ConfiguredEncoder`.
///
/// Blocks are read one at a time, in the order the engine asks for them (it runs a token's
/// stages in dataflow order, token after token), so memory does not grow with the trace.
/// Mapped stages are matched to the trace's by kind and layer; a mapping of fewer layers
/// (`--layers`) replays the first layers and skips the other blocks.
///
/// Everything checkable is checked in `init` (stage shapes, T, token count). A block that
/// turns out corrupt mid-run cannot be thrown from `spikes(...)`: the source then emits no
/// more spikes and records the error in `failure`; pass `{ source.failure != nil }` as the
/// run's `shouldStop` and call `finish()` after the run, which throws it. A class so that
/// the caller keeps access to that state while the engine holds the source.
public final class TraceSpikeSource: SpikeSource {
    public let reader: TraceReader
    /// Trace stage of each mapped stage (-1 for `output`).
    public let stageMap: [Int]
    /// The encoder of an activation trace, nil for spike traces.
    public private(set) var encoder: ConfiguredEncoder?
    /// Tokens the trace holds complete.
    public let availableTokens: Int
    /// The first error met during the run.
    public private(set) var failure: TraceError?

    private let timeSteps: Int
    private var block = SpikeBlock()
    private var values: ContiguousArray<Float> = []
    private var train = SpikeTrain(neuronCount: 0, steps: 0)
    private var loaded = (token: -1, stage: -1)

    /// Copies are the same object, and the engine asks for a token's stages one after another
    /// whatever the partitioning (a stage starts only once the packets of the one before have
    /// crossed the mesh, so its call comes a window later), so partitions read the blocks in order.
    public var replicable: Bool { true }

    /// Opens `path` for a run of `workload` on `mapping`.
    /// - Parameter encoder: encoder of an activation trace, overriding the header's suggestion; ignored for spike traces.
    /// - Throws: `TraceError` when the trace cannot be read, does not match the mapping's
    ///   stages, was recorded at another T, or holds fewer complete tokens than requested.
    public init(path: String, mapping: ChipMapping, workload: Workload, encoder: ConfiguredEncoder? = nil) throws {
        reader = try TraceReader(path: path)
        let h = reader.header
        guard h.content != .network else { throw TraceError.mismatch(Self.networkTraceHint(path)) }
        stageMap = try Self.match(h, mapping)
        timeSteps = workload.timeSteps
        if h.content == .spikes {
            guard h.timeSteps == workload.timeSteps else {
                throw TraceError.mismatch("the trace's spikes have T = \(h.timeSteps) time steps but the run asks for T = \(workload.timeSteps): replay with --time-steps \(h.timeSteps)")
            }
        } else {
            let e: ConfiguredEncoder
            if let encoder { e = encoder } else {
                do { e = try ConfiguredEncoder(parsing: h.encoder) } catch {
                    throw TraceError.mismatch("the trace suggests encoder '\(h.encoder)', which does not parse (\(error)): pass --encoder")
                }
            }
            guard e.steps == workload.timeSteps else {
                throw TraceError.mismatch("the encoder emits T = \(e.steps) time steps but the run asks for T = \(workload.timeSteps): set T in --encoder or --time-steps to agree")
            }
            self.encoder = e
        }
        let (available, truncated) = try TraceReader.completeTokens(path: path)
        availableTokens = available
        guard workload.tokens <= availableTokens else {
            let cut = truncated ? " (the file is truncated: its writer did not finish)" : ""
            throw TraceError.mismatch("the trace holds \(availableTokens) complete tokens\(cut) but the run asks for \(workload.tokens): replay at most --tokens \(availableTokens)")
        }
    }

    /// Why a network trace cannot drive a model's stages, and what takes it.
    public static func networkTraceHint(_ path: String) -> String {
        "\(path) is a network trace (the spikes of a network's populations, step by step), not a model's: give it to `spikechip network NETWORK --input \(path)`"
    }

    /// The trace stage of each mapped stage, or an error naming the first that does not fit.
    static func match(_ h: TraceHeader, _ mapping: ChipMapping) throws -> [Int] {
        var map: [Int] = []
        var last = -1
        let layers = Set(h.stages.map(\.layer)).count
        for s in mapping.stages {
            if s.kind == .output { map.append(-1); continue }
            let mapped = TraceStage(s)
            guard let i = h.stages.firstIndex(where: { $0.kind == s.kind && ($0.kind == .lmHead || $0.layer == s.layer) }) else {
                let hint = s.kind == .lmHead ? "record the trace with the LM head mapped, or map without it"
                    : "the trace holds \(layers - (h.stages.contains { $0.kind == .lmHead } ? 1 : 0)) layer(s): map at most that many (--layers)"
                throw TraceError.mismatch("the mapping's stage \(map.count) (\(mapped)) is not in the trace of \(h.modelName): \(hint)")
            }
            let t = h.stages[i]
            guard t.inputs == s.inputs else {
                throw TraceError.mismatch("trace stage \(i) (\(t)) does not match the mapping's (\(mapped)): the trace was recorded from \(h.modelName), map that model")
            }
            guard i > last else { throw TraceError.mismatch("trace stage \(i) (\(t)) comes before a stage mapped earlier: the trace's stages are not in dataflow order") }
            last = i
            map.append(i)
        }
        return map
    }

    public func spikes(token: Int, stage: Int, layer: Int, step: Int, inputs: Int, into out: inout [(neuron: Int32, sign: Int8)]) {
        if loaded.token != token || loaded.stage != stage { load(token: token, stage: stage) }
        guard failure == nil, step < block.steps else { return }
        let r = block.range(ofStep: step)
        block.neurons.withUnsafeBufferPointer { n in
            block.amplitudes.withUnsafeBufferPointer { a in
                for i in r { out.append((n[i], a[i])) }
            }
        }
    }

    /// Reads blocks up to the one of (token, mapped stage), skipping unmapped stages.
    private func load(token: Int, stage: Int) {
        loaded = (token, stage)
        block.removeAll()
        guard failure == nil else { return }
        let target = stageMap[stage]
        do {
            while true {
                guard let b = try reader.next() else {
                    // Only if the file changed since `init` counted its tokens.
                    switch reader.completion {
                    case let .truncated(offset, blocks, tokens)?: fail(.truncated(offset: offset, blocks: blocks, tokens: tokens))
                    case let .complete(tokens, _)?: fail(.mismatch("the trace ended after \(tokens) tokens, before token \(token) stage \(target)"))
                    case nil: fail(.mismatch("the trace ended before token \(token) stage \(target)"))
                    }
                    return
                }
                if (b.token, b.stage) < (token, target) { continue }
                guard b.token == token, b.stage == target else {
                    fail(.invalidUse("the engine asked for token \(token) stage \(target) after the trace had passed it (block \(b.index))"))
                    return
                }
                if encoder == nil {
                    try reader.spikes(into: &block)
                } else {
                    try reader.activations(into: &values)
                    try values.withUnsafeBufferPointer { (v) throws(NeuronParameterError) in try encoder!.encode(v, into: &train) }
                    guard train.steps <= timeSteps else {
                        fail(.mismatch("token \(token) stage \(target): the encoder emitted \(train.steps) steps, more than the run's T = \(timeSteps)"))
                        return
                    }
                    block.assign(train)
                }
                return
            }
        } catch let e as TraceError {
            fail(e)
        } catch {
            fail(.mismatch("token \(token) stage \(target) (\(reader.header.stages[target])): cannot encode the recorded activations: \(error)"))
        }
    }

    private func fail(_ e: TraceError) {
        if failure == nil { failure = e }
        block.removeAll()
    }

    /// Throws the error that stopped the replay, if any: call after the run.
    public func finish() throws {
        if let failure { throw failure }
    }
}
