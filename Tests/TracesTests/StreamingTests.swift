import Foundation
import Testing
@testable import Traces

@Suite("Trace streaming")
struct StreamingTests {
    /// Writes `tokens` tokens of one identical block; returns (file size, payload bytes of a block).
    private func write(_ path: String, tokens: Int) throws -> Int64 {
        let writer = try TraceWriter(path: path, header: header(widths: [500], timeSteps: 4))
        let block = SpikeBlock(steps: (0..<4).map { t in stride(from: t, to: 500, by: 3).map { (neuron: Int32($0), amplitude: Int8($0 % 2 == 0 ? 1 : -1)) } })
        for t in 0..<tokens { try writer.append(token: t, stage: 0, spikes: block) }
        try writer.finish()
        return writer.bytes
    }

    @Test("the reader holds one block's payload, whatever the file's length")
    func constantMemory() throws {
        var capacities: [Int] = []
        var sizes: [Int64] = []
        for tokens in [10, 1000] {
            let path = temporaryTracePath()
            sizes.append(try write(path, tokens: tokens))
            let reader = try TraceReader(path: path)
            var block = SpikeBlock()
            var largest = 0
            while let b = try reader.next() {
                largest = max(largest, b.byteCount - 13)   // payload and checksum
                try reader.spikes(into: &block)
                #expect(reader.payloadCapacity == largest)
            }
            #expect(reader.completion == .complete(tokens: tokens, blocks: tokens))
            capacities.append(reader.payloadCapacity)
        }
        #expect(sizes[1] > 90 * sizes[0])
        #expect(capacities[0] == capacities[1])
    }
}
