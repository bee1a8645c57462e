import Energy
import Engine
import Foundation
import Mapping
import ModelShapes
import Models
import Neurons
import SimKernel
import Testing
@testable import Traces

@Suite("Trace record and replay")
struct ReplayTests {
    private let workload = Workload(tokens: 2, timeSteps: 4, context: 16, seed: 7)

    private func mapping(_ spec: ModelSpec = tinySpec, layers: Int? = nil) throws -> ChipMapping {
        try ChipMapping(spec: spec, topology: try smallBoard(), options: MappingOptions(layers: layers))
    }

    private func statisticalRun(_ m: ChipMapping, _ w: Workload) throws -> RunResult {
        var chip = try ChipRun(mapping: m, workload: w, source: try StatisticalSpikeSource(silentFraction: 0.69, spikesPerActivation: 0.6, timeSteps: w.timeSteps, seed: w.seed), sink: DiscardingSink())
        return chip.run()
    }

    /// A fresh recording of `workload`: its path, its bytes and the offsets of its blocks.
    private func recordedTrace(_ m: ChipMapping, name: String = #function) throws -> (path: String, bytes: [UInt8], offsets: [Int]) {
        let path = temporaryTracePath(name)
        _ = try record(m, workload, to: path)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        return (path, bytes, blockOffsets(bytes))
    }

    private func record(_ m: ChipMapping, _ w: Workload, to path: String) throws -> RunResult {
        let header = TraceHeader(mapping: m, content: .spikes, encoder: "statistical:silent=0.69", timeSteps: w.timeSteps,
                                 provenance: ["tool": .string("ReplayTests"), "seed": .integer(Int64(w.seed))])
        let writer = try TraceWriter(path: path, header: header)
        let source = try RecordingSpikeSource(wrapping: try StatisticalSpikeSource(silentFraction: 0.69, spikesPerActivation: 0.6, timeSteps: w.timeSteps, seed: w.seed), writer: writer,
                                              mapping: m, workload: w)
        var chip = try ChipRun(mapping: m, workload: w, source: source, sink: DiscardingSink())
        let result = chip.run()
        try writer.finish()
        return result
    }

    private func replay(_ path: String, _ m: ChipMapping, _ w: Workload, encoder: ConfiguredEncoder? = nil,
                        partitioning: PartitionScheme = .single) throws -> RunResult {
        let source = try TraceSpikeSource(path: path, mapping: m, workload: w, encoder: encoder)
        var chip = try ChipRun(mapping: m, workload: w, source: source, sink: DiscardingSink(), partitioning: partitioning)
        let result = chip.run(shouldStop: { source.failure != nil })
        try source.finish()
        return result
    }

    @Test("recording a statistical run and replaying the trace (one partition or one per chip) gives a bit-identical ledger, traffic and event count")
    func recordReplay() throws {
        let m = try mapping()
        let path = temporaryTracePath()
        let plain = try statisticalRun(m, workload)
        let recorded = try record(m, workload, to: path)
        let replayed = try replay(path, m, workload)
        let partitioned = try replay(path, m, workload, partitioning: .chip)
        #expect(partitioned.partitions == 4)
        for r in [recorded, replayed, partitioned] {
            #expect(r.ledger == plain.ledger)
            #expect(r.traffic == plain.traffic)
            #expect(r.events == plain.events)
            #expect(r.tokenEnd == plain.tokenEnd)
            #expect(r.activity == plain.activity)
        }
        #expect(plain.traffic.spikes > 0 && plain.tokensDone == 2)
        // The trace holds exactly the spikes the engine sent.
        let (blocks, reader) = try readAllSpikes(path)
        #expect(UInt64(blocks.reduce(0) { $0 + $1.spikeCount }) == plain.traffic.spikes)
        #expect(reader.completion == .complete(tokens: 2, blocks: 2 * (m.stages.count - 1)))
    }

    @Test("a mapping of fewer layers replays the trace's first layers and its LM head")
    func fewerLayers() throws {
        let path = temporaryTracePath()
        _ = try record(try mapping(), workload, to: path)
        let short = try mapping(layers: 1)
        let r = try replay(path, short, workload)
        let (blocks, _) = try readAllSpikes(path)
        let stages = tinySpec.layers * 4 + 1
        let kept = blocks.indices.filter { i in let s = i % stages; return s < 4 || s == stages - 1 }
        #expect(r.traffic.spikes == UInt64(kept.reduce(0) { $0 + blocks[$1].spikeCount }))
        #expect(r.tokensDone == 2)
    }

    @Test("a trace that does not fit the mapping or the workload is refused before the run, saying why")
    func mismatches() throws {
        let path = temporaryTracePath()
        _ = try record(try mapping(layers: 1), workload, to: path)
        func message(_ m: ChipMapping, _ w: Workload) -> String {
            do { _ = try TraceSpikeSource(path: path, mapping: m, workload: w); return "accepted" } catch { return "\(error)" }
        }
        var wide = tinySpec
        wide.name = "wide"; wide.hidden = 128
        #expect(message(try mapping(wide, layers: 1), workload)
                == "trace stage 0 (layer 0 qkv, 96 inputs) does not match the mapping's (layer 0 qkv, 128 inputs): the trace was recorded from tiny, map that model")
        #expect(message(try mapping(), workload).contains("the mapping's stage 4 (layer 1 qkv, 96 inputs) is not in the trace of tiny: the trace holds 1 layer(s)"))
        var long = workload; long.tokens = 3
        #expect(message(try mapping(layers: 1), long).contains("holds 2 complete tokens but the run asks for 3: replay at most --tokens 2"))
        var steps = workload; steps.timeSteps = 3
        #expect(message(try mapping(layers: 1), steps).contains("T = 4 time steps but the run asks for T = 3"))
        let noHead = try ChipMapping(spec: tinySpec, topology: try smallBoard(), options: MappingOptions(includeLMHead: false, layers: 1))
        #expect(message(noHead, workload) == "accepted")  // the trace's LM head blocks are skipped
    }

    @Test("a truncated trace replays its complete tokens and refuses more")
    func truncated() throws {
        let m = try mapping()
        let (_, bytes, offsets) = try recordedTrace(m)
        let cut = temporaryTracePath()
        try Data(bytes[0..<(offsets[offsets.count - 3] + 5)]).write(to: URL(fileURLWithPath: cut))
        var one = workload; one.tokens = 1
        #expect(try replay(cut, m, one).ledger == (try statisticalRun(m, one)).ledger)
        do { _ = try TraceSpikeSource(path: cut, mapping: m, workload: workload); Issue.record("accepted") } catch {
            #expect("\(error)".contains("holds 1 complete tokens (the file is truncated"), "\(error)")
        }
    }

    @Test("a block corrupted after the start stops the replay with the block's position")
    func corruptMidRun() throws {
        let m = try mapping()
        let (path, recorded, offsets) = try recordedTrace(m)
        var bytes = recorded
        let victim = offsets.count - 3
        bytes[offsets[victim] + 13] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let source = try TraceSpikeSource(path: path, mapping: m, workload: workload)
        var chip = try ChipRun(mapping: m, workload: workload, source: source, sink: DiscardingSink())
        _ = chip.run(shouldStop: { source.failure != nil })
        #expect(source.failure == .corrupt(block: victim, offset: Int64(offsets[victim]), message: "checksum mismatch (file corrupted)"))
        #expect(throws: TraceError.self) { try source.finish() }
    }

    @Test("an activation trace is encoded block by block with the header's encoder")
    func activations() throws {
        let m = try mapping()
        let path = temporaryTracePath()
        let config = "spikingbrain:k=3,T=4,coding=ternary"
        let writer = try TraceWriter(path: path, header: TraceHeader(mapping: m, content: .activations, encoder: config, timeSteps: 4),
                                     activationPrecision: .float16)
        var rng = SplitMix64(seed: 21)
        var reference = try ConfiguredEncoder(parsing: config)
        let other = try ConfiguredEncoder(parsing: "spikingbrain:k=1,T=4,coding=ternary")
        var otherReference = other
        var expected: UInt64 = 0, expectedOther: UInt64 = 0
        for t in 0..<workload.tokens {
            for (s, stage) in TraceHeader.stages(of: m).enumerated() {
                let v = (0..<stage.inputs).map { _ in Float(Float16(Float(rng.nextUnit() * 2 - 1))) }
                try writer.appendActivations(token: t, stage: s, values: v)
                let train = try reference.encode(v)
                expected += UInt64(train.spikes.filter { $0 != 0 }.count)
                expectedOther += UInt64(try otherReference.encode(v).spikes.filter { $0 != 0 }.count)
            }
        }
        try writer.finish()
        let r = try replay(path, m, workload)
        #expect(r.traffic.spikes == expected && expected > 0)
        #expect(expectedOther != expected)
        #expect(try replay(path, m, workload, encoder: other).traffic.spikes == expectedOther)
        do { _ = try TraceSpikeSource(path: path, mapping: m, workload: workload, encoder: try ConfiguredEncoder(parsing: "sdllm:bits=4")); Issue.record("accepted") } catch {
            #expect("\(error)".contains("the encoder emits T = "), "\(error)")
        }
    }

    /// Fires neurons 5 then 2 at stage 1's first step: an order the format cannot hold.
    private struct Unsorted: SpikeSource {
        mutating func spikes(token: Int, stage: Int, layer: Int, step: Int, inputs: Int, into out: inout [(neuron: Int32, sign: Int8)]) {
            if stage == 1 && step == 0 { out += [(5, 1), (2, -1)] } else { out.append((Int32(step), 1)) }
        }
    }

    @Test("a recording that cannot be written stops at the bad block, the run goes on, finish() says why")
    func recordingFailure() throws {
        let m = try mapping(layers: 1)
        let path = temporaryTracePath()
        let header = TraceHeader(mapping: m, content: .spikes, encoder: "test", timeSteps: workload.timeSteps)
        var steps = workload; steps.timeSteps = 3
        #expect(throws: TraceError.self) { try RecordingSpikeSource(wrapping: Unsorted(), writer: try TraceWriter(path: path, header: header), mapping: m, workload: steps) }
        let writer = try TraceWriter(path: path, header: header)
        var chip = try ChipRun(mapping: m, workload: workload, source: try RecordingSpikeSource(wrapping: Unsorted(), writer: writer, mapping: m, workload: workload),
                               sink: DiscardingSink())
        let r = chip.run()
        #expect(r.tokensDone == 2 && r.traffic.spikes > 0)
        do { try writer.finish(); Issue.record("finished") } catch {
            #expect("\(error)".contains("token 0 stage 1"), "\(error)")
        }
        let reader = try TraceReader(path: path)
        // Stage 0 of token 0 was written; nothing after the refused block, no end block.
        #expect(try reader.readToEnd() == .truncated(offset: reader.fileSize, blocks: 1, tokens: 0))
    }
}
