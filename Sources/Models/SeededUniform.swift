/// Seeded uniform values for synthetic weights: fast (one 64-bit draw per two values) and
/// reproducible, so a 7B-shaped model is the same on every machine for the same seed.
public enum SeededUniform {
    /// `count` values uniform on [−a, a] with a = std·√3, so their standard deviation is `std`.
    public static func values(count: Int, std: Float, seed: UInt64) -> ContiguousArray<Float> {
        let a = std * Float(3).squareRoot()
        var state = seed &+ 0x9E37_79B9_7F4A_7C15
        return ContiguousArray(unsafeUninitializedCapacity: count) { buffer, initialized in
            var i = 0
            while i < count {
                let r = splitMix(&state)
                // Two 32-bit halves → two values in [−a, a).
                buffer[i] = (Float(UInt32(truncatingIfNeeded: r)) * 0x1p-31 - 1) * a
                if i + 1 < count { buffer[i + 1] = (Float(UInt32(truncatingIfNeeded: r >> 32)) * 0x1p-31 - 1) * a }
                i += 2
            }
            initialized = count
        }
    }

    /// One step of SplitMix64 (Steele et al. 2014): the generator behind every synthetic weight.
    @inlinable
    public static func splitMix(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
