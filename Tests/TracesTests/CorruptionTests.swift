import Foundation
import Testing
@testable import Traces

@Suite("Trace corruption and truncation")
struct CorruptionTests {
    private func smallFile() throws -> (path: String, bytes: [UInt8]) {
        let path = temporaryTracePath()
        try writeRandomSpikeTrace(path: path, widths: [9, 20], timeSteps: 2, tokens: 2, seed: 4)
        return (path, [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    /// Reads every block and decodes it; returns the completion or the error.
    private func readAll(_ path: String) -> Result<TraceCompletion, Error> {
        Result {
            let reader = try TraceReader(path: path)
            var block = SpikeBlock()
            while try reader.next() != nil { try reader.spikes(into: &block) }
            return reader.completion!
        }
    }

    @Test("flipping any byte is detected, and a damaged block is named with its offset")
    func everyByteFlipped() throws {
        let (_, bytes) = try smallFile()
        let offsets = blockOffsets(bytes)
        #expect(offsets.count == 5)
        let damaged = temporaryTracePath()
        for position in bytes.indices {
            for mask: UInt8 in [0x01, 0x80, 0xFF] {
                var copy = bytes
                copy[position] ^= mask
                try Data(copy).write(to: URL(fileURLWithPath: damaged))
                switch readAll(damaged) {
                case .success(let c):
                    Issue.record("flip \(mask) at \(position) undetected: \(c)")
                case .failure(let error):
                    guard let e = error as? TraceError else { Issue.record("\(error)"); continue }
                    if let k = offsets.lastIndex(where: { $0 <= position }) {
                        guard case let .corrupt(block, offset, _) = e else { Issue.record("byte \(position): \(e)"); continue }
                        #expect(block == k && offset == Int64(offsets[k]), "byte \(position): \(e)")
                    } else {
                        guard case .invalidHeader = e else { Issue.record("header byte \(position): \(e)"); continue }
                    }
                }
            }
        }
    }

    @Test("a checksum mismatch is reported as the issue words it")
    func message() throws {
        let (_, bytes) = try smallFile()
        let offsets = blockOffsets(bytes)
        var copy = bytes
        copy[offsets[2] + 14] ^= 0x10
        let damaged = temporaryTracePath()
        try Data(copy).write(to: URL(fileURLWithPath: damaged))
        guard case .failure(let e) = readAll(damaged) else { Issue.record("accepted"); return }
        #expect("\(e)" == "block 2 at byte \(offsets[2]): checksum mismatch (file corrupted)")
    }

    @Test("a file cut at any offset reads as a clean error or as its complete blocks, flagged truncated")
    func everyTruncation() throws {
        let (_, bytes) = try smallFile()
        let offsets = blockOffsets(bytes)
        let cut = temporaryTracePath()
        for length in 0...bytes.count {
            try Data(bytes[0..<length]).write(to: URL(fileURLWithPath: cut))
            let result = readAll(cut)
            if length == bytes.count {
                #expect((try? result.get()) == .complete(tokens: 2, blocks: 4))
            } else if length < offsets[0] {
                guard case .failure(let e) = result, case .invalidHeader = e as? TraceError else { Issue.record("length \(length): \(result)"); continue }
            } else {
                // Data blocks that end at or before the cut (block k ends where block k + 1 starts).
                let whole = offsets.indices.dropLast().filter { offsets[$0 + 1] <= length }.count
                let expected = TraceCompletion.truncated(offset: Int64(offsets[whole]), blocks: whole, tokens: whole / 2)
                #expect((try? result.get()) == expected, "length \(length)")
            }
        }
    }

    @Test("a hostile payload length is refused before anything is allocated")
    func hostileLength() throws {
        let (_, bytes) = try smallFile()
        let offsets = blockOffsets(bytes)
        var copy = bytes
        for i in 0..<4 { copy[offsets[1] + 9 + i] = 0xFF }
        let damaged = temporaryTracePath()
        try Data(copy).write(to: URL(fileURLWithPath: damaged))
        let reader = try TraceReader(path: damaged)
        _ = try reader.next()
        let capacity = reader.payloadCapacity
        #expect(throws: TraceError.self) { try reader.next() }
        #expect(reader.payloadCapacity == capacity && capacity < 1024)
    }

    @Test("files that are not traces, or of another version, are refused with the reason")
    func notATrace() throws {
        let (_, bytes) = try smallFile()
        let path = temporaryTracePath()
        func error(_ b: [UInt8]) -> String {
            try? Data(b).write(to: URL(fileURLWithPath: path))
            do { _ = try TraceReader(path: path); return "accepted" } catch { return "\(error)" }
        }
        #expect(error(Array("hello".utf8)).contains("only 5 bytes"))
        #expect(error(Array("GGUF".utf8) + bytes.dropFirst(4)).contains("does not start with SPKTRACE"))
        var v3 = bytes; v3[8] = 3
        #expect(error(v3).contains("version 3; this build reads versions 1 and 2"))
        // Version 2 is the network traces' version: a model trace under it is refused once its checksum holds.
        var v2 = bytes; v2[8] = 2
        let length = Int(v2[12]) | Int(v2[13]) << 8 | Int(v2[14]) << 16
        let crc = CRC32.checksum(Array(v2[0..<(16 + length)]))
        for i in 0..<4 { v2[16 + length + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        #expect(error(v2).contains("a version 2 trace cannot hold spikes"))
        #expect(error(Array(bytes[0..<40])).contains("ends inside its"))
        do { _ = try TraceReader(path: "/nonexistent.trace"); Issue.record("opened") } catch {
            #expect("\(error)".contains("cannot open"))
        }
    }

    @Test("a header whose model spec is not a shape (0 heads, a million layers) is refused before anything is sized by it")
    func impossibleSpecs() throws {
        var h = header(widths: [96, 96], timeSteps: 4)
        #expect(h.problem() == nil)
        h.spec!.heads = 0
        #expect(h.problem()?.contains("heads") == true)
        var deep = header(widths: [96, 96], timeSteps: 4)
        deep.spec!.layers = 1_000_000
        #expect(deep.problem()?.contains("1000000 layers") == true)
        var far = header(widths: [96, 96], timeSteps: 4)
        far.stages[1].layer = 99
        #expect(far.problem()?.contains("layer 99") == true)
    }
}
