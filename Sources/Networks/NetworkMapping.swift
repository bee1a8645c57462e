import Mapping
import Topology

/// A spiking network placed on a topology's cores, TrueNorth-style: a core is a crossbar of
/// `axons` inputs × `neurons` outputs.
///
/// Each population is cut into blocks of at most `neurons` neurons. A block's axons (one per source
/// neuron and projection with at least one synapse onto the block, in projection and source order)
/// are cut into rows of at most `axons`: row 0 is the block's home core, which
/// holds the neuron state; rows 1… are partial cores that add their axons' weights and send the
/// partial currents to the home core once per step as graded packets (the dendritic split of
/// Loihi's and TrueNorth's compilers). An input population's block is one core that relays the
/// input file's spikes. Cores are numbered in population order from core 0 (row-major).
public struct NetworkMapping: Sendable {
    public enum Role: UInt8, Sendable { case input, home, partial }

    public struct Block: Sendable {
        public let population: Int
        public let neurons: Range<Int>
        /// Cores of the block: `firstCore` is the home core, then one per further row of axons.
        public let firstCore: Int
        public let rows: Int
    }

    public struct Core: Sendable {
        public let role: Role
        public let block: Int
        public let row: Int
        /// Axons used.
        public let axons: Int
    }

    /// Where one source neuron's spikes go on one core: rows `rows` of `targetRows`.
    public struct Target: Sendable {
        public let core: Int32
        public let rows: Range<Int32>
    }

    /// One axon of a core: a source neuron of a projection, whose synapses onto the block are
    /// `entries` of the projection's matrix (targets ascending).
    public struct Axon: Sendable {
        public let projection: Int32
        public let delay: Int32
        public let entries: Range<Int>
        /// Synaptic operations per spike.
        public var synapses: Int { entries.count }
    }

    public let network: SpikingNetwork
    public let topology: Topology
    public let blocks: [Block]
    public let cores: [Core]
    /// First global neuron id of each population.
    public let populationStart: [Int]
    /// Per global neuron, its targets: `targets[targetStart[g]..<targetStart[g + 1]]`, sorted by core.
    public let targetStart: ContiguousArray<Int32>
    public let targets: ContiguousArray<Target>
    /// Local axon rows of `targets` (indices into the core's rows).
    public let targetRows: ContiguousArray<Int32>
    /// Per core, its axons (row k of the core is `axonStart[c] + k`).
    public let axonStart: ContiguousArray<Int32>
    public let axonInfo: ContiguousArray<Axon>
    /// Per home or input core, the cores it sends spikes to over zero-delay projections (they wait for its marker).
    public let markerTargets: [[Int32]]
    /// Markers each core waits for per step.
    public let expectedMarkers: ContiguousArray<Int32>
    /// Multicast trees (multicast fan-out): per global neuron its spike tree root, per source core its marker tree root.
    public let routeNodes: ContiguousArray<RouteNode>
    public let spikeTree: ContiguousArray<Int32>
    public let markerTree: ContiguousArray<Int32>

    public var coresUsed: Int { cores.count }
    public var neurons: Int { populationStart.last ?? 0 }

    public init(network: SpikingNetwork, topology t: Topology) throws {
        let a = t.axons, n = t.neurons
        guard t.fanOut != .splitter else {
            throw NetworkError.doesNotFit("\(t.name) fans spikes out through splitter cores, which network runs do not place yet; use a unicast or multicast topology (or --set router.fanout=unicast)")
        }
        let pops = network.populations
        // Energy records carry the population as a 16-bit layer.
        guard pops.count <= Int(Int16.max) else {
            throw NetworkError.doesNotFit("\(pops.count) populations; a run holds at most \(Int16.max)")
        }
        var populationStart = [0]
        for p in pops { populationStart.append(populationStart.last! + p.size) }
        // Blocks of every population, in order.
        var cut: [(population: Int, neurons: Range<Int>)] = []
        var blocksOf = Array(repeating: 0..<0, count: pops.count)
        for (pi, pop) in pops.enumerated() {
            let first = cut.count
            for lo in stride(from: 0, to: pop.size, by: n) { cut.append((pi, lo..<min(pop.size, lo + n))) }
            blocksOf[pi] = first..<cut.count
        }
        // Axons of every block: each source neuron of each projection with synapses onto it, found in one pass over
        // the synapses (a column's targets ascend, so its runs per block are contiguous). `pending` remembers which
        // source neuron owns each axon, to route it once cores are numbered.
        var axonsOf = Array(repeating: [Axon](), count: cut.count)
        var pending: [(neuron: Int32, block: Int32, position: Int32)] = []
        for (j, proj) in network.projections.enumerated() {
            let m = proj.matrix, firstBlock = blocksOf[proj.target].lowerBound
            for i in 0..<m.columns {
                var e = m.start[i]
                while e < m.start[i + 1] {
                    let b = firstBlock + Int(m.row[e]) / n
                    var end = e
                    while end < m.start[i + 1], firstBlock + Int(m.row[end]) / n == b { end += 1 }
                    pending.append((Int32(populationStart[proj.source] + i), Int32(b), Int32(axonsOf[b].count)))
                    axonsOf[b].append(Axon(projection: Int32(j), delay: Int32(proj.delay), entries: e..<end))
                    e = end
                }
            }
        }
        // Cores: per block, its home core and a partial core per further row of axons.
        var placed: [Block] = [], cores: [Core] = []
        var axonStart = ContiguousArray<Int32>([0]), axonInfo = ContiguousArray<Axon>()
        for (b, block) in cut.enumerated() {
            let input = pops[block.population].isInput
            let count = axonsOf[b].count
            let rows = input ? 1 : max(1, (count + a - 1) / a)
            placed.append(Block(population: block.population, neurons: block.neurons, firstCore: cores.count, rows: rows))
            for r in 0..<rows {
                let used = input ? 0 : min(a, count - r * a)
                cores.append(Core(role: input ? .input : (r == 0 ? .home : .partial), block: b, row: r, axons: max(used, 0)))
                if used > 0 { axonInfo.append(contentsOf: axonsOf[b][(r * a)..<(r * a + used)]) }
                axonStart.append(Int32(axonInfo.count))
            }
            guard cores.count <= t.coreCount else {
                throw NetworkError.doesNotFit("the network needs at least \(cores.count) cores (population '\(pops[block.population].name)' and those before it, at \(a) axons × \(n) neurons per core); \(t.name) has \(t.coreCount): use more chips or a larger mesh (--set system.chips.x=…, chip.mesh.x=…) or larger cores (core.axons, core.neurons)")
            }
            guard axonInfo.count <= Int(Int32.max) else { throw NetworkError.doesNotFit("more than 2^31 axons") }
        }
        axonsOf = []
        // Targets of every source neuron, grouped by neuron, then by core.
        var perNeuron = [Int32](repeating: 0, count: populationStart.last! + 1)
        for p in pending { perNeuron[Int(p.neuron) + 1] += 1 }
        for g in 0..<(perNeuron.count - 1) { perNeuron[g + 1] += perNeuron[g] }
        var slot = perNeuron
        var located = [(core: Int32, row: Int32)](repeating: (0, 0), count: pending.count)
        for p in pending {
            let block = placed[Int(p.block)]
            located[Int(slot[Int(p.neuron)])] = (Int32(block.firstCore + Int(p.position) / a), p.position % Int32(a))
            slot[Int(p.neuron)] += 1
        }
        pending = []
        var targetStart = ContiguousArray<Int32>([0]), targets = ContiguousArray<Target>(), targetRows = ContiguousArray<Int32>()
        var markerSets = Array(repeating: Set<Int32>(), count: cores.count)
        for (pi, pop) in pops.enumerated() {
            for i in 0..<pop.size {
                let g = populationStart[pi] + i
                let mine = located[Int(perNeuron[g])..<Int(perNeuron[g + 1])].sorted { ($0.core, $0.row) < ($1.core, $1.row) }
                let source = placed[blocksOf[pi].lowerBound + i / n].firstCore
                var k = 0
                while k < mine.count {
                    let core = mine[k].core
                    let first = targetRows.count
                    var immediate = false
                    while k < mine.count, mine[k].core == core {
                        targetRows.append(mine[k].row)
                        if axonInfo[Int(axonStart[Int(core)]) + Int(mine[k].row)].delay == 0 { immediate = true }
                        k += 1
                    }
                    targets.append(Target(core: core, rows: Int32(first)..<Int32(targetRows.count)))
                    if immediate { markerSets[source].insert(core) }
                }
                targetStart.append(Int32(targets.count))
            }
        }
        let markerTargets = markerSets.map { $0.sorted() }
        var expected = ContiguousArray<Int32>(repeating: 0, count: cores.count)
        for list in markerTargets { for c in list { expected[Int(c)] += 1 } }
        let blocks = placed

        // Multicast trees, shared by sources with the same core and destinations.
        var routeNodes = ContiguousArray<RouteNode>()
        var spikeTree = ContiguousArray<Int32>(), markerTree = ContiguousArray<Int32>()
        if t.fanOut == .multicast {
            var known: [[Int32]: Int32] = [:]
            func tree(_ source: Int, _ dests: [Int32]) -> Int32 {
                let key = [Int32(source)] + dests
                if let root = known[key] { return root }
                let root = Int32(MulticastTree.build(from: source, to: dests.map(Int.init), routing: t.meshRouting, into: &routeNodes))
                known[key] = root
                return root
            }
            for (pi, pop) in pops.enumerated() {
                for i in 0..<pop.size {
                    let g = populationStart[pi] + i
                    let dests = targets[Int(targetStart[g])..<Int(targetStart[g + 1])].map(\.core)
                    spikeTree.append(dests.isEmpty ? -1 : tree(blocks[blocksOf[pi].lowerBound + i / n].firstCore, dests))
                }
            }
            for (c, dests) in markerTargets.enumerated() { markerTree.append(dests.isEmpty ? -1 : tree(c, dests)) }
        }
        self.network = network; self.topology = t; self.blocks = blocks; self.cores = cores
        self.populationStart = populationStart
        self.targetStart = targetStart; self.targets = targets; self.targetRows = targetRows
        self.axonStart = axonStart; self.axonInfo = axonInfo
        self.markerTargets = markerTargets; self.expectedMarkers = expected
        self.routeNodes = routeNodes; self.spikeTree = spikeTree; self.markerTree = markerTree
    }

    /// The board's silicon; chips without a mapped core are taken as power-gated.
    public func siliconBudget() -> SiliconBudget {
        var powered = [Bool](repeating: false, count: topology.chipCount)
        for c in cores.indices { powered[topology.chip(of: c)] = true }
        return SiliconBudget(topology: topology, functionUnits: Array(repeating: 0, count: topology.chipCount), powered: powered)
    }

    /// The block holding global neuron `g`'s state.
    public func block(ofNeuron g: Int) -> Int {
        var lo = 0, hi = blocks.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if populationStart[blocks[mid].population] + blocks[mid].neurons.lowerBound <= g { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }
}
