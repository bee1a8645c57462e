import Mapping
import Topology

/// Events a partitioned run sends between partitions, predicted from the mapping's routes before
/// anything runs (`--partitions` prints it beside the measured count).
///
/// A packet moves hop by hop, each hop an event at the next router, so a packet sends one event to
/// another partition for every hop whose two routers lie in different partitions. What the engine sends
/// per token, and so what is counted:
/// - each spike of a stage's input: one packet down its group's multicast tree, one per destination
///   tile (unicast), or one to the splitter serving its axon, which relays it to every tile;
///   spikes are the source's expected spikes per activation times the group's rows;
/// - each step's completion marker per group, along the same paths (to every splitter), or, under a
///   global tick, one tick event from the function unit to every tile of the stage;
/// - each tile's graded packets (⌈neurons / values per packet⌉) to the next stage's function unit;
/// - the sampled token, from the output unit to the first stage's, between tokens; in a pipelined
///   prefill instead one credit per token from each stage's function unit to the previous stage's.
///
/// Spike-coded partial sums are not predicted: how many bit spikes a tile fires depends on its sums.
public struct TrafficPrediction: Sendable, Equatable {
    /// Expected events between partitions within one token.
    public var perToken: Double
    /// Events between partitions of the sampled token's trip from one token to the next.
    public var betweenTokens: Int

    /// Expected events between partitions over `tokens` tokens.
    public func events(tokens: Int) -> Double { Double(tokens) * perToken + Double(max(tokens - 1, 0) * betweenTokens) }

    /// The prediction for tokens of `steps` steps, `partition` giving each core's partition; nil when the
    /// spike rate is unknown before the run or partial sums are spike-coded.
    public init?(mapping m: ChipMapping, steps: Int, spikesPerActivation: Double?, pipelined: Bool = false, partition: (Int) -> Int) {
        guard let rate = spikesPerActivation, m.options.partialSums == .graded else { return nil }
        let t = m.topology
        let routing = t.meshRouting
        /// Hops between partitions on the dimension-order route from `a` to `b`.
        func crossings(_ a: Int, _ b: Int) -> Int {
            var here = a, n = 0
            for hop in routing.route(from: a, to: b) {
                if partition(here) != partition(hop.router) { n += 1 }
                here = hop.router
            }
            return n
        }
        /// Hops between partitions of the multicast tree rooted at node `root`.
        func treeCrossings(_ root: Int) -> Int {
            var stack = [root], n = 0
            while let i = stack.popLast() {
                let node = m.routeNodes[i]
                let first = Int(node.firstChild)
                for c in first..<(first + Int(node.childCount)) {
                    if partition(Int(node.router)) != partition(Int(m.routeNodes[c].router)) { n += 1 }
                    stack.append(c)
                }
            }
            return n
        }
        let ticks: Bool
        if case .globalTick = t.sync { ticks = true } else { ticks = false }
        let valuesPerPacket = max(1, t.gradedPacketBits / t.gradedValueBits)
        var perToken = 0.0
        for (si, stage) in m.stages.enumerated() {
            let fu = stage.functionUnit
            for g in stage.groups {
                let group = m.groups[g]
                let tiles = group.destinations.map { Int(m.destinations[$0]) }
                // Hops between partitions of one spike (averaged over the group's axons) and of one marker.
                let perSpike: Double, perMarker: Int
                switch t.fanOut {
                case .multicast:
                    perSpike = Double(treeCrossings(group.treeRoot)); perMarker = Int(perSpike)
                case .unicast:
                    perMarker = tiles.reduce(0) { $0 + crossings(fu, $1) }; perSpike = Double(perMarker)
                case .splitter:
                    let paths = group.splitters.map { sp -> Int in
                        let core = Int(m.splitterCores[sp])
                        return crossings(fu, core) + tiles.reduce(0) { $0 + crossings(core, $1) }
                    }
                    // Axon a goes to splitter a / sourcesPerSplitter.
                    var sum = 0
                    for axon in 0..<group.rows { sum += paths[axon / group.sourcesPerSplitter] }
                    perSpike = Double(sum) / Double(max(group.rows, 1)); perMarker = paths.reduce(0, +)
                }
                perToken += Double(group.rows) * rate * perSpike
                if !ticks { perToken += Double(steps * perMarker) }
            }
            for p in stage.projections {
                let mp = m.projections[p]
                for i in mp.firstTile..<(mp.firstTile + mp.tileCount) {
                    let tile = m.tiles[i], core = Int(tile.core)
                    if ticks, partition(core) != partition(fu) { perToken += Double(steps) }
                    guard si + 1 < m.stages.count else { continue }
                    let packets = (Int(tile.neuronsUsed) + valuesPerPacket - 1) / valuesPerPacket
                    perToken += Double(packets * crossings(core, m.stages[si + 1].functionUnit))
                }
            }
        }
        let stages = m.stages.map(\.functionUnit)
        if pipelined {
            for s in stages.indices.dropFirst() { perToken += Double(crossings(stages[s], stages[s - 1])) }
            betweenTokens = 0
        } else {
            betweenTokens = crossings(stages[stages.count - 1], stages[0])
        }
        self.perToken = perToken
    }
}
