import SimKernel

/// A PHOLD-style spike-routing benchmark: LPs are routers of a `side`×`side` torus mesh;
/// every event is a spike packet that hops to one of the four neighbours after a fixed hop
/// latency plus a little jitter, for `hops` hops, then a new spike starts at a random router.
/// Unlike PHOLD's exponential delays it has the time structure of the chip model: many
/// events a few nanoseconds apart.
public struct MeshSpikeRouting: SimulationModel {
    public typealias Payload = UInt32

    public let side: Int
    public let spikesPerRouter: Int
    public let hopLatency: SimTime
    public let hops: UInt32
    /// Hops handled per router.
    public private(set) var handled: ContiguousArray<UInt64>
    private var rng: ContiguousArray<SplitMix64>

    public var lpCount: Int { side * side }

    public init(side: Int = 64, spikesPerRouter: Int = 4, hopLatency: SimTime = SimTime(nanoseconds: 4.1), hops: UInt32 = 32, seed: UInt64 = 1) {
        self.side = side; self.spikesPerRouter = spikesPerRouter; self.hopLatency = hopLatency; self.hops = hops
        handled = ContiguousArray(repeating: 0, count: side * side)
        rng = ContiguousArray((0..<(side * side)).map { SplitMix64(seed: seed, stream: UInt64($0)) })
    }

    public mutating func initialize(lp: LPID, scheduler: inout Scheduler<UInt32>) {
        for i in 0..<spikesPerRouter { scheduler.schedule(0, to: lp, after: SimTime(picoseconds: UInt64(i) * 997)) }
    }

    public mutating func handle(_ e: Event<UInt32>, scheduler: inout Scheduler<UInt32>) {
        let i = Int(e.target)
        handled[i] &+= 1
        let r = rng[i].next()
        var target: Int
        var hop = e.payload &+ 1
        if hop >= hops {
            target = Int((r >> 8) % UInt64(side * side)); hop = 0
        } else {
            target = Self.neighbour(of: i, direction: r & 3, side: side)
        }
        scheduler.schedule(hop, to: LPID(target), after: SimTime(picoseconds: hopLatency.picoseconds &+ (r >> 32) % 1000))
    }

    /// Router `i`'s neighbour on a `side`×`side` torus in `direction` 0 (east), 1 (west),
    /// 2 (south) or 3 (north), by compare-and-wrap: one 32-bit division per hop, not five `%`.
    @inline(__always)
    static func neighbour(of i: Int, direction: UInt64, side: Int) -> Int {
        let n = side &* side
        let row = Int(UInt32(truncatingIfNeeded: i) / UInt32(truncatingIfNeeded: side)) &* side
        switch direction {
        case 0: return i &- row &+ 1 == side ? row : i &+ 1
        case 1: return i == row ? i &+ side &- 1 : i &- 1
        case 2: return i &+ side >= n ? i &+ side &- n : i &+ side
        default: return i >= side ? i &- side : i &+ n &- side
        }
    }

    public var totalHandled: UInt64 { handled.reduce(0, &+) }
}
