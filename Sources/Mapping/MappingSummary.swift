/// What `spikechip map` prints and a run stores: how much of the chip a model takes and
/// how far its spikes travel.
public struct MappingSummary: Sendable, Hashable {
    /// Cores used per layer (tiles, splitters and function units); the last entry is the LM head and output.
    public var coresPerLayer: [Int]
    public var coresUsed: Int
    public var tiles: Int
    public var functionUnits: Int
    public var splitters: Int
    /// Chips holding at least one used core.
    public var chipsUsed: Int
    /// Weights held / synapses of the tile cores.
    public var crossbarUtilisation: Double
    /// Static hops of one spike packet: tree edges (multicast) or the sum of its
    /// unicast paths (unicast and splitter), averaged over spike groups weighted by rows.
    public var meanHopsPerSpike: Double
    /// Hops per delivered copy of a spike.
    public var meanHopsPerDelivery: Double
    /// Routing table entries of the busiest router (multicast trees passing through it).
    public var maxRoutingEntries: Int
    /// Mean entries over routers with at least one.
    public var meanRoutingEntries: Double
    /// Destination cores per spike, averaged over groups weighted by rows.
    public var meanFanOut: Double
}

extension ChipMapping {
    /// Counts and averages of the mapping.
    public func summary() -> MappingSummary {
        var perLayer = [Int](repeating: 0, count: layers + 1)
        var used = 0, chips = Set<Int>()
        for core in layerOfCore.indices where layerOfCore[core] >= 0 {
            perLayer[min(Int(layerOfCore[core]), layers)] += 1
            used += 1
            chips.insert(topology.chip(of: core))
        }
        let synapses = tiles.reduce(0) { $0 + Int($1.axonsUsed) * Int($1.neuronsUsed) }
        let util = tiles.isEmpty ? 0 : Double(synapses) / Double(tiles.count * topology.axons * topology.neurons)
        var hops = 0.0, deliveries = 0.0, spikes = 0.0, fan = 0.0
        let routing = topology.meshRouting
        for g in groups {
            let source = stages[g.stage].functionUnit
            let rows = Double(g.rows)
            let k = Double(g.destinations.count)
            var h = 0
            switch topology.fanOut {
            case .multicast:
                h = treeSize(root: g.treeRoot) - 1
            case .unicast:
                h = g.destinations.reduce(0) { $0 + routing.distance(from: source, to: Int(destinations[$1])) }
            case .splitter:
                // Each source reaches its splitter, which sends one packet per destination.
                let sp = Int(splitterCores[g.splitters.lowerBound])
                h = routing.distance(from: source, to: sp) + g.destinations.reduce(0) { $0 + routing.distance(from: sp, to: Int(destinations[$1])) }
            }
            hops += Double(h) * rows; spikes += rows; deliveries += k * rows; fan += k * rows
        }
        var entries = [Int: Int]()
        for n in routeNodes { entries[Int(n.router), default: 0] += 1 }
        let fus = stages.count
        return MappingSummary(
            coresPerLayer: perLayer, coresUsed: used, tiles: tiles.count, functionUnits: fus, splitters: splitterCores.count,
            chipsUsed: chips.count, crossbarUtilisation: util,
            meanHopsPerSpike: spikes > 0 ? hops / spikes : 0, meanHopsPerDelivery: deliveries > 0 ? hops / deliveries : 0,
            maxRoutingEntries: entries.values.max() ?? 0,
            meanRoutingEntries: entries.isEmpty ? 0 : Double(entries.values.reduce(0, +)) / Double(entries.count),
            meanFanOut: spikes > 0 ? fan / spikes : 0)
    }

    /// Nodes of the multicast tree rooted at `root`.
    public func treeSize(root: Int) -> Int {
        var n = 0, stack = [root]
        while let i = stack.popLast() {
            n += 1
            let node = routeNodes[i]
            for c in 0..<Int(node.childCount) { stack.append(Int(node.firstChild) + c) }
        }
        return n
    }
}
