/// SDLLM's two-step spike encoding (abstract of the SDLLM paper, seed 002): a symmetric
/// quantizer whose range is shrunk by γ (the "γ-SQP" step, aligning the integer grid with
/// the activations' bulk instead of their outliers), then bidirectional ±1 spikes from an
/// IF neuron whose membrane potential is clipped to ±`clip` counts.
///
/// Symmetric quantization lets one ±1 train carry b-bit values in Q = 2^(b−1) − 1 steps,
/// where an unsigned {0,1} train of the same grid needs 2^b − 1 (`asymmetricSteps`): the
/// "halving" of time steps. Clipping below Q trades the rare large counts for fewer steps.
/// Only the abstract was available here; the exact γ search of the paper is not reproduced
/// (γ is a parameter), see docs/neurons.md.
public struct SDLLMEncoder: SpikeEncoder, Equatable, Sendable {
    /// Quantizer bit width b (symmetric levels −Q…Q, Q = 2^(b−1) − 1).
    public let bits: Int
    /// Fraction of max|x| mapped to the top level Q; γ < 1 clips outliers to refine the grid.
    public let gamma: Float
    /// Membrane-potential clip in counts (≤ Q); also the number of time steps.
    public let clip: Int

    public var steps: Int { clip }
    /// Top quantizer level Q.
    public var levels: Int { (1 << (bits - 1)) - 1 }
    /// Steps an unsigned (asymmetric, {0,1}) train needs for the same b-bit grid.
    public var asymmetricSteps: Int { (1 << bits) - 1 }

    /// Defaults: 4-bit symmetric grid (Q = 7 steps), γ = 1, no extra clipping.
    public init(bits: Int = 4, gamma: Float = 1, clip: Int? = nil) throws(NeuronParameterError) {
        try NeuronParameterError.require((2...8).contains(bits), "bits", bits, "2...8")
        try NeuronParameterError.require(gamma.isFinite && gamma > 0 && gamma <= 1, "gamma", gamma, "0 < γ ≤ 1")
        let q = (1 << (bits - 1)) - 1
        let c = clip ?? q
        try NeuronParameterError.require((1...q).contains(c), "clip", c, "1...\(q) (the quantizer's top level for \(bits) bits)")
        self.bits = bits
        self.gamma = gamma
        self.clip = c
    }

    public mutating func encode(_ x: UnsafeBufferPointer<Float>, into train: inout SpikeTrain) throws(NeuronParameterError) {
        let summary = try ActivationSummary(x)
        let delta = max(gamma * summary.maxAbs / Float(levels), SpikingBrainEncoder.thresholdRange.lowerBound)
        train.reshape(neuronCount: x.count, steps: steps)
        train.scale = delta
        let range = SpikeCoding.ternary.countRange(steps: steps)
        train.clippedCount = encodeCounts(x, scale: delta, offset: 0, nearest: true, range: range, coding: .ternary, into: &train)
    }
}
