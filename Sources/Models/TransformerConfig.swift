/// The numerical details of a Llama/Qwen2 decoder beyond its shape.
public struct TransformerConfig: Sendable, Hashable {
    /// How rotary embeddings pair the dimensions of a head.
    public enum RoPEStyle: String, Sendable, Hashable {
        /// Adjacent pairs (2i, 2i+1): ggml's "normal" mode, used by GGUF Llama files, whose Q/K
        /// weights the converter permuted for it.
        case adjacentPairs
        /// Pairs (i, i + d/2): Hugging Face's rotate_half ("NeoX"), used by Qwen2 and by
        /// unconverted Llama safetensors.
        case halves
    }

    /// Epsilon added to the mean square in RMSNorm.
    public var rmsEpsilon: Float
    /// RoPE frequency base (theta).
    public var ropeBase: Double
    /// How RoPE pairs head dimensions.
    public var ropeStyle: RoPEStyle

    /// A configuration from its parts.
    public init(rmsEpsilon: Float, ropeBase: Double, ropeStyle: RoPEStyle) {
        self.rmsEpsilon = rmsEpsilon; self.ropeBase = ropeBase; self.ropeStyle = ropeStyle
    }
}
