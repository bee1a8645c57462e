import Foundation
import SimKernel
import Engine
import Mapping
import ModelShapes
import Models
import Neurons

/// Real tokens through the chip: the spike source of a closed-loop run.
///
/// When the engine asks for the first spikes of a position, the source runs that position's
/// forward pass on a `ChipBackend`: every stage's input (RMSNorm, attention, SiLU·up, all on
/// the function units) is encoded, and the spikes are integrated through the quantized
/// crossbars, so the next stage sees exactly what the chip computes. The engine then sends
/// those very spikes through the mesh, step by step, for timing and energy. The logits of a
/// position pick the next token (greedy), which the next position feeds back: prompt tokens
/// first, then the generated ones.
///
/// The arithmetic does not depend on when spikes arrive, only on which arrive, so running it
/// once per position is exact as long as no packet is dropped (`TrafficCounters.dropped`
/// stays 0 on topologies without bounded router buffers; a run reports it otherwise).
public struct ClosedLoopSource: SpikeSource {
    public private(set) var session: InferenceSession
    public private(set) var backend: ChipBackend
    public let prompt: [Int32]
    public let newTokens: Int
    /// Tokens generated so far (greedy argmax of each position's logits from the last prompt position on).
    public private(set) var generated: [Int32] = []
    /// Wall time spent in the functional forward passes, in seconds.
    public private(set) var functionalSeconds: Double = 0
    /// The first error of a forward pass; the run goes on without spikes and the caller reports it.
    public private(set) var failure: Error?
    /// The dense model fed the same tokens, position by position, when fidelity is measured.
    private var reference: InferenceSession?
    /// Positions compared with the dense model, those whose top-1 token agreed, and the summed KL(dense ‖ chip).
    private var compared = 0, agreed = 0, klSum = 0.0
    private var position = -1

    /// Positions the chip processes: the prompt, then every generated token but the last.
    public var positions: Int { prompt.count + newTokens - 1 }

    /// - Throws: `ClosedLoopError` when the mapping lacks layers or the LM head, when the
    ///   prompt is empty or has ids outside the vocabulary, or when the sequence is longer than
    ///   the model's context.
    /// - Parameter measureFidelity: also run the dense model on the same tokens and compare each
    ///   position's logits (top-1 agreement, KL divergence); doubles the host's work.
    public init(model: LanguageModel, backend: ChipBackend, mapping: ChipMapping, prompt: [Int32], newTokens: Int,
                measureFidelity: Bool = false) throws {
        let spec = model.spec
        guard mapping.layers == spec.layers, mapping.options.includeLMHead else {
            throw ClosedLoopError.incompleteMapping("a closed-loop run needs every layer and the LM head on the chip "
                + "(mapped: \(mapping.layers) of \(spec.layers) layers\(mapping.options.includeLMHead ? "" : ", no LM head")); drop --layers and --no-lm-head")
        }
        guard mapping.spec.hidden == spec.hidden, mapping.spec.ffn == spec.ffn, mapping.spec.vocabulary == spec.vocabulary else {
            throw ClosedLoopError.incompleteMapping("the mapping is of \(mapping.spec.name), the weights of \(spec.name)")
        }
        guard !prompt.isEmpty else { throw ClosedLoopError.invalidRequest("the prompt is empty: give --prompt text or --prompt-ids") }
        guard newTokens >= 1 else { throw ClosedLoopError.invalidRequest("--tokens must be at least 1, got \(newTokens)") }
        if let bad = prompt.first(where: { $0 < 0 || Int($0) >= spec.vocabulary }) {
            throw ClosedLoopError.invalidRequest("prompt token id \(bad) is outside the vocabulary of \(spec.vocabulary)")
        }
        let length = prompt.count + newTokens - 1
        guard length <= spec.contextLength else {
            throw ClosedLoopError.invalidRequest("\(prompt.count) prompt + \(newTokens) new tokens exceed the context of \(spec.contextLength)")
        }
        guard backend.partialSums.coding == mapping.options.partialSums,
              backend.partialSums.coding == .graded || backend.partialSums == PartialSumReduction(mapping: mapping) else {
            throw ClosedLoopError.incompleteMapping("the backend reduces partial sums as \(backend.partialSums.coding), the mapping as "
                + "\(mapping.options.partialSums); build the backend with PartialSumReduction(mapping:)")
        }
        session = try model.makeSession(capacity: length)
        reference = measureFidelity ? try model.makeSession(capacity: length) : nil
        self.backend = backend
        self.prompt = prompt
        self.newTokens = newTokens
    }

    public mutating func spikes(token: Int, stage: Int, layer: Int, step: Int, inputs: Int, into out: inout [(neuron: Int32, sign: Int8)]) {
        if token != position { advance(to: token) }
        guard failure == nil, stage < backend.trains.count else { return }
        let train = backend.trains[stage]
        guard step < train.steps, train.neuronCount == inputs else { return }
        train.forEachSpike(atStep: step) { out.append((Int32($0), $1)) }
    }

    /// The spikes the backend counted for this tile's spike-coded partial sums of the position.
    public mutating func partialSumSpikes(token: Int, tile: Tile, projection: MappedProjection, bits: Int) -> Int {
        if token != position { advance(to: token) }
        let layer: LinearLayer = projection.name == "lm_head"
            ? .head : .projection(layer: projection.layer, ModelSpec.Projection(rawValue: projection.name) ?? .q)
        guard let counts = backend.partialSumSpikes[layer] else { return 0 }
        let index = Int(tile.row) * projection.colBlocks + Int(tile.column)
        return index < counts.count ? Int(counts[index]) : 0
    }

    /// Top-1 agreement and mean KL(dense ‖ chip) over the positions run so far (nil: not measured).
    public var fidelity: (top1Agreement: Double, meanKL: Double, positions: Int)? {
        guard reference != nil, compared > 0 else { return nil }
        return (Double(agreed) / Double(compared), klSum / Double(compared), compared)
    }

    /// Runs position `token` through the functional model.
    private mutating func advance(to token: Int) {
        position = token
        guard failure == nil else { return }
        guard token == session.count, token < positions else {
            failure = ClosedLoopError.invalidRequest("position \(token) requested out of order (next is \(session.count) of \(positions))")
            return
        }
        let id = token < prompt.count ? prompt[token] : generated[token - prompt.count]
        let clock = ContinuousClock()
        let started = clock.now
        do {
            let logits = try session.forward([id], backend: &backend)
            if token >= prompt.count - 1 { generated.append(Int32(argmax(logits))) }
            if reference != nil {
                // Teacher-forced on the chip's own tokens, so both see the same sequence.
                let dense = try reference!.forward([id])
                let p = FidelityStudy.logSoftmax(dense[...]), q = FidelityStudy.logSoftmax(logits[...])
                compared += 1
                if argmax(p) == argmax(q) { agreed += 1 }
                for i in p.indices where p[i] > -60 { klSum += exp(p[i]) * (p[i] - q[i]) }
            }
        } catch {
            failure = error
        }
        functionalSeconds += (clock.now - started).inSeconds
    }
}
