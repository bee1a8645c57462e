import Testing
@testable import Neurons

/// The counting primitives against their scalar rules, on random lanes: each has an AVX-512 and a
/// portable body, and the suite runs on whichever the build selected.
@Suite struct SIMDCountingTests {
    @Test func rangeCheckOfFloatBitsFindsEveryNonFiniteMagnitude() {
        let upper = Int32(bitPattern: Float.greatestFiniteMagnitude.bitPattern)
        for bad in [Float.infinity, .nan, -Float.infinity, Float(bitPattern: 0x7FC0_0001)] {
            var check = RangeCheck(upper: upper)
            var v = SIMD16<Float>(repeating: .greatestFiniteMagnitude)
            check.include(unsafeBitCast(magnitudes(v), to: SIMD16<Int32>.self))
            #expect(check.allWithin)
            v[9] = bad
            check.include(unsafeBitCast(magnitudes(v), to: SIMD16<Int32>.self))
            #expect(!check.allWithin, "\(bad)")
        }
    }
}
