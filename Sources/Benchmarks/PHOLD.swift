import SimKernel

/// The PHOLD benchmark model (Fujimoto 1990), as ROSS and SST ship it.
///
/// Every LP starts with `population` events. Handling an event sends one new event, to
/// a uniformly random LP with probability `remoteFraction` and to itself otherwise,
/// `lookahead` plus an exponentially distributed delay later. It measures the kernel
/// alone: the event handler does almost nothing.
public struct PHOLD: SimulationModel {
    public typealias Payload = UInt32

    public let lpCount: Int
    public let population: Int
    public let remoteFraction: Double
    public let lookahead: SimTime
    public let meanDelay: SimTime
    /// Events handled per LP.
    public private(set) var handled: [UInt64]
    private var rng: [SplitMix64]
    private let exponential = ExponentialZiggurat()
    /// `remoteFraction` as a bound on a 32-bit draw.
    private let remoteThreshold: UInt64

    public init(lps: Int, population: Int, remoteFraction: Double = 0.5,
                lookahead: SimTime = SimTime(nanoseconds: 1), meanDelay: SimTime = SimTime(nanoseconds: 10), seed: UInt64 = 1) {
        lpCount = lps; self.population = population; self.remoteFraction = remoteFraction
        remoteThreshold = UInt64((Swift.min(Swift.max(remoteFraction, 0), 1) * 0x1p32).rounded())
        self.lookahead = lookahead; self.meanDelay = meanDelay
        handled = Array(repeating: 0, count: lps)
        rng = (0..<lps).map { SplitMix64(seed: seed, stream: UInt64($0)) }
    }

    public mutating func initialize(lp: LPID, scheduler: inout Scheduler<UInt32>) {
        for _ in 0..<population { send(from: lp, &scheduler) }
    }

    public mutating func handle(_ event: Event<UInt32>, scheduler: inout Scheduler<UInt32>) {
        handled[Int(event.target)] &+= 1
        send(from: event.target, &scheduler)
    }

    private mutating func send(from lp: LPID, _ scheduler: inout Scheduler<UInt32>) {
        let i = Int(lp)
        var g = rng[i]
        // One draw decides remote-or-local with its high 32 bits and picks the LP with its low
        // 32 (multiply-shift, no division); both are computed every time so the choice is a
        // conditional move, not a branch mispredicted half the time.
        let r = g.next()
        let anyLP = LPID(truncatingIfNeeded: ((r & 0xFFFF_FFFF) &* UInt64(lpCount)) >> 32)
        let target = r >> 32 < remoteThreshold ? anyLP : lp
        let exp = exponential.next(&g) * Double(meanDelay.picoseconds)
        rng[i] = g
        let delay = SimTime(picoseconds: lookahead.picoseconds &+ UInt64(exp))
        scheduler.schedule(lp, to: target, after: delay)
    }

    /// Total events handled.
    public var totalHandled: UInt64 { handled.reduce(0, &+) }

    /// Groups LPs into `count` contiguous blocks, with the model's lookahead.
    public func blockPartitioning(count: Int) throws -> Partitioning {
        let per = (lpCount + count - 1) / count
        return try Partitioning(partitionOf: (0..<lpCount).map { UInt16($0 / per) }, count: count, lookahead: lookahead)
    }
}
