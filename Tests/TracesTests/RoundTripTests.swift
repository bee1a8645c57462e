import Foundation
import Neurons
import SimKernel
import Testing
@testable import Traces

@Suite("Trace round trip")
struct RoundTripTests {
    @Test("random spike blocks (multi-spike amplitudes, empty and full steps) read back exactly", arguments: [1 as UInt64, 2, 3])
    func spikes(seed: UInt64) throws {
        let path = temporaryTracePath()
        let widths = [1, 7, 64, 300, 33]
        let written = try writeRandomSpikeTrace(path: path, widths: widths, timeSteps: 5, tokens: 3, seed: seed)
        #expect(written.contains { b in b.amplitudes.contains { abs(Int($0)) > 1 } })
        #expect(written.contains { b in (0..<b.steps).contains { b.range(ofStep: $0).isEmpty } })
        let (read, reader) = try readAllSpikes(path)
        #expect(read == written)
        #expect(reader.completion == .complete(tokens: 3, blocks: 15))
        #expect(reader.trailer?.tokens == 3 && reader.trailer?.blocks == 15)
        #expect(reader.header == header(widths: widths, timeSteps: 5))
        #expect(reader.header.provenance["seed"] == .integer(Int64.max))
    }

    @Test("a SpikeTrain is written as its non-zero entries")
    func train() throws {
        var train = SpikeTrain(neuronCount: 6, steps: 2)
        train[0, 1] = 1; train[0, 5] = -3; train[1, 0] = -1
        let path = temporaryTracePath()
        let writer = try TraceWriter(path: path, header: header(widths: [6], timeSteps: 2))
        try writer.append(token: 0, stage: 0, train: train)
        try writer.finish()
        let (read, _) = try readAllSpikes(path)
        #expect(read == [SpikeBlock(steps: [[(1, 1), (5, -3)], [(0, -1)]])])
    }

    @Test("activations: float32 exactly, float16 rounded to nearest half", arguments: ActivationPrecision.allCases)
    func activations(precision: ActivationPrecision) throws {
        var rng = SplitMix64(seed: 9)
        let widths = [5, 40]
        let path = temporaryTracePath()
        let writer = try TraceWriter(path: path, header: header(widths: widths, timeSteps: 4, content: .activations), activationPrecision: precision)
        var written: [[Float]] = []
        for t in 0..<2 {
            for (s, n) in widths.enumerated() {
                let v = (0..<n).map { _ in Float(rng.nextUnit() * 8 - 4) }
                try writer.appendActivations(token: t, stage: s, values: v)
                written.append(v)
            }
        }
        try writer.finish()
        let reader = try TraceReader(path: path)
        var values = ContiguousArray<Float>()
        var i = 0
        while let b = try reader.next() {
            #expect(b.kind == .activations(precision))
            try reader.activations(into: &values)
            let expected = precision == .float32 ? written[i] : written[i].map { Float(Float16($0)) }
            #expect(Array(values) == expected)
            i += 1
        }
        #expect(i == 4 && reader.completion == .complete(tokens: 2, blocks: 4))
    }

    @Test("the writer refuses what the format cannot hold, naming the problem")
    func writerChecks() throws {
        let path = temporaryTracePath()
        let writer = try TraceWriter(path: path, header: header(widths: [4, 4], timeSteps: 1))
        func rejects(_ message: String, _ body: () throws -> Void) {
            do { try body(); Issue.record("accepted: \(message)") } catch {
                #expect("\(error)".contains(message), "\(error)")
            }
        }
        rejects("expected token 0 stage 0") { try writer.append(token: 0, stage: 1, spikes: SpikeBlock(steps: [[]])) }
        rejects("out of order") { try writer.append(token: 0, stage: 0, spikes: SpikeBlock(steps: [[(2, 1), (1, 1)]])) }
        rejects("out of order") { try writer.append(token: 0, stage: 0, spikes: SpikeBlock(steps: [[(4, 1)]])) }
        rejects("amplitude 0") { try writer.append(token: 0, stage: 0, spikes: SpikeBlock(steps: [[(1, 0)]])) }
        rejects("amplitude -128") { try writer.append(token: 0, stage: 0, spikes: SpikeBlock(steps: [[(1, -128)]])) }
        rejects("2 steps given") { try writer.append(token: 0, stage: 0, spikes: SpikeBlock(steps: [[], []])) }
        rejects("holds spikes, not activations") { try writer.appendActivations(token: 0, stage: 0, values: [1, 2, 3, 4]) }
        try writer.append(token: 0, stage: 0, spikes: SpikeBlock(steps: [[(0, 1)]]))
        try writer.finish()
        rejects("already finished") { try writer.finish() }
        rejects("expected 1...255") { _ = try TraceWriter(path: temporaryTracePath(), header: header(widths: [4], timeSteps: 0)) }
        rejects("expected 1...") { _ = try TraceWriter(path: temporaryTracePath(), header: header(widths: [0], timeSteps: 2)) }
        rejects("cannot create") { _ = try TraceWriter(path: "/nonexistent-dir/x.trace", header: header(widths: [4], timeSteps: 2)) }
        // What was accepted before the refusals is intact.
        let (read, reader) = try readAllSpikes(path)
        #expect(read == [SpikeBlock(steps: [[(0, 1)]])] && reader.completion == .complete(tokens: 0, blocks: 1))
    }
}
