/// A stepping neuron model with its validated parameters, as named in topology files and run
/// configurations: `lif:tau=4,v_threshold=1`, `if:v_threshold=1,reset=subtract`,
/// `adaptive:alpha=0.3,tau=2,target_rate=0.31`, `truenorth:w0=2,w1=-1,alpha=20,leak=-1,seed=7`.
///
/// These Float populations serve the encoders and `spikechip bench neurons`. Generic networks on the
/// chip's cores (`spikechip network`) step `Networks.NeuronDynamics`, which takes NIR's per-neuron
/// parameters and integrates with forward Euler as snnTorch's export assumes; folding the two into
/// one implementation is open (docs/networks.md, "Not yet"). The populations
/// have different input types (currents or axon counts), so a caller switches on this enum once
/// per population and then steps a concrete population generically.
public enum NeuronModel: Equatable, Sendable {
    case lif(LIFParameters)
    case adaptive(AdaptiveThresholdPopulation.Parameters, alpha: Float, controller: FiringRateController?)
    case trueNorth(TrueNorthParameters, seed: UInt64)

    /// Accepted model names and their keys.
    public static let parameterKeys: [String: [String]] = [
        "lif": ["tau", "r", "v_leak", "v_threshold", "v_reset", "reset", "dt"],
        "if": ["r", "v_threshold", "v_reset", "reset", "dt"],
        "adaptive": ["v_rest", "i_rest", "tau", "c", "v_reset", "dt", "ternary", "alpha", "target_rate", "gain", "alpha_min", "alpha_max"],
        "truenorth": ["w0", "w1", "w2", "w3", "stochastic_synapse", "leak", "leak_reversal", "stochastic_leak",
                      "alpha", "beta", "threshold_mask_bits", "reset", "reset_value", "negative_saturation", "seed"],
    ]

    /// Parses `name[:key=value,...]`.
    public init(parsing text: String) throws(NeuronParameterError) {
        let (name, parameters) = try parseConfiguration(text, what: "neuron model",
                                                       names: Self.parameterKeys.keys.sorted())
        try self.init(name: name, parameters: parameters)
    }

    /// Builds the model from key/value parameters; absent keys take the defaults documented on
    /// each parameter type, unknown keys are an error.
    public init(name: String, parameters: [String: String]) throws(NeuronParameterError) {
        let key = name.lowercased()
        guard let allowed = Self.parameterKeys[key] else {
            throw NeuronParameterError(parameter: "neuron model", value: "'\(name)'",
                                       allowed: Self.parameterKeys.keys.sorted().joined(separator: ", "))
        }
        let reader = ParameterReader(parameters, allowed: allowed, family: key)
        try reader.rejectUnknownKeys()
        switch key {
        case "lif", "if":
            let resetText = reader.text("reset") ?? "to_value"
            let reset: LIFParameters.Reset
            switch resetText {
            case "to_value": reset = .toValue
            case "subtract": reset = .subtract
            default: throw NeuronParameterError(parameter: "reset", value: resetText, allowed: "to_value or subtract")
            }
            let tau: Float? = key == "lif" ? (try reader.value("tau") ?? 2) : nil
            self = .lif(try LIFParameters(tau: tau, r: try reader.value("r") ?? 1, vLeak: try reader.value("v_leak") ?? 0,
                                          vThreshold: try reader.value("v_threshold") ?? 1, vReset: try reader.value("v_reset") ?? 0,
                                          reset: reset, dt: try reader.value("dt") ?? 1))
        case "adaptive":
            let p = try AdaptiveThresholdPopulation.Parameters(
                vRest: try reader.value("v_rest") ?? 0, iRest: try reader.value("i_rest") ?? 0, tau: try reader.value("tau") ?? 2,
                capacitance: try reader.value("c") ?? 1, vReset: try reader.value("v_reset") ?? 0, dt: try reader.value("dt") ?? 1,
                ternary: try reader.value("ternary") ?? true)
            let target: Double? = try reader.value("target_rate")
            let controller = try target.map { (t) throws(NeuronParameterError) in
                let lo: Float = try reader.value("alpha_min") ?? 0.1, hi: Float = try reader.value("alpha_max") ?? 0.5
                try NeuronParameterError.require(lo <= hi, "alpha_min", lo, "≤ alpha_max (\(hi))")
                return try FiringRateController(targetRate: t, gain: try reader.value("gain") ?? 0.5, bounds: lo...hi)
            }
            let alpha: Float = try reader.value("alpha") ?? 0.3
            try AdaptiveThresholdPopulation.validate(alpha: alpha, controller: controller)
            self = .adaptive(p, alpha: alpha, controller: controller)
        default:  // truenorth
            let mask: Int = try reader.value("stochastic_synapse") ?? 0
            try NeuronParameterError.require((0...15).contains(mask), "stochastic_synapse", mask, "0...15 (bit G for axon type G)")
            let resetText = reader.text("reset") ?? "to_value"
            let reset: TrueNorthParameters.Reset
            switch resetText {
            case "to_value": reset = .toValue(try reader.value("reset_value") ?? 0)
            case "linear": reset = .linear
            case "none": reset = .none
            default: throw NeuronParameterError(parameter: "reset", value: resetText, allowed: "to_value, linear or none")
            }
            let p = try TrueNorthParameters(
                weights: (try reader.value("w0") ?? 1, try reader.value("w1") ?? 1, try reader.value("w2") ?? 1, try reader.value("w3") ?? 1),
                stochasticSynapse: (mask & 1 != 0, mask & 2 != 0, mask & 4 != 0, mask & 8 != 0),
                leak: try reader.value("leak") ?? 0, leakReversal: try reader.value("leak_reversal") ?? false,
                stochasticLeak: try reader.value("stochastic_leak") ?? false,
                positiveThreshold: try reader.value("alpha") ?? 1, negativeThreshold: try reader.value("beta") ?? 0,
                thresholdMaskBits: try reader.value("threshold_mask_bits") ?? 0, reset: reset,
                negativeSaturation: try reader.value("negative_saturation") ?? true)
            self = .trueNorth(p, seed: try reader.value("seed") ?? 0)
        }
    }
}
