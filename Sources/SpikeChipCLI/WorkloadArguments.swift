import ArgumentParser
import Engine
import Foundation

/// What the chip is asked to do: shared by `run` and `record`.
struct WorkloadArguments: ParsableArguments {
    @Option(parsing: .unconditional, help: "Tokens to generate, one after the other (closed loop: after the prompt). Default: 1.")
    var tokens = 1

    @Option(parsing: .unconditional, help: "Virtual time steps per token (T), 1 to 64. Default: 8 (closed loop: the encoder's T).")
    var timeSteps: Int?

    @Option(parsing: .unconditional, help: "Statistical mode: fraction of encoder neurons whose spike count for the whole token is zero, 0 to 1. Default: 0.69 (SpikingBrain-7B, Table 11 at k = 3: 0.692).")
    var silent: Double?

    @Option(parsing: .unconditional, help: "Statistical mode: spikes emitted per activation and token, averaged over all encoder neurons (silent ones included). Default: 1.13 (SpikingBrain Sec. 5.5).")
    var spikesPerActivation: Double?

    @Option(help: "Statistical mode: how a neuron's count is laid into the T steps: ternary (one signed spike per step, |count| ≤ T) or bitwise (one bit per step, MSB first, |count| ≤ 2^T − 1). Default: ternary.")
    var coding: CountCoding?

    @Option(parsing: .unconditional, help: "Statistical mode: context position of the first token (prompt length in tokens); attention and KV-cache work grow with it. Default: 1024. The closed loop starts at 0.")
    var context = 1024

    @Flag(help: "Statistical mode: the tokens are a prompt run through the chip as a pipeline (prefill): a token enters a stage as soon as its inputs are in and the stage's tiles have handed the previous token on, so stages work on different tokens at once. The dense side then runs the prompt as one batch (same memory: each weight read once for the prompt; DRAM: streamed once, or once per --batch tokens when --batch is smaller). Default: off, each token after the previous one is sampled.")
    var prefill = false

    /// The statistical run these options describe.
    func statistical(seed: UInt64) -> Workload {
        Workload(tokens: tokens, timeSteps: timeSteps ?? 8, context: context, seed: seed, pipelined: prefill)
    }

    /// The token-level count statistics of a statistical run.
    func distribution() throws -> SpikeCountDistribution {
        let d = try countDistribution()
        if d.ratio > 1 {
            FileHandle.standardError.write(Data(String(format: "warning: at T = %d, %@ coding carries these statistics only with a rising tail (ratio %.3g > 1): most firing neurons sit at the most the coding carries; raise --time-steps for a realistic count distribution\n",
                                                       d.timeSteps, d.coding.rawValue, d.ratio).utf8))
        }
        return d
    }

    /// The statistics, checked, without the warnings `distribution()` prints.
    func countDistribution() throws -> SpikeCountDistribution {
        try SpikeCountDistribution(silentFraction: silent ?? 0.69, spikesPerActivation: spikesPerActivation ?? 1.13,
                                   coding: coding ?? .ternary, timeSteps: timeSteps ?? 8)
    }

    /// A closed loop of `positions` at the encoder's T (refusing a different --time-steps and the statistical options).
    func closedLoop(positions: Int, encoderSteps: Int, seed: UInt64) throws -> Workload {
        if let timeSteps, timeSteps != encoderSteps {
            throw ValidationError("--time-steps \(timeSteps) differs from the encoder's T = \(encoderSteps); set T in --encoder")
        }
        for (name, given) in [("--silent", silent != nil), ("--spikes-per-activation", spikesPerActivation != nil), ("--coding", coding != nil)] where given {
            throw ValidationError("\(name) sets the statistical source; a closed loop's spikes come from its encoder (--encoder), so drop \(name)")
        }
        return Workload(tokens: positions, timeSteps: encoderSteps, context: 0, seed: seed)
    }
}

extension CountCoding: ExpressibleByArgument {}
