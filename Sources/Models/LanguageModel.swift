import ModelShapes

/// A loaded Llama/Qwen2 model with dense Float weights: the dense reference every spiking
/// result is compared against. Weights are dequantized once at load (OpenBLAS multiplies
/// Floats); the source file stays memory-mapped, never copied whole.
public struct LanguageModel: Sendable {
    /// Shape of the model.
    public let spec: ModelSpec
    /// Norm epsilon and rotary embedding details.
    public let config: TransformerConfig
    /// Present for GGUF files whose metadata carries a vocabulary; nil otherwise (safetensors).
    public let tokenizer: BPETokenizer?

    struct Layer: Sendable {
        var attentionNorm: ContiguousArray<Float>
        var ffnNorm: ContiguousArray<Float>
        /// Indexed like `ModelSpec.Projection.allCases`; nil in a synthetic model, whose
        /// projections exist only as crossbar weights.
        var projections: [WeightMatrix?]
        var biases: [ContiguousArray<Float>?]
    }

    /// vocabulary × hidden.
    let embedding: WeightMatrix
    let outputNorm: ContiguousArray<Float>
    /// vocabulary × hidden; shares the embedding's storage when tied; nil in a synthetic model.
    public let head: WeightMatrix?
    let layers: [Layer]

    /// Dense weights of one projection (row-major, outputs × inputs); nil in a synthetic model.
    public func weight(layer: Int, projection: ModelSpec.Projection) -> WeightMatrix? {
        layers[layer].projections[ModelSpec.Projection.allCases.firstIndex(of: projection)!]
    }

    /// The projection's bias (Qwen2 has them on q, k, v), or nil.
    public func bias(layer: Int, projection: ModelSpec.Projection) -> ContiguousArray<Float>? {
        layers[layer].biases[ModelSpec.Projection.allCases.firstIndex(of: projection)!]
    }

    /// GGUF tensor name of a projection in layer `layer`.
    static func ggufName(_ p: ModelSpec.Projection, layer: Int) -> String {
        let base: String = switch p {
        case .q: "attn_q"
        case .k: "attn_k"
        case .v: "attn_v"
        case .o: "attn_output"
        case .gate: "ffn_gate"
        case .up: "ffn_up"
        case .down: "ffn_down"
        }
        return "blk.\(layer).\(base)"
    }

    /// Loads a Llama or Qwen2 GGUF file. Fails before dequantizing anything if a tensor is
    /// missing, misshapen, of an unsupported type, or lies past the end of the file.
    public init(gguf: GGUFFile) throws {
        let spec = try ModelSpec(gguf: gguf)
        let arch = spec.architecture
        let ropeDims = gguf.metadata["\(arch).rope.dimension_count"]?.int ?? spec.headDim
        guard ropeDims == spec.headDim else {
            throw ModelError.malformed("partial rotary embedding (\(ropeDims) of \(spec.headDim) dimensions) is not supported")
        }
        let config = TransformerConfig(
            rmsEpsilon: Float(gguf.metadata["\(arch).attention.layer_norm_rms_epsilon"]?.double ?? 1e-5),
            ropeBase: gguf.metadata["\(arch).rope.freq_base"]?.double ?? 10000,
            ropeStyle: arch == "llama" ? .adjacentPairs : .halves)
        // Validate every tensor before the first (large) dequantization.
        var plan: [(GGUFTensorInfo, [Int])] = []
        for (name, shape, required) in LanguageModel.tensorPlan(spec) {
            guard let info = gguf.tensor(named: name) else {
                if required { throw ModelError.missingTensor(name) }
                continue
            }
            guard info.shape == shape else { throw ModelError.shapeMismatch(tensor: name, expected: shape, found: info.shape) }
            guard info.type.isDequantizable else { throw ModelError.unsupportedTensorType(tensor: name, type: info.type.name) }
            guard gguf.isComplete(info) else {
                throw ModelError.missingTensorData(tensor: name, end: info.end, fileSize: gguf.fileSize)
            }
            plan.append((info, shape))
        }
        let tensors = Dictionary(uniqueKeysWithValues: try plan.map { ($0.0.name, try gguf.dequantize($0.0)) })
        let tokenizer = gguf.metadata["tokenizer.ggml.tokens"] == nil ? nil : try BPETokenizer(gguf: gguf)
        try self.init(spec: spec, config: config, tokenizer: tokenizer) { name, _ in tensors[name] }
    }

    /// Every tensor a model of this spec uses, by GGUF name, with its ggml shape and whether it is required.
    static func tensorPlan(_ spec: ModelSpec) -> [(name: String, shape: [Int], required: Bool)] {
        var plan: [(String, [Int], Bool)] = [
            ("token_embd.weight", [spec.hidden, spec.vocabulary], true),
            ("output_norm.weight", [spec.hidden], true),
            ("output.weight", [spec.hidden, spec.vocabulary], !spec.tiedEmbeddings),
        ]
        for l in 0..<spec.layers {
            plan.append(("blk.\(l).attn_norm.weight", [spec.hidden], true))
            plan.append(("blk.\(l).ffn_norm.weight", [spec.hidden], true))
            for p in ModelSpec.Projection.allCases {
                let s = spec.shape(of: p)
                plan.append((ggufName(p, layer: l) + ".weight", [s.inputs, s.outputs], true))
                plan.append((ggufName(p, layer: l) + ".bias", [s.outputs], false))
            }
        }
        return plan
    }

    /// Assembles a model from dequantized tensors looked up by GGUF name (`fetch` returns nil
    /// for an absent tensor and receives the ggml shape it must have).
    init(spec: ModelSpec, config: TransformerConfig, tokenizer: BPETokenizer?,
         fetch: (String, [Int]) throws -> ContiguousArray<Float>?) throws {
        func optional(_ name: String, _ shape: [Int]) throws -> ContiguousArray<Float>? {
            guard let values = try fetch(name, shape) else { return nil }
            guard values.count == shape.reduce(1, *) else {
                throw ModelError.shapeMismatch(tensor: name, expected: shape, found: [values.count])
            }
            return values
        }
        func required(_ name: String, _ shape: [Int]) throws -> ContiguousArray<Float> {
            guard let values = try optional(name, shape) else { throw ModelError.missingTensor(name) }
            return values
        }
        self.spec = spec
        self.config = config
        self.tokenizer = tokenizer
        embedding = try WeightMatrix(outputs: spec.vocabulary, inputs: spec.hidden,
                                     values: required("token_embd.weight", [spec.hidden, spec.vocabulary]))
        outputNorm = try required("output_norm.weight", [spec.hidden])
        head = try spec.tiedEmbeddings ? embedding : WeightMatrix(
            outputs: spec.vocabulary, inputs: spec.hidden, values: required("output.weight", [spec.hidden, spec.vocabulary]))
        layers = try (0..<spec.layers).map { l in
            Layer(attentionNorm: try required("blk.\(l).attn_norm.weight", [spec.hidden]),
                  ffnNorm: try required("blk.\(l).ffn_norm.weight", [spec.hidden]),
                  projections: try ModelSpec.Projection.allCases.map { p in
                      let s = spec.shape(of: p)
                      return try WeightMatrix(outputs: s.outputs, inputs: s.inputs,
                                              values: required(LanguageModel.ggufName(p, layer: l) + ".weight", [s.inputs, s.outputs]))
                  },
                  biases: try ModelSpec.Projection.allCases.map { p in
                      try optional(LanguageModel.ggufName(p, layer: l) + ".bias", [spec.shape(of: p).outputs])
                  })
        }
    }

    /// The weights the forward pass needs besides its linear products, drawn from a seeded
    /// generator at the spec's shapes: embedding rows uniform with standard deviation
    /// `embeddingStd` (0.02 is the initialisation scale of Llama/Qwen2), unit norm gains.
    /// Projections and the LM head are left to a spiking backend (`DenseBackend` refuses
    /// them), so a 7B-shaped model costs only its embedding here.
    public static func synthetic(spec: ModelSpec, seed: UInt64, embeddingStd: Float = 0.02) throws -> LanguageModel {
        let ones = ContiguousArray<Float>(repeating: 1, count: spec.hidden)
        let embedding = try WeightMatrix(outputs: spec.vocabulary, inputs: spec.hidden,
                                         values: SeededUniform.values(count: spec.vocabulary * spec.hidden, std: embeddingStd, seed: seed))
        let layers = (0..<spec.layers).map { _ in
            Layer(attentionNorm: ones, ffnNorm: ones,
                  projections: Array(repeating: nil, count: ModelSpec.Projection.allCases.count),
                  biases: Array(repeating: nil, count: ModelSpec.Projection.allCases.count))
        }
        return LanguageModel(spec: spec, config: TransformerConfig(rmsEpsilon: 1e-6, ropeBase: 1_000_000, ropeStyle: .halves),
                             tokenizer: nil, embedding: embedding, outputNorm: ones, head: nil, layers: layers)
    }

    private init(spec: ModelSpec, config: TransformerConfig, tokenizer: BPETokenizer?, embedding: WeightMatrix,
                 outputNorm: ContiguousArray<Float>, head: WeightMatrix?, layers: [Layer]) {
        self.spec = spec; self.config = config; self.tokenizer = tokenizer; self.embedding = embedding
        self.outputNorm = outputNorm; self.head = head; self.layers = layers
    }

    /// A fresh inference session (KV cache) holding up to `capacity` positions.
    public func makeSession(capacity: Int) throws -> InferenceSession {
        try InferenceSession(model: self, capacity: capacity)
    }
}
