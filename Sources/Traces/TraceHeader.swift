import Foundation
import Mapping
import ModelShapes

/// What a trace holds: spikes already encoded, activations a replay encodes itself, or the
/// spikes and membranes of a generic network's run (version 2).
public enum TraceContent: String, Codable, Hashable, Sendable {
    case spikes, activations, network
}

/// The JSON header of a trace: the model, the stages every token's blocks follow, and how
/// the data was produced. See docs/trace-format.md for the byte layout around it.
///
/// A network trace (content `network`) has no model and no stages: its `streams` name the
/// population each block of a step belongs to, a "token" is one time step and T is 1.
public struct TraceHeader: Codable, Hashable, Sendable {
    /// The recorded model; a replay's mapping must have the same stage shapes. nil in network traces.
    public var spec: ModelSpec?
    /// Stages of one token in dataflow order (no `output` stage); empty in network traces.
    public var stages: [TraceStage]
    /// Network traces: the populations' spike and membrane streams of one step; empty otherwise.
    public var streams: [TraceStream]
    /// Network traces: the model time step of the run, in ns.
    public var dtNs: Double?
    public var content: TraceContent
    /// Encoder configuration (`ConfiguredEncoder(parsing:)` syntax) that produced the spikes,
    /// or, for activation traces, the one a replay uses unless told otherwise. Network traces:
    /// where the input spikes came from.
    public var encoder: String
    /// Time steps T of every spike block (for activations: the suggested encoder's T; networks: 1).
    public var timeSteps: Int
    /// Tokens (network: steps) written, or 0 when the writer streamed without knowing; the end block is authoritative.
    public var tokens: Int
    /// Free metadata: tool, model file, prompt, date, seed...
    public var provenance: [String: JSONValue]

    public init(spec: ModelSpec, stages: [TraceStage], content: TraceContent, encoder: String, timeSteps: Int,
                tokens: Int = 0, provenance: [String: JSONValue] = [:]) {
        self.spec = spec; self.stages = stages; self.streams = []; self.content = content; self.encoder = encoder
        self.timeSteps = timeSteps; self.tokens = tokens; self.provenance = provenance
    }

    /// The header of a network trace: `streams` per step, `steps` of `dtNs` each, input from `input`.
    public init(network streams: [TraceStream], dtNs: Double, steps: Int, input: String, provenance: [String: JSONValue] = [:]) {
        spec = nil; stages = []; self.streams = streams; self.dtNs = dtNs; content = .network; encoder = input
        timeSteps = 1; tokens = steps; self.provenance = provenance
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

    /// The recorded model's name, or the network trace's stand-in.
    public var modelName: String { spec?.name ?? "a network" }

    /// Blocks per token (network: per step).
    public var blocksPerToken: Int { content == .network ? streams.count : stages.count }

    /// Neurons of the block at `stage`: the stage's inputs, or the stream's population size.
    public func width(ofStage stage: Int) -> Int { content == .network ? streams[stage].neurons : stages[stage].inputs }

    /// How the block at `stage` is named in messages.
    public func name(ofStage stage: Int) -> String { content == .network ? streams[stage].description : stages[stage].description }

    /// Whether the blocks at `stage` hold spikes (else activations, or membranes in a network trace).
    public func holdsSpikes(stage: Int) -> Bool { content == .network ? streams[stage].record == .spikes : content == .spikes }

    /// Whether a block of `kind` belongs at `stage`: spike blocks in spike stages and streams, activation
    /// blocks in activation traces, membrane blocks in a network trace's membrane streams.
    func accepts(_ kind: TraceBlock.Kind, atStage stage: Int) -> Bool {
        switch kind {
        case .spikes: holdsSpikes(stage: stage)
        case .activations: content == .activations
        case .membranes: content == .network && !holdsSpikes(stage: stage)
        }
    }

    private enum CodingKeys: String, CodingKey { case spec, stages, streams, dtNs, content, encoder, timeSteps, tokens, provenance }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        content = try c.decode(TraceContent.self, forKey: .content)
        if content == .network {
            spec = nil; stages = []
            streams = try c.decode([TraceStream].self, forKey: .streams)
            dtNs = try c.decode(Double.self, forKey: .dtNs)
        } else {
            spec = try c.decode(ModelSpec.self, forKey: .spec)
            stages = try c.decode([TraceStage].self, forKey: .stages)
            streams = []
        }
        encoder = try c.decode(String.self, forKey: .encoder)
        timeSteps = try c.decode(Int.self, forKey: .timeSteps)
        tokens = try c.decode(Int.self, forKey: .tokens)
        provenance = try c.decodeIfPresent([String: JSONValue].self, forKey: .provenance) ?? [:]
    }

    /// Model traces keep version 1's keys exactly, so their files are unchanged.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(content, forKey: .content)
        if content == .network {
            try c.encode(streams, forKey: .streams)
            try c.encode(dtNs, forKey: .dtNs)
        } else {
            try c.encode(spec, forKey: .spec)
            try c.encode(stages, forKey: .stages)
        }
        try c.encode(self.encoder, forKey: .encoder)
        try c.encode(timeSteps, forKey: .timeSteps)
        try c.encode(tokens, forKey: .tokens)
        try c.encode(provenance, forKey: .provenance)
    }

    /// Checks the ranges readers rely on (docs/trace-format.md); returns what is wrong, or nil.
    func problem() -> String? {
        if content == .network { return networkProblem() }
        guard let spec else { return "the header has no model spec" }
        if !streams.isEmpty { return "a trace of \(content.rawValue) lists network streams" }
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

    private func networkProblem() -> String? {
        if spec != nil || !stages.isEmpty { return "a network trace has a model spec or stages" }
        if streams.isEmpty { return "the header lists no streams" }
        if streams.count > TraceFormat.maxStages { return "the header lists \(streams.count) streams, more than \(TraceFormat.maxStages)" }
        for (i, s) in streams.enumerated() where !(1...TraceFormat.maxInputs).contains(s.neurons) {
            return "stream \(i) (\(s.population)) has \(s.neurons) neurons; expected 1...\(TraceFormat.maxInputs)"
        }
        guard let dtNs, dtNs.isFinite, dtNs > 0 else { return "dtNs is \(dtNs.map { "\($0)" } ?? "missing"); expected a positive time step in ns" }
        if timeSteps != 1 { return "timeSteps is \(timeSteps); a network trace holds one step per block (1)" }
        if tokens < 0 { return "tokens (steps) is \(tokens); expected 0 (unknown) or more" }
        return nil
    }

    /// The JSON bytes a writer stores (sorted keys, so equal headers give equal files).
    func encoded() throws -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try e.encode(self))
    }
}
