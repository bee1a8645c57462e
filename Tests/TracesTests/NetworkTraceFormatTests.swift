import Engine
import Foundation
import Mapping
import Testing
@testable import Traces

/// Network traces (format version 2): streams of population spikes and float64 membranes, one
/// block per step. Expected bytes and statistics are worked out by hand from docs/trace-format.md.
@Suite struct NetworkTraceFormatTests {
    static let streams = [
        TraceStream(population: "in", model: "Input", neurons: 4, record: .spikes),
        TraceStream(population: "lif", model: "LIF", neurons: 3, record: .spikes),
        TraceStream(population: "lif", model: "LIF", neurons: 3, record: .membranes),
    ]
    /// Step 0: in fires 0 and 2, lif is silent; step 1: in fires 3, lif fires 1.
    static let spikes: [[[Int32]]] = [[[0, 2], []], [[3], [1]]]
    static let membranes: [[Double]] = [[0.5, -1.25, 0], [0.25, 0, 1e-300]]

    /// Writes the two steps above; returns the file's bytes.
    func write(_ path: String) throws -> [UInt8] {
        let writer = try TraceWriter(path: path, header: TraceHeader(network: Self.streams, dtNs: 100_000, steps: 2, input: "hand"))
        for t in 0..<2 {
            for s in 0..<2 { try writer.append(token: t, stage: s, spikes: SpikeBlock(steps: [Self.spikes[t][s].map { ($0, 1) }])) }
            try Self.membranes[t].withUnsafeBufferPointer { try writer.appendMembranes(token: t, stage: 2, values: $0) }
        }
        try writer.finish()
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Offset of the first data block: preamble, header JSON, header checksum.
    func dataStart(_ bytes: [UInt8]) -> Int { 16 + (Int(bytes[12]) | Int(bytes[13]) << 8 | Int(bytes[14]) << 16) + 4 }

    @Test("a network trace is version 2; its first block is the spike block worked out by hand; the end block counts steps")
    func bytesByHand() throws {
        let bytes = try write(temporaryTracePath())
        #expect(Array(bytes[0..<12]) == Array("SPKTRACE".utf8) + [2, 0, 0, 0])
        let d = dataStart(bytes)
        // Step 0 of 'in': 2 spikes; neuron 0: gap 0, code 0 → 0x00; neuron 2: gap 1 → 1 << 2 = 0x04.
        let frame: [UInt8] = [0x01, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0x02, 0x00, 0x04]
        #expect(Array(bytes[d..<(d + 16)]) == frame)
        let crc = CRC32.checksum(frame)
        #expect(Array(bytes[(d + 16)..<(d + 20)]) == (0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * UInt32($0))) })
        // End block: token = 2 steps, block count 6.
        let end = Array(bytes.suffix(25))
        #expect(end[0] == 0x45 && end[1] == 2 && end[13] == 6)
        // Membranes of step 1: type 4, stage 2, 24 bytes of little-endian float64.
        let step0 = 17 + 3 + 17 + 1 + 17 + 24     // in: 3-byte payload, lif: 1 (count 0), membranes: 24
        let m1 = d + step0 + 17 + 2 + 17 + 2      // step 1: in {3}: count, gap 3 → 2 bytes; lif {1}: 2 bytes
        #expect(bytes[m1] == 0x04 && bytes[m1 + 5] == 2 && bytes[m1 + 9] == 24)
        let third = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[m1 + 13 + 16 + $1]) << (8 * UInt64($1)) }
        #expect(Double(bitPattern: third) == 1e-300)
    }

    @Test("the reader gives back every spike and every membrane bit for bit")
    func roundTrip() throws {
        let path = temporaryTracePath()
        _ = try write(path)
        let reader = try TraceReader(path: path)
        #expect(reader.header.content == .network && reader.header.streams == Self.streams && reader.header.dtNs == 100_000)
        var block = SpikeBlock(), values = ContiguousArray<Double>()
        var seen = 0
        while let b = try reader.next() {
            if b.stage < 2 {
                #expect(b.kind == .spikes)
                try reader.spikes(into: &block)
                #expect(Array(block.neurons) == Self.spikes[b.token][b.stage])
            } else {
                #expect(b.kind == .membranes)
                try reader.membranes(into: &values)
                #expect(Array(values) == Self.membranes[b.token])
            }
            seen += 1
        }
        #expect(seen == 6 && reader.completion == .complete(tokens: 2, blocks: 6))
    }

    @Test("statistics per spike stream: rates by hand, membranes counted in the bytes only")
    func statistics() throws {
        let path = temporaryTracePath()
        let bytes = try write(path)
        let stats = try TraceStatistics(path: path)
        #expect(stats.stages.map(\.kind) == ["in", "lif"])
        #expect(stats.stages[0].firingRate == 3.0 / 8 && stats.stages[1].firingRate == 1.0 / 6)
        // lif is silent at step 0 (3 neurons) and fires one of 3 at step 1: 5 of 6 neuron-steps silent.
        #expect(stats.stages[1].silentFraction == 5.0 / 6)
        #expect(stats.spikesPerToken == 2 && stats.layers.isEmpty)
        #expect(stats.bytesPerToken == Double(bytes.count - dataStart(bytes) - 25) / 2)
        #expect(stats.text().contains("blocks    6 in 2 steps"))
    }

    @Test("writers refuse a stream's wrong content or size; model replays refuse network traces")
    func misuse() throws {
        let path = temporaryTracePath()
        let writer = try TraceWriter(path: path, header: TraceHeader(network: Self.streams, dtNs: 1, steps: 1, input: "hand"))
        func rejects(_ text: String, _ body: () throws -> Void) {
            do { try body(); Issue.record("accepted, expected '\(text)'") } catch { #expect("\(error)".contains(text), "\(error)") }
        }
        rejects("holds spikes in stream 0 (in), not membranes") { try [0.0, 0, 0, 0].withUnsafeBufferPointer { try writer.appendMembranes(token: 0, stage: 0, values: $0) } }
        try writer.append(token: 0, stage: 0, spikes: SpikeBlock(steps: [[]]))
        try writer.append(token: 0, stage: 1, spikes: SpikeBlock(steps: [[(2, 1)]]))
        rejects("holds membranes in stream 2 (lif), not spikes") { try writer.append(token: 0, stage: 2, spikes: SpikeBlock(steps: [[]])) }
        rejects("2 membranes given") { try [1.0, 2].withUnsafeBufferPointer { try writer.appendMembranes(token: 0, stage: 2, values: $0) } }
        var bad = TraceHeader(network: Self.streams, dtNs: 1, steps: 1, input: "hand")
        bad.timeSteps = 4
        rejects("one step per block") { _ = try TraceWriter(path: temporaryTracePath(), header: bad) }
        bad = TraceHeader(network: Self.streams, dtNs: .nan, steps: 1, input: "hand")
        rejects("dtNs is nan") { _ = try TraceWriter(path: temporaryTracePath(), header: bad) }

        let full = temporaryTracePath()
        _ = try write(full)
        let m = try ChipMapping(spec: tinySpec, topology: try smallBoard(), options: MappingOptions(layers: 1))
        rejects("is a network trace") { _ = try TraceSpikeSource(path: full, mapping: m, workload: Workload(tokens: 1, timeSteps: 1, context: 1, seed: 1)) }
    }

    /// `bytes` with the block at `offset` given type `type` and its checksum made valid again.
    func retyped(_ bytes: [UInt8], at offset: Int, to type: UInt8) -> [UInt8] {
        var b = bytes
        b[offset] = type
        let length = Int(b[offset + 9]) | Int(b[offset + 10]) << 8
        let crc = CRC32.checksum(Array(b[offset..<(offset + 13 + length)]))
        for i in 0..<4 { b[offset + 13 + length + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        return b
    }

    @Test("a block of the wrong kind for its stream, or a membrane block in a model trace, is refused with its place")
    func wrongBlocks() throws {
        let path = temporaryTracePath()
        let bytes = try write(path)
        let membraneBlock = dataStart(bytes) + 20 + 18
        func firstError(_ b: [UInt8]) -> String {
            let p = temporaryTracePath()
            try? Data(b).write(to: URL(fileURLWithPath: p))
            do { let r = try TraceReader(path: p); while try r.next() != nil {}; return "read" } catch { return "\(error)" }
        }
        #expect(firstError(bytes) == "read")
        // A 24-byte spike payload fits a 3-neuron stream's bound (5 + 7·3 = 26), so only the stream's kind tells.
        #expect(firstError(retyped(bytes, at: membraneBlock, to: 0x01)).contains("spike block where stage 2 (lif membranes, 3 neurons) of a trace of network belongs"))
        #expect(firstError(retyped(bytes, at: dataStart(bytes), to: 0x04)).contains("membrane payload of 3 bytes"))

        let model = temporaryTracePath()
        try writeRandomSpikeTrace(path: model, widths: [8], timeSteps: 1, tokens: 1, seed: 3)
        let modelBytes = Array(try Data(contentsOf: URL(fileURLWithPath: model)))
        #expect(firstError(retyped(modelBytes, at: dataStart(modelBytes), to: 0x04)).contains("unknown block type 0x4"))
    }
}
