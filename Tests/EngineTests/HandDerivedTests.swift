import TestFixtures
import Energy
import Mapping
import ModelShapes
import SimKernel
import Testing
import Topology
@testable import Engine

// Prices, hop counts, serialisation, contention and function-unit work checked against numbers
// derived here by hand from the topology's figures and the cores' coordinates: the test walks
// its own dimension-order routes and never asks the engine (or `MeshRouting`) where a packet went.

/// A topology written out in full, with prices chosen so that counts can be read back from energies:
/// an east-west hop costs 1 pJ, a north-south hop 1000 pJ, a chip crossing 10^6 pJ.
private func board(chips: (x: Int, y: Int) = (1, 1), mesh: (x: Int, y: Int) = (6, 6), fanOut: FanOut = .multicast,
                   routing: RoutingAlgorithm = .xy, linkBitsPerNs: Double = 32, tick: Bool = true) throws -> Topology {
    try Fixtures.handPricedBoard(chips: chips, mesh: mesh, fanOut: fanOut, routing: routing, linkBitsPerNs: linkBitsPerNs, tick: tick)
}

/// One layer, hidden 64 (two row blocks of 32 axons), FFN 64, two heads of 32, one KV head.
private let small = ModelSpec(name: "small", architecture: "llama", layers: 1, hidden: 64, ffn: 64, heads: 2, kvHeads: 1,
                              vocabulary: 32, contextLength: 64, tiedEmbeddings: false)

/// Emits exactly the spikes it is given (token 0 only): (stage, step, neuron).
private struct ScriptedSource: SpikeSource {
    var spikes: [(stage: Int, step: Int, neuron: Int32)]
    mutating func spikes(token: Int, stage: Int, layer: Int, step: Int, inputs: Int, into out: inout [(neuron: Int32, sign: Int8)]) {
        guard token == 0 else { return }
        for s in spikes where s.stage == stage && s.step == step { out.append((s.neuron, 1)) }
    }
}

/// Keeps every record.
private struct RecordingSink: EnergySink {
    var records: [EnergyRecord] = []
    mutating func consume(_ rs: UnsafeBufferPointer<EnergyRecord>) { records.append(contentsOf: rs) }
    mutating func finish() {}
}

private func simulate(_ t: Topology, spikes: [(stage: Int, step: Int, neuron: Int32)]) throws -> (RunResult, [EnergyRecord], ChipMapping) {
    let m = try ChipMapping(spec: small, topology: t, options: MappingOptions(includeLMHead: false))
    var run = try ChipRun(mapping: m, workload: Workload(tokens: 1, timeSteps: 2, context: 4, seed: 1),
                          source: ScriptedSource(spikes: spikes), sink: RecordingSink())
    let r = run.run()
    return (r, run.model.sink.records, m)
}

private func picojoules(_ rs: [EnergyRecord], _ kind: EnergyKind, core: Int? = nil) -> Double {
    rs.filter { $0.kind == kind && (core == nil || Int($0.core) == core!) }.reduce(Energy.zero) { $0 + $1.energy }.picojoules
}

/// The links of the x-then-y (or y-then-x) route, walked by hand: (from, to) router pairs.
private func links(from a: Int, to b: Int, width: Int, yFirst: Bool = false) -> [(Int, Int)] {
    var (x, y) = (a % width, a / width)
    let (bx, by) = (b % width, b / width)
    var out: [(Int, Int)] = []
    func step(_ nx: Int, _ ny: Int) { out.append((y * width + x, ny * width + nx)); x = nx; y = ny }
    func alongX() { while x != bx { step(x + (bx > x ? 1 : -1), y) } }
    func alongY() { while y != by { step(x, y + (by > y ? 1 : -1)) } }
    if yFirst { alongY(); alongX() } else { alongX(); alongY() }
    return out
}

/// Energy of a set of links at the board's prices (EW 1, NS 1000, crossing 10^6 pJ per spike flit).
private func price(_ ls: [(Int, Int)], _ t: Topology) -> (hops: Double, crossings: Double) {
    var hops = 0.0, crossings = 0.0
    for (a, b) in ls {
        if t.chip(of: a) != t.chip(of: b) { crossings += 1_000_000 } else { hops += abs(a - b) == 1 && t.width > 1 ? 1 : 1000 }
    }
    return (hops, crossings)
}

@Suite("Engine, hand-derived")
struct HandDerivedTests {
    /// One spike of neuron 0 at the first stage: the difference with a silent run is that spike's
    /// routes, synaptic operations and packet-out, and nothing else.
    private func oneSpike(_ t: Topology) throws -> (with: [EnergyRecord], without: [EnergyRecord], m: ChipMapping) {
        let (r1, with, m) = try simulate(t, spikes: [(0, 0, 0)])
        let (r0, without, _) = try simulate(t, spikes: [])
        #expect(r1.tokensDone == 1 && r0.tokensDone == 1)
        #expect(r1.traffic.spikes == 1 && r1.traffic.delivered == r1.traffic.deliveriesSent)
        return (with, without, m)
    }

    @Test("unicast: one packet per destination, each priced hop by hop along x then y", arguments: [RoutingAlgorithm.xy, .yx])
    func unicastHops(routing: RoutingAlgorithm) throws {
        let t = try board(fanOut: .unicast, routing: routing)
        let (with, without, m) = try oneSpike(t)
        let g = m.groups[m.stages[0].groups.lowerBound]
        let source = m.stages[0].functionUnit
        var expected = 0.0
        for d in g.destinations { expected += price(links(from: source, to: Int(m.destinations[d]), width: t.width, yFirst: routing == .yx), t).hops }
        // Row block 0 feeds q's two column blocks (64 outputs) and one tile each of k and v (one KV head of 32).
        #expect(g.destinations.count == 4)
        #expect(picojoules(with, .routerHop) - picojoules(without, .routerHop) == expected)
        #expect(picojoules(with, .spikeOut) - picojoules(without, .spikeOut) == 7 * 4)
        // 4 tiles × 32 neurons, 3 pJ each.
        let neurons = g.destinations.reduce(0) { $0 + Int(m.tiles[Int(m.tileOfCore[Int(m.destinations[$1])])].neuronsUsed) }
        #expect(neurons == 128)
        #expect(picojoules(with, .synapticOp) - picojoules(without, .synapticOp) == Double(3 * neurons))
    }

    @Test("multicast: the union of the routes, each shared link paid once; one packet out")
    func multicastTree() throws {
        let t = try board(fanOut: .multicast)
        let (with, without, m) = try oneSpike(t)
        let g = m.groups[m.stages[0].groups.lowerBound]
        let source = m.stages[0].functionUnit
        var union: [Int: (Int, Int)] = [:]
        for d in g.destinations {
            for l in links(from: source, to: Int(m.destinations[d]), width: t.width) { union[l.0 * 100_000 + l.1] = l }
        }
        #expect(picojoules(with, .routerHop) - picojoules(without, .routerHop) == price(Array(union.values), t).hops)
        #expect(picojoules(with, .spikeOut) - picojoules(without, .spikeOut) == 7)
    }

    @Test("splitter: to the splitter core, then one packet per destination; the splitter's neurons fire once each")
    func splitterRelay() throws {
        let t = try board(mesh: (8, 8), fanOut: .splitter)
        let (with, without, m) = try oneSpike(t)
        let g = m.groups[m.stages[0].groups.lowerBound]
        let source = m.stages[0].functionUnit
        let splitter = Int(m.splitterCores[g.splitters.lowerBound])
        var ls = links(from: source, to: splitter, width: t.width)
        for d in g.destinations { ls += links(from: splitter, to: Int(m.destinations[d]), width: t.width) }
        #expect(picojoules(with, .routerHop) - picojoules(without, .routerHop) == price(ls, t).hops)
        // One packet from the encoder, four from the splitter; four relay neuron updates at 5 pJ.
        #expect(picojoules(with, .spikeOut) - picojoules(without, .spikeOut) == 7 * 5)
        #expect(picojoules(with, .neuronUpdate, core: splitter) - picojoules(without, .neuronUpdate, core: splitter) == 5 * 4)
    }

    @Test("a board of 4×1 chips: links across a boundary are priced as chip crossings, the rest as hops")
    func chipCrossings() throws {
        // 8 cores per chip: the first stage's 8 tiles and function unit cannot share one.
        let t = try board(chips: (4, 1), mesh: (2, 4), fanOut: .unicast)
        // One spike in each row block, so every tile of the stage hears one.
        let (_, with, m) = try simulate(t, spikes: [(0, 0, 0), (0, 0, 32)])
        let (_, without, _) = try simulate(t, spikes: [])
        let source = m.stages[0].functionUnit
        var ls: [(Int, Int)] = []
        for g in m.stages[0].groups.map({ m.groups[$0] }) {
            for d in g.destinations { ls += links(from: source, to: Int(m.destinations[d]), width: t.width) }
        }
        let expected = price(ls, t)
        #expect(expected.crossings > 0, "the placement should put some destination across the boundary")
        #expect(picojoules(with, .chipCrossing) - picojoules(without, .chipCrossing) == expected.crossings)
        #expect(picojoules(with, .routerHop) - picojoules(without, .routerHop) == expected.hops)
    }

    @Test("latency: a spike reaches each tile after h hops of serialisation + hop latency, then its synapse lanes")
    func arrivalTimes() throws {
        let t = try board(fanOut: .multicast)
        let (_, with, m) = try simulate(t, spikes: [(0, 0, 0)])
        let source = m.stages[0].functionUnit
        // Global tick: the encoder starts at the first tick after its function unit's work (under
        // 100 µs), and the packet leaves one spike-out latency (2 ns) later.
        let launch = SimTime(nanoseconds: 100_000 + 2)
        let g = m.groups[m.stages[0].groups.lowerBound]
        for d in g.destinations {
            let core = Int(m.destinations[d])
            let ls = links(from: source, to: core, width: t.width)
            // 32-bit packets on 32 bit/ns links: 1 ns each; 4 ns east-west, 6 ns north-south; 32 neurons on 64 lanes: 1 ns.
            let ns = ls.reduce(0.0) { $0 + 1 + (abs($1.0 - $1.1) == 1 ? 4 : 6) } + 1
            let accumulate = with.first { $0.kind == .synapticOp && Int($0.core) == core && $0.step == 0 }!
            #expect(accumulate.time == launch + SimTime(nanoseconds: ns), "tile on core \(core), \(ls.count) hops")
        }
    }

    @Test("contention: two spikes on one route arrive one serialisation time apart when it exceeds the send gap")
    func serialisation() throws {
        // 4 bit/ns: a 32-bit packet holds each link 8 ns, longer than the encoder's 2 ns between packets.
        let t = try board(fanOut: .multicast, linkBitsPerNs: 4)
        let (_, with, m) = try simulate(t, spikes: [(0, 0, 0), (0, 0, 1)])
        let far = Int(m.destinations[m.groups[m.stages[0].groups.lowerBound].destinations.lowerBound])
        let times = with.filter { $0.kind == .synapticOp && Int($0.core) == far && $0.step == 0 }.map(\.time).sorted()
        #expect(times.count == 2)
        #expect(times[1] - times[0] == SimTime(nanoseconds: 8))
    }

    @Test("function-unit work of the FFN output stage, counted by hand, and its charge and busy time")
    func functionUnitWork() throws {
        let t = try board(fanOut: .multicast)
        let (_, with, m) = try simulate(t, spikes: [])
        let stage = m.stages.firstIndex { $0.kind == .ffnOutput }!
        let w = FunctionUnitWork.forStage(stage, in: m, position: 4)
        // Reduction of gate and up (64 outputs each, two row blocks, one slice): 64 adds each, and one
        // scale multiply per output; SiLU·up: 64 exps, adds, divides, multiplies; the encoder's
        // threshold: 64 adds, 1 divide, 64 multiplies, 64 compares.
        #expect(w.adds == 128 + 64 + 64 && w.multiplies == 128 + 64 + 64)
        #expect(w.exps == 64 && w.divides == 65 && w.compares == 64 && w.rsqrts == 0)
        #expect(w.bytesRead == 0 && w.bytesWritten == 0)
        // 64 lanes: adds and multiplies 4 ns each, one round of exps 10 ns, two of divides 20 ns, compares 1 ns.
        #expect(w.latency(on: t.functionUnit) == SimTime(nanoseconds: 39))
        let fu = m.stages[stage].functionUnit
        let byHand: Double = 128 + 512 + 1024 + 2080 + 16 // adds, multiplies, exps, divides, compares
        #expect(picojoules(with, .functionUnitOp, core: fu) == byHand)
    }

    @Test("XY and YX routing reach every tile; their multicast trees differ but deliver the same spikes")
    func routingAlgorithms() throws {
        let (xy, _, _) = try simulate(try board(routing: .xy), spikes: [(0, 0, 0), (0, 1, 40)])
        let (yx, _, _) = try simulate(try board(routing: .yx), spikes: [(0, 0, 0), (0, 1, 40)])
        #expect(xy.traffic.delivered == yx.traffic.delivered && xy.traffic.delivered == xy.traffic.deliveriesSent)
        #expect(xy.ledger.total != yx.ledger.total)
    }
}
