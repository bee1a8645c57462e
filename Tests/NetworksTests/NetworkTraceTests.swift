import Foundation
import Networks
import TestFixtures
import Testing
import Traces

/// A network run written as a trace (format version 2) and read back as a network's input.
@Suite struct NetworkTraceTests {
    /// The ff fixture run on Loihi with lif2's membranes recorded, and its trace.
    func ffTrace(_ name: String) throws -> (SpikingNetwork, SpikeRaster, NetworkRunResult, String) {
        let net = try SpikingNetwork(NetworkGraph(path: "\(fixtures)/ff.safetensors"), dtSeconds: 1e-4)
        let input = try SpikeRaster(npy: "\(fixtures)/ff-input.npy", ids: net.inputNeurons)
        let lif2 = try #require(net.populations.firstIndex { $0.name == "lif2" })
        let (r, m, _) = try run(net, input: input, on: try shipped("loihi"), record: [lif2])
        let path = NetworkFiles.temporary(name)
        try NetworkTrace.write(r, mapping: m, recorded: [lif2], input: "ff-input.npy", path: path)
        return (net, input, r, path)
    }

    @Test("the trace of a run holds snnTorch's spikes, the input, and the recorded membranes bit for bit")
    func writtenTrace() throws {
        let (net, input, r, path) = try ffTrace("ff-written.trace")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(fixtures)/ff-expected.json"))) as! [String: Any]
        let peer = expected["populations"] as! [String: [String: Any]]
        let reader = try TraceReader(path: path)
        let h = reader.header
        #expect(h.streams.map(\.population) == net.populations.map(\.name) + ["lif2"])
        #expect(h.streams.map(\.record) == Array(repeating: .spikes, count: net.populations.count) + [.membranes])
        #expect(h.dtNs == 100_000 && h.tokens == 50)
        var steps = h.streams.map { Array(repeating: [Int](), count: $0.neurons) }
        var block = SpikeBlock(), values = ContiguousArray<Double>()
        let lif2Start = net.populations.prefix { $0.name != "lif2" }.reduce(0) { $0 + $1.size }
        while let b = try reader.next() {
            if b.kind == .membranes {
                try reader.membranes(into: &values)
                let run = r.membranes.filter { $0.step == b.token }.sorted { $0.neuron < $1.neuron }
                #expect(run.map(\.neuron) == (0..<10).map { UInt32(lif2Start + $0) })
                #expect(Array(values).map(\.bitPattern) == run.map(\.v.bitPattern))
                continue
            }
            try reader.spikes(into: &block)
            for n in block.neurons { steps[b.stage][Int(n)].append(b.token) }
            if b.stage == 0 { #expect(block.neurons.map { $0 } == Array(input.spikes(step: b.token))) }
        }
        #expect(reader.completion == .complete(tokens: 50, blocks: 200))
        for (p, pop) in net.populations.enumerated() where !pop.isInput {
            #expect(steps[p] == peer[pop.name]?["spike_steps"] as? [[Int]], "\(pop.name)")
        }
    }

    /// tools/nir/tests/test_network_trace.py reads Fixtures/ff.trace with an independent Python reader and checks it
    /// against snnTorch; this keeps that file what the writer writes today. SPIKECHIP_UPDATE_FIXTURES=1 rewrites it.
    @Test("the committed ff.trace is what the writer writes today, byte for byte")
    func fixtureIsCurrent() throws {
        let (_, _, _, path) = try ffTrace("ff-fixture.trace")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fresh = try Data(contentsOf: URL(fileURLWithPath: path))
        let committed = "\(fixtures)/ff.trace"
        if ProcessInfo.processInfo.environment["SPIKECHIP_UPDATE_FIXTURES"] == "1" { try fresh.write(to: URL(fileURLWithPath: committed)) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: committed)) == fresh)
    }

    @Test("read back as input, the trace gives the same raster; replayed on another chip, the same spikes")
    func replay() throws {
        let (net, input, r, path) = try ffTrace("ff-replay.trace")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (raster, completion, dt) = try SpikeRaster.read(trace: path, network: net)
        #expect(completion == .complete(tokens: 50, blocks: 200) && dt == 100_000)
        #expect(raster.steps == 50 && raster.count == input.count)
        for t in 0..<50 { #expect(Array(raster.spikes(step: t)) == Array(input.spikes(step: t))) }
        let (b, _, _) = try run(net, input: raster, on: try shipped("spikechip-llm"))
        func sorted(_ x: NetworkRunResult) -> [UInt64] { x.spikes.events.map { UInt64($0.step) << 32 | UInt64($0.neuron) }.sorted() }
        #expect(sorted(b) == sorted(r))
    }

    @Test("a trace cut inside a step gives its complete steps; a network whose input the trace lacks is refused by name")
    func truncatedAndForeign() throws {
        let (net, input, _, path) = try ffTrace("ff-cut.trace")
        defer { try? FileManager.default.removeItem(atPath: path) }
        // Find the first byte of step 10's second block (lif1), and cut the file 3 bytes into it.
        let reader = try TraceReader(path: path)
        var cut: Int64 = 0
        while cut == 0, let b = try reader.next() { if b.token == 10, b.stage == 1 { cut = b.offset + 3 } }
        let data = try Data(contentsOf: URL(fileURLWithPath: path)).prefix(Int(cut))
        let partial = NetworkFiles.temporary("ff-partial.trace")
        defer { try? FileManager.default.removeItem(atPath: partial) }
        try data.write(to: URL(fileURLWithPath: partial))
        let (raster, completion, _) = try SpikeRaster.read(trace: partial, network: net)
        #expect(completion.tokens == 10 && raster.steps == 10)
        for t in 0..<10 { #expect(Array(raster.spikes(step: t)) == Array(input.spikes(step: t))) }

        let other = NetworkFiles.temporary("other.safetensors")
        defer { try? FileManager.default.removeItem(atPath: other) }
        try NetworkFiles.write([
            .init(name: "x", type: "Input", size: 3),
            .init(name: "w", type: "Linear", size: 2, params: ["weight": ([2, 3], [1, 0, 1, 0, 0, 1])]),
            NetworkFiles.integrateAndFire("if", 2, threshold: 0.5),
            .init(name: "out", type: "Output", size: 2),
        ], edges: [("x", "w"), ("w", "if"), ("if", "out")], to: other)
        let foreign = try SpikingNetwork(NetworkGraph(path: other), dtSeconds: 1e-4)
        do { _ = try SpikeRaster.read(trace: path, network: foreign); Issue.record("accepted") } catch {
            #expect("\(error)".contains("no spike stream of input population 'x' (3 neurons); the trace has 'input' (200), 'lif1' (150), 'lif2' (10)"), "\(error)")
        }
    }
}
