import Mapping
import ModelShapes
import Models

/// Every crossbar weight of a model: the seven projections of each layer and the LM head,
/// quantized to the mapped precision. What the chip stores; the closed loop integrates
/// spikes through it.
public struct CrossbarModel: Sendable {
    public let spec: ModelSpec
    /// Bits of a signed weight.
    public let bits: Int
    /// Indexed `layer * 7 + projection` (`ModelSpec.Projection.allCases` order).
    public let projections: [CrossbarWeights]
    public let head: CrossbarWeights

    /// Quantizes a loaded model's dense weights, per output row.
    /// - Throws: `MappingError.invalidOption` for a model without dense weights or an unsupported precision.
    public init(quantizing model: LanguageModel, bits: Int) throws {
        var projections: [CrossbarWeights] = []
        for l in 0..<model.spec.layers {
            for p in ModelSpec.Projection.allCases {
                guard let w = model.weight(layer: l, projection: p) else {
                    throw MappingError.invalidOption("\(model.spec.name) has no dense weights to quantize (layer \(l) \(p.rawValue))")
                }
                projections.append(try CrossbarWeights(quantizing: w, bits: bits))
            }
        }
        guard let head = model.head else { throw MappingError.invalidOption("\(model.spec.name) has no dense LM head to quantize") }
        self.spec = model.spec; self.bits = bits; self.projections = projections
        self.head = try CrossbarWeights(quantizing: head, bits: bits)
    }

    /// Seeded synthetic weights of the spec's shapes with standard deviation `std` (0.02 is
    /// the initialisation scale of Llama/Qwen2). `progress` receives (matrices done, total).
    public init(synthetic spec: ModelSpec, bits: Int, std: Float = 0.02, seed: UInt64, progress: ((Int, Int) -> Void)? = nil) throws {
        let total = spec.layers * ModelSpec.Projection.allCases.count + 1
        var projections: [CrossbarWeights] = []
        projections.reserveCapacity(total - 1)
        for l in 0..<spec.layers {
            for (k, p) in ModelSpec.Projection.allCases.enumerated() {
                let s = spec.shape(of: p)
                projections.append(try CrossbarWeights(syntheticInputs: s.inputs, outputs: s.outputs, bits: bits, std: std,
                                                       seed: seed &+ UInt64(l * 8 + k + 1) &* 0x2545_F491_4F6C_DD1D))
                progress?(projections.count, total)
            }
        }
        self.spec = spec; self.bits = bits; self.projections = projections
        head = try CrossbarWeights(syntheticInputs: spec.hidden, outputs: spec.vocabulary, bits: bits, std: std, seed: seed ^ 0xD1B5_4A32_D192_ED03)
        progress?(total, total)
    }

    /// The crossbars of one weight-stationary product.
    public func weights(_ layer: LinearLayer) -> CrossbarWeights {
        switch layer {
        case .projection(let l, let p): projections[l * ModelSpec.Projection.allCases.count + ModelSpec.Projection.allCases.firstIndex(of: p)!]
        case .head: head
        }
    }

    /// Bytes of crossbar storage (levels and scales).
    public var bytes: Int { (projections + [head]).reduce(0) { $0 + $1.levels.count + 4 * $1.scales.count } }
}
