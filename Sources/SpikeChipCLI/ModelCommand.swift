import SimKernel
import ArgumentParser
import Foundation
import ModelShapes
import Models

/// `spikechip model`: look inside a model file and run it densely — the baseline every
/// spiking run is judged against.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Inspect a GGUF model or run its dense reference forward pass.",
        subcommands: [Inspect.self, Generate.self])

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a model's architecture, tensors, parameter counts and MACs per token.")

        @Argument(help: "A .gguf file (a partial download can be inspected too) or a Hugging Face safetensors checkpoint directory.")
        var file: String

        @Flag(help: "Also print every metadata key.")
        var metadata = false

        @Option(help: "Context length for the attention MACs estimate.")
        var context = 1024

        func run() throws {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), isDirectory.boolValue {
                try inspectCheckpoint()
            } else {
                try inspectGGUF()
            }
        }

        private func inspectGGUF() throws {
            let gguf = try GGUFFile(path: file)
            print("File: \(file)")
            print("  GGUF v\(gguf.version), \(gguf.fileSize) bytes, \(gguf.keys.count) metadata keys, \(gguf.tensors.count) tensors, data at byte \(gguf.dataOffset) (alignment \(gguf.alignment))")
            if metadata {
                print("Metadata:")
                for key in gguf.keys { print("  \(key) [\(gguf.metadata[key]!.typeName)] = \(gguf.metadata[key]!.summary)") }
            }
            print("Tensors:")
            let width = gguf.tensors.map(\.name.count).max() ?? 0
            for t in gguf.tensors {
                let shape = t.shape.map(String.init).joined(separator: " × ")
                let flag = gguf.isComplete(t) ? "" : (t.offset >= gguf.fileSize ? "  MISSING" : "  PARTIAL")
                print("  \(ModelFormat.pad(t.name, width)) \(ModelFormat.pad(t.type.name, 7)) \(ModelFormat.pad(shape, 16)) \(t.byteCount) bytes\(flag)")
            }
            let vectors = gguf.tensors.filter { $0.shape.count == 1 }.reduce(0) { $0 + $1.elementCount }  // norms, biases
            printSpec(try ModelSpec(gguf: gguf), vectorParameters: vectors)
            if let tokens = gguf.metadata["tokenizer.ggml.tokens"]?.array {
                let meta = gguf.metadata
                print("Tokenizer: \(meta["tokenizer.ggml.model"]?.string ?? "?"), \(tokens.count) tokens, \(meta["tokenizer.ggml.merges"]?.array?.count ?? 0) merges, pre-tokenizer \(meta["tokenizer.ggml.pre"]?.string ?? "default"), BOS \(meta["tokenizer.ggml.bos_token_id"]?.int.map(String.init) ?? "none")\(meta["tokenizer.ggml.add_bos_token"]?.bool == true ? " (added)" : ""), EOS \(meta["tokenizer.ggml.eos_token_id"]?.int.map(String.init) ?? "none")")
            }
            let missing = gguf.missingDataBytes
            if missing > 0 {
                let incomplete = gguf.tensors.filter { !gguf.isComplete($0) }.count
                print("WARNING: tensor data past the file's end is missing: \(ModelFormat.grouped(missing)) bytes of \(incomplete) of \(gguf.tensors.count) tensors lie beyond the \(ModelFormat.grouped(gguf.fileSize))-byte file (a partial download or one part of a split model). It can be inspected but not run.")
            } else {
                print("Tensor data: complete")
            }
        }

        private func inspectCheckpoint() throws {
            let checkpoint = try SafetensorsCheckpoint(directory: file)
            let tensors = checkpoint.tensors
            print("Checkpoint: \(file)")
            print("  safetensors, \(checkpoint.files.count) file(s), \(tensors.count) tensors")
            print("Tensors:")
            let width = tensors.map(\.name.count).max() ?? 0
            for t in tensors {
                let shape = t.shape.map(String.init).joined(separator: " × ")
                print("  \(ModelFormat.pad(t.name, width)) \(ModelFormat.pad(t.dtype, 5)) \(ModelFormat.pad(shape, 16)) \(t.byteCount) bytes")
            }
            let vectors = tensors.filter { $0.shape.count == 1 }.reduce(0) { $0 + $1.elementCount }
            printSpec(checkpoint.spec, vectorParameters: vectors)
        }

        private func printSpec(_ spec: ModelSpec, vectorParameters: Int) {
            print("Architecture: \(spec.architecture) — \(spec.name)")
            print("  layers \(spec.layers), hidden \(spec.hidden), FFN \(spec.ffn), heads \(spec.heads), KV heads \(spec.kvHeads) (head dim \(spec.headDim)), vocabulary \(spec.vocabulary), context \(spec.contextLength), embeddings \(spec.tiedEmbeddings ? "tied" : "untied")")
            print("Parameters per projection (inputs × outputs × layers):")
            var linear = 0
            for p in ModelSpec.Projection.allCases {
                let s = spec.shape(of: p)
                let count = s.inputs * s.outputs * spec.layers
                linear += count
                print("  \(ModelFormat.pad(p.rawValue, 5)) \(s.inputs) × \(s.outputs) × \(spec.layers) = \(ModelFormat.grouped(count))")
            }
            let embedding = spec.hidden * spec.vocabulary
            print("  linear layers total \(ModelFormat.grouped(linear)); embedding \(ModelFormat.grouped(embedding)); LM head \(spec.tiedEmbeddings ? "tied to embedding" : ModelFormat.grouped(embedding))")
            print("  all parameters \(ModelFormat.grouped(linear + embedding * (spec.tiedEmbeddings ? 1 : 2) + vectorParameters))")
            print("MACs per token: \(ModelFormat.grouped(spec.linearMACsPerToken)) in linear layers and LM head; \(ModelFormat.grouped(spec.attentionMACsPerToken(context: context))) in attention at context \(context)")
        }
    }

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the dense FP32 forward pass (OpenBLAS, KV cache) and greedily continue a prompt.")

        @Argument(help: "A Llama or Qwen2 .gguf file, or a Hugging Face safetensors checkpoint directory.")
        var file: String

        @Option(help: "For a safetensors checkpoint: a GGUF file of the same model whose tokenizer to use.")
        var tokenizerFrom: String?

        @Option(help: "The text to continue.")
        var prompt: String

        @Option(help: "Maximum number of tokens to generate.")
        var maxTokens = 32

        @Flag(help: "Print the top-k next-token logits at every position.")
        var logits = false

        @Option(help: "How many candidates --logits prints per position.")
        var topK = 5

        func validate() throws {
            guard maxTokens >= 0 else { throw ValidationError("--max-tokens must be ≥ 0") }
            guard topK >= 1 else { throw ValidationError("--top-k must be ≥ 1") }
        }

        func run() throws {
            let clock = ContinuousClock()
            var model: LanguageModel!
            var isDirectory: ObjCBool = false
            let checkpoint = FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) && isDirectory.boolValue
            let loadTime = try clock.measure {
                model = try checkpoint ? LanguageModel(safetensorsDirectory: file) : LanguageModel(gguf: GGUFFile(path: file))
            }
            guard let tokenizer = try model.tokenizer ?? tokenizerFrom.map({ try BPETokenizer(gguf: GGUFFile(path: $0)) }) else {
                throw ValidationError("\(file) carries no tokenizer; pass --tokenizer-from with a GGUF file of the same model")
            }
            guard tokenizer.tokens.count <= model.spec.vocabulary else {
                throw ValidationError("the tokenizer has \(tokenizer.tokens.count) tokens but the model only \(model.spec.vocabulary)")
            }
            let ids = tokenizer.encodeForModel(prompt)
            guard !ids.isEmpty else { throw ValidationError("the prompt encodes to no tokens") }
            var session = try model.makeSession(capacity: min(model.spec.contextLength, ids.count + maxTokens))
            var rows = ContiguousArray<Float>()
            let prefill = try clock.measure { rows = try session.forward(ids, allLogits: logits) }
            let vocab = model.spec.vocabulary
            if logits {
                for t in 0..<ids.count { printTop(rows[(t * vocab)..<((t + 1) * vocab)], after: ids[t], tokenizer) }
            }
            var next = Int32(argmax(rows[((rows.count / vocab - 1) * vocab)...]))
            var generated: [Int32] = []
            let decode = try clock.measure {
                while generated.count < maxTokens, next != tokenizer.eosID {
                    generated.append(next)
                    guard generated.count < maxTokens else { break }
                    let row = try session.forward([next])
                    if logits { printTop(row[...], after: next, tokenizer) }
                    next = Int32(argmax(row[...]))
                }
            }
            print("Prompt: \(prompt)")
            print("Continuation: \(tokenizer.decode(generated))")
            let (load, prefillSeconds, decodeSeconds) = (loadTime.inSeconds, prefill.inSeconds, decode.inSeconds)
            print("Load: \(ModelFormat.fixed(load, 3)) s")
            print("Prefill: \(ids.count) tokens in \(ModelFormat.fixed(prefillSeconds, 3)) s (\(ModelFormat.fixed(Double(ids.count) / prefillSeconds, 1)) tokens/s)")
            let steps = max(generated.count - 1, 0)
            print("Decode: \(steps) tokens in \(ModelFormat.fixed(decodeSeconds, 3)) s (\(steps > 0 ? ModelFormat.fixed(Double(steps) / decodeSeconds, 1) : "–") tokens/s)")
        }

        private func printTop(_ row: ArraySlice<Float>, after token: Int32, _ tokenizer: BPETokenizer) {
            let top = row.indices.sorted { row[$0] > row[$1] }.prefix(topK)
            let text = top.map { "\(tokenizer.decode([Int32($0 - row.startIndex)]).debugDescription) \(ModelFormat.fixed(Double(row[$0]), 3))" }
            print("after \(tokenizer.decode([token]).debugDescription): \(text.joined(separator: ", "))")
        }
    }
}

/// Text formatting for the model commands (file-private helpers rather than extensions on
/// standard types, so they cannot collide with other CLI files).
private enum ModelFormat {
    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    /// 12,345,678 — counts of parameters are unreadable without separators.
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (value < 0 ? "-" : "") + out
    }


    static func fixed(_ value: Double, _ decimals: Int) -> String {
        let scale = (0..<decimals).reduce(1.0) { acc, _ in acc * 10 }
        var text = String((value * scale).rounded() / scale)
        if let dot = text.firstIndex(of: ".") {
            let have = text.distance(from: dot, to: text.endIndex) - 1
            if have < decimals { text += String(repeating: "0", count: decimals - have) }
        }
        return text
    }
}
