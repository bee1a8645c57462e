import Foundation
import Mapping
import ModelShapes
import Models
import Neurons

/// How close a spiking configuration stays to the dense reference of the same weights, over
/// a fixed text read with teacher forcing: every position sees the true previous tokens.
public struct FidelityResult: Sendable {
    /// What was compared, e.g. "int8 weights + spikingbrain:T=4".
    public var label: String
    /// Positions compared (the text's tokens).
    public var positions: Int
    /// Fraction of positions whose top-1 next token equals the dense model's.
    public var top1Agreement: Double
    /// Mean KL(dense ‖ this) of the next-token distributions, in nats.
    public var meanKL: Double
    /// Perplexity of this configuration on the text (next-token prediction of positions 1…n−1).
    public var perplexity: Double
    /// Perplexity of the dense reference on the same text.
    public var densePerplexity: Double
    /// Firing and reconstruction statistics over every stage and position (empty without spikes).
    public var spikes: SpikeStatistics
}

/// Runs a text through the dense reference and through a `ChipBackend` mode, position by
/// position, and measures agreement, KL divergence and perplexity.
public enum FidelityStudy {
    /// Dense logits of every position of `tokens` (one batched forward pass).
    public static func denseLogits(model: LanguageModel, tokens: [Int32]) throws -> ContiguousArray<Float> {
        var session = try model.makeSession(capacity: tokens.count)
        return try session.forward(tokens, allLogits: true)
    }

    /// Compares `backend` against `dense` (from `denseLogits`) over `tokens`.
    public static func measure(label: String, model: LanguageModel, backend: ChipBackend, tokens: [Int32],
                               dense: ContiguousArray<Float>) throws -> FidelityResult {
        let v = model.spec.vocabulary
        guard tokens.count >= 2, dense.count == tokens.count * v else {
            throw ClosedLoopError.invalidRequest("a fidelity study needs a text of at least 2 tokens and its dense logits")
        }
        var session = try model.makeSession(capacity: tokens.count)
        var backend = backend
        var agree = 0, kl = 0.0, nll = 0.0, denseNLL = 0.0
        for (t, token) in tokens.enumerated() {
            let logits = try session.forward([token], backend: &backend)
            let p = logSoftmax(dense[(t * v)..<((t + 1) * v)])
            let q = logSoftmax(logits[...])
            if argmax(p) == argmax(q) { agree += 1 }
            var d = 0.0
            for i in 0..<v where p[i] > -60 { d += exp(p[i]) * (p[i] - q[i]) }
            kl += d
            if t + 1 < tokens.count {
                nll -= q[Int(tokens[t + 1])]
                denseNLL -= p[Int(tokens[t + 1])]
            }
        }
        var spikes = SpikeStatistics()
        for s in backend.statistics { spikes.merge(s) }
        let n = Double(tokens.count)
        return FidelityResult(label: label, positions: tokens.count, top1Agreement: Double(agree) / n, meanKL: kl / n,
                              perplexity: exp(nll / (n - 1)), densePerplexity: exp(denseNLL / (n - 1)), spikes: spikes)
    }

    static func logSoftmax(_ x: ArraySlice<Float>) -> [Double] {
        let m = Double(x.max() ?? 0)
        var sum = 0.0
        for value in x { sum += exp(Double(value) - m) }
        let log = m + Foundation.log(sum)
        return x.map { Double($0) - log }
    }
}
