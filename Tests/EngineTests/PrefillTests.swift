import Energy
import Mapping
import SimKernel
import TestFixtures
import Testing
import Topology
@testable import Engine

/// A run of `Fixtures.tiny` on the small board, token by token or as a pipelined prefill.
private func run(_ t: Topology, pipelined: Bool, silent: Double = 0.69, tokens: Int = 4, steps: Int = 4,
                 partitions: PartitionScheme = .single, threads: Int = 1) throws -> (RunResult, ChipMapping) {
    let m = try ChipMapping(spec: Fixtures.tiny, topology: t, options: MappingOptions())
    var r = try ChipRun(mapping: m, workload: Workload(tokens: tokens, timeSteps: steps, context: 16, seed: 3, pipelined: pipelined),
                        source: try StatisticalSpikeSource(silentFraction: silent, spikesPerActivation: silent == 0 ? Double(steps) : 1.5 * (1 - silent),
                                                              timeSteps: steps, seed: 3),
                        sink: DiscardingSink(), partitioning: partitions, threads: threads)
    return (r.run(), m)
}

@Suite("Pipelined prefill")
struct PrefillTests {
    @Test("a prefill does each token's work of a token-by-token run; it adds one credit per token and stage boundary and drops the sampled token")
    func sameWork() throws {
        let t = try Fixtures.smallBoard()
        let tokens = 4
        let (seq, m) = try run(t, pipelined: false, tokens: tokens)
        let (pre, _) = try run(t, pipelined: true, tokens: tokens)
        #expect(pre.tokensDone == tokens)
        // Spike counts come from (seed, token, stage), so every token's stages see the same spikes.
        #expect(pre.activity == seq.activity)
        for kind in [EnergyKind.synapticOp, .neuronUpdate, .functionUnitOp, .memory] {
            #expect(pre.ledger.count(kind) == seq.ledger.count(kind), "\(kind)")
            #expect(pre.ledger.energy(kind) == seq.ledger.energy(kind), "\(kind)")
        }
        #expect(pre.traffic.spikes == seq.traffic.spikes && pre.traffic.delivered == seq.traffic.delivered)
        #expect(pre.traffic.gradedPackets == seq.traffic.gradedPackets && pre.traffic.markers == seq.traffic.markers)
        #expect(pre.traffic.dropped == 0 && pre.traffic.late == 0)
        // Every stage but the first tells its predecessor, once per token, that its tiles are free.
        let credits = tokens * (m.stages.count - 1)
        #expect(seq.traffic.credits == 0 && pre.traffic.credits == UInt64(credits))
        // Credits are control packets: one send each, and each hop of their route priced as a spike packet's flits.
        let routing = t.meshRouting
        let hops = (1..<m.stages.count).reduce(0) { $0 + routing.route(from: m.stages[$1].functionUnit, to: m.stages[$1 - 1].functionUnit).count }
        #expect(hops > 0)
        let flits = UInt64(HardwareCosts(t).flitsSpike)
        #expect(pre.ledger.count(.control) == seq.ledger.count(.control) + UInt64(credits) + UInt64(tokens * hops) * flits)
        // The sampled token's packet leaves the output unit before each token but the first, in token-by-token runs only.
        #expect(seq.ledger.count(.spikeOut) == pre.ledger.count(.spikeOut) + UInt64(tokens - 1))
    }

    @Test("stages overlap: the prefill ends sooner than token by token and no sooner than one token alone; its spans tile its time, and static power is charged once over it")
    func overlap() throws {
        // A stated 360 mW per chip: mW × ns = pJ.
        let t = try Fixtures.smallBoard([("static_power: derived", "static_power_mw: 360")])
        let tokens = 4
        let (seq, m) = try run(t, pipelined: false, tokens: tokens)
        let (pre, _) = try run(t, pipelined: true, tokens: tokens)
        let (one, _) = try run(t, pipelined: true, tokens: 1)
        let end = try #require(pre.tokenEnd.last)
        #expect(end < seq.tokenEnd[tokens - 1])
        #expect(end >= one.tokenEnd[0])
        #expect(pre.tokenStart[0] == .zero)
        for n in 1..<tokens { #expect(pre.tokenStart[n] == pre.tokenEnd[n - 1] && pre.tokenEnd[n] > pre.tokenEnd[n - 1]) }
        let chips = Double(m.summary().chipsUsed)
        #expect(abs(pre.ledger.energy(.staticIdle).picojoules - chips * 360 * end.nanoseconds) <= 0.001 * Double(tokens) * chips)
    }

    @Test("partitions on threads give the sequential prefill's totals, activity, token times and events; the traffic between them is predicted exactly",
          arguments: [(PartitionScheme.chip, 2), (.stripes, 2), (.chip, 3)])
    func partitions(scheme: PartitionScheme, threads: Int) throws {
        let t = try Fixtures.smallBoard([("neurons: 32", "neurons: 64")])
        let (seq, _) = try run(t, pipelined: true, silent: 0)
        let (par, _) = try run(t, pipelined: true, silent: 0, partitions: scheme, threads: threads)
        #expect(par.partitions > 1 && par.remoteEvents > 0)
        #expect(par.ledger == seq.ledger && par.traffic == seq.traffic)
        #expect(par.activity == seq.activity)
        #expect(par.tokenStart == seq.tokenStart && par.tokenEnd == seq.tokenEnd)
        #expect(par.events == seq.events && par.finalTime == seq.finalTime)
        // silent 0: every neuron fires at every step, so the routes give the exact count, credits included.
        #expect(try #require(par.predictedTraffic).events(tokens: 4) == Double(par.remoteEvents))
    }

    @Test("a prefill takes statistical counts only: a source that follows the tokens in order is refused")
    func statisticalOnly() throws {
        struct Ordered: SpikeSource {
            mutating func spikes(token: Int, stage: Int, layer: Int, step: Int, inputs: Int, into out: inout [(neuron: Int32, sign: Int8)]) {}
        }
        let m = try ChipMapping(spec: Fixtures.tiny, topology: try Fixtures.smallBoard(), options: MappingOptions())
        #expect(throws: ChipRunError.self) {
            _ = try ChipRun(mapping: m, workload: Workload(tokens: 2, pipelined: true), source: Ordered(), sink: DiscardingSink())
        }
    }
}
