import ModelShapes
import Topology

/// A model compiled onto a topology: which core holds which crossbar tile, where each
/// stage's function unit sits, and how every spike reaches its tiles.
///
/// Every linear projection becomes ⌈inputs/axons⌉ × ⌈outputs/neurons⌉ tiles, times the
/// bit slices the weight precision needs. The spikes of one row block of a stage's input
/// go to the tiles of that row block in every projection of the stage: one multicast
/// tree, one list of unicast destinations, or splitter cores, as the topology's fan-out says.
public struct ChipMapping: Sendable {
    public let topology: Topology
    public let spec: ModelSpec
    public let options: MappingOptions
    /// Layers mapped (≤ spec.layers).
    public let layers: Int
    public private(set) var stages: [Stage] = []
    public private(set) var projections: [MappedProjection] = []
    public private(set) var tiles: ContiguousArray<Tile> = []
    public private(set) var groups: [SpikeGroup] = []
    /// Destination cores of all groups (ranges in `SpikeGroup.destinations`).
    public private(set) var destinations: ContiguousArray<UInt32> = []
    /// Multicast trees of all groups, children contiguous.
    public private(set) var routeNodes: ContiguousArray<RouteNode> = []
    /// Splitter cores of all groups (ranges in `SpikeGroup.splitters`).
    public private(set) var splitterCores: ContiguousArray<UInt32> = []
    /// Tile index of each core, or -1. This and the three tables below are indexed by core id and
    /// end after the highest core the placement used: cores beyond it host nothing.
    public private(set) var tileOfCore: ContiguousArray<Int32>
    /// Stage whose function unit a core hosts, or -1.
    public private(set) var stageOfCore: ContiguousArray<Int32>
    /// Group a splitter core serves, or -1.
    public private(set) var splitterGroupOfCore: ContiguousArray<Int32>
    /// Model layer each used core belongs to (layers for the LM head/output), or -1.
    public private(set) var layerOfCore: ContiguousArray<Int16>

    /// Maps `spec` onto `topology`.
    /// - Throws: `MappingError` when the model does not fit or an option is invalid.
    public init(spec: ModelSpec, topology: Topology, options: MappingOptions = MappingOptions()) throws {
        guard (2...32).contains(options.weightBits) else {
            throw MappingError.invalidOption("weight bits must be between 2 and 32, got \(options.weightBits)")
        }
        let layers = options.layers ?? spec.layers
        guard (0...spec.layers).contains(layers) else {
            throw MappingError.invalidOption("--layers must be between 0 and \(spec.layers), got \(layers)")
        }
        guard layers > 0 || options.includeLMHead else {
            throw MappingError.invalidOption("--layers 0 with --no-lm-head leaves nothing to map; map at least one layer or the LM head")
        }
        self.topology = topology; self.spec = spec; self.options = options; self.layers = layers
        if case .spikes = options.partialSums, topology.weights.slices(forWeightBits: options.weightBits) > 1 {
            throw MappingError.invalidOption("spike-coded partial sums need one crossbar per tile, but \(options.weightBits)-bit weights take "
                + "\(topology.weights.slices(forWeightBits: options.weightBits)) slices on \(topology.name); use --partial-sums graded or fewer --weight-bits")
        }
        tileOfCore = []; stageOfCore = []; splitterGroupOfCore = []; layerOfCore = []
        try build()
    }

    /// Whole rows of the system, from the first to the last row holding a mapped core: every
    /// dimension-order route between mapped cores stays inside them, so the engine models these
    /// routers only (a small model on a huge mesh costs memory for its rows, not the mesh).
    public var routedCores: Range<Int> {
        var low = Int.max, high = -1
        func see(_ core: Int) { low = Swift.min(low, core); high = Swift.max(high, core) }
        for t in tiles { see(Int(t.core)) }
        for c in splitterCores { see(Int(c)) }
        for s in stages { see(s.functionUnit) }
        guard high >= 0 else { return 0..<0 }
        let w = topology.width
        return (low / w * w)..<((high / w + 1) * w)
    }

    private var slices: Int { topology.weights.slices(forWeightBits: options.weightBits) }

    /// The stages of one token in dataflow order, with their projections' shapes.
    private func plan() -> [(Stage.Kind, Int, Int, [(String, Int, Int)])] {
        var out: [(Stage.Kind, Int, Int, [(String, Int, Int)])] = []
        func p(_ x: ModelSpec.Projection) -> (String, Int, Int) { let s = spec.shape(of: x); return (x.rawValue, s.inputs, s.outputs) }
        for l in 0..<layers {
            out.append((.attentionInput, l, spec.hidden, [p(.q), p(.k), p(.v)]))
            out.append((.attentionOutput, l, spec.hidden, [p(.o)]))
            out.append((.ffnInput, l, spec.hidden, [p(.gate), p(.up)]))
            out.append((.ffnOutput, l, spec.ffn, [p(.down)]))
        }
        if options.includeLMHead { out.append((.lmHead, layers, spec.hidden, [("lm_head", spec.hidden, spec.vocabulary)])) }
        out.append((.output, layers, 0, []))
        return out
    }

    /// Cores each planned stage needs: tiles, splitters and its function unit.
    private func coresNeeded(for stage: (Stage.Kind, Int, Int, [(String, Int, Int)])) throws -> (tiles: Int, splitters: Int) {
        let a = topology.axons, nn = topology.neurons
        var tiles = 0
        for (_, i, o, ) in stage.3 { tiles += ((i + a - 1) / a) * ((o + nn - 1) / nn) * slices }
        guard topology.fanOut == .splitter, stage.2 > 0 else { return (tiles, 0) }
        var splitters = 0
        let blocks = (stage.2 + a - 1) / a
        for r in 0..<blocks {
            let rows = min(a, stage.2 - r * a)
            let k = stage.3.reduce(0) { $0 + (($1.2 + nn - 1) / nn) * slices }
            guard k <= nn else { throw MappingError.fanOutTooWide(destinations: k, neuronsPerCore: nn) }
            let perCore = min(a, nn / k)
            splitters += (rows + perCore - 1) / perCore
            _ = r
        }
        return (tiles, splitters)
    }

    private mutating func build() throws {
        let plan = plan()
        let need = try plan.map { try coresNeeded(for: $0) }
        let total = need.reduce(0) { $0 + $1.tiles + $1.splitters + 1 }
        guard total <= topology.coreCount else {
            let perLayer = layers > 0 ? need.prefix(4 * layers).reduce(0) { $0 + $1.tiles + $1.splitters + 1 } / layers : total
            let chips = (total + topology.coresPerChip - 1) / topology.coresPerChip
            throw MappingError.doesNotFit(needed: total, available: topology.coreCount, perLayer: perLayer, topology: topology.name, chipsNeeded: chips)
        }
        let order = options.placement.order(for: topology, count: total)
        // The per-core tables cover the placed cores' ids only: cores beyond them host nothing.
        let n = (order.max() ?? -1) + 1
        tileOfCore = ContiguousArray(repeating: -1, count: n)
        stageOfCore = ContiguousArray(repeating: -1, count: n)
        splitterGroupOfCore = ContiguousArray(repeating: -1, count: n)
        layerOfCore = ContiguousArray(repeating: -1, count: n)
        var cursor = 0
        let a = topology.axons, nn = topology.neurons
        let valuesPerPacket = max(1, topology.gradedPacketBits / topology.gradedValueBits)
        var previousPackets = 1 // the sampled token reaches the first stage as one packet
        for (si, (kind, layer, inputs, projs)) in plan.enumerated() {
            let block = need[si].tiles + need[si].splitters + 1
            let slots = Array(order[cursor..<(cursor + block)])
            cursor += block
            let fuSlot = slots[block / 2]
            var free = slots
            free.remove(at: block / 2)
            var next = 0
            let layerTag = Int16(layer)
            stageOfCore[fuSlot] = Int32(si); layerOfCore[fuSlot] = layerTag

            let projStart = projections.count
            var stagePackets = 0
            for (name, i, o) in projs {
                let mp = MappedProjection(name: name, stage: si, layer: layer, inputs: i, outputs: o, rowBlocks: (i + a - 1) / a,
                                          colBlocks: (o + nn - 1) / nn, slices: slices, firstTile: tiles.count)
                for r in 0..<mp.rowBlocks {
                    for c in 0..<mp.colBlocks {
                        for s in 0..<slices {
                            let core = free[next]; next += 1
                            let t = Tile(core: UInt32(core), projection: UInt32(projections.count), row: UInt16(r), column: UInt16(c),
                                         slice: UInt16(s), axonsUsed: UInt16(min(a, i - r * a)), neuronsUsed: UInt16(min(nn, o - c * nn)))
                            tileOfCore[core] = Int32(tiles.count); layerOfCore[core] = layerTag
                            tiles.append(t)
                            // Graded: the packets of the sums. Spike-coded: the number of spikes depends on
                            // the data, so the reduction waits for each tile's closing marker instead.
                            stagePackets += options.partialSums == .graded ? (Int(t.neuronsUsed) + valuesPerPacket - 1) / valuesPerPacket : 1
                        }
                    }
                }
                projections.append(mp)
            }
            let groupStart = groups.count
            if inputs > 0 {
                for r in 0..<((inputs + a - 1) / a) {
                    let rows = min(a, inputs - r * a)
                    let destStart = destinations.count
                    for p in projStart..<projections.count {
                        let mp = projections[p]
                        for c in 0..<mp.colBlocks {
                            for s in 0..<slices { destinations.append(tiles[mp.firstTile + (r * mp.colBlocks + c) * slices + s].core) }
                        }
                    }
                    let dests = destStart..<destinations.count
                    var root = -1
                    if topology.fanOut == .multicast { root = buildTree(source: fuSlot, destinations: dests) }
                    let splitStart = splitterCores.count
                    var perSplitter = 0
                    if topology.fanOut == .splitter {
                        perSplitter = min(a, nn / dests.count)
                        for _ in 0..<((rows + perSplitter - 1) / perSplitter) {
                            let core = free[next]; next += 1
                            splitterGroupOfCore[core] = Int32(groups.count); layerOfCore[core] = layerTag
                            splitterCores.append(UInt32(core))
                        }
                    }
                    groups.append(SpikeGroup(stage: si, rowBlock: r, rows: rows, destinations: dests, treeRoot: root,
                                             splitters: splitStart..<splitterCores.count, sourcesPerSplitter: perSplitter))
                }
            }
            precondition(next == free.count, "mapper allocated \(next) of \(free.count) cores of stage \(si)")
            stages.append(Stage(kind: kind, layer: layer, inputs: inputs, projections: projStart..<projections.count,
                                functionUnit: fuSlot, groups: groupStart..<groups.count, expectedPackets: previousPackets))
            previousPackets = stagePackets
        }
        // The output stage's sampled token starts the next token at stage 0.
        stages[0].expectedPackets = 1
    }

    /// Builds the multicast tree from `source` to the cores in `destinations` and appends it to `routeNodes`.
    private mutating func buildTree(source: Int, destinations dests: Range<Int>) -> Int {
        MulticastTree.build(from: source, to: dests.map { Int(destinations[$0]) }, routing: topology.meshRouting, into: &routeNodes)
    }
}
