import SimKernel
import Testing
@testable import Neurons

/// The counting primitives against their scalar rules, on random lanes: each has an AVX-512 and a
/// portable body, and the suite runs on whichever the build selected.
@Suite struct SIMDCountingTests {
    @Test func byteLanesSelectAndCountLikeTheScalarRule() {
        var rng = SplitMix64(seed: 11)
        func randomBytes() -> SIMD32<UInt8> {
            var v = SIMD32<UInt8>()
            // Small values too, so equal lanes (a < b false both ways) occur often.
            for i in 0..<32 { let r = rng.next(); v[i] = r & 1 == 0 ? UInt8(truncatingIfNeeded: r >> 8) : UInt8(r >> 8 & 3) }
            return v
        }
        for _ in 0..<200 {
            let a = randomBytes(), b = randomBytes(), c = randomBytes(), d = randomBytes()
            var tally = randomBytes()
            let lanes = ByteLanes(a, below: b).filter(c, below: d)
            let before = tally
            tally = incremented(tally, in: lanes, one: SIMD32(repeating: 1))
            var anySet = false
            for i in 0..<32 {
                let set = a[i] < b[i] && c[i] < d[i]
                anySet = anySet || set
                #expect(tally[i] == before[i] &+ (set ? 1 : 0), "lane \(i)")
            }
            #expect(lanes.isEmpty == !anySet)
        }
        #expect(ByteLanes(SIMD32(repeating: 7), below: SIMD32(repeating: 7)).isEmpty)
    }

    @Test func byteLanesOfEqualWordsFollowTheValueOrder() {
        var low = SIMD16<Int32>(repeating: 255), high = SIMD16<Int32>(repeating: 0)
        low[3] = 256; high[0] = 256; high[15] = 256
        let lanes = ByteLanes(low, high, equalTo: 256)
        let tally = incremented(.zero, in: lanes, one: SIMD32(repeating: 1))
        for i in 0..<32 { #expect(tally[i] == ([3, 16, 31].contains(i) ? 1 : 0), "lane \(i)") }
    }

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
