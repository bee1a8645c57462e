/// The shape of a decoder-only transformer LLM: everything the mapper and the baselines
/// need to know about a model without its weights.
public struct ModelSpec: Sendable, Hashable, Codable {
    /// The attention a layer uses; SpikingBrain interleaves linear and sliding-window attention.
    public enum Attention: String, Sendable, Hashable, Codable {
        /// Softmax attention over the whole context (Llama, Qwen2).
        case full
        /// Softmax attention over the last `slidingWindow` positions.
        case slidingWindow = "sliding_window"
        /// Linear attention with a fixed-size recurrent state per head.
        case linear
    }

    /// Human-readable name, e.g. "SpikingBrain-7B".
    public var name: String
    /// Architecture family as GGUF names it ("llama", "qwen2").
    public var architecture: String
    public var layers: Int
    public var hidden: Int
    /// Intermediate size of the SwiGLU FFN.
    public var ffn: Int
    public var heads: Int
    public var kvHeads: Int
    public var vocabulary: Int
    /// Maximum context length the model was trained for.
    public var contextLength: Int
    /// Whether the LM head shares the embedding matrix.
    public var tiedEmbeddings: Bool
    /// Attention kind per layer (count == layers).
    public var attention: [Attention]
    /// Window of sliding-window layers, in positions.
    public var slidingWindow: Int

    public init(name: String, architecture: String, layers: Int, hidden: Int, ffn: Int, heads: Int, kvHeads: Int,
                vocabulary: Int, contextLength: Int, tiedEmbeddings: Bool, attention: [Attention]? = nil,
                slidingWindow: Int = 4096) {
        self.name = name; self.architecture = architecture; self.layers = layers; self.hidden = hidden; self.ffn = ffn
        self.heads = heads; self.kvHeads = kvHeads; self.vocabulary = vocabulary; self.contextLength = contextLength
        self.tiedEmbeddings = tiedEmbeddings
        self.attention = attention ?? Array(repeating: .full, count: layers)
        self.slidingWindow = slidingWindow
    }

    /// Dimension of one attention head.
    public var headDim: Int { hidden / heads }
    /// Width of the K and V projections.
    public var kvDim: Int { kvHeads * headDim }

    /// The linear projections of one layer, in dataflow order.
    public enum Projection: String, CaseIterable, Sendable, Hashable, Codable {
        case q, k, v, o, gate, up, down
    }

    /// Input and output width of a projection (rows = inputs, columns = outputs).
    public func shape(of p: Projection) -> (inputs: Int, outputs: Int) {
        switch p {
        case .q: (hidden, hidden)
        case .k, .v: (hidden, kvDim)
        case .o: (hidden, hidden)
        case .gate, .up: (hidden, ffn)
        case .down: (ffn, hidden)
        }
    }

    /// Weights of all linear projections of one layer.
    public var parametersPerLayer: Int {
        Projection.allCases.reduce(0) { let s = shape(of: $1); return $0 + s.inputs * s.outputs }
    }

    /// Multiply-accumulates per decoded token in linear layers and the LM head (attention excluded).
    public var linearMACsPerToken: Int { layers * parametersPerLayer + hidden * vocabulary }

    /// Multiply-accumulates per token in softmax attention (QKᵀ and AV) at a context of `context` positions.
    public func attentionMACsPerToken(context: Int) -> Int {
        attention.reduce(0) { acc, kind in
            switch kind {
            case .full: acc + 2 * heads * headDim * context
            case .slidingWindow: acc + 2 * heads * headDim * min(context, slidingWindow)
            case .linear: acc + 2 * heads * headDim * headDim
            }
        }
    }

    /// SpikingBrain-7B (BICLab, arXiv 2509.05276, Section 3): the Qwen2.5-7B shape
    /// (28 layers, hidden 3584, FFN 18944, 28 query / 4 KV heads, vocabulary 152064,
    /// untied embeddings) with linear and sliding-window (4K) attention interleaved 1:1.
    public static let spikingBrain7B = ModelSpec(
        name: "SpikingBrain-7B", architecture: "qwen2", layers: 28, hidden: 3584, ffn: 18944, heads: 28, kvHeads: 4,
        vocabulary: 152064, contextLength: 131072, tiedEmbeddings: false,
        attention: (0..<28).map { $0 % 2 == 0 ? .linear : .slidingWindow }, slidingWindow: 4096)
}

extension ModelSpec {
    /// Largest shapes SpikeChip accepts from a file (GGUF, trace header): beyond every published
    /// LLM, small enough that nothing sized by them overflows or exhausts memory.
    public static let maxLayers = 1024
    public static let maxWidth = 1 << 20
    public static let maxVocabulary = 1 << 24
    public static let maxContextLength = 1 << 30

    /// What is wrong with this shape, or nil: every file reader checks it before anything is sized by it.
    public var shapeProblem: String? {
        func within(_ v: Int, _ limit: Int) -> Bool { (1...limit).contains(v) }
        guard within(layers, Self.maxLayers) else { return "\(layers) layers; expected 1…\(Self.maxLayers)" }
        guard within(hidden, Self.maxWidth), within(ffn, Self.maxWidth) else {
            return "hidden \(hidden), FFN \(ffn); each must be 1…\(Self.maxWidth)"
        }
        guard within(heads, hidden), within(kvHeads, heads), hidden % heads == 0, heads % kvHeads == 0 else {
            return "\(heads) heads and \(kvHeads) KV heads for hidden \(hidden); heads must divide hidden and KV heads must divide heads"
        }
        guard within(vocabulary, Self.maxVocabulary) else { return "vocabulary \(vocabulary); expected 1…\(Self.maxVocabulary)" }
        guard within(contextLength, Self.maxContextLength), slidingWindow >= 1 else {
            return "context length \(contextLength), sliding window \(slidingWindow); expected 1…\(Self.maxContextLength) and at least 1"
        }
        guard attention.count == layers else { return "\(attention.count) attention kinds for \(layers) layers" }
        return nil
    }
}
