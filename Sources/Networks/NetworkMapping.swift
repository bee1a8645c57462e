import Mapping
import Topology

/// A spiking network placed on a topology's cores, TrueNorth-style: a core is a crossbar of
/// `axons` inputs × `neurons` outputs.
///
/// Each population is cut into blocks of at most `neurons` neurons. A block's axons (one per source
/// neuron and projection with at least one synapse onto the block, in projection and source order)
/// are cut into rows of at most `axons` (TrueNorth neurons on a crossbar of axon types: also where
/// an axon's weights stop fitting the row's types, `AxonTypes`): row 0 is the block's home core, which
/// holds the neuron state; rows 1… are partial cores that add their axons' weights and send the
/// partial currents to the home core once per step as graded packets (the dendritic split of
/// Loihi's and TrueNorth's compilers). An input population's block is one core that relays the
/// input file's spikes. Cores are numbered in population order from core 0 (row-major).
///
/// On a splitter fan-out topology (strict TrueNorth: a spike reaches one core), a neuron whose spikes
/// go to more than one core sends them to a splitter core, whose relay neurons (one per destination)
/// fire one packet each. A source core's such neurons share splitter cores, packed up to `axons`
/// sources and `neurons` relays each; they are numbered after every population's cores.
public struct NetworkMapping: Sendable {
    public enum Role: UInt8, Sendable { case input, home, partial, splitter }

    public struct Block: Sendable {
        public let population: Int
        public let neurons: Range<Int>
        /// Cores of the block: `firstCore` is the home core, then one per further row of axons.
        public let firstCore: Int
        public let rows: Int
    }

    public struct Core: Sendable {
        public let role: Role
        /// The block it serves (a splitter: the block of the source core it relays for).
        public let block: Int
        public let row: Int
        /// Axons used.
        public let axons: Int
    }

    /// Where one source neuron's spikes go on one core: its axons there, `targetAxons[axons]`, in row order.
    public struct Target: Sendable {
        public let core: Int32
        public let axons: Range<Int32>
    }

    /// One axon of a core: a source neuron of a projection, whose synapses onto the block are
    /// `entries` of the projection's matrix (targets ascending). 16 bytes: a network of a million
    /// neurons has about as many axons as synapses.
    public struct Axon: Sendable {
        public let projection: Int32
        public let delay: Int32
        let first: UInt32
        /// Synaptic operations per spike.
        public let synapses: UInt32
        public var entries: Range<Int> { Int(first)..<(Int(first) + Int(synapses)) }
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
    /// The axons of `targets`, stored in target order so that a spike reads its axons on a core
    /// one after another (each is one row of that core's crossbar).
    public let targetAxons: ContiguousArray<Axon>
    /// Per global neuron, the splitter core that relays its spikes, or −1 (sent directly).
    public let splitterOf: ContiguousArray<Int32>
    /// Per home, input or splitter core, the cores it sends spikes to over zero-delay projections (they wait for its
    /// marker). A source core's marker reaches the destinations its splitters serve through them, after the spikes.
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
        let pops = network.populations
        // Energy records carry the population as a 16-bit layer.
        guard pops.count <= Int(Int16.max) else {
            throw NetworkError.doesNotFit("\(pops.count) populations; a run holds at most \(Int16.max)")
        }
        let populationStart = network.populationStart
        // Blocks of every population, in order.
        var cut: [(population: Int, neurons: Range<Int>)] = []
        var blocksOf = Array(repeating: 0..<0, count: pops.count)
        for (pi, pop) in pops.enumerated() {
            let first = cut.count
            for lo in stride(from: 0, to: pop.size, by: n) { cut.append((pi, lo..<min(pop.size, lo + n))) }
            blocksOf[pi] = first..<cut.count
        }
        // Axons of every block: each source neuron of each projection with synapses onto it. A column's targets
        // ascend, so its runs per block are contiguous; the walk visits (source neuron, block, projection, synapses)
        // in projection, source and block order, which is also the order of a block's axons (its rows).
        for proj in network.projections where proj.matrix.nonzeros > Int(UInt32.max) {
            throw NetworkError.doesNotFit("projection '\(pops[proj.source].name)' -> '\(pops[proj.target].name)' has \(proj.matrix.nonzeros) synapses; at most \(UInt32.max) are mapped")
        }
        func walkAxons(_ visit: (_ neuron: Int, _ block: Int, _ projection: Int, _ synapses: Range<Int>) -> Void) {
            for (j, proj) in network.projections.enumerated() {
                let m = proj.matrix, firstBlock = blocksOf[proj.target].lowerBound, source = populationStart[proj.source]
                m.row.withUnsafeBufferPointer { row in
                    for i in 0..<m.columns {
                        var e = m.start[i]
                        let stop = m.start[i + 1]
                        while e < stop {
                            let blockRow = Int(row[e]) / n
                            var end = e + 1
                            while end < stop, Int(row[end]) / n == blockRow { end += 1 }
                            visit(source + i, firstBlock + blockRow, j, e..<end)
                            e = end
                        }
                    }
                }
            }
        }
        // First walk: axons per block (for the cores) and per source neuron (for the targets), and where each
        // block's rows of axons start: every `a` axons, or for TrueNorth neurons on a crossbar of axon types
        // also where the next axon's weights no longer fit the row's types (`AxonTypes`).
        let neuronCount = populationStart.last!
        var axonsPerBlock = [Int](repeating: 0, count: cut.count)
        var slot = [Int](repeating: 0, count: neuronCount + 1)
        var rowStarts = [[Int]](repeating: [0], count: cut.count)
        var typed: [AxonTypes?] = cut.map { block in
            guard case .binary(let k) = t.weights, pops[block.population].dynamics?.kind == .trueNorth else { return nil }
            return AxonTypes(types: k, neurons: block.neurons)
        }
        let isTyped = typed.map { $0 != nil }
        walkAxons { g, b, j, synapses in
            let ordinal = axonsPerBlock[b]
            axonsPerBlock[b] += 1; slot[g + 1] += 1
            if !isTyped[b] {
                if ordinal > 0, ordinal % a == 0 { rowStarts[b].append(ordinal) }
            } else if ordinal - rowStarts[b].last! == a || !typed[b]!.place(network.projections[j].matrix, synapses) {
                if ordinal > 0 { rowStarts[b].append(ordinal) }
                typed[b]!.clear()
                _ = typed[b]!.place(network.projections[j].matrix, synapses)
            }
        }
        typed = []
        let axonCount = axonsPerBlock.reduce(0, +)
        guard axonCount <= Int(Int32.max) else { throw NetworkError.doesNotFit("\(axonCount) axons; at most 2^31 are mapped") }
        // Cores: per block, its home core and a partial core per further row of axons.
        var placed: [Block] = [], cores: [Core] = []
        for (b, block) in cut.enumerated() {
            let input = pops[block.population].isInput
            let count = axonsPerBlock[b], starts = rowStarts[b]
            let rows = input ? 1 : starts.count
            placed.append(Block(population: block.population, neurons: block.neurons, firstCore: cores.count, rows: rows))
            for r in 0..<rows {
                let used = input ? 0 : (r + 1 < starts.count ? starts[r + 1] : count) - starts[r]
                cores.append(Core(role: input ? .input : (r == 0 ? .home : .partial), block: b, row: r, axons: max(used, 0)))
            }
            guard cores.count <= t.coreCount else {
                throw NetworkError.doesNotFit("the network needs at least \(cores.count) cores (population '\(pops[block.population].name)' and those before it, at \(a) axons × \(n) neurons per core); \(t.name) has \(t.coreCount): use more chips or a larger mesh (--set system.chips.x=…, chip.mesh.x=…) or larger cores (core.axons, core.neurons)")
            }
        }
        // Second walk: every axon, with its core, into its source neuron's slot.
        for g in 0..<neuronCount { slot[g + 1] += slot[g] }
        let neuronStart = slot
        var next = [Int](repeating: 0, count: cut.count)   // axons of each block placed so far
        var row = [Int](repeating: 0, count: cut.count)    // the row the next one goes to
        var axonCore = ContiguousArray<Int32>(repeating: 0, count: axonCount)
        var targetAxons = ContiguousArray<Axon>(repeating: Axon(projection: 0, delay: 0, first: 0, synapses: 0), count: axonCount)
        walkAxons { g, b, j, synapses in
            let s = slot[g]
            slot[g] = s + 1
            while row[b] + 1 < rowStarts[b].count, rowStarts[b][row[b] + 1] <= next[b] { row[b] += 1 }
            axonCore[s] = Int32(placed[b].firstCore + row[b])
            next[b] += 1
            targetAxons[s] = Axon(projection: Int32(j), delay: Int32(network.projections[j].delay), first: UInt32(synapses.lowerBound),
                                  synapses: UInt32(synapses.count))
        }
        slot = []; next = []; row = []; rowStarts = []
        // Targets: each neuron's axons grouped by core. Within a core they are already in row order (the walk's);
        // across projections cores may interleave, and a stable sort by core restores (core, row) order.
        var targetStart = ContiguousArray<Int32>([0]), targets = ContiguousArray<Target>()
        var markerSets = Array(repeating: Set<Int32>(), count: cores.count)
        // Splitter fan-out: per source core, its neurons that reach several cores, with their zero-delay destinations.
        let splitting = t.fanOut == .splitter
        var relayed = Array(repeating: [(neuron: Int, cores: Int, immediate: [Int32])](), count: splitting ? cores.count : 0)
        for (pi, pop) in pops.enumerated() {
            for i in 0..<pop.size {
                let g = populationStart[pi] + i
                let lo = neuronStart[g], hi = neuronStart[g + 1]
                if hi - lo > 1, !(lo + 1..<hi).allSatisfy({ axonCore[$0 - 1] <= axonCore[$0] }) {
                    let order = (lo..<hi).sorted { (axonCore[$0], $0) < (axonCore[$1], $1) }
                    let (cs, xs) = (order.map { axonCore[$0] }, order.map { targetAxons[$0] })
                    for k in 0..<order.count { axonCore[lo + k] = cs[k]; targetAxons[lo + k] = xs[k] }
                }
                let source = placed[blocksOf[pi].lowerBound + i / n].firstCore
                var k = lo
                let firstTarget = targets.count
                var immediateCores: [Int32] = []
                while k < hi {
                    let core = axonCore[k], first = k
                    var immediate = false
                    while k < hi, axonCore[k] == core {
                        if targetAxons[k].delay == 0 { immediate = true }
                        k += 1
                    }
                    targets.append(Target(core: core, axons: Int32(first)..<Int32(k)))
                    if immediate {
                        if splitting { immediateCores.append(core) } else { markerSets[source].insert(core) }
                    }
                }
                if splitting {
                    if targets.count - firstTarget > 1 {
                        relayed[source].append((g, targets.count - firstTarget, immediateCores))
                    } else {
                        for c in immediateCores { markerSets[source].insert(c) }
                    }
                }
                guard targets.count <= Int(Int32.max) else { throw NetworkError.doesNotFit("more than 2^31 (neuron, core) targets") }
                targetStart.append(Int32(targets.count))
            }
        }
        axonCore = []
        // Splitter cores, after every population's: each takes a source core's relayed neurons in order while
        // it has an axon for the source and a relay neuron for each of its destinations.
        var splitterOf = ContiguousArray<Int32>(repeating: -1, count: splitting ? neuronCount : 0)
        for (source, list) in relayed.enumerated() where !list.isEmpty {
            var sources = 0, relays = 0
            for r in list {
                guard r.cores <= n else {
                    let p = placed[cores[source].block].population
                    throw NetworkError.doesNotFit("a spike of neuron \(r.neuron - populationStart[p]) of '\(pops[p].name)' must reach \(r.cores) cores, more than a splitter core's \(n) neurons; multi-level splitter trees are not modelled: use --set router.fanout=unicast or multicast, or larger cores (core.neurons)")
                }
                if sources == 0 || sources == a || relays + r.cores > n {
                    cores.append(Core(role: .splitter, block: cores[source].block, row: 0, axons: 0))
                    markerSets.append([])
                    sources = 0; relays = 0
                    guard cores.count <= t.coreCount else {
                        throw NetworkError.doesNotFit("the network needs at least \(cores.count) cores with its splitter cores (\(a) axons × \(n) neurons per core); \(t.name) has \(t.coreCount): use more chips or a larger mesh (--set system.chips.x=…, chip.mesh.x=…), larger cores, or --set router.fanout=unicast")
                    }
                }
                let splitter = cores.count - 1
                sources += 1; relays += r.cores
                cores[splitter] = Core(role: .splitter, block: cores[splitter].block, row: 0, axons: sources)
                splitterOf[r.neuron] = Int32(splitter)
                if !r.immediate.isEmpty {
                    markerSets[source].insert(Int32(splitter))
                    for c in r.immediate { markerSets[splitter].insert(c) }
                }
            }
        }
        relayed = []
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
        self.targetStart = targetStart; self.targets = targets; self.targetAxons = targetAxons
        self.splitterOf = splitterOf
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
