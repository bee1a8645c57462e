import Energy
import Foundation
import SimKernel
import Yams

/// A neuromorphic system: chips of meshes of crossbar cores, their routers and links,
/// function units, how time steps are synchronised, and what every operation costs.
///
/// Read one from a YAML file with `Topology.load(path:)`; `docs/topology-schema.md`
/// describes every key. Core ids are row-major over the whole system's mesh, so a board
/// of 2×4 chips of 64×64 cores is one 128×256 grid whose chip boundaries are links of
/// their own.
public struct Topology: Sendable, Hashable {
    public var name: String
    public var description: String
    /// The YAML text it was read from (stored with every run), with the keys set on top of it listed at the end.
    public var source: String
    /// Keys set on top of the file (`--set`, a sweep's axes).
    public var overrides: [TopologyOverride]

    /// Chips along x and y.
    public var chipsX: Int
    public var chipsY: Int
    /// Cores per chip along x and y.
    public var meshX: Int
    public var meshY: Int
    /// Node and supply of the figures below; `technology.node` holds the node's area and leakage figures.
    public var technology: TechnologyPoint
    /// The node the file's figures were written for, when `scaled(to:)` moved them (nil: as written).
    public var scaledFrom: TechnologyPoint?
    /// The library the node came from (areas of logic, the reticle limit), for silicon budgets.
    public var library: TechnologyLibrary
    /// Static (leakage + idle) power of a chip: a stated figure, or derived from the node's leakage.
    public var staticPower: StaticPower
    /// A chip-to-chip link crossing (energy per flit of `spikePacketBits`, latency per crossing).
    public var chipLink: OpCost
    /// Chip-to-chip link bandwidth in bits per ns.
    public var chipLinkBitsPerNs: Double

    public var sync: SyncMode

    /// How a spike reaches several cores.
    public var fanOut: FanOut
    /// Which dimension packets travel first (`router.routing`, default xy).
    public var routing: RoutingAlgorithm
    /// Router traversal plus link to the next router, east-west, per flit of `spikePacketBits`.
    public var hopEastWest: OpCost
    /// Router traversal plus link to the next router, north-south.
    public var hopNorthSouth: OpCost
    /// On-chip link bandwidth in bits per ns.
    public var linkBitsPerNs: Double
    /// Packets a router output buffer holds before it drops; 0 = unbounded (packets wait).
    public var bufferPackets: Int
    /// Bits of a spike (or marker) packet.
    public var spikePacketBits: Int
    /// Bits of a graded (partial-sum) packet.
    public var gradedPacketBits: Int
    /// Bits of one value inside a graded packet.
    public var gradedValueBits: Int

    /// Axons (crossbar rows) per core.
    public var axons: Int
    /// Neurons (crossbar columns) per core.
    public var neurons: Int
    public var weights: WeightFormat
    /// One synapse read and accumulated.
    public var synapticOp: OpCost
    /// The part of `synapticOp` that reads one byte of weights from the crossbar's SRAM: what a
    /// dense accelerator with the same memory pays per weight byte.
    public var weightReadPicojoulesPerByte: Double
    /// Bits of one neuron's state (membrane), held in SRAM beside the crossbar.
    public var membraneBits: Int
    /// Synapses processed per `synapticOp.latency`.
    public var synapseLanes: Int
    /// One neuron's state read, updated and written.
    public var neuronUpdate: OpCost
    /// A neuron-step in which the neuron is idle (no input, state at rest): only its state is read.
    /// `neuronUpdate` when the file states no `neuron_idle`, as the chip then updates every neuron alike.
    public var neuronIdle: OpCost
    /// Added for each neuron that fires, on top of its update (the soma's spike generation); free
    /// when the file states no `neuron_fire`, as `spike_out` then carries the whole cost of a spike.
    public var neuronFire: OpCost
    /// Neurons updated per `neuronUpdate.latency`.
    public var neuronLanes: Int
    /// A packet leaving a core.
    public var spikeOut: OpCost

    public var functionUnit: FunctionUnitSpec

    /// Every cost figure read from the file, by dotted key (`core.synaptic_op.energy_pj`), with its range.
    public var figures: [String: Figure]
    /// The line of each figure in `source`.
    public var figureLines: [String: Int]

    // MARK: Derived geometry

    /// Cores along x / y over the whole system.
    public var width: Int { chipsX * meshX }
    public var height: Int { chipsY * meshY }
    public var chipCount: Int { chipsX * chipsY }
    public var coresPerChip: Int { meshX * meshY }
    public var coreCount: Int { width * height }

    @inlinable public func x(of core: Int) -> Int { core % width }
    @inlinable public func y(of core: Int) -> Int { core / width }
    @inlinable public func core(x: Int, y: Int) -> Int { y * width + x }
    @inlinable public func chip(of core: Int) -> Int { (y(of: core) / meshY) * chipsX + x(of: core) / meshX }
    /// How packets cross this system's mesh.
    public var meshRouting: MeshRouting { MeshRouting(width: width, height: height, algorithm: routing) }

    /// Flits of `spikePacketBits` in a packet of `bits`: hop and chip-link energies are per flit.
    @inlinable public func flits(bits: Int) -> Int64 { Int64((bits + spikePacketBits - 1) / spikePacketBits) }

    /// Time a packet of `bits` occupies an on-chip link.
    public func serialization(bits: Int) -> SimTime { SimTime(nanoseconds: Double(bits) / linkBitsPerNs) }
    /// Time a packet of `bits` occupies a chip-to-chip link.
    public func chipSerialization(bits: Int) -> SimTime { SimTime(nanoseconds: Double(bits) / chipLinkBitsPerNs) }

    /// The smallest latency of any message between two chips: the lookahead when chips are partitions.
    public var chipLookahead: SimTime { chipLink.latency }
}

extension Topology {
    /// Reads a topology from a YAML file.
    /// - Throws: `TopologyError` naming the file, line and key of the first problem.
    /// - Parameter overrides: keys set on top of the file (`--set`), checked like the file's own.
    public static func load(path: String, overrides: [TopologyOverride] = []) throws -> Topology {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw TopologyError(file: path, line: nil, key: "", message: "cannot read the file (\(error.localizedDescription)); check the path, or list the shipped topologies in topologies/")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TopologyError(file: path, line: nil, key: "", message: "the file is not UTF-8 text; save it as UTF-8 (YAML is text)")
        }
        return try parse(yaml: text, file: path, overrides: overrides)
    }

    /// Reads a topology from YAML text; `file` names it in error messages.
    /// - Parameter library: the technology nodes; default: the shipped `topologies/technology.yaml`.
    public static func parse(yaml text: String, file: String = "<string>", library: TechnologyLibrary? = nil,
                             overrides: [TopologyOverride] = []) throws -> Topology {
        for (i, o) in overrides.enumerated() {
            if let earlier = overrides[..<i].first(where: { $0.key == o.key || o.key.hasPrefix($0.key + ".") || $0.key.hasPrefix(o.key + ".") }) {
                throw TopologyError(file: "--set", line: nil, key: o.key, message: "set twice (\(earlier) and \(o)); keep one")
            }
        }
        var top = try YAMLCursor.document(text, file: file, empty: "a topology needs name, technology, system, chip, sync, router, core and function_unit",
                                          overrides: overrides)
        let name = try top.string("name", what: "the topology's name")
        let description = try top.optionalString("description") ?? ""
        var figures: [String: Figure] = [:]
        var lines: [String: Int] = [:]

        var tech = try top.cursor("technology", what: "the node of the figures: {node_nm: 45, voltage_v: 0.9, source: \"…\"}")
        let nodeNm = try tech.int("node_nm", what: "the technology node in nm", in: 1...1000)
        let library = try library ?? TechnologyLibrary.shipped()
        let node: TechnologyNode
        do { node = try library.node(nodeNm) } catch let e as TechnologyError { throw tech.error("node_nm", e.description) }
        let technology = TechnologyPoint(node: node, voltage: try tech.double("voltage_v", what: "the supply voltage in V", in: 0.1...5),
                                         source: try tech.string("source", what: "where the node and voltage come from"))
        try tech.finish(allowed: ["node_nm", "voltage_v", "source"])

        var system = try top.cursor("system", what: "the board: chips and chip_link")
        var chips = try system.cursor("chips", what: "chips along x and y, e.g. {x: 2, y: 4}")
        let chipsX = try chips.int("x", what: "chips along x", in: 1...256)
        let chipsY = try chips.int("y", what: "chips along y", in: 1...256)
        try chips.finish(allowed: ["x", "y"])
        var link = try system.cursor("chip_link", what: "the chip-to-chip link: latency_ns, energy_pj, bits_per_ns")
        let linkEnergy = try link.figure("energy_pj", what: "energy per packet crossing a chip boundary in pJ", in: energyRange)
        figures["system.chip_link.energy_pj"] = linkEnergy; lines["system.chip_link.energy_pj"] = link.line(of: "energy_pj")
        let chipLink = OpCost(picojoules: linkEnergy.value,
                              nanoseconds: try link.double("latency_ns", what: "latency of a chip crossing in ns", in: 0.001...1e9))
        let chipBits = try link.double("bits_per_ns", what: "chip-to-chip link bandwidth in bits per ns", in: 1e-6...1e9)
        try link.finish(allowed: ["energy_pj", "latency_ns", "bits_per_ns"])
        try system.finish(allowed: ["chips", "chip_link"])

        var chip = try top.cursor("chip", what: "one chip: mesh and static_power_mw")
        var mesh = try chip.cursor("mesh", what: "cores along x and y, e.g. {x: 64, y: 64}")
        let meshX = try mesh.int("x", what: "cores along x", in: 1...4096)
        let meshY = try mesh.int("y", what: "cores along y", in: 1...4096)
        try mesh.finish(allowed: ["x", "y"])
        let staticPower: StaticPower
        switch (chip.has("static_power_mw"), chip.has("static_power")) {
        case (true, false):
            let mw = try chip.figure("static_power_mw", what: "static power of one chip in mW", in: 0...1e7)
            figures["chip.static_power_mw"] = mw; lines["chip.static_power_mw"] = chip.line(of: "static_power_mw")
            staticPower = .stated(milliwatts: mw)
        case (false, true):
            guard try chip.string("static_power", what: "derived") == "derived" else {
                throw chip.error("static_power", "write `static_power: derived` (leakage of the chip's SRAM and logic at its node) or give static_power_mw")
            }
            staticPower = .derived
        default:
            throw chip.error("static_power_mw", "give exactly one of static_power_mw (a stated figure in mW) or `static_power: derived`")
        }
        try chip.finish(allowed: ["mesh", "static_power_mw", "static_power"])
        let cores = chipsX * chipsY * meshX * meshY
        guard cores <= Int(Event<Int>.maxLP) + 1 else {
            throw TopologyError(file: file, line: mesh.line, key: "chip.mesh", message: "\(cores) cores in all; the simulator handles at most \(Int(Event<Int>.maxLP) + 1)")
        }

        var syncC = try top.cursor("sync", what: "how cores end a time step: mode and tick_ns")
        let mode = try syncC.string("mode", what: "global_tick or completion_markers")
        let sync: SyncMode
        switch mode {
        case "global_tick":
            sync = .globalTick(period: SimTime(nanoseconds: try syncC.double("tick_ns", what: "the tick period in ns", in: 0.001...1e12)))
            try syncC.finish(allowed: ["mode", "tick_ns"])
        case "completion_markers":
            sync = .completionMarkers
            try syncC.finish(allowed: ["mode"])
        default:
            throw syncC.error("mode", "unknown sync mode '\(mode)'; use global_tick (with tick_ns) or completion_markers")
        }

        var router = try top.cursor("router", what: "the on-chip routers and links")
        let fanOutName = try router.string("fanout", what: "multicast, unicast or splitter")
        guard let fanOut = FanOut(rawValue: fanOutName) else {
            throw router.error("fanout", "unknown fan-out '\(fanOutName)'; use multicast, unicast or splitter")
        }
        let routingName = try router.optionalString("routing") ?? RoutingAlgorithm.xy.rawValue
        guard let routing = RoutingAlgorithm(rawValue: routingName) else {
            throw router.error("routing", "unknown routing '\(routingName)'; use xy (x first, then y) or yx")
        }
        var hop = try router.cursor("hop", what: "hop costs: east_west and north_south")
        var ew = try hop.cursor("east_west", what: "energy_pj and latency_ns of an east-west hop")
        let hopEW = try readCost(&ew, what: "an east-west hop", minLatency: 0.001, into: &figures, lines: &lines)
        var ns = try hop.cursor("north_south", what: "energy_pj and latency_ns of a north-south hop")
        let hopNS = try readCost(&ns, what: "a north-south hop", minLatency: 0.001, into: &figures, lines: &lines)
        try hop.finish(allowed: ["east_west", "north_south"])
        let linkBits = try router.double("link_bits_per_ns", what: "on-chip link bandwidth in bits per ns", in: 1e-6...1e9)
        let buffer = try router.optionalInt("buffer_packets", what: "packets an output buffer holds (0 = unbounded)", in: 0...Int(Int32.max)) ?? 0
        let spikeBits = try router.int("spike_packet_bits", what: "bits of a spike packet", in: 1...65536)
        let gradedBits = try router.int("graded_packet_bits", what: "bits of a graded (partial-sum) packet", in: 1...1_048_576)
        let valueBits = try router.int("graded_value_bits", what: "bits of one partial sum inside a graded packet", in: 1...64)
        guard valueBits <= gradedBits else {
            throw router.error("graded_value_bits", "a graded packet of \(gradedBits) bits cannot carry a \(valueBits)-bit value")
        }
        try router.finish(allowed: ["fanout", "routing", "hop", "link_bits_per_ns", "buffer_packets", "spike_packet_bits", "graded_packet_bits", "graded_value_bits"])

        var core = try top.cursor("core", what: "the crossbar core")
        let axons = try core.int("axons", what: "axons (crossbar rows) per core", in: 1...65536)
        let neurons = try core.int("neurons", what: "neurons (crossbar columns) per core", in: 1...65536)
        var w = try core.cursor("weights", what: "the synapse format: {format: binary, axon_types: 4}, {format: ternary} or {format: int, bits: 8}")
        let format = try w.string("format", what: "binary, ternary or int")
        let weights: WeightFormat
        switch format {
        case "binary":
            weights = .binary(axonTypes: try w.int("axon_types", what: "axon types (per-neuron weight values)", in: 1...16))
            try w.finish(allowed: ["format", "axon_types"])
        case "ternary":
            weights = .ternary
            try w.finish(allowed: ["format"])
        case "int":
            weights = .integer(bits: try w.int("bits", what: "bits per synapse", in: 2...16))
            try w.finish(allowed: ["format", "bits"])
        default:
            throw w.error("format", "unknown weight format '\(format)'; use binary, ternary or int")
        }
        var syn = try core.cursor("synaptic_op", what: "energy_pj and latency_ns of one synaptic operation")
        let synapticOp = try readCost(&syn, what: "a synaptic operation", into: &figures, lines: &lines)
        let weightRead = try core.figure("weight_read_pj_per_byte", what: "energy of reading one weight byte from the crossbar SRAM in pJ (part of synaptic_op)", in: energyRange)
        figures["core.weight_read_pj_per_byte"] = weightRead; lines["core.weight_read_pj_per_byte"] = core.line(of: "weight_read_pj_per_byte")
        let bytesPerSynapse = Double(weights.bits) / 8
        guard weightRead.value * bytesPerSynapse <= synapticOp.energy.picojoules * (1 + 1e-9) else {
            throw core.error("weight_read_pj_per_byte", "reading a synapse's \(weights.bits) bits costs \(weightRead.value * bytesPerSynapse) pJ, more than the whole synaptic_op (\(synapticOp.energy.picojoules) pJ)")
        }
        let membraneBits = try core.optionalInt("membrane_bits", what: "bits of one neuron's membrane state", in: 1...64) ?? 32
        let synLanes = try core.int("synapse_lanes", what: "synapses processed in parallel", in: 1...65536)
        var nu = try core.cursor("neuron_update", what: "energy_pj and latency_ns of one neuron update")
        let neuronUpdate = try readCost(&nu, what: "a neuron update", into: &figures, lines: &lines)
        func optionalCost(_ key: String, _ what: String) throws -> OpCost? {
            guard core.has(key) else { return nil }
            var c = try core.cursor(key, what: "energy_pj and latency_ns of \(what)")
            return try readCost(&c, what: what, into: &figures, lines: &lines)
        }
        let neuronIdle = try optionalCost("neuron_idle", "an idle neuron-step (no input, state at rest)") ?? neuronUpdate
        let neuronFire = try optionalCost("neuron_fire", "a neuron firing (added to its update)") ?? .free
        let neuronLanes = try core.int("neuron_lanes", what: "neurons updated in parallel", in: 1...65536)
        var so = try core.cursor("spike_out", what: "energy_pj and latency_ns of a packet leaving a core")
        let spikeOut = try readCost(&so, what: "a packet leaving a core", minLatency: 0.001, into: &figures, lines: &lines)
        try core.finish(allowed: ["axons", "neurons", "weights", "synaptic_op", "weight_read_pj_per_byte", "membrane_bits", "synapse_lanes",
                                  "neuron_update", "neuron_idle", "neuron_fire", "neuron_lanes", "spike_out"])

        var fu = try top.cursor("function_unit", what: "the function units: precision, lanes, memory_bytes and ops")
        let precision = try fu.string("precision", what: "the arithmetic format, e.g. fp16")
        let lanes = try fu.int("lanes", what: "operations started in parallel", in: 1...65536)
        let memoryBytes = try fu.int("memory_bytes", what: "SRAM bytes per function unit", in: 0...Int(Int64(1) << 40))
        var ops = try fu.cursor("ops", what: "costs of add, multiply, exp, divide, rsqrt, compare, memory_read_byte, memory_write_byte")
        func op(_ key: String, _ what: String) throws -> OpCost {
            var c = try ops.cursor(key, what: "energy_pj and latency_ns of \(what)")
            return try readCost(&c, what: what, into: &figures, lines: &lines)
        }
        let spec = FunctionUnitSpec(
            precision: precision, lanes: lanes,
            add: try op("add", "an addition"), multiply: try op("multiply", "a multiplication"), exp: try op("exp", "an exponential"),
            divide: try op("divide", "a division"), rsqrt: try op("rsqrt", "a reciprocal square root"),
            compare: try op("compare", "a comparison"), memoryRead: try op("memory_read_byte", "reading one byte of SRAM"),
            memoryWrite: try op("memory_write_byte", "writing one byte of SRAM"), memoryBytes: memoryBytes)
        try ops.finish(allowed: ["add", "multiply", "exp", "divide", "rsqrt", "compare", "memory_read_byte", "memory_write_byte"])
        try fu.finish(allowed: ["precision", "lanes", "memory_bytes", "ops"])
        try top.finish(allowed: ["name", "description", "technology", "system", "chip", "sync", "router", "core", "function_unit"])

        return Topology(
            name: name, description: description, source: text + overrides.sourceNote, overrides: overrides, chipsX: chipsX, chipsY: chipsY, meshX: meshX, meshY: meshY,
            technology: technology, library: library, staticPower: staticPower, chipLink: chipLink, chipLinkBitsPerNs: chipBits, sync: sync,
            fanOut: fanOut, routing: routing, hopEastWest: hopEW, hopNorthSouth: hopNS, linkBitsPerNs: linkBits, bufferPackets: buffer,
            spikePacketBits: spikeBits, gradedPacketBits: gradedBits, gradedValueBits: valueBits, axons: axons, neurons: neurons,
            weights: weights, synapticOp: synapticOp, weightReadPicojoulesPerByte: weightRead.value, membraneBits: membraneBits,
            synapseLanes: synLanes, neuronUpdate: neuronUpdate, neuronIdle: neuronIdle, neuronFire: neuronFire, neuronLanes: neuronLanes,
            spikeOut: spikeOut, functionUnit: spec, figures: figures, figureLines: lines)
    }

    /// Energies a figure may take: up to 1 µJ per operation (a million times any published one),
    /// so that counts × energies of the largest runs stay far inside the fixed-point totals.
    static let energyRange: ClosedRange<Double> = 0...1e6

    private static func readCost(_ c: inout YAMLCursor, what: String, minLatency: Double = 0, into figures: inout [String: Figure],
                                 lines: inout [String: Int]) throws -> OpCost {
        let e = try c.figure("energy_pj", what: "energy of \(what) in pJ", in: energyRange)
        figures[YAMLCursor.join(c.path, "energy_pj")] = e
        lines[YAMLCursor.join(c.path, "energy_pj")] = c.line(of: "energy_pj")
        let l = try c.double("latency_ns", what: "latency of \(what) in ns", in: minLatency...1e9)
        try c.finish(allowed: ["energy_pj", "latency_ns"])
        return OpCost(picojoules: e.value, nanoseconds: l)
    }
}

extension Topology {
    /// The comment the file writes for a figure: on its line, or the nearest comment block above it
    /// (within six lines, skipping sibling keys), joined into one line.
    public func citation(of key: String) -> String {
        if let o = overrides.setting(key) { return "set by --set \(o) (not the file's figure)" }
        guard let line = figureLines[key] else { return "topology \(name)" }
        return YAMLCursor.comment(at: line, in: source) ?? "topology \(name), line \(line) (no comment)"
    }
}

/// Extracts line and problem from Yams' parse errors.
package enum YAMLErrorLine {
    package static func line(of e: YamlError) -> Int? {
        switch e {
        case let .scanner(_, _, mark, _), let .parser(_, _, mark, _), let .composer(_, _, mark, _): mark.line
        case let .duplicatedKeysInMapping(_, context): context.mark.line
        default: nil
        }
    }
    package static func problem(of e: YamlError) -> String {
        switch e {
        case let .scanner(ctx, problem, _, _), let .parser(ctx, problem, _, _), let .composer(ctx, problem, _, _):
            [ctx.map { "\($0.text)" }, problem].compactMap { $0 }.joined(separator: " ")
        case let .duplicatedKeysInMapping(dups, _): "duplicated keys \(dups.joined(separator: ", "))"
        default: "\(e)"
        }
    }
}
