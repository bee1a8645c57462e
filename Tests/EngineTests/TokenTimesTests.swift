import SimKernel
import Testing
@testable import Engine

@Suite struct TokenTimesTests {
    /// Three tokens of 10, 30 and 20 ns back to back: mean 20 ns, range 10–30 ns, every time kept.
    @Test func statistics() {
        var t = TokenTimes()
        #expect(t.count == 0 && t.mean == .zero && t.shortest == .zero && t.longest == .zero && t.meanNanoseconds == 0)
        let ends: [Double] = [10, 40, 60]
        var start = 0.0
        for (i, end) in ends.enumerated() {
            t.finish(token: i, start: SimTime(nanoseconds: start), end: SimTime(nanoseconds: end))
            start = end
        }
        #expect(t.count == 3 && t.meanNanoseconds == 20 && t.mean == SimTime(nanoseconds: 20))
        #expect(t.shortest == SimTime(nanoseconds: 10) && t.longest == SimTime(nanoseconds: 30))
        #expect(t.latencies == [10, 30, 20].map { SimTime(nanoseconds: $0) } && t.end == ends.map { SimTime(nanoseconds: $0) })
        #expect(t.start == [0, 10, 40].map { SimTime(nanoseconds: $0) } && t.isComplete)
    }

    /// Past `detailLimit` tokens the statistics go on and the per-token times stop growing: token i lasts
    /// (i mod 7) + 1 ns, so over n tokens the mean is the sum of those, by formula, divided by n.
    @Test func flatBeyondTheDetail() {
        let n = TokenTimes.detailLimit + 1234
        var t = TokenTimes()
        var clock: UInt64 = 0
        for i in 0..<n {
            let latency = UInt64(i % 7 + 1) * 1000
            t.finish(token: i, start: SimTime(picoseconds: clock), end: SimTime(picoseconds: clock + latency))
            clock += latency
        }
        let fullWeeks = n / 7, rest = n % 7
        let sumNanoseconds = fullWeeks * 28 + rest * (rest + 1) / 2
        #expect(t.count == n && !t.isComplete)
        #expect(t.meanNanoseconds == Double(sumNanoseconds) / Double(n))
        #expect(t.shortest == SimTime(nanoseconds: 1) && t.longest == SimTime(nanoseconds: 7))
        #expect(t.latencies.count == TokenTimes.detailLimit && t.start.count == TokenTimes.detailLimit)
        #expect(t.latencies.last == SimTime(nanoseconds: Double((TokenTimes.detailLimit - 1) % 7 + 1)))
    }

    /// A partitioned run's replicas: only the output unit's finishes tokens, and the merge keeps its times.
    @Test func merge() {
        var finished = TokenTimes()
        finished.finish(token: 0, start: .zero, end: SimTime(nanoseconds: 5))
        var a = TokenTimes(), b = finished
        a.merge(finished)
        b.merge(TokenTimes())
        #expect(a == finished && b == finished)
    }
}
