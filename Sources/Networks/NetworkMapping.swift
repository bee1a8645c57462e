import Mapping
import Topology

/// A spiking network placed on a topology's cores, TrueNorth-style: a core is a crossbar of
/// `axons` inputs × `neurons` outputs.
///
/// Each population is cut into blocks of at most `neurons` neurons. A block's inputs (the
/// concatenated source neurons of every projection into its population, one axon per source
/// neuron and delay) are cut into rows of at most `axons`: row 0 is the block's home core, which
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
        /// Axons used: the slice of the population's input space this core holds.
        public let axons: Range<Int>
    }

    /// Where one source neuron's spikes go on one core: rows `rows` of `targetRows`.
    public struct Target: Sendable {
        public let core: Int32
        public let rows: Range<Int32>
    }

    /// One axon of a core: a source neuron's spike delayed `delay` steps.
    public struct Axon: Sendable {
        public let delay: Int32
        /// Non-zero weights in the row (synaptic operations per spike).
        public let synapses: Int32
    }

    public let network: SpikingNetwork
    public let topology: Topology
    public let blocks: [Block]
    public let cores: [Core]
    /// First global neuron id of each population.
    public let populationStart: [Int]
    /// Where each projection starts in its target's input space.
    public let projectionOffset: [Int]
    /// Input width of each population.
    public let inputWidth: [Int]
    /// Per global neuron, its targets: `targets[targetStart[g]..<targetStart[g + 1]]`, sorted by core.
    public let targetStart: ContiguousArray<Int32>
    public let targets: ContiguousArray<Target>
    /// Local axon rows of `targets` (indices into the core's rows).
    public let targetRows: ContiguousArray<Int32>
    /// Per core, its axons (row k of the core is `axonStart[c] + k`).
    public let axonStart: ContiguousArray<Int32>
    public let axonInfo: ContiguousArray<Axon>
    /// Per core, row-major [axons × block neurons] weights.
    public let weights: [ContiguousArray<Double>]
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
        var inputWidth = Array(repeating: 0, count: pops.count)
        var offset: [Int] = []
        for p in network.projections {
            offset.append(inputWidth[p.target])
            inputWidth[p.target] += pops[p.source].size
        }
        var blocks: [Block] = [], cores: [Core] = []
        var blocksOf = Array(repeating: [Int](), count: pops.count)
        for (pi, pop) in pops.enumerated() {
            let rows = pop.isInput ? 1 : max(1, (inputWidth[pi] + a - 1) / a)
            var start = 0
            while start < pop.size {
                let end = min(pop.size, start + n)
                blocksOf[pi].append(blocks.count)
                blocks.append(Block(population: pi, neurons: start..<end, firstCore: cores.count, rows: rows))
                for r in 0..<rows {
                    let role: Role = pop.isInput ? .input : (r == 0 ? .home : .partial)
                    let axons = pop.isInput ? 0..<0 : (r * a)..<min(inputWidth[pi], (r + 1) * a)
                    cores.append(Core(role: role, block: blocks.count - 1, row: r, axons: axons))
                }
                start = end
            }
            guard cores.count <= t.coreCount else {
                throw NetworkError.doesNotFit("the network needs at least \(cores.count) cores (population '\(pop.name)' and those before it, at \(a) axons × \(n) neurons per core); \(t.name) has \(t.coreCount): use more chips or a larger mesh (--set chips.x=…, mesh.x=…) or larger cores (core.axons, core.neurons)")
            }
        }
        var populationStart = [0]
        for p in pops { populationStart.append(populationStart.last! + p.size) }

        // Axons and weights of every core.
        var axonStart = ContiguousArray<Int32>([0]), axonInfo = ContiguousArray<Axon>()
        var weights: [ContiguousArray<Double>] = []
        // Which projection and source neuron each input index of a population is.
        func source(of index: Int, population: Int) -> (projection: Int, neuron: Int) {
            let j = network.projections.indices.last { network.projections[$0].target == population && offset[$0] <= index }!
            return (j, index - offset[j])
        }
        for core in cores {
            let block = blocks[core.block]
            let width = block.neurons.count
            var w = ContiguousArray<Double>(repeating: 0, count: core.axons.count * width)
            for (k, index) in core.axons.enumerated() {
                let (j, s) = source(of: index, population: block.population)
                let proj = network.projections[j]
                let srcSize = pops[proj.source].size
                var nonzero: Int32 = 0
                for (col, neuron) in block.neurons.enumerated() {
                    let x = proj.weights[neuron * srcSize + s]
                    w[k * width + col] = x
                    if x != 0 { nonzero += 1 }
                }
                axonInfo.append(Axon(delay: Int32(proj.delay), synapses: nonzero))
            }
            axonStart.append(Int32(axonInfo.count))
            weights.append(w)
        }

        // Targets of every source neuron: the cores holding its axons, and its rows there.
        var targetStart = ContiguousArray<Int32>([0]), targets = ContiguousArray<Target>(), targetRows = ContiguousArray<Int32>()
        var markerSets = Array(repeating: Set<Int32>(), count: cores.count)
        let outgoing = Dictionary(grouping: network.projections.indices, by: { network.projections[$0].source })
        for (pi, pop) in pops.enumerated() {
            for i in 0..<pop.size {
                var perCore: [Int32: [Int32]] = [:]
                for j in outgoing[pi] ?? [] {
                    let proj = network.projections[j]
                    let index = offset[j] + i, row = index / a
                    for b in blocksOf[proj.target] {
                        let core = blocks[b].firstCore + row
                        let k = index - cores[core].axons.lowerBound
                        guard axonInfo[Int(axonStart[core]) + k].synapses > 0 else { continue }
                        perCore[Int32(core), default: []].append(Int32(k))
                    }
                }
                let sourceCore = Self.sourceCore(of: i, population: pi, blocks: blocks, blocksOf: blocksOf)
                for core in perCore.keys.sorted() {
                    let rows = perCore[core]!
                    targets.append(Target(core: core, rows: Int32(targetRows.count)..<Int32(targetRows.count + rows.count)))
                    targetRows.append(contentsOf: rows)
                    if rows.contains(where: { axonInfo[Int(axonStart[Int(core)]) + Int($0)].delay == 0 }) {
                        markerSets[sourceCore].insert(core)
                    }
                }
                targetStart.append(Int32(targets.count))
            }
        }
        let markerTargets = markerSets.map { $0.sorted() }
        var expected = ContiguousArray<Int32>(repeating: 0, count: cores.count)
        for list in markerTargets { for c in list { expected[Int(c)] += 1 } }

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
                    spikeTree.append(dests.isEmpty ? -1 : tree(Self.sourceCore(of: i, population: pi, blocks: blocks, blocksOf: blocksOf), dests))
                }
            }
            for (c, dests) in markerTargets.enumerated() { markerTree.append(dests.isEmpty ? -1 : tree(c, dests)) }
        }
        self.network = network; self.topology = t; self.blocks = blocks; self.cores = cores
        self.populationStart = populationStart; self.projectionOffset = offset; self.inputWidth = inputWidth
        self.targetStart = targetStart; self.targets = targets; self.targetRows = targetRows
        self.axonStart = axonStart; self.axonInfo = axonInfo; self.weights = weights
        self.markerTargets = markerTargets; self.expectedMarkers = expected
        self.routeNodes = routeNodes; self.spikeTree = spikeTree; self.markerTree = markerTree
    }

    /// The home (or input) core of neuron `i` of population `p`.
    static func sourceCore(of i: Int, population p: Int, blocks: [Block], blocksOf: [[Int]]) -> Int {
        let b = blocksOf[p][i / blocks[blocksOf[p][0]].neurons.count]
        return blocks[b].firstCore
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
