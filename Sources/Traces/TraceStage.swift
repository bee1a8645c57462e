import Mapping

/// One stage of a token's dataflow as a trace records it: which part of which layer, and
/// the width of its encoded input. The header lists them in dataflow order; a block's
/// stage number indexes that list.
public struct TraceStage: Codable, Hashable, Sendable, CustomStringConvertible {
    /// Never `.output` (it has no inputs, so no spikes).
    public var kind: Stage.Kind
    public var layer: Int
    public var inputs: Int

    public init(kind: Stage.Kind, layer: Int, inputs: Int) {
        self.kind = kind; self.layer = layer; self.inputs = inputs
    }

    /// The mapped stage's kind, layer and width.
    public init(_ stage: Stage) { self.init(kind: stage.kind, layer: stage.layer, inputs: stage.inputs) }

    private enum CodingKeys: String, CodingKey { case kind, layer, inputs }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let name = try c.decode(String.self, forKey: .kind)
        guard let kind = Stage.Kind(rawValue: name), kind != .output else {
            let allowed = Stage.Kind.allCases.filter { $0 != .output }.map(\.rawValue).joined(separator: ", ")
            throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "stage kind '\(name)' is not one of \(allowed)")
        }
        self.kind = kind
        layer = try c.decode(Int.self, forKey: .layer)
        inputs = try c.decode(Int.self, forKey: .inputs)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind.rawValue, forKey: .kind)
        try c.encode(layer, forKey: .layer)
        try c.encode(inputs, forKey: .inputs)
    }

    /// "layer 1 o, 576 inputs", as error messages and statistics name a stage.
    public var description: String { "layer \(layer) \(kind.rawValue), \(inputs) inputs" }
}
