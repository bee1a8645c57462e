import Energy
import Engine
import Foundation
import Mapping
import Neurons
import Testing
import Topology
@testable import Traces

/// The sample traces in traces/, written by the Python recorder (tools/recorder) from
/// SmolLM2-135M: the Swift reader and replay must accept what the other implementation wrote.
private let spikePath = repoRoot.appendingPathComponent("traces/smollm2-hello.spk.trace").path
private let activationPath = repoRoot.appendingPathComponent("traces/smollm2-hello.act.trace").path

@Suite("Sample traces from the Python recorder", .enabled(if: FileManager.default.fileExists(atPath: spikePath)
                                                         && FileManager.default.fileExists(atPath: activationPath)))
struct SampleTraceTests {
    @Test("both samples read completely, and encoding the activations gives the recorded spikes to within float16 rounding")
    func readBoth() throws {
        let spikes = try TraceStatistics(path: spikePath)
        let activations = try TraceStatistics(path: activationPath)
        for s in [spikes, activations] {
            #expect(s.completion == .complete(tokens: 8, blocks: 968))
            #expect(s.header.stages.count == 121 && s.header.spec?.hidden == 576)
        }
        #expect(spikes.header.stages == activations.header.stages && spikes.header.spec == activations.header.spec)
        #expect(spikes.header.content == .spikes && activations.header.content == .activations)
        let recorded = Double(spikes.stages.reduce(0) { $0 + $1.spikes })
        let encoded = Double(activations.stages.reduce(0) { $0 + $1.spikes })
        #expect(recorded > 0 && abs(encoded - recorded) / recorded < 1e-3)
    }

    @Test("the recorded spikes replay on a chip: one layer and the LM head, every spike of those stages sent")
    func replay() throws {
        let header = try TraceReader(path: spikePath).header
        let topology = try Topology.load(path: repoRoot.appendingPathComponent("topologies/spikechip-llm.yaml").path)
        let m = try ChipMapping(spec: try #require(header.spec), topology: topology, options: MappingOptions(layers: 1))
        let w = Workload(tokens: 2, timeSteps: header.timeSteps, context: 5, seed: 1)
        let source = try TraceSpikeSource(path: spikePath, mapping: m, workload: w)
        var chip = try ChipRun(mapping: m, workload: w, source: source, sink: DiscardingSink())
        let r = chip.run(shouldStop: { source.failure != nil })
        try source.finish()
        let reader = try TraceReader(path: spikePath)
        var block = SpikeBlock(), expected = 0
        while let b = try reader.next(), b.token < 2 {
            guard b.stage < 4 || b.stage == 120 else { continue }
            try reader.spikes(into: &block)
            expected += block.spikeCount
        }
        #expect(r.tokensDone == 2 && r.traffic.spikes == UInt64(expected) && expected > 0)
    }
}
