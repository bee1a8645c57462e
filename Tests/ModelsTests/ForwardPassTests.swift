import Foundation
import Testing
@testable import Models

/// The dense SmolLM2 forward pass against a NumPy whole-sequence implementation (no KV
/// cache) over the gguf package's dequantized weights.
@Suite struct ForwardPassTests {
    static func model() throws -> LanguageModel { try Fixtures.smolModel.get() }
    static func reference() throws -> [String: Any] { try #require(Fixtures.json("forward.json") as? [String: Any]) }

    /// max |a - b| over max |b|, per position.
    static func relativeError(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Float {
        let scale = b.map(abs).max() ?? 1
        return zip(a, b).map { abs($0 - $1) }.max()! / scale
    }

    static func argmax(_ x: ArraySlice<Float>) -> Int { x.indices.max { x[$0] < x[$1] }! - x.startIndex }

    @Test func promptLogitsMatchReference() throws {
        let model = try Self.model()
        let ref = try Self.reference()
        let prompt = (ref["promptIds"] as! [Int]).map(Int32.init)
        #expect(model.tokenizer?.encode(ref["prompt"] as! String) == prompt)
        let expected = try Fixtures.floats("forward.logits.f32")
        var session = try model.makeSession(capacity: 64)
        let logits = try session.forward(prompt, allLogits: true)
        let vocab = model.spec.vocabulary
        #expect(logits.count == expected.count)
        var worst: Float = 0
        for t in 0..<prompt.count {
            let mine = logits[(t * vocab)..<((t + 1) * vocab)], theirs = expected[(t * vocab)..<((t + 1) * vocab)]
            worst = max(worst, Self.relativeError(mine, theirs))
            #expect(Self.argmax(mine) == Self.argmax(theirs))
        }
        print("SmolLM2 logits max relative error vs NumPy: \(worst)")
        #expect(worst < 1e-4)
    }

    /// Prefill the prompt, then decode one token at a time through the KV cache.
    @Test func greedyTokensMatchReference() throws {
        let model = try Self.model()
        let ref = try Self.reference()
        var session = try model.makeSession(capacity: 64)
        var logits = try session.forward((ref["promptIds"] as! [Int]).map(Int32.init))
        var generated: [Int] = []
        for _ in 0..<(ref["greedy"] as! [Int]).count {
            let next = Self.argmax(logits[...])
            generated.append(next)
            logits = try session.forward([Int32(next)])
        }
        #expect(generated == ref["greedy"] as! [Int])
    }

    @Test func perplexityWithinOnePercent() throws {
        let model = try Self.model()
        let ref = try Self.reference()
        let ids = (ref["paragraphIds"] as! [Int]).map(Int32.init)
        var session = try model.makeSession(capacity: ids.count)
        let logits = try session.forward(ids, allLogits: true)
        let vocab = model.spec.vocabulary
        var nll: Double = 0
        for t in 0..<(ids.count - 1) {
            let row = logits[(t * vocab)..<((t + 1) * vocab)].map(Double.init)
            let m = row.max()!
            nll += log(row.reduce(0) { $0 + exp($1 - m) }) + m - row[Int(ids[t + 1])]
        }
        let perplexity = exp(nll / Double(ids.count - 1))
        let expected = ref["perplexity"] as! Double
        print("SmolLM2 perplexity: \(perplexity) (NumPy \(expected))")
        #expect(abs(perplexity - expected) / expected < 0.01)
    }

    /// Token-by-token decoding through the cache equals one batched prefill.
    @Test func kvCacheDecodingEqualsPrefill() throws {
        let model = try Self.model()
        let tokens: [Int32] = [504, 3575, 282, 4649, 314, 7042]
        var batched = try model.makeSession(capacity: 8)
        let all = try batched.forward(tokens, allLogits: true)
        var stepwise = try model.makeSession(capacity: 8)
        let vocab = model.spec.vocabulary
        for (t, token) in tokens.enumerated() {
            let one = try stepwise.forward([token])
            #expect(Self.relativeError(one[...], all[(t * vocab)..<((t + 1) * vocab)]) < 1e-5)
        }
        #expect(stepwise.count == tokens.count)
    }

    /// Every projection's input is reported once per layer and position, with its width, and
    /// q's input really is what q multiplies: W_q · input reproduces a hand-checked dot product.
    @Test func observerSeesEveryProjectionInput() throws {
        let model = try Self.model()
        var seen: [String: Int] = [:]
        var firstQInput: [Float] = []
        var session = try model.makeSession(capacity: 4)
        _ = try session.forward([504, 3575]) { layer, projection, position, input in
            seen["\(layer).\(projection).\(position)", default: 0] += 1
            let s = model.spec.shape(of: projection)
            #expect(input.count == s.inputs)
            if layer == 0, projection == .q, position == 0 { firstQInput = Array(input) }
        }
        #expect(seen.count == model.spec.layers * 7 * 2 && seen.values.allSatisfy { $0 == 1 })
        // Layer 0's q input at position 0 is the RMS-normed embedding of token 504.
        let embedding = try Fixtures.smol().dequantize(try #require(Fixtures.smol().tensor(named: "token_embd.weight")),
                                                       rows: 504..<505)
        let norm = model.layers[0].attentionNorm
        let rms = Float((embedding.reduce(0.0) { $0 + Double($1 * $1) } / Double(embedding.count) + 1e-5).squareRoot())
        for i in 0..<embedding.count {
            #expect(abs(firstQInput[i] - embedding[i] / rms * norm[i]) <= 1e-5 * max(1, abs(firstQInput[i])))
        }
    }

    /// The Qwen2 path (q/k/v biases, rotate-half RoPE, untied head) on a random 2-layer model
    /// the gguf package wrote: whole-sequence NumPy logits against ours, batched and stepwise.
    @Test func tinyQwen2MatchesReference() throws {
        let file = try GGUFFile(path: Fixtures.reference("tiny-qwen2.gguf"))
        #expect(file.alignment == 256 && file.dataOffset % 256 == 0 && file.tensors.allSatisfy { $0.offset % 256 == 0 })
        let model = try LanguageModel(gguf: file)
        #expect(model.spec.architecture == "qwen2" && !model.spec.tiedEmbeddings && model.tokenizer == nil)
        #expect(model.config.ropeStyle == .halves && model.bias(layer: 1, projection: .k)?.count == model.spec.kvDim)
        #expect(model.bias(layer: 0, projection: .o) == nil)
        let tokens: [Int32] = [1, 5, 299, 42, 7, 100, 13]
        let expected = try Fixtures.floats("tiny-qwen2.logits.f32")
        var batched = try model.makeSession(capacity: 16)
        let all = try batched.forward(tokens, allLogits: true)
        #expect(Self.relativeError(all[...], expected[...]) < 1e-5)
        var stepwise = try model.makeSession(capacity: 16)
        let vocab = model.spec.vocabulary
        for (t, token) in tokens.enumerated() {
            let row = try stepwise.forward([token])
            #expect(Self.relativeError(row[...], expected[(t * vocab)..<((t + 1) * vocab)]) < 1e-5)
        }
    }

    /// The weights the mapper reads are the file's tensors, outputs × inputs.
    @Test func weightAccessorReturnsDequantizedTensor() throws {
        let model = try Self.model()
        let down = try #require(model.weight(layer: 3, projection: .down))
        #expect(down.outputs == 576 && down.inputs == 1536)
        #expect(Fixtures.firstBitMismatch(down.values, try Fixtures.floats("smollm2.blk.3.ffn_down.weight.f32")) == nil)
        let q = try #require(model.weight(layer: 0, projection: .q))
        #expect(Fixtures.firstBitMismatch(q.values, try Fixtures.floats("smollm2.blk.0.attn_q.weight.f32")) == nil)
        #expect(q[output: 1, input: 2] == q.values[576 + 2])
    }

    @Test func rejectsBadTokensAndOverflowingTheCache() throws {
        let model = try Self.model()
        var session = try model.makeSession(capacity: 2)
        #expect(throws: ModelError.self) { _ = try session.forward([49152]) }
        #expect(throws: ModelError.self) { _ = try session.forward([-1]) }
        _ = try session.forward([1, 2])
        #expect(throws: ModelError.self) { _ = try session.forward([3]) }
        #expect(throws: ModelError.self) { _ = try model.makeSession(capacity: 0) }
    }
}
