/// One of the three encoders, chosen at run time from a configuration string, dispatched by
/// an enum switch (no existential in the per-layer encode path).
public enum ConfiguredEncoder: SpikeEncoder, Sendable {
    case spikingBrain(SpikingBrainEncoder)
    case sdllm(SDLLMEncoder)
    case spikeLLM(SpikeLLMEncoder)

    /// Parses `name[:key=value,...]`, e.g. `spikingbrain:k=3,T=4,coding=ternary`,
    /// `sdllm:bits=4,gamma=0.8,clip=4`, `spikellm:levels=4,T=2,salient_T=4,salient_fraction=0.01`.
    public init(parsing text: String) throws(NeuronParameterError) {
        let (name, parameters) = try parseConfiguration(text, what: "encoder", names: EncoderKind.allCases.map(\.rawValue))
        guard let kind = EncoderKind(rawValue: name.lowercased()) else {
            throw NeuronParameterError(parameter: "encoder", value: "'\(text)'",
                                       allowed: EncoderKind.allCases.map(\.rawValue).joined(separator: ", ") + " (optionally followed by :key=value,...)")
        }
        try self.init(kind: kind, parameters: parameters)
    }

    /// Builds the encoder from key/value parameters as found in a topology file or run
    /// configuration; absent keys take the model's defaults, unknown keys are an error.
    public init(kind: EncoderKind, parameters: [String: String]) throws(NeuronParameterError) {
        let reader = ParameterReader(parameters, allowed: kind.parameterKeys, family: kind.rawValue)
        try reader.rejectUnknownKeys()
        switch kind {
        case .spikingbrain:
            let k: Float? = try reader.value("k")
            let alpha: Float? = try reader.value("alpha")
            let threshold: SpikingBrainEncoder.Threshold
            var controller: FiringRateController?
            if let alpha {
                try NeuronParameterError.require(k == nil, "k", k ?? 0, "absent when alpha is given (α = 1/k)")
                threshold = .affine(vRest: try reader.value("v_rest") ?? 0, alpha: alpha, iRest: try reader.value("i_rest") ?? 0)
                if let target: Double = try reader.value("target_rate") {
                    controller = try FiringRateController(targetRate: target, gain: try reader.value("gain") ?? 0.5)
                } else if let gain = reader.text("gain") {
                    throw NeuronParameterError(parameter: "gain", value: gain, allowed: "only together with target_rate")
                }
            } else {
                for key in ["v_rest", "i_rest", "target_rate", "gain"] where reader.text(key) != nil {
                    throw NeuronParameterError(parameter: key, value: reader.text(key)!, allowed: "only together with alpha (the seed's threshold form)")
                }
                threshold = .meanAbs(k: k ?? 3)
            }
            let coding = try reader.text("coding").map { (s) throws(NeuronParameterError) in try SpikeCoding(parsing: s) }
            let roundingText = reader.text("rounding")
            var rounding = SpikingBrainEncoder.Rounding.nearest
            if let roundingText {
                switch roundingText.lowercased() {
                case "nearest", "round": rounding = .nearest
                case "floor", "towardzero": rounding = .towardZero
                default: throw NeuronParameterError(parameter: "rounding", value: roundingText, allowed: "nearest or floor")
                }
            }
            self = .spikingBrain(try SpikingBrainEncoder(threshold: threshold, rounding: rounding,
                                                         coding: coding ?? .bitwise(twosComplement: false),
                                                         steps: try reader.value("T") ?? 8,
                                                         adaptiveSteps: try reader.value("adaptive_T") ?? false,
                                                         controller: controller))
        case .sdllm:
            self = .sdllm(try SDLLMEncoder(bits: try reader.value("bits") ?? 4, gamma: try reader.value("gamma") ?? 1,
                                           clip: try reader.value("clip")))
        case .spikellm:
            let levels: Int = try reader.value("levels") ?? 4
            try NeuronParameterError.require(levels >= 2, "levels", levels, "2...128")
            let normal: Int = try reader.value("T") ?? 2
            self = .spikeLLM(try SpikeLLMEncoder(maxSpikesPerStep: levels - 1, normalSteps: normal,
                                                 salientSteps: try reader.value("salient_T") ?? 2 * normal,
                                                 salience: .topMagnitude(fraction: try reader.value("salient_fraction") ?? 0.01)))
        }
    }

    public var kind: EncoderKind {
        switch self {
        case .spikingBrain: .spikingbrain
        case .sdllm: .sdllm
        case .spikeLLM: .spikellm
        }
    }

    public var steps: Int {
        switch self {
        case .spikingBrain(let e): e.steps
        case .sdllm(let e): e.steps
        case .spikeLLM(let e): e.steps
        }
    }

    public mutating func encode(_ x: UnsafeBufferPointer<Float>, into train: inout SpikeTrain) throws(NeuronParameterError) {
        switch self {
        case .spikingBrain(var e): try e.encode(x, into: &train); self = .spikingBrain(e)
        case .sdllm(var e): try e.encode(x, into: &train); self = .sdllm(e)
        case .spikeLLM(var e): try e.encode(x, into: &train); self = .spikeLLM(e)
        }
    }
}
