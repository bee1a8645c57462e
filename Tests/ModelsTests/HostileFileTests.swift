import ModelShapes
import Foundation
import Testing
@testable import Models

/// Corrupted copies of the real SmolLM2 header: each must be rejected with a clear error
/// before anything large is allocated (the counts checked are those that would allocate).
@Suite struct HostileFileTests {
    /// The real file's bytes up to the start of tensor data (~2 MB: metadata and tensor table).
    static func header() throws -> [UInt8] {
        let file = try Fixtures.smol()
        return [UInt8](file.file.bytes[0..<file.dataOffset])
    }

    static func offset(of needle: String, in bytes: [UInt8]) -> Int? {
        let n = Array(needle.utf8)
        return (0...(bytes.count - n.count)).first { bytes[$0..<$0 + n.count].elementsEqual(n) }
    }

    static func patch(_ bytes: inout [UInt8], at offset: Int, _ value: UInt64, width: Int = 8) {
        for i in 0..<width { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
    }

    static func open(_ bytes: [UInt8]) throws -> GGUFFile { try Fixtures.gguf(bytes) }

    @Test func wrongMagic() throws {
        var bytes = try Self.header()
        bytes[0] = UInt8(ascii: "X")
        let error = #expect(throws: ModelError.self) { try Self.open(bytes) }
        guard case .badMagic = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test(arguments: [0, 3, 20, 1000, 1_500_000])
    func truncatedHeader(length: Int) throws {
        let bytes = Array(try Self.header().prefix(length))
        let error = #expect(throws: ModelError.self) { try Self.open(bytes) }
        switch error {
        case .truncated?, .implausible?: break
        default: Issue.record("got \(String(describing: error))")
        }
    }

    @Test func absurdTensorAndMetadataCounts() throws {
        for offset in [8, 16] {  // tensor count, metadata count
            var bytes = try Self.header()
            Self.patch(&bytes, at: offset, 1 << 60)
            let error = #expect(throws: ModelError.self) { try Self.open(bytes) }
            guard case .implausible? = error else { Issue.record("got \(String(describing: error))"); continue }
        }
    }

    @Test func absurdArrayLength() throws {
        var bytes = try Self.header()
        let key = try #require(Self.offset(of: "tokenizer.ggml.tokens", in: bytes))
        // key bytes, value type (u32 ARRAY), element type (u32 STRING), then the u64 count.
        Self.patch(&bytes, at: key + 21 + 8, 1 << 58)
        let error = #expect(throws: ModelError.self) { try Self.open(bytes) }
        guard case .implausible? = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func absurdStringLength() throws {
        var bytes = try Self.header()
        let key = try #require(Self.offset(of: "general.architecture", in: bytes))
        Self.patch(&bytes, at: key + 20 + 4, 1 << 62)  // length of the value string "llama"
        let error = #expect(throws: ModelError.self) { try Self.open(bytes) }
        guard case .implausible? = error else { Issue.record("got \(String(describing: error))"); return }
    }

    /// The tensor table entry of token_embd.weight: name, n_dims, dims, type, offset.
    static func tensorEntry(_ bytes: [UInt8]) throws -> Int {
        let name = Array("token_embd.weight".utf8)
        // Search from the end: the table follows the metadata, which may mention the name too.
        let start = (0...(bytes.count - name.count)).reversed().first { bytes[$0..<$0 + name.count].elementsEqual(name) }
        return try #require(start) + name.count
    }

    @Test func absurdDimensionsAndDimensionCount() throws {
        var bytes = try Self.header()
        let entry = try Self.tensorEntry(bytes)
        Self.patch(&bytes, at: entry + 4 + 8, 1 << 40)  // second dimension
        var error = #expect(throws: ModelError.self) { try Self.open(bytes) }
        guard case .implausible? = error else { Issue.record("got \(String(describing: error))"); return }
        bytes = try Self.header()
        Self.patch(&bytes, at: entry, 1000, width: 4)  // n_dims
        error = #expect(throws: ModelError.self) { try Self.open(bytes) }
        guard case .implausible? = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func misalignedAndUnknownTypeTensors() throws {
        var bytes = try Self.header()
        let entry = try Self.tensorEntry(bytes)
        let offsetField = entry + 4 + 16 + 4
        Self.patch(&bytes, at: offsetField, 8)  // not a multiple of the 32-byte alignment
        var error = #expect(throws: ModelError.self) { try Self.open(bytes) }
        guard case .malformed(let message)? = error, message.contains("aligned") else {
            Issue.record("got \(String(describing: error))"); return
        }
        bytes = try Self.header()
        Self.patch(&bytes, at: entry + 4 + 16, 99, width: 4)  // ggml type id
        error = #expect(throws: ModelError.self) { try Self.open(bytes) }
        guard case .malformed? = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func overlappingTensorsAndDuplicateKeys() throws {
        var bytes = try Self.header()
        let entry = try Self.tensorEntry(bytes)
        Self.patch(&bytes, at: entry + 4 + 16 + 4, 32)  // token_embd now runs into the next tensor
        var error = #expect(throws: ModelError.self) { try Self.open(bytes) }
        guard case .malformed(let message)? = error, message.contains("overlap") else {
            Issue.record("got \(String(describing: error))"); return
        }
        bytes = try Self.header()
        let key = try #require(Self.offset(of: "general.type", in: bytes))
        bytes.replaceSubrange(key..<key + 12, with: Array("general.name".utf8))
        error = #expect(throws: ModelError.self) { try Self.open(bytes) }
        guard case .malformed(let message)? = error, message.contains("twice") else {
            Issue.record("got \(String(describing: error))"); return
        }
    }

    /// A file cut after its header opens (it can be inspected) but no model loads from it.
    @Test func dataPastTheEndIsReportedAndRefusedAtLoad() throws {
        let file = try Self.open(try Self.header())
        #expect(file.missingDataBytes == (try Fixtures.smol()).fileSize - file.dataOffset)
        let error = #expect(throws: ModelError.self) { try LanguageModel(gguf: file) }
        guard case .missingTensorData(_, _, let size)? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(size == file.fileSize)
        #expect(error?.description.contains("missing") == true)
    }

    @Test func unsupportedArchitectureNamesTheSupportedOnes() throws {
        var bytes = try Self.header()
        let key = try #require(Self.offset(of: "general.architecture", in: bytes))
        let value = key + 20 + 4 + 8
        #expect(bytes[value..<value + 5].elementsEqual(Array("llama".utf8)))
        bytes.replaceSubrange(value..<value + 5, with: Array("bloom".utf8))
        #expect(throws: ModelError.unsupportedArchitecture("bloom", supported: ["llama", "qwen2"])) {
            try ModelSpec(gguf: Self.open(bytes))
        }
        #expect(ModelError.unsupportedArchitecture("bloom", supported: ["llama", "qwen2"]).description
                == "unsupported architecture bloom; supported: llama, qwen2")
    }
}
