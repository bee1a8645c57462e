/// Element-wise and memory work of an LLM outside its linear projections: norms, RoPE,
/// attention scores and values (or the linear-attention state), softmax, SiLU gating,
/// residual adds, the KV cache and the final argmax.
///
/// One description serves both sides of a comparison: the spiking chip's function units
/// (which add their own reductions and encoders) and the dense baselines (which do exactly
/// this work), so both are charged for the same operations.
public struct OperationCounts: Sendable, Hashable {
    public var adds = 0
    public var multiplies = 0
    public var exps = 0
    public var divides = 0
    public var rsqrts = 0
    public var compares = 0
    /// Bytes of KV cache, recurrent state or embeddings read and written (FP16 values).
    public var bytesRead = 0
    public var bytesWritten = 0

    public init() {}

    /// The parts of a decoder layer (and of the head) in the order a token passes them.
    public enum Part: Sendable, Hashable, CaseIterable {
        /// Embedding row (layer 0) or residual add, then RMSNorm: the input of q, k, v.
        case attentionInput
        /// RoPE, attention over the positions seen (or the linear-attention state): the input of o.
        case attentionOutput
        /// Residual add and RMSNorm: the input of gate and up.
        case ffnInput
        /// SiLU(gate) · up: the input of down.
        case ffnOutput
        /// Residual add and the final RMSNorm: the input of the LM head.
        case lmHeadInput
        /// Argmax over the logits (greedy decoding).
        case output
    }

    /// The work of `part` of `layer` for the token at `position` (positions already cached).
    public static func model(_ spec: ModelSpec, part: Part, layer: Int, position: Int) -> OperationCounts {
        var w = OperationCounts()
        let h = spec.hidden
        switch part {
        case .attentionInput:
            if layer == 0 { w.bytesRead += 2 * h } else { w.adds += h } // FP16 embedding row, or residual add
            w.rmsNorm(h)
        case .attentionOutput:
            w.attention(spec: spec, layer: layer, position: position)
        case .ffnInput, .lmHeadInput:
            w.adds += h
            w.rmsNorm(h)
        case .ffnOutput:
            // SiLU(gate) · up = gate / (1 + exp(−gate)) · up
            w.exps += spec.ffn; w.adds += spec.ffn; w.divides += spec.ffn; w.multiplies += spec.ffn
        case .output:
            w.compares += spec.vocabulary
        }
        return w
    }

    /// A whole token's work: every part of the first `layers` layers, and the head's parts
    /// when `head` (final norm and argmax).
    public static func token(_ spec: ModelSpec, layers: Int, head: Bool, position: Int) -> OperationCounts {
        var w = OperationCounts()
        for layer in 0..<layers {
            for part in [Part.attentionInput, .attentionOutput, .ffnInput, .ffnOutput] {
                w += model(spec, part: part, layer: layer, position: position)
            }
        }
        if head {
            w += model(spec, part: .lmHeadInput, layer: layers, position: position)
            w += model(spec, part: .output, layer: layers, position: position)
        }
        return w
    }

    /// RMSNorm: square and sum, one reciprocal square root, scale and weight.
    public mutating func rmsNorm(_ n: Int) {
        multiplies += 3 * n; adds += n; rsqrts += 1
    }

    /// RoPE, then softmax attention over the positions the layer sees, or the linear-attention state update.
    public mutating func attention(spec: ModelSpec, layer: Int, position: Int) {
        let d = spec.headDim, kv = spec.kvDim
        multiplies += 2 * (spec.hidden + kv); adds += spec.hidden + kv // RoPE on q and k
        switch spec.attention[layer] {
        case .full, .slidingWindow:
            let seen = spec.attention[layer] == .full ? position + 1 : min(position + 1, spec.slidingWindow)
            multiplies += 2 * spec.heads * d * seen; adds += 2 * spec.heads * d * seen // QKᵀ and AV
            exps += spec.heads * seen; adds += spec.heads * seen; divides += spec.heads * seen // softmax
            bytesWritten += 2 * kv * 2 // new K and V in FP16
            bytesRead += 2 * kv * seen * 2 // K and V of every position seen
        case .linear:
            // State S (d×d per KV head): S += k vᵀ, o = q S; read and written every token.
            multiplies += 2 * spec.heads * d * d; adds += 2 * spec.heads * d * d
            bytesRead += spec.kvHeads * d * d * 2; bytesWritten += spec.kvHeads * d * d * 2
        }
    }

    public static func += (a: inout OperationCounts, b: OperationCounts) {
        a.adds += b.adds; a.multiplies += b.multiplies; a.exps += b.exps; a.divides += b.divides
        a.rsqrts += b.rsqrts; a.compares += b.compares; a.bytesRead += b.bytesRead; a.bytesWritten += b.bytesWritten
    }
}
