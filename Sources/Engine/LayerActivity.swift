/// Spiking activity of one stage's encoder for one token: what the simulator logs per layer.
public struct LayerActivity: Sendable, Hashable, Codable {
    public var token: Int
    public var layer: Int
    /// The stage's name ("qkv", "o", "gate_up", "down", "lm_head").
    public var stage: String
    /// Encoder neurons (the stage's input width).
    public var neurons: Int
    public var timeSteps: Int
    /// Spikes emitted over all steps.
    public var spikes: Int
    /// Neurons that emitted no spike in any step.
    public var silentNeurons: Int

    /// Spikes per neuron per step.
    public var firingRate: Double { neurons * timeSteps > 0 ? Double(spikes) / Double(neurons * timeSteps) : 0 }
    /// Fraction of neurons silent in a step, averaged over steps.
    public var silentPerStep: Double { 1 - firingRate }
    /// Fraction of neurons silent over the whole token.
    public var silentFraction: Double { neurons > 0 ? Double(silentNeurons) / Double(neurons) : 0 }
}

/// Spiking activity of one stage's encoder summed over every token: what the run's spike
/// statistics are computed from, kept per stage so that memory does not grow with tokens.
public struct StageActivity: Sendable, Hashable, Codable {
    /// Encoder neurons (the stage's input width) and time steps per token.
    public var neurons: Int
    public var timeSteps: Int
    /// Tokens that passed the stage.
    public var tokens = 0
    /// Spikes, and neurons silent for a whole token, summed over those tokens.
    public var spikes = 0
    public var silentNeurons = 0

    public init(neurons: Int, timeSteps: Int) { self.neurons = neurons; self.timeSteps = timeSteps }

    mutating func add(spikes s: Int, silent: Int) { tokens += 1; spikes += s; silentNeurons += silent }

    mutating func add(_ other: StageActivity) { tokens += other.tokens; spikes += other.spikes; silentNeurons += other.silentNeurons }
}
