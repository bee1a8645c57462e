/// Draws ternary spike trains with a given per-step silent fraction from a seeded PRNG: the
/// engine's statistical mode ("69% of neurons silent per step") when no real activations run.
///
/// Each neuron-step slot is independently silent with probability `silentFraction` (rounded
/// to a multiple of 1/32768), else
/// +1 or −1 with equal probability, so the expected `SpikeStatistics.silentPerStep` equals
/// `silentFraction` and the same seed gives the same trains.
public struct SyntheticSpikeSource: Sendable {
    public let silentFraction: Double
    public private(set) var rng: Xoshiro256StarStar
    /// P(fire) as a threshold on a 15-bit uniform value (resolution 1/32768 ≈ 3·10⁻⁵).
    private let fireThreshold: UInt64

    /// SpikingBrain's headline figure: 69.15% silent.
    public static let spikingBrainSilentFraction = 0.6915

    public init(silentFraction: Double = SyntheticSpikeSource.spikingBrainSilentFraction, seed: UInt64) throws(NeuronParameterError) {
        try NeuronParameterError.require((0...1).contains(silentFraction), "silent_fraction", silentFraction, "0...1")
        self.silentFraction = silentFraction
        rng = Xoshiro256StarStar(seed: seed)
        fireThreshold = UInt64(((1 - silentFraction) * 32_768).rounded())
    }

    /// Fills `train` (shaped `neuronCount` × `steps`) with fresh spikes; scale 1, unit step weights.
    public mutating func fill(_ train: inout SpikeTrain, neuronCount: Int, steps: Int) {
        train.reshape(neuronCount: neuronCount, steps: steps)
        let threshold = fireThreshold
        var rng = self.rng
        // One 64-bit draw feeds four slots: 16 bits each, 15 for the firing test and 1 for the sign.
        train.spikes.withUnsafeMutableBufferPointer { out in
            var i = 0
            while i < out.count {
                var r = rng.next()
                for _ in 0..<Swift.min(4, out.count - i) {
                    let chunk = r & 0xFFFF
                    let sign: Int8 = (chunk & 1) == 0 ? 1 : -1
                    out[i] = (chunk >> 1) < threshold ? sign : 0
                    r >>= 16
                    i += 1
                }
            }
        }
        self.rng = rng
        train.recount()
    }
}
