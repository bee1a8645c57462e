/// The encoder families the CLI and topology files name (`--encoder spikingbrain|sdllm|spikellm`).
public enum EncoderKind: String, CaseIterable, Sendable {
    case spikingbrain, sdllm, spikellm

    /// The parameter keys each family accepts, for help texts and error messages.
    public var parameterKeys: [String] {
        switch self {
        case .spikingbrain: ["k", "alpha", "v_rest", "i_rest", "coding", "T", "rounding", "adaptive_T", "target_rate", "gain"]
        case .sdllm: ["bits", "gamma", "clip"]
        case .spikellm: ["levels", "T", "salient_T", "salient_fraction"]
        }
    }
}
