import SimKernel

/// When tokens started and ended: exact statistics over every finished token, and each token's
/// times for the first `detailLimit` tokens only, so that a study of a million tokens runs in flat
/// memory (the per-token rows of the database cover the same first tokens).
public struct TokenTimes: Sendable, Hashable, Codable {
    /// Tokens whose start and end are kept one by one.
    public static let detailLimit = 10_000

    /// Tokens finished.
    public private(set) var count = 0
    /// Sum, shortest and longest latency over every finished token, in ps. A sum of a million
    /// one-second tokens is 10^18 ps, inside UInt64.
    private var sum: UInt64 = 0
    private var shortestPicoseconds = UInt64.max
    private var longestPicoseconds: UInt64 = 0
    /// Start and end of tokens 0 ..< min(count, detailLimit), in ps.
    private var starts: [UInt64] = []
    private var ends: [UInt64] = []

    public init() {}

    /// Records token `token`, the next in order, as finished.
    mutating func finish(token: Int, start: SimTime, end: SimTime) {
        precondition(token == count, "tokens finish in order: got \(token) after \(count)")
        let latency = end.picoseconds - start.picoseconds
        count += 1
        sum &+= latency
        shortestPicoseconds = Swift.min(shortestPicoseconds, latency)
        longestPicoseconds = Swift.max(longestPicoseconds, latency)
        if token < Self.detailLimit { starts.append(start.picoseconds); ends.append(end.picoseconds) }
    }

    /// The times of a partitioned run: one partition (the output unit's) finishes every token, so at
    /// most one of the two has any.
    mutating func merge(_ other: TokenTimes) {
        precondition(count == 0 || other.count == 0, "one partition finishes the tokens")
        if count == 0 { self = other }
    }

    /// Mean latency of the finished tokens (zero when none finished).
    public var mean: SimTime { SimTime(picoseconds: count == 0 ? 0 : sum / UInt64(count)) }
    /// Mean latency in ns, without rounding to a picosecond.
    public var meanNanoseconds: Double { count == 0 ? 0 : Double(sum) / Double(count) / 1000 }
    public var shortest: SimTime { SimTime(picoseconds: count == 0 ? 0 : shortestPicoseconds) }
    public var longest: SimTime { SimTime(picoseconds: longestPicoseconds) }
    /// Whether every finished token's times are kept.
    public var isComplete: Bool { count <= Self.detailLimit }
    /// Start, end and latency of the first `detailLimit` finished tokens, by token.
    public var start: [SimTime] { starts.map { SimTime(picoseconds: $0) } }
    public var end: [SimTime] { ends.map { SimTime(picoseconds: $0) } }
    public var latencies: [SimTime] { zip(starts, ends).map { SimTime(picoseconds: $1 - $0) } }
}
