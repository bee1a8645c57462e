import Energy
import Engine
import Foundation
import Mapping
import ModelShapes
import Models
import Neurons
import Testing
import Topology
@testable import ClosedLoop

private let root = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Wider than one 512-axon core, so the down projection has two row blocks.
private let wide = ModelSpec(name: "wide", architecture: "llama", layers: 1, hidden: 128, ffn: 700, heads: 4, kvHeads: 2,
                             vocabulary: 300, contextLength: 32, tiedEmbeddings: false)

private struct NoSink: EnergySink {
    mutating func consume(_ records: UnsafeBufferPointer<EnergyRecord>) {}
    mutating func finish() {}
}

@Suite("Partial sums")
struct PartialSumTests {
    let board: Topology
    let model: LanguageModel
    let crossbars: CrossbarModel
    let encoder: ConfiguredEncoder

    init() throws {
        board = try Topology.load(path: root.appendingPathComponent("topologies/spikechip-llm.yaml").path)
        model = try LanguageModel.synthetic(spec: wide, seed: 9, embeddingStd: 0.5)
        crossbars = try CrossbarModel(synthetic: wide, bits: 8, std: 0.1, seed: 9)
        encoder = try ConfiguredEncoder(parsing: "spikingbrain:k=8,T=14,coding=bitwise")
    }

    /// The down product of a fixed input under a reduction, and the backend after it.
    func down(_ reduction: PartialSumReduction) throws -> ([Float], ChipBackend) {
        var backend = ChipBackend(crossbars: crossbars, encoder: encoder, partialSums: reduction)
        let x = (0..<wide.ffn).map { Float(($0 * 37) % 101) / 25 - 2 }
        var out = [Float](repeating: 0, count: wide.hidden)
        try x.withUnsafeBufferPointer { xb in
            try out.withUnsafeMutableBufferPointer { try backend.multiply(xb, rows: 1, by: .projection(layer: 0, .down), into: $0, accumulate: false) }
        }
        return (out, backend)
    }

    @Test("spike-coded sums: error shrinks with wider codes, rounded per tile, spike counts = set magnitude bits")
    func roundingAndCounts() throws {
        let (exact, _) = try down(.graded)
        let (wideCode, wideBackend) = try down(PartialSumReduction(coding: .spikes(bits: 16), axons: 512, neurons: 512))
        func relativeError(_ y: [Float]) -> Double {
            zip(y, exact).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }.squareRoot()
                / exact.reduce(0.0) { $0 + Double($1 * $1) }.squareRoot()
        }
        let (narrow, backend) = try down(PartialSumReduction(coding: .spikes(bits: 4), axons: 512, neurons: 512))
        let error = relativeError(narrow), wideError = relativeError(wideCode)
        print("spike-coded partial sums of a 700-input product: relative L2 error \(error) at 4 bits, \(wideError) at 16 bits")
        #expect(error > 0.01 && error < 0.5)
        #expect(wideError < 1e-3)
        let counts = try #require(backend.partialSumSpikes[.projection(layer: 0, .down)])
        #expect(counts.count == 2)  // two row blocks × one column block
        #expect(counts.allSatisfy { $0 > 0 && Int($0) <= 3 * wide.hidden })  // at most 3 magnitude bits per sum
        #expect(wideBackend.partialSumSpikes[.projection(layer: 0, .down)]!.reduce(0, +) > counts.reduce(0, +))

        // An independent recount of one tile: row block 1, 4-bit codes with a power-of-two step.
        let w = crossbars.weights(.projection(layer: 0, .down))
        let train = backend.trains[3]
        var sums = [Int64](repeating: 0, count: wide.hidden)
        for i in 512..<wide.ffn { for j in 0..<wide.hidden { sums[j] += Int64(train.counts[i] + train.countOffset) * Int64(w.levels[i * wide.hidden + j]) } }
        let largest = sums.map { abs($0) }.max()!
        var shift: Int64 = 0
        while largest >> shift > 7 { shift += 1 }
        let bits = sums.reduce(0) { acc, v in
            let half: Int64 = shift > 0 ? 1 << (shift - 1) : 0
            return acc + min(7, (abs(v) + half) >> shift).nonzeroBitCount
        }
        #expect(Int(counts[1]) == bits)
    }

    @Test("the engine carries the backend's partial-sum spikes; statistical runs use the documented estimate")
    func engineTraffic() throws {
        let options = MappingOptions(partialSums: .spikes(bits: 6))
        let mapping = try ChipMapping(spec: wide, topology: board, options: options)
        let backend = ChipBackend(crossbars: crossbars, encoder: encoder, partialSums: PartialSumReduction(mapping: mapping))
        let source = try ClosedLoopSource(model: model, backend: backend, mapping: mapping, prompt: [4, 8], newTokens: 2)
        var chip = try ChipRun(mapping: mapping, workload: Workload(tokens: source.positions, timeSteps: 14, context: 0), source: source, sink: NoSink())
        let result = chip.run()
        #expect(chip.model.source.failure == nil && result.tokensDone == 3)
        #expect(result.traffic.gradedPackets == 0 && result.traffic.partialSumSpikes > 0)
        // Reduction neurons integrate every partial-sum spike once.
        #expect(result.ledger.count(.synapticOp) > result.traffic.partialSumSpikes)

        // A mismatched backend is refused.
        #expect(throws: ClosedLoopError.self) {
            try ClosedLoopSource(model: model, backend: ChipBackend(crossbars: crossbars, encoder: encoder), mapping: mapping, prompt: [1], newTokens: 1)
        }

        // Statistical mode: half of the 5 magnitude bits of every output of every tile, per token.
        var stat = try ChipRun(mapping: mapping, workload: Workload(tokens: 2, timeSteps: 4, context: 0),
                               source: try StatisticalSpikeSource(spikesPerActivation: 0.5, timeSteps: 4), sink: NoSink())
        let s = stat.run()
        let perToken = mapping.tiles.reduce(0) { $0 + Int($1.neuronsUsed) * 5 / 2 }
        #expect(s.traffic.partialSumSpikes == UInt64(2 * perToken))
        let graded = try ChipMapping(spec: wide, topology: board)
        var g = try ChipRun(mapping: graded, workload: Workload(tokens: 2, timeSteps: 4, context: 0), source: try StatisticalSpikeSource(spikesPerActivation: 0.5, timeSteps: 4), sink: NoSink())
        let gr = g.run()
        #expect(gr.traffic.partialSumSpikes == 0 && gr.traffic.gradedPackets > 0 && gr.tokensDone == 2)
        print("partial sums, 2 statistical tokens: graded \(gr.traffic.gradedPackets) packets, \(gr.events) events; spikes:6 \(s.traffic.partialSumSpikes) spikes, \(s.events) events")
    }

    @Test("options: spikes[:bits] parses, bad values and sliced weights are refused")
    func options() throws {
        #expect(try PartialSumCoding(parsing: "graded") == .graded)
        #expect(try PartialSumCoding(parsing: "spikes") == .spikes(bits: 8))
        #expect(try PartialSumCoding(parsing: "SPIKES:5") == .spikes(bits: 5))
        for bad in ["spikes:1", "spikes:17", "spikes:x", "ternary", "graded:3"] {
            #expect(throws: MappingError.self) { try PartialSumCoding(parsing: bad) }
        }
        #expect(throws: MappingError.self) {
            try ChipMapping(spec: wide, topology: board, options: MappingOptions(weightBits: 16, partialSums: .spikes(bits: 8)))
        }
    }
}
