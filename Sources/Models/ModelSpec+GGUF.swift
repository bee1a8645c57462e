import ModelShapes

extension ModelSpec {
    /// Architectures whose GGUF tensors and metadata this module understands.
    public static let supportedArchitectures = ["llama", "qwen2"]

    /// The spec a GGUF header describes. Throws `unsupportedArchitecture` for families other
    /// than Llama and Qwen2 (their tensor sets and attention differ), listing the supported ones.
    ///
    /// The vocabulary is `<arch>.vocab_size` when present, else the tokenizer's token count;
    /// embeddings are tied when the file has no separate `output.weight`. Every layer is
    /// reported as full attention because that is what these base architectures use.
    public init(gguf: GGUFFile) throws {
        let arch = try gguf.string("general.architecture")
        guard ModelSpec.supportedArchitectures.contains(arch) else {
            throw ModelError.unsupportedArchitecture(arch, supported: ModelSpec.supportedArchitectures)
        }
        let vocabulary: Int
        if let v = gguf.metadata["\(arch).vocab_size"]?.int {
            vocabulary = v
        } else if let tokens = gguf.metadata["tokenizer.ggml.tokens"]?.array {
            vocabulary = tokens.count
        } else if let embedding = gguf.tensor(named: "token_embd.weight"), embedding.shape.count == 2 {
            vocabulary = embedding.shape[1]
        } else {
            throw ModelError.missingMetadata("\(arch).vocab_size")
        }
        let heads = try gguf.int("\(arch).attention.head_count")
        let layers = try gguf.int("\(arch).block_count")
        let hidden = try gguf.int("\(arch).embedding_length")
        let kvHeads = gguf.metadata["\(arch).attention.head_count_kv"]?.int ?? heads
        // Checked before the spec sizes anything (its attention list has one entry per layer).
        guard (1...ModelSpec.maxLayers).contains(layers), hidden > 0, heads > 0, kvHeads > 0, hidden % heads == 0, heads % kvHeads == 0 else {
            throw ModelError.malformed("inconsistent shape: \(layers) layers, hidden \(hidden), \(heads) heads, \(kvHeads) KV heads")
        }
        let name = gguf.metadata["general.name"]?.string ?? gguf.metadata["general.basename"]?.string ?? arch
        self.init(name: name, architecture: arch, layers: layers, hidden: hidden,
                  ffn: try gguf.int("\(arch).feed_forward_length"), heads: heads, kvHeads: kvHeads,
                  vocabulary: vocabulary, contextLength: try gguf.int("\(arch).context_length"),
                  tiedEmbeddings: gguf.tensor(named: "output.weight") == nil)
        if let problem = shapeProblem { throw ModelError.malformed("inconsistent shape: \(problem)") }
    }
}
