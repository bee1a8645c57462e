import Foundation
import Testing
@testable import Traces

@Suite("Trace statistics")
struct StatisticsTests {
    @Test("rates, silent fractions and sizes of a hand-built trace")
    func handComputed() throws {
        let path = temporaryTracePath()
        let writer = try TraceWriter(path: path, header: header(widths: [4, 3], timeSteps: 2))
        try writer.append(token: 0, stage: 0, spikes: SpikeBlock(steps: [[(0, 1), (2, -1)], [(2, 3)]]))   // payload 02 00 05 01 0A 06
        try writer.append(token: 0, stage: 1, spikes: SpikeBlock(steps: [[], []]))                        // 00 00
        try writer.append(token: 1, stage: 0, spikes: SpikeBlock(steps: [[(1, 1), (2, 1), (3, 1)], []]))  // 03 04 00 00 00
        try writer.append(token: 1, stage: 1, spikes: SpikeBlock(steps: [[(0, -1)], [(0, 1)]]))            // 01 01 01 00
        try writer.finish()
        let s = try TraceStatistics(path: path)
        #expect(s.tokens == 2 && s.blocks == 4 && s.completion == .complete(tokens: 2, blocks: 4))
        let q = s.stages[0], o = s.stages[1]
        #expect(q.kind == "qkv" && q.spikes == 6 && q.amplitude == 8 && q.silentNeurons == 3 && q.bytes == 23 + 22)
        #expect(q.firingRate == 6.0 / 16 && q.silentFraction == 3.0 / 8)
        #expect(o.kind == "o" && o.spikes == 2 && o.amplitude == 2 && o.silentNeurons == 5 && o.bytes == 19 + 21)
        #expect(abs(o.firingRate - 2.0 / 12) < 1e-12 && abs(o.silentFraction - 5.0 / 6) < 1e-12)
        #expect(s.layers.count == 1 && s.layers[0].inputs == 7 && s.layers[0].spikes == 8)
        #expect(abs(s.layers[0].firingRate - 8.0 / 28) < 1e-12 && abs(s.layers[0].silentFraction - 8.0 / 14) < 1e-12)
        #expect(s.spikesPerToken == 4 && s.bytesPerToken == 42.5)
        let text = s.text()
        #expect(text.contains("blocks    4 in 2 tokens") && text.contains("seed=9223372036854775807"))
        let json = try JSONEncoder().encode(s)
        #expect(try JSONDecoder().decode(TraceStatistics.self, from: json).stages == s.stages)
    }
}
