import Store

/// An option of `spikechip run` that a sweep file may fix (`run:`) or vary (`axes:`), by its name
/// with underscores (`weight_bits` is `--weight-bits`).
struct RunOption: Sendable {
    enum Kind: Sendable {
        /// Any number.
        case number
        /// A whole number.
        case integer
        /// A word or text, passed as written (`coding: bitwise`, `partial_sums: spikes:4`).
        case word
        /// A file, resolved against the sweep file's folder.
        case path
        /// true or false; false passes `flag`, true passes nothing.
        case negatedFlag
        /// true or false; true passes `flag`, false passes nothing.
        case flag
    }

    var key: String
    var flag: String
    var kind: Kind

    /// The options a sweep may set. The database, output format and progress belong to the sweep
    /// itself; the topology is the sweep's base (`topology:`), its keys are set by path.
    static let all: [RunOption] = [
        .init(key: "tokens", flag: "--tokens", kind: .integer),
        .init(key: "time_steps", flag: "--time-steps", kind: .integer),
        .init(key: "silent", flag: "--silent", kind: .number),
        .init(key: "spikes_per_activation", flag: "--spikes-per-activation", kind: .number),
        .init(key: "coding", flag: "--coding", kind: .word),
        .init(key: "context", flag: "--context", kind: .integer),
        .init(key: "prefill", flag: "--prefill", kind: .flag),
        .init(key: "seed", flag: "--seed", kind: .integer),
        .init(key: "batch", flag: "--batch", kind: .integer),
        .init(key: "log", flag: "--log", kind: .word),
        .init(key: "partitions", flag: "--partitions", kind: .word),
        .init(key: "layers", flag: "--layers", kind: .integer),
        .init(key: "lm_head", flag: "--no-lm-head", kind: .negatedFlag),
        .init(key: "placement", flag: "--placement", kind: .word),
        .init(key: "weight_bits", flag: "--weight-bits", kind: .integer),
        .init(key: "partial_sums", flag: "--partial-sums", kind: .word),
        .init(key: "node", flag: "--node", kind: .integer),
        .init(key: "model", flag: "--model", kind: .path),
        .init(key: "baselines", flag: "--baselines", kind: .path),
        .init(key: "prompt", flag: "--prompt", kind: .word),
        .init(key: "prompt_ids", flag: "--prompt-ids", kind: .word),
        .init(key: "encoder", flag: "--encoder", kind: .word),
        .init(key: "weight_std", flag: "--weight-std", kind: .number),
        .init(key: "fidelity", flag: "--fidelity", kind: .flag),
    ]

    static func named(_ key: String) -> RunOption? { all.first { $0.key == key } }

    /// The arguments that give this option `value`; the message says what is wrong with the value otherwise.
    func arguments(_ value: SweepValue, relativeTo folder: String) -> Result<[String], SweepError> {
        switch kind {
        case .number:
            guard value.number != nil else { return .failure(.value(key, value.description, "a number")) }
            return .success([flag, value.description])
        case .integer:
            guard let x = value.number, x == x.rounded(), abs(x) < 1e15 else { return .failure(.value(key, value.description, "a whole number")) }
            return .success([flag, String(Int64(x))])
        case .word:
            return .success([flag, value.description])
        case .path:
            let p = value.description
            return .success([flag, p.hasPrefix("/") || folder.isEmpty ? p : folder + "/" + p])
        case .negatedFlag, .flag:
            switch value.description {
            case "true": return .success(kind == .flag ? [flag] : [])
            case "false": return .success(kind == .flag ? [] : [flag])
            default: return .failure(.value(key, value.description, "true or false"))
            }
        }
    }
}
