import Energy
import Engine
import Foundation
import Mapping
import ModelShapes
import Models
import Neurons
import Testing
import Topology
import Traces
@testable import ClosedLoop

private let root = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A small Llama-shaped model with synthetic weights: big enough for several tiles per projection on the LLM board.
private let tiny = ModelSpec(name: "tiny", architecture: "llama", layers: 2, hidden: 96, ffn: 160, heads: 4, kvHeads: 2,
                             vocabulary: 200, contextLength: 64, tiedEmbeddings: false)

private func tinyModel(bits: Int = 8) throws -> (LanguageModel, CrossbarModel) {
    (try LanguageModel.synthetic(spec: tiny, seed: 3, embeddingStd: 0.5), try CrossbarModel(synthetic: tiny, bits: bits, std: 0.1, seed: 3))
}

private func encoder(_ text: String = "spikingbrain:T=4,coding=ternary") throws -> ConfiguredEncoder {
    try ConfiguredEncoder(parsing: text)
}

private func llmBoard() throws -> Topology { try Topology.load(path: root.appendingPathComponent("topologies/spikechip-llm.yaml").path) }

private struct NoSink: EnergySink {
    mutating func consume(_ records: UnsafeBufferPointer<EnergyRecord>) {}
    mutating func finish() {}
}

@Suite("Closed loop")
struct ClosedLoopTests {
    @Test("a product on the chip equals the decoded spikes through the dequantized weights")
    func chipProductMatchesDecodedReference() throws {
        let (_, crossbars) = try tinyModel()
        var backend = ChipBackend(crossbars: crossbars, encoder: try encoder())
        var state: UInt64 = 5
        let x = (0..<tiny.hidden).map { _ in Float(Int(SeededUniform.splitMix(&state) % 2001) - 1000) / 400 }
        var out = [Float](repeating: 1, count: tiny.hidden)
        try x.withUnsafeBufferPointer { xb in
            try out.withUnsafeMutableBufferPointer { try backend.multiply(xb, rows: 1, by: .projection(layer: 1, .o), into: $0, accumulate: false) }
        }
        let train = backend.trains[ChipBackend.stage(of: .projection(layer: 1, .o), layers: 2).index]
        var decoded = [Float](repeating: 0, count: tiny.hidden)
        try decoded.withUnsafeMutableBufferPointer { try train.decode(into: $0) }
        #expect(train.neuronCount == tiny.hidden && train.steps == 4)
        let w = crossbars.weights(.projection(layer: 1, .o))
        for j in 0..<tiny.hidden {
            var expected = 0.0
            for i in 0..<tiny.hidden { expected += Double(decoded[i]) * Double(w.levels[i * w.outputs + j]) }
            expected *= Double(w.scales[j])
            #expect(abs(Double(out[j]) - expected) <= 1e-5 * max(1, abs(expected)))
        }
        // The quantized-weights mode skips the encoder and uses x itself.
        var plain = ChipBackend(crossbars: crossbars, encoder: try encoder(), mode: .quantizedWeights)
        var exact = [Float](repeating: 0, count: tiny.hidden)
        try x.withUnsafeBufferPointer { xb in
            try exact.withUnsafeMutableBufferPointer { try plain.multiply(xb, rows: 1, by: .projection(layer: 1, .o), into: $0, accumulate: false) }
        }
        #expect(plain.statistics.allSatisfy { $0.neurons == 0 })
        let relative = zip(exact, out).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }.squareRoot()
            / exact.reduce(0.0) { $0 + Double($1 * $1) }.squareRoot()
        print("spike-coding error of one o product at T = 4: relative L2 \(relative)")
        #expect(relative > 0 && relative < 0.5)
    }

    @Test("stages are numbered as the mapping numbers them; k, v and up reuse their stage's train")
    func stageNumbering() throws {
        let mapping = try ChipMapping(spec: tiny, topology: try llmBoard())
        for (i, stage) in mapping.stages.enumerated() where stage.kind != .output {
            let first: LinearLayer = switch stage.kind {
            case .attentionInput: .projection(layer: stage.layer, .q)
            case .attentionOutput: .projection(layer: stage.layer, .o)
            case .ffnInput: .projection(layer: stage.layer, .gate)
            case .ffnOutput: .projection(layer: stage.layer, .down)
            default: .head
            }
            #expect(ChipBackend.stage(of: first, layers: tiny.layers) == (i, true))
        }
        #expect(ChipBackend.stage(of: .projection(layer: 1, .v), layers: 2) == (4, false))
        #expect(ChipBackend.stage(of: .projection(layer: 0, .up), layers: 2) == (2, false))
        #expect(ChipBackend.stageCount(layers: 2) == mapping.stages.count - 1)
    }

    @Test("tokens through the event simulation: the engine carries exactly the encoded spikes, tokens match the functional model, runs repeat bit for bit")
    func endToEnd() throws {
        let (model, crossbars) = try tinyModel()
        let mapping = try ChipMapping(spec: tiny, topology: try llmBoard())
        let prompt: [Int32] = [5, 17, 99]
        func run() throws -> (RunResult, ClosedLoopSource, Int) {
            var backend = ChipBackend(crossbars: crossbars, encoder: try encoder())
            var events = 0
            backend.onEncode = { _, _, train in for t in 0..<train.steps { train.forEachSpike(atStep: t) { _, _ in events += 1 } } }
            let source = try ClosedLoopSource(model: model, backend: backend, mapping: mapping, prompt: prompt, newTokens: 3)
            var chip = try ChipRun(mapping: mapping, workload: Workload(tokens: source.positions, timeSteps: 4, context: 0, seed: 1),
                                   source: source, sink: NoSink())
            let result = chip.run()
            let after = chip.model.source
            #expect(after.failure == nil)
            return (result, after, events)
        }
        let (a, sourceA, eventsA) = try run()
        #expect(a.tokensDone == 5 && sourceA.generated.count == 3)
        #expect(a.traffic.spikes == UInt64(eventsA) && eventsA > 0)
        #expect(a.traffic.dropped == 0)
        let (b, sourceB, _) = try run()
        #expect(sourceA.generated == sourceB.generated)
        #expect(a.ledger.total == b.ledger.total && a.events == b.events && a.tokenEnd == b.tokenEnd)

        // The same backend run without the engine picks the same tokens.
        var session = try model.makeSession(capacity: 8)
        var backend = ChipBackend(crossbars: crossbars, encoder: try encoder())
        var generated: [Int32] = []
        var logits = try session.forward([prompt[0]], backend: &backend)
        for t in prompt.dropFirst() { logits = try session.forward([t], backend: &backend) }
        for _ in 0..<3 {
            generated.append(Int32(argmax(logits)))
            if generated.count < 3 { logits = try session.forward([generated.last!], backend: &backend) }
        }
        #expect(generated == sourceA.generated)
        print("tiny closed loop: generated \(generated), \(a.events) events, \(a.ledger.total.picojoules / 5) pJ per position")
    }

    @Test("requests the closed loop cannot serve are refused with a reason")
    func refusals() throws {
        let (model, crossbars) = try tinyModel()
        let backend = ChipBackend(crossbars: crossbars, encoder: try encoder())
        let full = try ChipMapping(spec: tiny, topology: try llmBoard())
        let partial = try ChipMapping(spec: tiny, topology: try llmBoard(), options: MappingOptions(layers: 1))
        let noHead = try ChipMapping(spec: tiny, topology: try llmBoard(), options: MappingOptions(includeLMHead: false))
        for m in [partial, noHead] {
            #expect(throws: ClosedLoopError.self) { try ClosedLoopSource(model: model, backend: backend, mapping: m, prompt: [1], newTokens: 1) }
        }
        #expect(throws: ClosedLoopError.self) { try ClosedLoopSource(model: model, backend: backend, mapping: full, prompt: [], newTokens: 1) }
        #expect(throws: ClosedLoopError.self) { try ClosedLoopSource(model: model, backend: backend, mapping: full, prompt: [200], newTokens: 1) }
        #expect(throws: ClosedLoopError.self) { try ClosedLoopSource(model: model, backend: backend, mapping: full, prompt: [1], newTokens: 65) }
        var dense = DenseBackend(model: model)
        var out = [Float](repeating: 0, count: tiny.hidden)
        let x = [Float](repeating: 1, count: tiny.hidden)
        #expect(throws: ModelError.self) {
            try x.withUnsafeBufferPointer { xb in
                try out.withUnsafeMutableBufferPointer { try dense.multiply(xb, rows: 1, by: .projection(layer: 0, .o), into: $0, accumulate: false) }
            }
        }
    }
}

@Suite("Closed loop traces")
struct ClosedLoopTraceTests {
    @Test("a recorded closed-loop run replays on its topology with the same events, energy and latencies")
    func recordReplay() throws {
        let (model, crossbars) = try tinyModel()
        let mapping = try ChipMapping(spec: tiny, topology: try llmBoard())
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("closed-loop-\(UInt32.random(in: 0...UInt32.max)).trace").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let source = try ClosedLoopSource(model: model, backend: ChipBackend(crossbars: crossbars, encoder: try encoder()),
                                          mapping: mapping, prompt: [3, 1, 4], newTokens: 2)
        let workload = Workload(tokens: source.positions, timeSteps: 4, context: 0)
        let writer = try TraceWriter(path: path, header: TraceHeader(mapping: mapping, content: .spikes, encoder: "spikingbrain:T=4,coding=ternary", timeSteps: 4))
        var live = try ChipRun(mapping: mapping, workload: workload, source: try RecordingSpikeSource(wrapping: source, writer: writer, mapping: mapping, workload: workload),
                               sink: NoSink())
        let recorded = live.run()
        try writer.finish()
        let replaySource = try TraceSpikeSource(path: path, mapping: mapping, workload: workload)
        var replay = try ChipRun(mapping: mapping, workload: workload, source: replaySource, sink: NoSink())
        let replayed = replay.run()
        try replaySource.finish()
        #expect(recorded.tokensDone == 4 && recorded.traffic.spikes > 0)
        #expect(replayed.ledger == recorded.ledger)
        #expect(replayed.events == recorded.events && replayed.tokenEnd == recorded.tokenEnd && replayed.traffic == recorded.traffic)
    }

    @Test("recording a closed loop with spike-coded partial sums keeps the closed loop's spike counts")
    func recordingForwardsPartialSums() throws {
        let (model, crossbars) = try tinyModel()
        let mapping = try ChipMapping(spec: tiny, topology: try llmBoard(), options: MappingOptions(partialSums: .spikes(bits: 6)))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("partial-\(UInt32.random(in: 0...UInt32.max)).trace").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        func source() throws -> ClosedLoopSource {
            try ClosedLoopSource(model: model, backend: ChipBackend(crossbars: crossbars, encoder: try encoder(), partialSums: PartialSumReduction(mapping: mapping)),
                                 mapping: mapping, prompt: [2, 7], newTokens: 2)
        }
        let workload = Workload(tokens: 3, timeSteps: 4, context: 0)
        var plain = try ChipRun(mapping: mapping, workload: workload, source: try source(), sink: NoSink())
        let direct = plain.run()
        let writer = try TraceWriter(path: path, header: TraceHeader(mapping: mapping, content: .spikes, encoder: "spikingbrain:T=4,coding=ternary", timeSteps: 4))
        var recording = try ChipRun(mapping: mapping, workload: workload,
                                    source: try RecordingSpikeSource(wrapping: try source(), writer: writer, mapping: mapping, workload: workload), sink: NoSink())
        let recorded = recording.run()
        try writer.finish()
        #expect(direct.traffic.partialSumSpikes > 0)
        #expect(recorded.traffic == direct.traffic && recorded.ledger == direct.ledger)
    }
}
