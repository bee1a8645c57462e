import Foundation
import Testing
@testable import Models

@Suite struct TokenizerTests {
    struct Case { let text: String; let ids: [Int32]; let decoded: String }

    static func cases(_ model: String) throws -> (pre: String, cases: [Case]) {
        let all = try #require(Fixtures.json("tokens.json") as? [String: [String: Any]])
        let entry = try #require(all[model])
        let list = try #require(entry["cases"] as? [[String: Any]])
        return (entry["pre"] as! String, list.map {
            Case(text: $0["text"] as! String, ids: ($0["ids"] as! [Int]).map(Int32.init), decoded: $0["decoded"] as! String)
        })
    }

    /// Ids equal Hugging Face `tokenizers` built from the same GGUF vocabulary and merges.
    @Test(arguments: [("smollm2", Fixtures.smolPath), ("qwen7b", Fixtures.qwenPath)])
    func idsMatchReferenceTokenizer(model: String, path: String) throws {
        let tokenizer = try BPETokenizer(gguf: GGUFFile(path: Fixtures.require(path)))
        let (pre, cases) = try Self.cases(model)
        #expect(tokenizer.preTokenizer.name == pre)
        for c in cases {
            #expect(tokenizer.encode(c.text) == c.ids, "\(model): \(c.text.debugDescription)")
            #expect(tokenizer.decode(c.ids) == c.decoded)
        }
    }

    /// The GPT-2 and Llama 3 splitting rules, checked with the SmolLM2 vocabulary and merges.
    @Test(arguments: ["gpt2", "llama-bpe"])
    func otherPreTokenizersMatchReference(pre: String) throws {
        let gguf = try Fixtures.smol()
        let tokenizer = try BPETokenizer(
            tokens: #require(gguf.metadata["tokenizer.ggml.tokens"]?.array?.strings),
            merges: #require(gguf.metadata["tokenizer.ggml.merges"]?.array?.strings),
            tokenTypes: #require(gguf.metadata["tokenizer.ggml.token_type"]?.array?.ints),
            preTokenizer: PreTokenizer(name: pre), bosID: 1, eosID: 2, addBOS: false)
        for c in try Self.cases("smollm2-\(pre)").cases {
            #expect(tokenizer.encode(c.text) == c.ids, "\(pre): \(c.text.debugDescription)")
        }
    }

    @Test func bosFollowsMetadata() throws {
        let smol = try BPETokenizer(gguf: Fixtures.smol())
        #expect(!smol.addBOS)
        #expect(smol.encodeForModel("Hello") == smol.encode("Hello"))
        let qwen = try BPETokenizer(gguf: Fixtures.qwen())
        #expect(qwen.addBOS && qwen.bosID == 151646 && qwen.eosID == 151643)
        #expect(qwen.encodeForModel("Hello") == [151646] + qwen.encode("Hello"))
    }

    /// Byte-level BPE is lossless: any text, including invalid-looking mixes, decodes back.
    @Test func roundTripsSeededRandomText() throws {
        let tokenizer = try BPETokenizer(gguf: Fixtures.smol())
        var rng = SplitMix64(seed: 42)
        let alphabet = Array("aZ 09\n\t'.,!?é日🎉<|im_end|>  ".unicodeScalars)
        for _ in 0..<50 {
            var text = String.UnicodeScalarView()
            for _ in 0..<Int(rng.next() % 40) { text.append(alphabet[Int(rng.next() % UInt64(alphabet.count))]) }
            let string = String(text)
            #expect(tokenizer.decode(tokenizer.encode(string)) == string)
        }
    }

    @Test func unknownPreTokenizerIsAnError() {
        #expect(throws: ModelError.self) { try PreTokenizer(name: "no-such-model") }
    }
}

/// A tiny deterministic generator for seeded test inputs.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
