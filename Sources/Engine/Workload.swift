/// What the chip is asked to do in a run.
public struct Workload: Sendable, Hashable {
    /// Tokens generated one after the other (autoregressive: token n+1 starts when token n is sampled),
    /// or a prompt's tokens when `pipelined`.
    public var tokens: Int
    /// Virtual time steps per token (T). Default 8: ternary coding then carries SpikingBrain's counts
    /// (1.13 spikes per activation at 69% zeros; `SpikeCountDistribution`).
    public var timeSteps: Int
    /// Context position of the first generated token (prompt length); attention and KV-cache work grows with it.
    public var context: Int
    /// Seed of every random draw.
    public var seed: UInt64
    /// The tokens are a prompt run as a pipeline (prefill): token n+1 enters a stage as soon as its
    /// inputs are in and the stage's tiles have handed token n on, instead of after token n is sampled.
    /// Stages then work on different tokens at once; the function units tell the previous stage when
    /// its tiles are free with one credit packet per stage and token.
    public var pipelined: Bool

    public init(tokens: Int = 1, timeSteps: Int = 8, context: Int = 1024, seed: UInt64 = 1, pipelined: Bool = false) {
        self.tokens = tokens; self.timeSteps = timeSteps; self.context = context; self.seed = seed; self.pipelined = pipelined
    }

    /// Checks the ranges the engine relies on.
    /// The most tokens one run simulates. Memory does not grow with tokens (per-token rows are kept for
    /// the first `TokenTimes.detailLimit`), but a million tokens of the smallest model already take about
    /// half an hour: larger studies are split into runs.
    public static let maxTokens = 1_000_000
    /// The longest context a run starts from, in positions (attention work grows with it).
    public static let maxContext = 100_000_000

    public func validate() throws {
        guard tokens >= 1 else { throw EngineError.invalidWorkload("--tokens must be at least 1, got \(tokens)") }
        guard tokens <= Self.maxTokens else {
            throw EngineError.invalidWorkload("--tokens \(tokens) is more than one run simulates (\(Self.maxTokens)); split the study into several runs")
        }
        guard context <= Self.maxContext, context <= Int.max / 2 - tokens else {
            throw EngineError.invalidWorkload("--context \(context) is beyond any model's context (at most \(Self.maxContext) positions)")
        }
        guard (1...64).contains(timeSteps) else { throw EngineError.invalidWorkload("--time-steps (T) must be between 1 and 64, got \(timeSteps)") }
        guard context >= 0 else { throw EngineError.invalidWorkload("--context must be zero or more positions, got \(context)") }
    }
}

/// Why a run could not start.
public enum EngineError: Error, Equatable, CustomStringConvertible {
    case invalidWorkload(String)
    case unsupported(String)

    public var description: String {
        switch self {
        case .invalidWorkload(let s), .unsupported(let s): s
        }
    }
}
