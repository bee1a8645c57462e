import Energy
import Engine
import Foundation
import Networks
import SimKernel
import TestFixtures
import Testing
import Topology

@Suite struct NetworkRunTests {
    /// Networks exported by snnTorch (via NIR) and simulated by Brian2, converted by tools/nir: every neuron fires at the
    /// steps the peer computed (tools/nir/make_fixtures.py, make_brian2_fixture.py; float64 on both sides). `cycle`, two
    /// populations in a loop, is a NIR graph run by snnTorch's own NIR import (float32).
    @Test(arguments: ["ff", "recurrent", "synaptic", "subtract", "cycle", "brian2-if", "brian2-lif", "brian2-refractory"])
    func matchesPeers(_ name: String) throws {
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(fixtures)/\(name)-expected.json"))) as! [String: Any]
        let (r, m, _) = try run("\(fixtures)/\(name).safetensors", input: "\(fixtures)/\(name)-input.npy", on: try shipped("loihi"))
        #expect(r.stall == nil)
        #expect(r.stepEnd.count == expected["T"] as? Int)
        let populations = expected["populations"] as! [String: [String: Any]]
        #expect(!populations.isEmpty)
        for (pop, values) in populations {
            let steps = try #require(spikeSteps(r, m, pop), "no population \(pop)")
            #expect(steps == values["spike_steps"] as? [[Int]], "\(name): \(pop)")
            #expect(steps.map(\.count) == values["counts"] as? [Int])
        }
    }

    /// Which neuron fires when depends on the network only: the same spikes on a unicast mesh with barriers (Loihi), a
    /// multicast board of 8 chips, small cores under a global tick (more partial cores, other timing), and TrueNorth's
    /// splitter fan-out.
    @Test func spikesDoNotDependOnTheChip() throws {
        let net = "\(fixtures)/recurrent.safetensors", input = "\(fixtures)/recurrent-input.npy"
        let (a, _, _) = try run(net, input: input, on: try shipped("loihi"))
        let (b, mb, _) = try run(net, input: input, on: try shipped("spikechip-llm"))
        let (c, mc, _) = try run(net, input: input, on: try Fixtures.handPricedBoard(mesh: (8, 8), fanOut: .unicast, tick: true))
        let (d, md, _) = try run(net, input: input, on: try shipped("truenorth"))
        func sorted(_ r: NetworkRunResult) -> [UInt64] { r.spikes.events.map { UInt64($0.step) << 32 | UInt64($0.neuron) }.sorted() }
        #expect(!a.spikes.events.isEmpty)
        #expect(sorted(a) == sorted(b))
        #expect(sorted(a) == sorted(c))
        #expect(sorted(a) == sorted(d))
        #expect(md.cores.contains { $0.role == .splitter }, "TrueNorth relays lif1's spikes to lif1 and lif2 through a splitter")
        #expect(mc.cores.contains { $0.role == .partial }, "32-axon cores split the 200-input fan-in")
        #expect(mb.topology.fanOut == .multicast)
        #expect(a.ledger.total != b.ledger.total)
    }

    /// Same inputs, same totals, bit for bit.
    @Test func deterministic() throws {
        let net = "\(fixtures)/ff.safetensors", input = "\(fixtures)/ff-input.npy"
        let (a, _, ra) = try run(net, input: input, on: try shipped("loihi"))
        let (b, _, rb) = try run(net, input: input, on: try shipped("loihi"))
        #expect(a.ledger.total == b.ledger.total && a.stepEnd == b.stepEnd && a.finalTime == b.finalTime)
        #expect(ra.count == rb.count && zip(ra, rb).allSatisfy { $0.energy == $1.energy && $0.time == $1.time && $0.kind == $1.kind })
    }

    /// Input(3) → Linear [[1, 0, 1], [0, 0, 1]] → IF(2, θ = 0.5, gain 1 per step) on the hand-priced board, completion
    /// markers, unicast: input 0 fires at step 0, input 2 at step 1.
    ///
    /// Cores: 0 relays the inputs, 1 (east of it) holds the two IF neurons. Per step: one spike packet (7 pJ) and one
    /// marker (7 pJ, control) leave core 0, each crossing one east-west link (1 pJ, 1 ns serialisation + 4 ns); core 1
    /// reads 1 synapse at step 0 (3 pJ) and 2 at step 1, updates 2 neurons (2 × 5 pJ, 1 ns on 16 lanes); the barrier
    /// is 2 × (2 − 1) control hops (2 × 1 pJ) and 2 × 1 hop × 6 ns (the slower north-south hop) = 12 ns.
    /// Step 0: spike out at 2 ns, lands at 7 (synapse done at 8); marker out at 4, lands at 9; update done at 10.
    /// Step 1 starts at 10 + 12 = 22: spike lands at 29, marker at 31, update done at 32; the run ends at 32 + 12 = 44 ns.
    /// Neuron 0 fires at steps 0 (v = 1) and 1 (v = 0 + 1); neuron 1 at step 1 only.
    /// The same network with the weights as a SparseLinear (three synapses) gives the same numbers.
    @Test(arguments: [false, true])
    func handDerived(sparse: Bool) throws {
        let path = NetworkFiles.temporary("hand-\(sparse).safetensors"), input = NetworkFiles.temporary("hand-\(sparse).npy")
        defer { try? FileManager.default.removeItem(atPath: path); try? FileManager.default.removeItem(atPath: input) }
        try NetworkFiles.write([
            .init(name: "in", type: "Input", size: 3),
            sparse ? NetworkFiles.sparse("w", size: 2, inputs: 3, [(1, 2, 1), (0, 0, 1), (0, 2, 1)])
                : .init(name: "w", type: "Linear", size: 2, params: ["weight": ([2, 3], [1, 0, 1, 0, 0, 1])]),
            NetworkFiles.integrateAndFire("if", 2, threshold: 0.5),
            .init(name: "out", type: "Output", size: 2),
        ], edges: [("in", "w"), ("w", "if"), ("if", "out")], to: path)
        try NetworkFiles.writeSpikes(steps: 2, inputs: 3, [(0, 0), (1, 2)], to: input)
        let (r, m, records) = try run(path, input: input, on: try Fixtures.handPricedBoard(fanOut: .unicast, tick: false))
        #expect(m.coresUsed == 2)
        #expect(spikeSteps(r, m, "if") == [[0, 1], [1]])
        func pj(_ k: EnergyKind) -> Double { r.ledger.energy(k).picojoules }
        #expect(pj(.spikeOut) == 14 && r.ledger.count(.spikeOut) == 2)
        #expect(pj(.routerHop) == 2)
        #expect(pj(.synapticOp) == 9 && r.ledger.count(.synapticOp) == 3)
        #expect(pj(.neuronUpdate) == 20 && r.ledger.count(.neuronUpdate) == 4)
        #expect(pj(.control) == 14 + 2 + 4)
        #expect(pj(.staticIdle) == 0 && pj(.chipCrossing) == 0)
        #expect(r.ledger.total.picojoules == 65)
        #expect(r.stepEnd == [SimTime(nanoseconds: 10), SimTime(nanoseconds: 32)])
        #expect(r.finalTime == SimTime(nanoseconds: 44))
        #expect(records.count > 0 && records.allSatisfy { $0.token == 0 })
        #expect(r.traffic.delivered == 2 && r.traffic.markers == 2 && r.traffic.hops == 4)
    }

    /// Splitter fan-out (strict TrueNorth) on the hand-priced board: one input neuron feeds populations a and b, each
    /// one IF neuron on its own core, so its spike reaches two cores through a splitter (core 3, after in, a, b on
    /// cores 0–2 of row 0). Step 0, the input fires: core 0 sends one packet to the splitter (7 pJ, 3 east-west hops
    /// at 1 pJ); the splitter's two relay neurons update (2 × 5 pJ) and send one packet each (2 × 7 pJ; 2 + 1 hops);
    /// a and b each read one synapse (2 × 3 pJ), update (2 × 5 pJ) and fire. Markers: core 0 → splitter (7 pJ + 3
    /// hops), splitter → a and b (14 pJ + 3 hops), then the barrier's 2 × (4 − 1) hops: 33 pJ of control. In all 86 pJ.
    @Test func splitterFanOut() throws {
        let path = NetworkFiles.temporary("split.safetensors"), input = NetworkFiles.temporary("split.npy")
        defer { try? FileManager.default.removeItem(atPath: path); try? FileManager.default.removeItem(atPath: input) }
        func write(inputs: Int, sizeA: Int) throws {
            try NetworkFiles.write([
                .init(name: "in", type: "Input", size: inputs),
                .init(name: "wa", type: "Linear", size: sizeA, params: ["weight": ([sizeA, inputs], Array(repeating: 1, count: sizeA * inputs))]),
                .init(name: "wb", type: "Linear", size: 1, params: ["weight": ([1, inputs], Array(repeating: 1, count: inputs))]),
                NetworkFiles.integrateAndFire("a", sizeA, threshold: 0.5), NetworkFiles.integrateAndFire("b", 1, threshold: 0.5),
                .init(name: "oa", type: "Output", size: sizeA), .init(name: "ob", type: "Output", size: 1),
            ], edges: [("in", "wa"), ("wa", "a"), ("a", "oa"), ("in", "wb"), ("wb", "b"), ("b", "ob")], to: path)
        }
        try write(inputs: 1, sizeA: 1)
        try NetworkFiles.writeSpikes(steps: 1, inputs: 1, [(0, 0)], to: input)
        let (r, m, _) = try run(path, input: input, on: try Fixtures.handPricedBoard(fanOut: .splitter, tick: false))
        #expect(m.cores.map(\.role) == [.input, .home, .home, .splitter])
        #expect(m.splitterOf == [3, -1, -1] && m.markerTargets == [[3], [], [], [1, 2]])
        #expect(spikeSteps(r, m, "a") == [[0]] && spikeSteps(r, m, "b") == [[0]])
        func pj(_ k: EnergyKind) -> Double { r.ledger.energy(k).picojoules }
        #expect(pj(.spikeOut) == 21 && r.ledger.count(.spikeOut) == 3)
        #expect(pj(.routerHop) == 6)
        #expect(pj(.synapticOp) == 6 && pj(.neuronUpdate) == 20 && r.ledger.count(.neuronUpdate) == 4)
        #expect(pj(.control) == 33)
        #expect(r.ledger.total.picojoules == 86)
        #expect(r.traffic.delivered == 2)
        // The same spikes with unicast fan-out, for less: no relay neurons, and one packet fewer.
        let (u, _, _) = try run(path, input: input, on: try Fixtures.handPricedBoard(fanOut: .unicast, tick: false))
        #expect(u.spikes.events.map(\.neuron).sorted() == r.spikes.events.map(\.neuron).sorted() && u.ledger.total < r.ledger.total)

        // 40 inputs, each reaching a (32 neurons: one core) and b: 2 relays each, so a 32 × 32 splitter takes 16
        // sources, and 40 need 3 splitters.
        try write(inputs: 40, sizeA: 32)
        let net = try SpikingNetwork(NetworkGraph(path: path), dtSeconds: 1e-4)
        let packed = try NetworkMapping(network: net, topology: try Fixtures.handPricedBoard(fanOut: .splitter, tick: false))
        #expect(packed.cores.filter { $0.role == .splitter }.map(\.axons) == [16, 16, 8])
        // 33 blocks of a: a spike must reach 34 cores, more than a splitter's 32 relay neurons.
        try write(inputs: 1, sizeA: 33 * 32)
        do {
            _ = try NetworkMapping(network: try SpikingNetwork(NetworkGraph(path: path), dtSeconds: 1e-4),
                                   topology: try Fixtures.handPricedBoard(mesh: (8, 8), fanOut: .splitter, tick: false))
            Issue.record("mapped")
        } catch {
            #expect("\(error)".contains("must reach 34 cores, more than a splitter core's 32 neurons"), "\(error)")
        }
    }

    /// The network of `handDerived` on the same board with one neuron lane, `neuron_idle` at 2 pJ / 0.5 ns and
    /// `neuron_fire` at 11 pJ / 3 ns. Step 0: neuron 0 has input (active), neuron 1 none at rest (idle); neuron 0 fires.
    /// Step 1: both have input and fire. Neuron updates: 3 active × 5 + 1 idle × 2 + 3 fired × 11 = 50 pJ (4 neuron-steps),
    /// so the total is 65 − 20 + 50 = 95 pJ.
    /// Time, step 0: the marker lands at 9, updates take 1 + 0.5 ns (10.5), neuron 0's spike generation 3 ns: the step
    /// ends at 13.5. Step 1 starts at 13.5 + 12 = 25.5: spike out at 27.5, lands at 32.5; marker out at 29.5, lands at
    /// 34.5; two active updates end at 36.5, two spikes generated end at 42.5; the run ends at 42.5 + 12 = 54.5 ns.
    @Test func idleAndFiringNeurons() throws {
        let path = NetworkFiles.temporary("idle.safetensors"), input = NetworkFiles.temporary("idle.npy")
        defer { try? FileManager.default.removeItem(atPath: path); try? FileManager.default.removeItem(atPath: input) }
        try NetworkFiles.write([
            .init(name: "in", type: "Input", size: 3),
            .init(name: "w", type: "Linear", size: 2, params: ["weight": ([2, 3], [1, 0, 1, 0, 0, 1])]),
            NetworkFiles.integrateAndFire("if", 2, threshold: 0.5),
            .init(name: "out", type: "Output", size: 2),
        ], edges: [("in", "w"), ("w", "if"), ("if", "out")], to: path)
        try NetworkFiles.writeSpikes(steps: 2, inputs: 3, [(0, 0), (1, 2)], to: input)
        let board = try Fixtures.handPricedBoard(fanOut: .unicast, tick: false)
        let yaml = board.source.replacingOccurrences(of: "  neuron_lanes: 16", with: """
              neuron_lanes: 1
              neuron_idle: {energy_pj: 2, latency_ns: 0.5}
              neuron_fire: {energy_pj: 11, latency_ns: 3}
            """)
        let t = try Topology.parse(yaml: yaml, file: "hand-idle")
        #expect(t.neuronIdle == OpCost(picojoules: 2, nanoseconds: 0.5) && t.neuronFire == OpCost(picojoules: 11, nanoseconds: 3))
        let (r, m, _) = try run(path, input: input, on: t)
        #expect(spikeSteps(r, m, "if") == [[0, 1], [1]])
        #expect(r.ledger.energy(.neuronUpdate).picojoules == 50 && r.ledger.count(.neuronUpdate) == 4 && r.activeNeuronSteps == 3)
        #expect(r.ledger.total.picojoules == 95)
        #expect(r.stepEnd == [SimTime(nanoseconds: 13.5), SimTime(nanoseconds: 42.5)])
        #expect(r.finalTime == SimTime(nanoseconds: 54.5))
        // Without the two keys, an idle neuron costs a full update and firing is free (the shipped default).
        #expect(board.neuronIdle == board.neuronUpdate && board.neuronFire == .free)
    }

    /// Fan-in 40 on 32-axon cores: inputs on two relay cores (32 + 8 neurons), the IF block on a home core (axons 0–31)
    /// and a partial core (axons 32–39) that sends its two currents each step in one graded packet of 256 bits:
    /// 8 flits × 1 pJ over its one westward hop. The spike of input 35 reaches the neurons through the partial core.
    @Test func partialCores() throws {
        let path = NetworkFiles.temporary("partial.safetensors"), input = NetworkFiles.temporary("partial.npy")
        defer { try? FileManager.default.removeItem(atPath: path); try? FileManager.default.removeItem(atPath: input) }
        try NetworkFiles.write([
            .init(name: "in", type: "Input", size: 40),
            .init(name: "w", type: "Linear", size: 2, params: ["weight": ([2, 40], Array(repeating: 1, count: 80))]),
            NetworkFiles.integrateAndFire("if", 2, threshold: 1.5),
            .init(name: "out", type: "Output", size: 2),
        ], edges: [("in", "w"), ("w", "if"), ("if", "out")], to: path)
        try NetworkFiles.writeSpikes(steps: 3, inputs: 40, [(0, 35), (1, 3), (2, 3), (2, 35)], to: input)
        let (r, m, records) = try run(path, input: input, on: try Fixtures.handPricedBoard(fanOut: .unicast, tick: false), record: [1])
        // Membranes after each step (after reset): 1, 0 (fired at 2), 0 (fired at 2) for both neurons.
        #expect(r.membranes.map(\.v) == [1, 1, 0, 0, 0, 0] && r.membranes.map(\.step) == [0, 0, 1, 1, 2, 2])
        #expect(m.cores.map(\.role) == [.input, .input, .home, .partial])
        // v: step 0 → 1, step 1 → 2 > 1.5 fires (reset 0), step 2 → 2 fires.
        #expect(spikeSteps(r, m, "if") == [[1, 2], [1, 2]])
        #expect(r.traffic.gradedPackets == 3)
        let partialHops = records.filter { $0.kind == .routerHop && $0.core == 3 }
        #expect(partialHops.count == 3 && partialHops.allSatisfy { $0.energy.picojoules == 8 && $0.count == 8 })
    }

    /// Input(1) → Linear [1] → Delay (0.2 ms = 2 steps) → IF(2): the spike of step 0 fires neuron 0 at step 2. Neuron 1
    /// hears neuron 0 through a recurrent Linear [[0, 0], [1, 0]] (the edge closing the cycle: one step) and so fires at
    /// step 3; a Delay of 0.15 ms (not whole steps) is refused.
    @Test func delays() throws {
        let path = NetworkFiles.temporary("delay.safetensors"), input = NetworkFiles.temporary("delay.npy")
        defer { try? FileManager.default.removeItem(atPath: path); try? FileManager.default.removeItem(atPath: input) }
        func write(delay: Float) throws {
            try NetworkFiles.write([
                .init(name: "in", type: "Input", size: 1),
                .init(name: "w", type: "Linear", size: 2, params: ["weight": ([2, 1], [1, 0])]),
                .init(name: "d", type: "Delay", size: 2, params: ["delay": ([2], [delay, delay])]),
                NetworkFiles.integrateAndFire("if", 2, threshold: 0.5),
                .init(name: "rec", type: "Linear", size: 2, params: ["weight": ([2, 2], [0, 0, 1, 0])]),
                .init(name: "out", type: "Output", size: 2),
            ], edges: [("in", "w"), ("w", "d"), ("d", "if"), ("if", "rec"), ("rec", "if"), ("if", "out")], to: path)
        }
        try write(delay: 2e-4)
        try NetworkFiles.writeSpikes(steps: 5, inputs: 1, [(0, 0)], to: input)
        let (r, m, _) = try run(path, input: input, on: try Fixtures.handPricedBoard(fanOut: .multicast, tick: false))
        #expect(m.network.projections.map(\.delay).sorted() == [1, 2])
        #expect(spikeSteps(r, m, "if") == [[2], [3]])
        try write(delay: 1.5e-4)
        #expect(throws: NetworkError.self) { try SpikingNetwork(NetworkGraph(path: path), dtSeconds: 1e-4) }

        // A bias behind a Delay starts with the delayed signal (the Delay outputs 0 until then): an Affine of weight 0 and
        // bias 1 through a 2-step Delay drives the IF neuron from step 2 on; without the Delay, from step 0.
        for (delayed, firstStep) in [(true, 2), (false, 0)] {
            try NetworkFiles.write([
                .init(name: "in", type: "Input", size: 1),
                .init(name: "b", type: "Affine", size: 1, params: ["weight": ([1, 1], [0]), "bias": ([1], [1])]),
                .init(name: "d", type: "Delay", size: 1, params: ["delay": ([1], [2e-4])]),
                NetworkFiles.integrateAndFire("if", 1, threshold: 0.5),
            ], edges: delayed ? [("in", "b"), ("b", "d"), ("d", "if")] : [("in", "b"), ("b", "if")], to: path)
            let (r, m, _) = try run(path, input: input, on: try Fixtures.handPricedBoard(fanOut: .unicast, tick: false))
            #expect(spikeSteps(r, m, "if") == [Array(firstStep..<5)], "delayed: \(delayed)")
        }
    }

    /// On a 2 × 2 mesh the input, `a` and `b` take cores 0, 1 and 2; `b`'s recurrent spikes to `a` go east through
    /// core 3, which hosts nothing, then north. Once the input starts it (step 0), a → b (same step) → a (next step) keeps
    /// both firing every step.
    @Test func routesThroughEmptyCores() throws {
        let path = NetworkFiles.temporary("loop.safetensors"), input = NetworkFiles.temporary("loop.npy")
        defer { try? FileManager.default.removeItem(atPath: path); try? FileManager.default.removeItem(atPath: input) }
        try NetworkFiles.write([
            .init(name: "in", type: "Input", size: 1),
            .init(name: "w1", type: "Linear", size: 1, params: ["weight": ([1, 1], [1])]),
            NetworkFiles.integrateAndFire("a", 1, threshold: 0.5),
            .init(name: "w2", type: "Linear", size: 1, params: ["weight": ([1, 1], [1])]),
            NetworkFiles.integrateAndFire("b", 1, threshold: 0.5),
            .init(name: "w3", type: "Linear", size: 1, params: ["weight": ([1, 1], [1])]),
        ], edges: [("in", "w1"), ("w1", "a"), ("a", "w2"), ("w2", "b"), ("b", "w3"), ("w3", "a")], to: path)
        try NetworkFiles.writeSpikes(steps: 3, inputs: 1, [(0, 0)], to: input)
        for fanOut in [FanOut.unicast, .multicast] {
            let (r, m, records) = try run(path, input: input, on: try Fixtures.handPricedBoard(mesh: (2, 2), fanOut: fanOut, tick: false))
            #expect(m.coresUsed == 3)
            #expect(spikeSteps(r, m, "a") == [[0, 1, 2]] && spikeSteps(r, m, "b") == [[0, 1, 2]])
            #expect(records.contains { $0.kind == .routerHop && $0.core == 3 }, "b's spikes cross core 3")
        }
    }

    @Test func refusals() throws {
        let path = NetworkFiles.temporary("bad.safetensors"), input = NetworkFiles.temporary("bad.npy")
        defer { try? FileManager.default.removeItem(atPath: path); try? FileManager.default.removeItem(atPath: input) }
        func error(_ nodes: [NetworkFiles.Node], _ edges: [(String, String)]) -> String {
            do {
                try NetworkFiles.write(nodes, edges: edges, to: path)
                _ = try SpikingNetwork(NetworkGraph(path: path), dtSeconds: 1e-4)
                return "accepted"
            } catch { return "\(error)" }
        }
        let input3 = NetworkFiles.Node(name: "in", type: "Input", size: 3)
        // Every unsupported node is named.
        let unsupported = error([input3, .init(name: "c", type: "Conv3d", size: 3), .init(name: "li", type: "LI", size: 3)], [("in", "c"), ("c", "li")])
        #expect(unsupported.contains("c (Conv3d)") && unsupported.contains("li (LI)"))
        #expect(error([input3, .init(name: "w", type: "Linear", size: 2, params: ["weight": ([2, 3], [1, 0, 1, 0, 0, 1])]),
                       .init(name: "out", type: "Output", size: 2)], [("in", "w"), ("w", "out")]).contains("Output 'out' is fed by Linear"))
        #expect(error([input3, NetworkFiles.integrateAndFire("if", 2, threshold: 1)], [("in", "if")]).contains("has 2 elements but receives 3"))
        var nan = NetworkFiles.integrateAndFire("if", 3, threshold: 1)
        nan.params["r"] = ([3], [1, .nan, 1])
        #expect(error([input3, nan], [("in", "if")]).contains("parameters must be finite"))
        #expect(error([input3, NetworkFiles.integrateAndFire("if", 3, threshold: -1)], [("in", "if")]).contains("not below v_threshold"))
        #expect(error([NetworkFiles.integrateAndFire("if", 3, threshold: 1)], []).contains("no Input node"))
        #expect(error([input3, NetworkFiles.sparse("s", size: 3, inputs: 3, [(0, 3, 1)]), NetworkFiles.integrateAndFire("if", 3, threshold: 1)],
                      [("in", "s"), ("s", "if")]).contains("outside its shape"))
        var short = NetworkFiles.sparse("s", size: 3, inputs: 3, [(0, 1, 1), (1, 2, 1)])
        short.ints["col"] = [1]
        #expect(error([input3, short, NetworkFiles.integrateAndFire("if", 3, threshold: 1)], [("in", "s"), ("s", "if")]).contains("they must be as many"))

        // A network that fits the graph but not the input or the chip.
        try NetworkFiles.write([input3, NetworkFiles.integrateAndFire("if", 3, threshold: 1)], edges: [("in", "if")], to: path)
        let net = try SpikingNetwork(NetworkGraph(path: path), dtSeconds: 1e-4)
        try NetworkFiles.writeSpikes(steps: 2, inputs: 4, [], to: input)
        #expect(throws: NetworkError.self) { try SpikeRaster(npy: input, ids: [0, 1, 2]) }
        // The same spikes from an .npz: the only array, or the one named `spikes`, stored or deflated.
        try NetworkFiles.writeSpikes(steps: 2, inputs: 3, [(0, 1), (1, 2)], to: input)
        let npy = try Data(contentsOf: URL(fileURLWithPath: input))
        let npz = NetworkFiles.temporary("bad.npz")
        defer { try? FileManager.default.removeItem(atPath: npz) }
        for members in [[("spikes.npy", npy)], [("other.npy", npy), ("spikes.npy", npy)]] {
            try NetworkFiles.writeNPZ(members, to: npz)
            let r = try SpikeRaster(npy: npz, ids: [10, 11, 12])
            #expect(r.steps == 2 && Array(r.spikes(step: 0)) == [11] && Array(r.spikes(step: 1)) == [12])
        }
        try NetworkFiles.writeNPZ([("a.npy", npy), ("b.npy", npy)], to: npz)
        #expect(throws: NetworkError.invalidInput("\(npz): holds a, b; name the input array 'spikes' or save only one")) {
            try SpikeRaster(npy: npz, ids: [0, 1, 2])
        }
        // numpy.savez_compressed's layout, written by Python's zipfile (deflate, ZIP64 sizes as numpy forces them).
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", """
            import sys, zipfile
            data = open(sys.argv[1], 'rb').read()
            with zipfile.ZipFile(sys.argv[2], 'w', compression=zipfile.ZIP_DEFLATED) as z:
                with z.open('other.npy', 'w', force_zip64=True) as f: f.write(data)
                with z.open('spikes.npy', 'w', force_zip64=True) as f: f.write(data)
            """, input, npz]
        try python.run()
        python.waitUntilExit()
        #expect(python.terminationStatus == 0)
        let deflated = try SpikeRaster(npy: npz, ids: [10, 11, 12])
        #expect(deflated.steps == 2 && Array(deflated.spikes(step: 0)) == [11] && Array(deflated.spikes(step: 1)) == [12])
        // Stored bytes marked as deflated are not a deflate stream; a stated size past half the memory is refused unread.
        try NetworkFiles.writeNPZ([("spikes.npy", npy)], method: 8, to: npz)
        #expect(throws: NetworkError.invalidInput("\(npz): 'spikes.npy' is not a valid deflate stream of the \(npy.count) bytes its zip header states")) {
            try SpikeRaster(npy: npz, ids: [0, 1, 2])
        }
        try NetworkFiles.writeNPZ([("spikes.npy", npy)], method: 8, statedSize: 1 << 50, to: npz)
        do {
            _ = try SpikeRaster(npy: npz, ids: [0, 1, 2])
            Issue.record("a member stated at 2^50 bytes was accepted")
        } catch {
            #expect("\(error)".contains("inflates to 1125899906842624 bytes, more than half of this machine's memory"), "\(error)")
        }
        #expect(throws: NetworkError.self) { try NetworkMapping(network: net, topology: try Fixtures.handPricedBoard(mesh: (1, 1), fanOut: .unicast)) }
        #expect(throws: NetworkError.self) { try SpikingNetwork(NetworkGraph(path: input), dtSeconds: 1e-4) }
    }
}
