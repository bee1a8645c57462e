import ArgumentParser
import Engine

/// What the chip is asked to do: shared by `run` and `record`.
struct WorkloadArguments: ParsableArguments {
    @Option(help: "Tokens to generate, one after the other (closed loop: after the prompt). Default: 1.")
    var tokens = 1

    @Option(help: "Virtual time steps per token (T), 1 to 64. Default: 4 (closed loop: the encoder's T).")
    var timeSteps: Int?

    @Option(help: "Statistical mode: fraction of encoder neurons silent in each time step, 0 to 1. Default: 0.69 (SpikingBrain, Table 11 at k = 3).")
    var silent = 0.69

    @Option(help: "Statistical mode: context position of the first token (prompt length in tokens); attention and KV-cache work grow with it. Default: 1024. The closed loop starts at 0.")
    var context = 1024

    /// The statistical run these options describe.
    func statistical(seed: UInt64) -> Workload {
        Workload(tokens: tokens, timeSteps: timeSteps ?? 4, context: context, seed: seed)
    }

    /// A closed loop of `positions` at the encoder's T (refusing a different --time-steps).
    func closedLoop(positions: Int, encoderSteps: Int, seed: UInt64) throws -> Workload {
        if let timeSteps, timeSteps != encoderSteps {
            throw ValidationError("--time-steps \(timeSteps) differs from the encoder's T = \(encoderSteps); set T in --encoder")
        }
        return Workload(tokens: positions, timeSteps: encoderSteps, context: 0, seed: seed)
    }
}
