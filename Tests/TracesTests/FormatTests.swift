import Foundation
import SimKernel
import Testing
@testable import Traces

@Suite("Trace format")
struct FormatTests {
    /// Bit-by-bit CRC-32/ISO-HDLC, an independent reference for the sliced implementation.
    private func referenceCRC(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 == 1 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
        }
        return ~c
    }

    @Test("CRC32 has zlib's check value and agrees with a bitwise reference at every length and split")
    func crc() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([]) == 0)
        var rng = SplitMix64(seed: 3)
        for n in 0..<80 {
            let bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            #expect(CRC32.checksum(bytes) == referenceCRC(bytes))
            let cut = n / 3
            let split = bytes.withUnsafeBytes { CRC32.update(CRC32.update(0, UnsafeRawBufferPointer(rebasing: $0[0..<cut])), UnsafeRawBufferPointer(rebasing: $0[cut...])) }
            #expect(split == referenceCRC(bytes))
        }
    }

    @Test("the worked example of docs/trace-format.md is written byte for byte")
    func workedExample() throws {
        let path = temporaryTracePath()
        let writer = try TraceWriter(path: path, header: header(widths: [10], timeSteps: 2))
        try writer.append(token: 0, stage: 0, spikes: SpikeBlock(steps: [[(3, 1), (4, -1), (9, 3)], []]))
        try writer.finish()
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let offsets = blockOffsets(bytes)
        #expect(offsets.count == 2)
        let block: [UInt8] = [0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0x06, 0, 0, 0, 0x03, 0x0C, 0x01, 0x12, 0x06, 0x00, 0x22, 0x11, 0xD4, 0xB2]
        let end: [UInt8] = [0x45, 1, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x79, 0x42, 0x07, 0x97]
        #expect(Array(bytes[offsets[0]..<offsets[1]]) == block)
        #expect(Array(bytes[offsets[1]...]) == end)
        #expect(Array(bytes[0..<10]) == Array("SPKTRACE".utf8) + [1, 0])
    }

    @Test("gaps and amplitudes at varint boundaries take the documented number of bytes")
    func varintSizes() throws {
        // (spike list, expected payload of a one-step block)
        let cases: [([(Int32, Int8)], [UInt8])] = [
            ([(31, 1)], [1, 124]),                 // gap 31 << 2 = 124: one byte
            ([(32, -1)], [1, 0x81, 0x01]),         // 129: two bytes
            ([(0, 2)], [1, 2, 4]),                 // code 2, zigzag(2) = 4
            ([(0, -2)], [1, 2, 3]),                // zigzag(-2) = 3
            ([(1, 127)], [1, 6, 0xFE, 0x01]),      // gap 1, zigzag(127) = 254
            ([(0, -127), (1, 1)], [2, 2, 0xFD, 0x01, 0]),
            ([], [0]),
        ]
        for (spikes, expected) in cases {
            var payload: [UInt8] = []
            try SpikePayload.encode(SpikeBlock(steps: [spikes.map { (neuron: $0.0, amplitude: $0.1) }]), inputs: 1000, into: &payload)
            #expect(payload == expected)
            var decoded = SpikeBlock()
            try payload.withUnsafeBytes { try SpikePayload.decode($0, steps: 1, inputs: 1000, into: &decoded) }
            #expect(decoded == SpikeBlock(steps: [spikes.map { (neuron: $0.0, amplitude: $0.1) }]))
        }
    }

    @Test("malformed payloads are rejected with the offending byte", arguments: [
        ([1, 3] as [UInt8], 2, "code 3"),              // spike code 3
        ([1, 0x80, 0x00], 2, "non-canonical"),         // varint ending in a zero byte
        ([1, 40], 2, "outside"),                       // neuron 10 of 10 inputs
        ([1, 2, 2], 3, "outside ±2"),                  // amplitude +1 coded long
        ([11], 1, "claims 11 spikes"),                 // more spikes than inputs
        ([1, 0, 0], 2, "follow the last step"),        // trailing byte
        ([2, 0], 2, "ends inside a step"),             // second spike missing
        ([1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], 6, "longer than 5"),
    ])
    func malformed(payload: [UInt8], offset: Int, message: String) {
        var block = SpikeBlock()
        let result = payload.withUnsafeBytes { p in
            Result { () throws(PayloadError) in try SpikePayload.decode(p, steps: 1, inputs: 10, into: &block) }
        }
        guard case .failure(let error) = result else { Issue.record("accepted \(payload)"); return }
        #expect(error.offset == offset)
        #expect(error.message.contains(message), "\(error.message)")
    }

    #if arch(x86_64) || arch(arm64)
    @Test("float16 conversion agrees with Swift's Float16 on every pattern and on random floats")
    func halfFloat() {
        for h in 0...UInt16.max {
            let ours = HalfFloat.float(h), reference = Float(Float16(bitPattern: h))
            #expect(ours.bitPattern == reference.bitPattern || (ours.isNaN && reference.isNaN))
        }
        var rng = SplitMix64(seed: 11)
        var specials: [Float] = [0, -0, 65504, 65520, 65519.99, 1e-8, -3e-8, 5.96e-8, 2.98e-8, 2.9802322e-8, .infinity, -.infinity, 1e10, 6.1035156e-5, 6.1e-5]
        for _ in 0..<20000 { specials.append(Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())) ) }
        for _ in 0..<20000 { specials.append(Float(rng.nextUnit() * 200 - 100)) }
        for f in specials where !f.isNaN {
            #expect(HalfFloat.bits(f) == Float16(f).bitPattern, "\(f)")
        }
        #expect(HalfFloat.float(HalfFloat.bits(.nan)).isNaN)
    }
    #endif
}
