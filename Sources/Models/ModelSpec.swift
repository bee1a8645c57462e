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
