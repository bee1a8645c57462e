import ModelShapes

/// One weight-stationary product of a model: a projection of a layer, or the LM head.
public enum LinearLayer: Hashable, Sendable {
    case projection(layer: Int, ModelSpec.Projection)
    case head
}

/// Carries out a model's weight-stationary products, the part of a forward pass a
/// neuromorphic chip moves onto crossbars. The forward pass (`InferenceSession`) keeps
/// everything else (norms, RoPE, attention, SiLU, residual adds) and asks its backend for
/// every linear product, so the dense reference and a spiking chip run the same dataflow
/// and differ only where the chip differs.
///
/// Calls arrive in dataflow order, and projections that share an input arrive one after
/// the other with the same input (q, k, v; gate, up), so a backend that encodes its input
/// can encode once per shared input.
public protocol LinearBackend {
    /// `out` (rows × outputs) = `input` (rows × inputs) · Wᵀ, or `out` += that when `accumulate`
    /// (the residual adds after o and down). Biases are added by the caller.
    mutating func multiply(_ input: UnsafeBufferPointer<Float>, rows: Int, by layer: LinearLayer,
                           into out: UnsafeMutableBufferPointer<Float>, accumulate: Bool) throws
}

/// The dense reference: FP32 weights, every product in OpenBLAS (sgemv for one row, sgemm otherwise).
public struct DenseBackend: LinearBackend {
    public let model: LanguageModel

    public init(model: LanguageModel) { self.model = model }

    public mutating func multiply(_ input: UnsafeBufferPointer<Float>, rows: Int, by layer: LinearLayer,
                                  into out: UnsafeMutableBufferPointer<Float>, accumulate: Bool) throws {
        let weights: WeightMatrix?
        switch layer {
        case .projection(let l, let p): weights = model.weight(layer: l, projection: p)
        case .head: weights = model.head
        }
        guard let weights else {
            throw ModelError.malformed("\(model.spec.name) has no dense weights for \(layer) (a synthetic model "
                + "generated for a chip); run it on a spiking backend, or load a model file for the dense reference")
        }
        weights.multiply(input, rows: rows, into: out, accumulate: accumulate)
    }
}
