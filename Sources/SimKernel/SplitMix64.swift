/// A small, fast, seedable pseudo-random generator (Steele, Lea and Flood's SplitMix64).
///
/// The project never uses the system generator: every random draw comes from one of
/// these, seeded from the run's seed and the identity of what draws (an LP, a layer, a
/// token), so a run is reproducible and independent of event interleaving.
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
    /// The generator's whole state; copy it to checkpoint a stream.
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator for the sub-stream named by `keys`, derived from `seed`.
    public init(seed: UInt64, stream keys: UInt64...) {
        var s = SplitMix64(seed: seed)
        var mixed = s.next()
        for k in keys {
            s = SplitMix64(seed: mixed ^ (k &* 0x9E37_79B9_7F4A_7C15))
            mixed = s.next()
        }
        state = mixed
    }

    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in [0, 1) with 53 random bits.
    @inlinable
    public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }
}
