import Energy
import Foundation
import Mapping
import ModelShapes
import SimKernel
import TestFixtures
import Testing
import Topology
@testable import Engine

private let tiny = Fixtures.tiny
private let root = Fixtures.root
private func smallBoard(_ edits: [(String, String)] = []) throws -> Topology { try Fixtures.smallBoard(edits) }

/// Sums the stream independently of the engine's ledger.
private struct SummingSink: EnergySink {
    var femtojoules: Int64 = 0
    var records = 0
    var counts = [UInt64](repeating: 0, count: EnergyKind.allCases.count)
    var finished = false
    var timesNonNegative = true
    /// FNV-1a over every record's fields, in stream order.
    var streamHash: UInt64 = 0xcbf29ce484222325
    mutating func consume(_ rs: UnsafeBufferPointer<EnergyRecord>) {
        for r in rs {
            for v in [r.time.picoseconds, UInt64(bitPattern: r.energy.femtojoules), UInt64(r.count), UInt64(r.kind.rawValue), UInt64(r.core),
                      UInt64(r.chip), UInt64(bitPattern: Int64(r.layer)), UInt64(r.token), UInt64(r.step)] {
                streamHash = (streamHash ^ v) &* 0x100000001b3
            }
            femtojoules += r.energy.femtojoules; records += 1
            counts[Int(r.kind.rawValue)] += UInt64(r.count)
        }
    }
    mutating func finish() { finished = true }
}

/// `silent: 0` makes every neuron fire at every step (every count at the coding's limit, T).
private func run(_ t: Topology, silent: Double = 0.69, seed: UInt64 = 1, tokens: Int = 1, steps: Int = 4,
                 partitions: PartitionScheme = .single, threads: Int = 1, spec: ModelSpec = tiny, layers: Int? = nil) throws -> (RunResult, SummingSink, ChipMapping) {
    let m = try ChipMapping(spec: spec, topology: t, options: MappingOptions(layers: layers))
    var r = try ChipRun(mapping: m, workload: Workload(tokens: tokens, timeSteps: steps, context: 16, seed: seed),
                        source: try StatisticalSpikeSource(silentFraction: silent, spikesPerActivation: silent == 0 ? Double(steps) : 1.5 * (1 - silent),
                                                              timeSteps: steps, seed: seed),
                        sink: SummingSink(), partitioning: partitions, threads: threads)
    let result = r.run()
    return (result, r.model.sink, m)
}

@Suite("Engine")
struct EngineTests {
    @Test("every spike copy is delivered or counted dropped; totals are the exact sum of the stream")
    func invariants() throws {
        let (r, sink, _) = try run(try smallBoard())
        #expect(r.traffic.spikes > 0)
        #expect(r.traffic.deliveriesSent == r.traffic.delivered + r.traffic.dropped)
        #expect(r.traffic.dropped == 0 && r.traffic.late == 0)
        #expect(sink.finished)
        #expect(sink.femtojoules == r.ledger.total.femtojoules)
        #expect(UInt64(sink.records) == r.ledger.records)
        #expect(sink.counts == r.ledger.countByKind)
        #expect(r.tokensDone == 1 && r.tokenLatencies[0] > .zero)
        #expect(!r.interrupted)
    }

    @Test("with every neuron firing, deliveries, synaptic operations and neuron updates match the mapping exactly")
    func exactCounts() throws {
        let steps = 3
        let (r, _, m) = try run(try smallBoard(), silent: 0, steps: steps)
        var deliveries: UInt64 = 0, synapses: UInt64 = 0
        for g in m.groups {
            deliveries += UInt64(g.rows * g.destinations.count * steps)
            for d in g.destinations {
                synapses += UInt64(g.rows * steps) * UInt64(m.tiles[Int(m.tileOfCore[Int(m.destinations[d])])].neuronsUsed)
            }
        }
        let neurons = m.tiles.reduce(UInt64(0)) { $0 + UInt64($1.neuronsUsed) } * UInt64(steps)
        #expect(r.traffic.spikes == UInt64(m.stages.reduce(0) { $0 + $1.inputs } * steps))
        #expect(r.traffic.delivered == deliveries)
        #expect(r.ledger.count(.synapticOp) == synapses)
        #expect(r.ledger.count(.neuronUpdate) == neurons)
        #expect(r.ledger.energy(.synapticOp) == m.topology.synapticOp.energy * Int64(synapses))
    }

    @Test("the same seed gives bit-identical totals; another seed does not")
    func determinism() throws {
        let t = try smallBoard()
        let a = try run(t, seed: 5).0, b = try run(t, seed: 5).0, c = try run(t, seed: 6).0
        #expect(a.ledger == b.ledger && a.traffic == b.traffic && a.tokenEnd == b.tokenEnd && a.events == b.events)
        #expect(a.ledger != c.ledger)
    }

    @Test("one partition per chip gives the sequential run's totals bit for bit")
    func partitionsByChip() throws {
        let t = try smallBoard()
        let seq = try run(t, tokens: 2).0
        let par = try run(t, tokens: 2, partitions: .chip).0
        #expect(par.partitions == 4)
        #expect(par.remoteEvents > 0)
        #expect(par.ledger == seq.ledger)
        #expect(par.traffic == seq.traffic)
        #expect(par.tokenEnd == seq.tokenEnd)
        #expect(par.events == seq.events)
    }

    @Test("partitions on threads give the sequential run's totals, activity, links and token times; for a fixed partitioning the stream is the same for any thread count",
          arguments: [(PartitionScheme.chip, 2), (.chip, 3), (.stripes, 2), (.stripes, 3)])
    func partitionsOnThreads(scheme: PartitionScheme, threads: Int) throws {
        let t = try smallBoard()
        let seq = try run(t, tokens: 2).0
        let (par, sink, m) = try run(t, tokens: 2, partitions: scheme, threads: threads)
        #expect(par.threads == min(threads, par.partitions) && par.partitions > 1)
        // The predicted split: every tile's synapses counted once, in the partition of its core.
        func synapses(_ keep: (Int) -> Bool) -> Int {
            m.tiles.filter { keep(Int($0.core)) }.reduce(0) { $0 + Int($1.axonsUsed) * Int($1.neuronsUsed) }
        }
        #expect(par.synapsesByPartition.count == par.partitions && par.synapsesByPartition.reduce(0, +) == synapses { _ in true })
        if scheme == .chip {
            #expect(par.synapsesByPartition == (0..<par.partitions).map { p in synapses { t.chip(of: $0) == p } })
        }
        #expect(par.remoteEvents > 0)
        #expect(par.ledger == seq.ledger)
        #expect(par.traffic == seq.traffic)
        #expect(par.tokenStart == seq.tokenStart && par.tokenEnd == seq.tokenEnd)
        #expect(par.activity == seq.activity)
        #expect(par.links == seq.links)
        #expect(par.events == seq.events)
        #expect(par.eventsByPartition.count == par.partitions && par.eventsByPartition.reduce(0, +) == seq.events)
        #expect(par.finalTime == seq.finalTime)
        #expect(sink.finished && sink.femtojoules == seq.ledger.total.femtojoules && sink.counts == seq.ledger.countByKind)
        // Chips are a fixed partitioning (stripes follow the thread count): one thread or several run
        // the same windows and hand over the same records in the same order.
        if scheme == .chip {
            let (one, oneSink, _) = try run(t, tokens: 2, partitions: scheme, threads: 1)
            #expect(one.threads == 1 && oneSink.streamHash == sink.streamHash && one.windows == par.windows)
        }
    }

    @Test("traffic between partitions predicted from the routes equals the simulated count when every neuron fires its expected spikes",
          arguments: FanOut.allCases, [false, true])
    func predictedTraffic(fanOut: FanOut, tick: Bool) throws {
        var edits = [("fanout: multicast", "fanout: \(fanOut.rawValue)"), ("neurons: 32", "neurons: 64")]
        if tick { edits.append(("mode: completion_markers", "mode: global_tick\n  tick_ns: 100000")) }
        let t = try smallBoard(edits)
        for (scheme, threads) in [(PartitionScheme.chip, 2), (.stripes, 2)] {
            // silent 0: every neuron fires at every step, exactly the source's expected spikes per activation.
            let r = try run(t, silent: 0, tokens: 3, partitions: scheme, threads: threads).0
            let predicted = try #require(r.predictedTraffic)
            #expect(r.remoteEvents > 0)
            #expect(predicted.events(tokens: 3) == Double(r.remoteEvents), "\(scheme), \(fanOut), tick \(tick)")
        }
        // Statistical counts: the prediction is their expectation, so a drawn run lands near it.
        let drawn = try run(t, tokens: 3, partitions: .stripes, threads: 2).0
        let expected = try #require(drawn.predictedTraffic).events(tokens: 3)
        #expect(abs(Double(drawn.remoteEvents) / expected - 1) < 0.1)
    }

    @Test("no traffic prediction where it cannot be made: one partition, spike-coded partial sums")
    func noTrafficPrediction() throws {
        let t = try smallBoard()
        #expect(try run(t).0.predictedTraffic == nil)
        let m = try ChipMapping(spec: tiny, topology: t, options: MappingOptions(partialSums: .spikes(bits: 8)))
        #expect(TrafficPrediction(mapping: m, steps: 4, spikesPerActivation: 1) { _ in 0 } == nil)
    }

    @Test("a mesh far larger than the mapping: only the rows in use are modelled, and every dynamic figure is the small mesh's")
    func memoryFollowsTheMapping() throws {
        func board(_ rows: Int) throws -> Topology {
            try smallBoard([("chips: {x: 2, y: 2}", "chips: {x: 1, y: 1}"), ("mesh: {x: 8, y: 8}", "mesh: {x: 16, y: \(rows)}")])
        }
        let small = try board(16), huge = try board(4096)
        func go(_ t: Topology) throws -> (RunResult, Int) {
            let m = try ChipMapping(spec: tiny, topology: t, options: MappingOptions(placement: .sequential))
            var r = try ChipRun(mapping: m, workload: Workload(tokens: 2, timeSteps: 4, context: 16),
                                source: try StatisticalSpikeSource(timeSteps: 4), sink: SummingSink())
            return (r.run(), r.model.lpCount)
        }
        let (a, aLPs) = try go(small), (b, bLPs) = try go(huge)
        #expect(huge.coreCount == 65_536)
        #expect(bLPs == aLPs && bLPs <= 16 * 16 && bLPs % 16 == 0)
        #expect(b.traffic == a.traffic && b.events == a.events && b.tokenEnd == a.tokenEnd && b.links == a.links)
        for kind in EnergyKind.allCases where kind != .staticIdle { #expect(b.ledger.energy(kind) == a.ledger.energy(kind)) }
    }

    @Test("a source that keeps state across stages is refused for partitions")
    func partitionsNeedAReplicableSource() throws {
        struct Stateful: SpikeSource {
            mutating func spikes(token: Int, stage: Int, layer: Int, step: Int, inputs: Int, into out: inout [(neuron: Int32, sign: Int8)]) {}
        }
        let m = try ChipMapping(spec: tiny, topology: try smallBoard(), options: MappingOptions())
        #expect(throws: ChipRunError.self) {
            _ = try ChipRun(mapping: m, workload: Workload(), source: Stateful(), sink: SummingSink(), partitioning: .stripes, threads: 2)
        }
    }

    @Test("spike-coded partial sums are refused for partitions: the tiles of other partitions would send none")
    func partitionsNeedGradedPartialSums() throws {
        let m = try ChipMapping(spec: tiny, topology: try smallBoard(), options: MappingOptions(partialSums: .spikes(bits: 8)))
        let source = try StatisticalSpikeSource(silentFraction: 0.5, spikesPerActivation: 0.75, timeSteps: 4, seed: 1)
        for scheme in [PartitionScheme.chip, .stripes] {
            #expect(throws: ChipRunError.self) {
                _ = try ChipRun(mapping: m, workload: Workload(timeSteps: 4), source: source, sink: SummingSink(), partitioning: scheme, threads: 2)
            }
        }
        // One partition runs them.
        var one = try ChipRun(mapping: m, workload: Workload(timeSteps: 4), source: source, sink: SummingSink())
        #expect(one.run().traffic.partialSumSpikes > 0)
    }

    @Test("all fan-out modes deliver every copy", arguments: FanOut.allCases)
    func fanOutModes(mode: FanOut) throws {
        let t = try smallBoard([("fanout: multicast", "fanout: \(mode.rawValue)"), ("neurons: 32", "neurons: 64")])
        let (r, sink, m) = try run(t)
        #expect(r.traffic.delivered == r.traffic.deliveriesSent && r.traffic.delivered > 0)
        #expect(sink.femtojoules == r.ledger.total.femtojoules)
        #expect(r.traffic.markers > 0 && r.ledger.count(.control) > 0)
        if mode == .splitter {
            #expect(m.splitterCores.count > 0)
            #expect(r.ledger.count(.neuronUpdate) > m.tiles.reduce(UInt64(0)) { $0 + UInt64($1.neuronsUsed) } * 4)
        }
    }

    @Test("a global tick paces every stage: a token takes at least T ticks per stage")
    func globalTick() throws {
        let t = try smallBoard([("mode: completion_markers", "mode: global_tick\n  tick_ns: 10000")])
        let (r, _, m) = try run(t)
        let stagesWithSpikes = UInt64(m.stages.count - 1)
        #expect(r.tokenLatencies[0].picoseconds >= stagesWithSpikes * 4 * 10_000_000)
        #expect(r.traffic.markers == 0 && r.ledger.count(.control) == 0)
        #expect(r.traffic.late == 0)
        let short = try smallBoard([("mode: completion_markers", "mode: global_tick\n  tick_ns: 2")])
        let late = try run(short).0
        #expect(late.traffic.late > 0)
        #expect(late.traffic.delivered == late.traffic.deliveriesSent)
    }

    @Test("full router buffers drop packets, and the drops are accounted for")
    func drops() throws {
        let t = try smallBoard([("buffer_packets: 0", "buffer_packets: 1"), ("link_bits_per_ns: 32", "link_bits_per_ns: 0.5")])
        let (r, sink, _) = try run(t, silent: 0)
        #expect(r.traffic.dropped > 0 && r.traffic.droppedPackets > 0)
        #expect(r.traffic.deliveriesSent == r.traffic.delivered + r.traffic.dropped)
        #expect(sink.femtojoules == r.ledger.total.femtojoules)
        // Dropped completion markers leave a tile waiting: the queue drains with the token unfinished and the
        // run not interrupted. The CLI reports exactly this as a stalled run (exit 1, run marked interrupted).
        #expect(r.tokensDone == 0 && !r.interrupted)
    }

    @Test("static power is charged per powered chip (one hosting mapped cores) for each token's duration")
    func staticPower() throws {
        // A stated 360 mW per chip: mW × ns = pJ.
        let board = try smallBoard([("static_power: derived", "static_power_mw: 360")])
        let (r, _, m) = try run(board, tokens: 3)
        #expect(r.tokensDone == 3)
        #expect(r.tokenStart[1] == r.tokenEnd[0] && r.tokenStart[2] == r.tokenEnd[1])
        // The per-stage totals are the per-token rows added up, and the mean latency their mean.
        let encoding = r.stageActivity.filter { $0.tokens > 0 }.count
        #expect(encoding > 0 && r.activity.count == 3 * encoding && r.stageActivity.allSatisfy { $0.tokens == 0 || $0.tokens == 3 })
        for (s, stage) in r.stageActivity.enumerated() {
            let rows = r.activity.filter { $0.layer == m.stages[s].layer && $0.stage == m.stages[s].kind.rawValue }
            #expect(stage.spikes == rows.reduce(0) { $0 + $1.spikes } && stage.silentNeurons == rows.reduce(0) { $0 + $1.silentNeurons })
        }
        #expect(r.tokens.mean.picoseconds == r.tokenLatencies.reduce(0) { $0 + $1.picoseconds } / 3)
        let chips = m.summary().chipsUsed
        let expected = r.tokenLatencies.reduce(0.0) { acc, l in acc + Double(chips) * Energy(picojoules: 360 * l.nanoseconds).picojoules }
        #expect(abs(r.ledger.energy(.staticIdle).picojoules - expected) <= 0.001 * Double(3 * chips))
        // One layer fits on fewer chips than the board has; the empty ones draw nothing.
        let (one, _, m1) = try run(board, tokens: 1, layers: 1)
        let used = m1.summary().chipsUsed
        #expect(used < m1.topology.chipCount)
        let perChip = Energy(picojoules: 360 * one.tokenLatencies[0].nanoseconds).picojoules
        #expect(abs(one.ledger.energy(.staticIdle).picojoules - Double(used) * perChip) <= 0.01)
        // Later tokens see a longer context: attention's memory traffic grows.
        #expect(r.ledger.count(.memory) > 0)
        // Derived power: each powered chip draws its own leakage (the silicon budget's), for the same duration.
        let (d, _, md) = try run(try smallBoard(), tokens: 1)
        let leak = md.siliconBudget().chips.filter(\.powered).reduce(0.0) { $0 + $1.staticMilliwatts.value }
        #expect(leak > 0)
        #expect(abs(d.ledger.energy(.staticIdle).picojoules - leak * d.tokenLatencies[0].nanoseconds) <= 0.001 * 4)
    }

    @Test("the statistical source draws token-level counts: zero fraction, spikes per activation and tail as fitted, laid into steps")
    func statisticalSource() throws {
        // SpikingBrain-7B: 0.69 zero counts, 1.13 spikes per activation, ternary at T = 8.
        let d = try SpikeCountDistribution(silentFraction: 0.69, spikesPerActivation: 1.13, coding: .ternary, timeSteps: 8)
        // The fitted ratio satisfies the truncated geometric's mean, written out independently:
        // E[k] = Σ k q^(k−1) / Σ q^(k−1) over k = 1…8 must equal 1.13 / 0.31.
        let q = d.ratio
        var weighted = 0.0, total = 0.0
        for k in 1...8 {
            let w: Double = pow(q, Double(k - 1))
            weighted += Double(k) * w; total += w
        }
        let mean = weighted / total
        #expect(abs(mean - 1.13 / 0.31) < 1e-9)
        #expect(q > 0.8 && q < 0.9)
        var s = StatisticalSpikeSource(distribution: d, seed: 3)
        let n = 200_000
        var perNeuron = [Int](repeating: 0, count: n), perStep: [Int] = []
        for step in 0..<8 {
            var out: [(neuron: Int32, sign: Int8)] = []
            s.spikes(token: 0, stage: 1, layer: 0, step: step, inputs: n, into: &out)
            #expect(zip(out, out.dropFirst()).allSatisfy { $0.neuron < $1.neuron })
            for x in out { perNeuron[Int(x.neuron)] += 1 }
            perStep.append(out.count)
        }
        let silent = Double(perNeuron.filter { $0 == 0 }.count) / Double(n)
        let spikes = Double(perNeuron.reduce(0, +)) / Double(n)
        let withinSeven = Double(perNeuron.filter { $0 <= 7 }.count) / Double(n)
        #expect(abs(silent - 0.69) < 0.005, "silent per token \(silent)")
        #expect(abs(spikes - 1.13) < 0.02, "spikes per activation \(spikes)")
        // Table 11 puts |count| ≤ 7 between 0.877 and 0.989 of activations.
        #expect(withinSeven > 0.877 && withinSeven < 0.989)
        // Ternary: a count fires from step 0 on, so no step fires more than the one before it.
        #expect(zip(perStep, perStep.dropFirst()).allSatisfy { $0 >= $1 })
        // A neuron silent for the token is silent at every step: the per-step silence is far above 0.69.
        #expect(Double(perStep[7]) / Double(n) < 0.31 * pow(q, 7) + 0.01)
        // Same seed, same draws, whatever the order of calls.
        var again = StatisticalSpikeSource(distribution: d, seed: 3), first: [(neuron: Int32, sign: Int8)] = []
        again.spikes(token: 0, stage: 1, layer: 0, step: 3, inputs: n, into: &first)
        #expect(first.count == perStep[3])
        // Bitwise coding: spikes = popcount of the count, MSB first.
        let b = try SpikeCountDistribution(silentFraction: 0.5, spikesPerActivation: 0.8, coding: .bitwise, timeSteps: 4)
        var expected = 0.0
        for k in 1...15 { expected += b.probability(ofMagnitude: k) * Double(k.nonzeroBitCount) }
        #expect(abs(expected - 0.8) < 1e-6)
        #expect((0..<4).map { b.fires(5, step: $0) } == [false, true, false, true]) // 0101, MSB first
        #expect((0..<8).map { d.fires(3, step: $0) } == [true, true, true, false, false, false, false, false])
        // Bad statistics are refused with the option named.
        #expect(throws: EngineError.self) { try SpikeCountDistribution(silentFraction: 1.5) }
        #expect(throws: EngineError.self) { try SpikeCountDistribution(silentFraction: 0.69, spikesPerActivation: 0.2) }
        // At T = 4 ternary carries 1.13 only with a rising tail (most counts at 4; the CLI warns); at T = 3 not at all.
        #expect(try SpikeCountDistribution(silentFraction: 0.69, spikesPerActivation: 1.13, timeSteps: 4).ratio > 1)
        #expect(throws: EngineError.self) { try SpikeCountDistribution(silentFraction: 0.69, spikesPerActivation: 1.13, timeSteps: 3) }
        #expect(throws: EngineError.self) { try Workload(timeSteps: 0).validate() }
        // Absurd sizes are refused before anything is allocated for them.
        #expect(throws: EngineError.self) { try Workload(tokens: 10_000_000_000).validate() }
        #expect(throws: EngineError.self) { try Workload(context: 1_000_000_000_000_000).validate() }
        try Workload(tokens: Workload.maxTokens, context: Workload.maxContext).validate()
    }

    @Test("a board one core wide: every hop is north-south and priced so; per-port packets add up to the hops")
    func oneCoreWide() throws {
        // 1 × 64 cores: east-west hops cost 3 pJ, north-south 7 pJ (distinct, round, so the check is exact).
        let t = try smallBoard([("chips: {x: 2, y: 2}", "chips: {x: 1, y: 1}"), ("mesh: {x: 8, y: 8}", "mesh: {x: 1, y: 64}"),
                                ("east_west: {energy_pj: {value: 25.3, low: 3.0, high: 25.3}", "east_west: {energy_pj: {value: 3.0, low: 3.0, high: 3.0}"),
                                ("north_south: {energy_pj: {value: 33.8, low: 4.0, high: 33.8}", "north_south: {energy_pj: {value: 7.0, low: 7.0, high: 7.0}")])
        #expect(t.width == 1 && t.hopNorthSouth.energy == Energy(picojoules: 7))
        let small = ModelSpec(name: "small", architecture: "llama", layers: 1, hidden: 32, ffn: 32, heads: 2, kvHeads: 1,
                              vocabulary: 32, contextLength: 64, tiedEmbeddings: false)
        let (r, _, _) = try run(t, spec: small)
        let hops = r.ledger.count(.routerHop) + r.ledger.count(.control)
        #expect(hops > 0)
        // Spike and graded packets are 1 or 8 flits; every flit pays 7 pJ: the router-hop energy is 7 pJ × flits.
        #expect(r.ledger.energy(.routerHop) == Energy(picojoules: 7) * Int64(r.ledger.count(.routerHop)))
        #expect(r.links.allSatisfy { $0.direction == .south || $0.direction == .north })
        #expect(r.links.reduce(0) { $0 + $1.packets } == r.traffic.hops)
    }

    @Test("the shipped TrueNorth and Loihi topologies run a small model end to end")
    func shippedChips() throws {
        for name in ["truenorth", "loihi"] {
            let t = try Topology.load(path: root.appendingPathComponent("topologies/\(name).yaml").path)
            let small = ModelSpec(name: "small", architecture: "llama", layers: 1, hidden: 64, ffn: 96, heads: 2, kvHeads: 1,
                                  vocabulary: 64, contextLength: 64, tiedEmbeddings: false)
            let (r, sink, _) = try run(t, spec: small)
            #expect(r.tokensDone == 1)
            #expect(r.traffic.delivered == r.traffic.deliveriesSent)
            #expect(sink.femtojoules == r.ledger.total.femtojoules)
        }
    }
}
