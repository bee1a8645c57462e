import Foundation
import Testing
@testable import Models

@Suite struct DequantizerTests {
    /// Every block type, from a file written by the gguf package (F16/BF16/Q8_0/Q4_0/Q4_1
    /// quantized by it; K-quants both as random blocks, which reach every bit pattern of the
    /// scales, and as blocks quantized from real SmolLM2 weights), against its NumPy
    /// dequantizers, bit for bit.
    @Test(arguments: ["f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "q4_k", "q5_k", "q6_k", "q4_k_real", "q5_k_real"])
    func fixtureTensorIsBitExact(name: String) throws {
        let file = try GGUFFile(path: Fixtures.reference("formats.gguf"))
        let tensor = try #require(file.tensor(named: name))
        #expect(name.hasPrefix(tensor.type.name.lowercased()))
        let expected = try Fixtures.floats("formats.\(name).f32")
        let mine = try file.dequantize(tensor)
        #expect(mine.count == tensor.elementCount && tensor.elementCount >= 2048)
        #expect(Fixtures.firstBitMismatch(mine, expected) == nil)
    }

    /// Real SmolLM2 tensors: Q4_1 projections, Q8_0 embeddings (first 64 rows), F32 norm.
    @Test(arguments: ["blk.0.attn_q.weight", "blk.3.ffn_down.weight", "token_embd.weight", "output_norm.weight"])
    func smolLM2TensorIsBitExact(name: String) throws {
        let file = try Fixtures.smol()
        let tensor = try #require(file.tensor(named: name))
        let expected = try Fixtures.floats("smollm2.\(name).f32")
        let rows = expected.count / tensor.shape[0]
        let mine = try file.dequantize(tensor, rows: 0..<rows)
        #expect(Fixtures.firstBitMismatch(mine, expected) == nil)
        #expect(expected.contains { $0 != 0 })
    }

    /// Real Q6_K blocks: the first 32 rows of the 7B model's output.weight, present in the partial file.
    @Test func realQ6KRowsOf7BAreBitExact() throws {
        let file = try Fixtures.qwen()
        let tensor = try #require(file.tensor(named: "output.weight"))
        #expect(tensor.type == .q6_K)
        let expected = try Fixtures.floats("qwen7b.output.weight.f32")
        let mine = try file.dequantize(tensor, rows: 0..<(expected.count / tensor.shape[0]))
        #expect(Fixtures.firstBitMismatch(mine, expected) == nil)
        // Rows past the end of the partial file are reported, not read.
        #expect(throws: ModelError.self) { _ = try file.dequantize(tensor, rows: 100_000..<100_001) }
    }

    @Test func halfPrecisionHandCases() {
        #expect(Half.toFloat(0x3C00) == 1)
        #expect(Half.toFloat(0xC000) == -2)
        #expect(Half.toFloat(0x7BFF) == 65504)
        #expect(Half.toFloat(0x0001) == 0x1p-24)  // smallest subnormal
        #expect(Half.toFloat(0x8000).bitPattern == (-0.0 as Float).bitPattern)
        #expect(Half.toFloat(0x7C00) == .infinity)
        #expect(Half.toFloat(0x7E00).isNaN)
    }

    #if !os(macOS)
    /// Every finite half against the standard library's Float16 conversion.
    @Test func halfPrecisionMatchesFloat16Exhaustively() {
        for bits in 0...UInt16.max {
            let reference = Float(Float16(bitPattern: bits))
            guard !reference.isNaN else { #expect(Half.toFloat(bits).isNaN); continue }
            #expect(Half.toFloat(bits).bitPattern == reference.bitPattern, "0x\(String(bits, radix: 16))")
        }
    }
    #endif

    @Test func rejectsUndecodableTypesAndWrongSizes() {
        var out = [Float](repeating: 0, count: 32)
        out.withUnsafeMutableBufferPointer { dst in
            let q5_0 = GGMLType(id: 6)!
            #expect(throws: ModelError.unsupportedTensorType(tensor: "t", type: "Q5_0")) {
                try Dequantizer.dequantize(q5_0, UnsafeRawBufferPointer(start: nil, count: 0), into: dst, tensor: "t")
            }
            let bytes = [UInt8](repeating: 0, count: 33)
            bytes.withUnsafeBytes { raw in
                _ = #expect(throws: ModelError.self) { try Dequantizer.dequantize(.q8_0, raw, into: dst, tensor: "t") }
            }
        }
    }
}
