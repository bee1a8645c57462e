import Foundation
import Mapping
import ModelShapes

/// What a trace holds: spikes already encoded, or activations a replay encodes itself.
public enum TraceContent: String, Codable, Hashable, Sendable {
    case spikes, activations
}

/// The JSON header of a trace: the model, the stages every token's blocks follow, and how
/// the data was produced. See docs/trace-format.md for the byte layout around it.
public struct TraceHeader: Codable, Hashable, Sendable {
    /// The recorded model; a replay's mapping must have the same stage shapes.
    public var spec: ModelSpec
    /// Stages of one token in dataflow order (no `output` stage).
    public var stages: [TraceStage]
    public var content: TraceContent
    /// Encoder configuration (`ConfiguredEncoder(parsing:)` syntax) that produced the spikes,
    /// or, for activation traces, the one a replay uses unless told otherwise.
    public var encoder: String
    /// Time steps T of every spike block (for activations: the suggested encoder's T).
    public var timeSteps: Int
    /// Tokens written, or 0 when the writer streamed without knowing; the end block is authoritative.
    public var tokens: Int
    /// Free metadata: tool, model file, prompt, date, seed...
    public var provenance: [String: JSONValue]

    public init(spec: ModelSpec, stages: [TraceStage], content: TraceContent, encoder: String, timeSteps: Int,
                tokens: Int = 0, provenance: [String: JSONValue] = [:]) {
        self.spec = spec; self.stages = stages; self.content = content; self.encoder = encoder
        self.timeSteps = timeSteps; self.tokens = tokens; self.provenance = provenance
    }

    /// The header of a trace recorded from a run of `mapping`: its stages, minus `output`.
    public init(mapping: ChipMapping, content: TraceContent, encoder: String, timeSteps: Int, tokens: Int = 0,
                provenance: [String: JSONValue] = [:]) {
        self.init(spec: mapping.spec, stages: Self.stages(of: mapping), content: content, encoder: encoder,
                  timeSteps: timeSteps, tokens: tokens, provenance: provenance)
    }

    /// The stages of `mapping` that drive crossbars, as a trace lists them.
    public static func stages(of mapping: ChipMapping) -> [TraceStage] {
        mapping.stages.filter { $0.kind != .output }.map(TraceStage.init)
    }

    private enum CodingKeys: String, CodingKey { case spec, stages, content, encoder, timeSteps, tokens, provenance }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        spec = try c.decode(ModelSpec.self, forKey: .spec)
        stages = try c.decode([TraceStage].self, forKey: .stages)
        content = try c.decode(TraceContent.self, forKey: .content)
        encoder = try c.decode(String.self, forKey: .encoder)
        timeSteps = try c.decode(Int.self, forKey: .timeSteps)
        tokens = try c.decode(Int.self, forKey: .tokens)
        provenance = try c.decodeIfPresent([String: JSONValue].self, forKey: .provenance) ?? [:]
    }

    /// Checks the ranges readers rely on (docs/trace-format.md); returns what is wrong, or nil.
    func problem() -> String? {
        if let p = spec.shapeProblem { return "the model spec is not a valid shape: \(p)" }
        if stages.isEmpty { return "the header lists no stages" }
        if stages.count > TraceFormat.maxStages { return "the header lists \(stages.count) stages, more than \(TraceFormat.maxStages)" }
        for (i, s) in stages.enumerated() {
            if !(1...TraceFormat.maxInputs).contains(s.inputs) {
                return "stage \(i) has \(s.inputs) inputs; expected 1...\(TraceFormat.maxInputs)"
            }
            if s.layer < 0 || s.layer > spec.layers { return "stage \(i) has layer \(s.layer); expected 0…\(spec.layers) (the spec's layers, the head last)" }
        }
        if !(1...TraceFormat.maxTimeSteps).contains(timeSteps) { return "timeSteps is \(timeSteps); expected 1...\(TraceFormat.maxTimeSteps)" }
        if tokens < 0 { return "tokens is \(tokens); expected 0 (unknown) or more" }
        return nil
    }

    /// The JSON bytes a writer stores (sorted keys, so equal headers give equal files).
    func encoded() throws -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try e.encode(self))
    }
}
