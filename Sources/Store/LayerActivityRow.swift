/// Spike statistics of one stage of one layer for one token (`layer_activity`).
public struct LayerActivityRow: Sendable, Equatable {
    public var token: Int
    public var layer: Int
    /// Projection or stage ("q", "gate", "attention"…).
    public var stage: String
    /// Neurons (input channels) that were encoded.
    public var neurons: Int
    /// Time steps of the encoder window.
    public var timeSteps: Int
    /// Spikes emitted by all neurons over all steps.
    public var spikes: Int
    /// Fraction of neurons that emitted no spike at all (their weight rows need no fetch).
    public var silentFraction: Double

    public init(token: Int, layer: Int, stage: String, neurons: Int, timeSteps: Int, spikes: Int, silentFraction: Double) {
        self.token = token; self.layer = layer; self.stage = stage; self.neurons = neurons
        self.timeSteps = timeSteps; self.spikes = spikes; self.silentFraction = silentFraction
    }

    /// Spikes per neuron per time step.
    public var firingRate: Double { neurons * timeSteps == 0 ? 0 : Double(spikes) / Double(neurons * timeSteps) }
}
