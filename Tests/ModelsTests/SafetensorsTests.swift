import Foundation
import Testing
@testable import Models

@Suite struct SafetensorsTests {
    static let dir = Fixtures.referenceDir.appendingPathComponent("safetensors")

    @Test func readsF32F16AndBF16() throws {
        let file = try SafetensorsFile(path: Fixtures.reference("safetensors/formats.safetensors"))
        let expected = try #require(Fixtures.json("safetensors/formats.json") as? [String: [Double]])
        #expect(Set(file.tensors.keys) == Set(expected.keys))
        #expect(file.metadata == ["format": "pt"])
        for (name, values) in expected {
            // Compared as Float: the values are floats, and Foundation's JSON doubles can be an ulp off.
            #expect(Array(try file.floats(name)) == values.map { Float($0) }, "\(name)")
        }
        #expect(file.tensors["c.bf16"]?.shape == [2, 2, 4])
    }

    /// A sharded Hugging Face checkpoint of SmolLM2's first two layers (Q/K rows in Hugging
    /// Face order, rotate-half RoPE) must give the logits NumPy computes with the GGUF layout.
    @Test func shardedCheckpointForwardMatchesReference() throws {
        let path = try Fixtures.reference("safetensors/smollm2-2layer/config.json")
        let model = try LanguageModel(safetensorsDirectory: URL(fileURLWithPath: path).deletingLastPathComponent().path)
        #expect(model.spec.layers == 2 && model.spec.tiedEmbeddings && model.tokenizer == nil)
        #expect(model.config.ropeStyle == .halves)
        let expected = try Fixtures.floats("safetensors/smollm2-2layer/logits.f32")
        var session = try model.makeSession(capacity: 8)
        let logits = try session.forward([504, 3575, 282, 4649, 314], allLogits: true)
        #expect(logits.count == expected.count)
        let scale = expected.map(abs).max()!
        let worst = zip(logits, expected).map { abs($0 - $1) }.max()! / scale
        #expect(worst < 1e-4)
    }

    /// Opens an edited copy of the fixture.
    static func openCorrupt(_ edit: (inout [UInt8]) -> Void) throws -> SafetensorsFile {
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.reference("safetensors/formats.safetensors"))))
        edit(&bytes)
        return try Fixtures.withTemporaryFile(bytes, name: "model.safetensors") { try SafetensorsFile(path: $0) }
    }

    @Test func rejectsHostileHeaders() throws {
        // Header length larger than the file.
        #expect(throws: ModelError.self) { try Self.openCorrupt { $0.replaceSubrange(0..<8, with: [0, 0, 0, 0, 0, 0, 1, 0]) } }
        // Truncated data: the last tensor's range runs past the end.
        let error = #expect(throws: ModelError.self) { try Self.openCorrupt { $0.removeLast(4) } }
        guard case .missingTensorData? = error else { Issue.record("got \(String(describing: error))"); return }
        // A header that is not JSON.
        #expect(throws: ModelError.self) { try Self.openCorrupt { $0[8] = UInt8(ascii: "!") } }
    }

    @Test func unsupportedArchitectureInConfig() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(#"{"model_type": "mamba"}"#.utf8).write(to: dir.appendingPathComponent("config.json"))
        #expect(throws: ModelError.unsupportedArchitecture("mamba", supported: ["llama", "qwen2"])) {
            try LanguageModel(safetensorsDirectory: dir.path)
        }
    }
}
