/// Adjusts the seed text's adaptive coefficient α from the observed firing rate ("α initially
/// 0.1–0.5, adjusted dynamically from the activation rate"): more firing than the target raises
/// α, hence the threshold, and less firing lowers it.
///
/// A proportional step `α ← clamp(α + gain·(rate − target), bounds)` is the simplest rule
/// with that sign; the seed does not give one, so the gain is a parameter.
public struct FiringRateController: Equatable, Sendable {
    /// Firing rate to hold (spikes per neuron per step); 0.31 means 69% silent per step.
    public let targetRate: Double
    public let gain: Double
    public let bounds: ClosedRange<Float>

    public init(targetRate: Double = 0.31, gain: Double = 0.5, bounds: ClosedRange<Float> = 0.1...0.5) throws(NeuronParameterError) {
        try NeuronParameterError.require(targetRate > 0 && targetRate < 1, "target_rate", targetRate, "0 < rate < 1")
        try NeuronParameterError.require(gain.isFinite && gain >= 0, "gain", gain, "a finite value ≥ 0")
        try NeuronParameterError.require(bounds.lowerBound > 0 && bounds.upperBound.isFinite, "alpha bounds", "\(bounds)", "0 < lower ≤ upper, finite")
        self.targetRate = targetRate
        self.gain = gain
        self.bounds = bounds
    }

    /// The next α after observing `rate`.
    public func adjusted(_ alpha: Float, observedRate rate: Double) -> Float {
        min(max(alpha + Float(gain * (rate - targetRate)), bounds.lowerBound), bounds.upperBound)
    }
}
