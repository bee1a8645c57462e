import ModelShapes
import Foundation
import Testing
@testable import Models

@Suite struct GGUFFileTests {
    /// formats.gguf was written by the gguf package's GGUFWriter with one key of every value type.
    @Test func readsEveryMetadataTypeWrittenByTheReferenceWriter() throws {
        let file = try GGUFFile(path: Fixtures.reference("formats.gguf"))
        let expected = try #require(Fixtures.json("formats.json") as? [String: Any])
        let meta = try #require(expected["metadata"] as? [String: [String: Any]])
        #expect(file.version == 3)
        for (key, entry) in meta {
            let value = try #require(file.metadata[key], "missing \(key)")
            let type = try #require(entry["type"] as? String)
            let want = entry["value"]!
            switch value {
            case .array(let a):
                #expect(type == "ARRAY")
                switch a {
                case .int32(let v): #expect(v.map(Int.init) == (want as? [Int]))
                case .string(let v): #expect(v == (want as? [String]))
                case .float32(let v): #expect(v.map(Double.init) == (want as? [Double]))
                case .bool(let v): #expect(v == (want as? [Bool]))
                case .array(let inner): #expect(inner.map { $0.ints ?? [] } == (want as? [[Int]]))
                default: Issue.record("unexpected array type for \(key)")
                }
            case .string(let s): #expect(type == "STRING"); #expect(s == want as? String)
            case .bool(let b): #expect(type == "BOOL"); #expect(b == want as? Bool)
            case .float32, .float64:
                // Foundation's JSON parser may be off by an ulp on doubles.
                let want = try #require((want as? NSNumber)?.doubleValue)
                #expect(value.typeName == type); #expect(abs(value.double! - want) <= 1e-15 * abs(want))
            case .uint64(let u): #expect(type == "UINT64"); #expect(u == (want as? NSNumber)?.uint64Value)
            default: #expect(value.typeName == type); #expect(value.int == (want as? NSNumber)?.intValue, "\(key)")
            }
        }
    }

    @Test func tensorTableMatchesReferenceReader() throws {
        let file = try GGUFFile(path: Fixtures.reference("formats.gguf"))
        let expected = try #require(Fixtures.json("formats.json") as? [String: Any])
        let tensors = try #require(expected["tensors"] as? [[String: Any]])
        #expect(file.dataOffset == expected["dataOffset"] as? Int)
        #expect(file.tensors.map(\.name) == tensors.map { $0["name"] as! String })
        for (mine, ref) in zip(file.tensors, tensors) {
            #expect(mine.type.name == ref["type"] as? String)
            #expect(mine.shape == ref["shape"] as? [Int])
            #expect(mine.offset == ref["offset"] as? Int)
        }
        #expect(file.missingDataBytes == 0)
    }

    /// v2 and v3 share the layout (v3 only added big-endian files), so a v2 copy must read identically.
    @Test func readsVersion2AndRejectsOtherVersions() throws {
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.reference("formats.gguf"))))
        let v3 = try GGUFFile(path: Fixtures.reference("formats.gguf"))
        bytes[4] = 2
        let v2 = try Fixtures.gguf(bytes)
        #expect(v2.version == 2)
        #expect(v2.metadata == v3.metadata)
        #expect(v2.tensors == v3.tensors)
        bytes[4] = 4
        #expect(throws: ModelError.unsupportedVersion(4)) { try Fixtures.gguf(bytes) }
        bytes[4] = 1
        #expect(throws: ModelError.unsupportedVersion(1)) { try Fixtures.gguf(bytes) }
        bytes.replaceSubrange(4..<8, with: [0, 0, 0, 3])  // a big-endian file's version
        let error = #expect(throws: ModelError.self) { try Fixtures.gguf(bytes) }
        guard case .malformed(let message)? = error, message.contains("big-endian") else {
            Issue.record("got \(String(describing: error))"); return
        }
    }

    @Test func valueSummaries() {
        #expect(GGUFValue.uint64(18_000_000_000_000_000_000).summary == "18000000000000000000")
        #expect(GGUFValue.int8(-3).summary == "-3")
        #expect(GGUFValue.array(.string(["a", "b"])).summary == "[STRING × 2]")
        #expect(GGUFValue.string(String(repeating: "x", count: 100)).summary.hasSuffix("(100 bytes)"))
        #expect(GGUFValue.float32(0.5).double == 0.5 && GGUFValue.uint64(.max).int == nil)
    }

    @Test func smolLM2Spec() throws {
        let file = try Fixtures.smol()
        let spec = try ModelSpec(gguf: file)
        #expect(spec.architecture == "llama")
        let shape: [Int] = [spec.layers, spec.hidden, spec.ffn, spec.heads, spec.kvHeads, spec.vocabulary, spec.contextLength]
        #expect(shape == [30, 576, 1536, 9, 3, 49152, 8192])
        #expect(spec.tiedEmbeddings)
        #expect(file.tensors.count == 272)
        #expect(file.missingDataBytes == 0)
        #expect(Set(file.tensors.map(\.type.name)) == ["Q4_1", "Q8_0", "F32"])
    }

    /// The 7B part's header describes all 339 tensors; its data stops inside output.weight.
    @Test func qwen7BPartialFileHeaderMatchesReference() throws {
        let file = try Fixtures.qwen()
        let ref = try #require(Fixtures.json("qwen7b.header.json") as? [String: Any])
        let tensors = try #require(ref["tensors"] as? [[String: Any]])
        #expect(file.fileSize == ref["fileSize"] as? Int)
        #expect(file.dataOffset == ref["dataOffset"] as? Int)
        #expect(file.tensors.count == 339)
        #expect(file.tensors.map(\.name) == tensors.map { $0["name"] as! String })
        for (mine, r) in zip(file.tensors, tensors) {
            #expect(mine.type.name == r["type"] as? String && mine.shape == r["shape"] as? [Int]
                    && mine.offset == r["offset"] as? Int && mine.byteCount == r["bytes"] as? Int, "\(mine.name)")
        }
        let expectedMissing = tensors.reduce(0) { acc, t in
            let offset = t["offset"] as! Int, end = offset + (t["bytes"] as! Int)
            return acc + max(0, end - max(offset, file.fileSize))
        }
        #expect(file.missingDataBytes == expectedMissing)
        #expect(file.missingDataBytes > 4_000_000_000)
        let output = try #require(file.tensor(named: "output.weight"))
        #expect(throws: ModelError.missingTensorData(tensor: "output.weight", end: output.end, fileSize: file.fileSize)) {
            _ = try file.data(of: output)
        }
        #expect(throws: ModelError.self) { _ = try LanguageModel(gguf: file) }
    }

    /// The built-in SpikingBrain-7B spec must have its base model's shape. Attention kinds and
    /// the name are SpikingBrain's own (hybrid linear/sliding-window), not in a Qwen2 header.
    @Test func spikingBrainSpecEqualsTheQwen7BHeader() throws {
        var fromHeader = try ModelSpec(gguf: Fixtures.qwen())
        #expect(fromHeader.architecture == "qwen2")
        #expect(fromHeader.attention == Array(repeating: .full, count: 28))
        fromHeader.name = ModelSpec.spikingBrain7B.name
        fromHeader.attention = ModelSpec.spikingBrain7B.attention
        fromHeader.slidingWindow = ModelSpec.spikingBrain7B.slidingWindow
        #expect(fromHeader == ModelSpec.spikingBrain7B)
    }
}
