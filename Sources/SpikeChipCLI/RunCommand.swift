import ArgumentParser
import Baselines
import ClosedLoop
import Energy
import Engine
import Foundation
import Mapping
import ModelShapes
import Models
import Pipeline
import SimKernel
import Store
import Topology

/// `spikechip run`: the main job. Maps a model, simulates its tokens event by event,
/// stores the energy stream in SQLite and compares it with dense FP16 and INT8.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Simulate tokens of a spiking LLM on a chip and report energy and latency per token.",
        discussion: """
            Statistical mode (default): every encoder neuron draws its signed spike count for the token from
            SpikingBrain-7B's statistics (69% zero counts, 1.13 spikes per activation: --silent,
            --spikes-per-activation), laid into T steps by --coding; every spike packet is routed hop by hop.
            With no options: the built-in SpikingBrain-7B spec on topologies/spikechip-llm.yaml, one token
            at T = 8, written to spikechip.sqlite, compared with dense FP16/INT8 accelerators in named
            scenarios (same-memory first) at the topology's node (--node to move both sides).

            Closed loop (--prompt or --prompt-ids): real tokens through the chip. Each position's stage inputs
            are encoded by --encoder, integrated exactly through the crossbar weights (quantized from --model
            to --weight-bits, or seeded synthetic weights for the built-in spec), and those very spikes are
            simulated through the mesh. Prints the generated text, time to first token and inter-token latency.
              spikechip run --model SmolLM2.gguf --prompt "The capital of France is" --tokens 8
              spikechip run --prompt-ids 9707,11,1879 --tokens 1       (7B shape, synthetic int8 weights)

            Exit status 130 when interrupted (the run is stored as interrupted).
            """)

    @OptionGroup var mapping: MappingArguments

    @OptionGroup(title: "Closed loop") var closedLoop: ClosedLoopArguments

    @OptionGroup(title: "Workload") var workload: WorkloadArguments

    @OptionGroup(title: "Output") var output: RunOutputArguments

    /// The checks that need no mapping and no weights: options, the topology with `--set`, the workload's
    /// ranges. `spikechip sweep` runs them on every point before it starts any.
    func preflight() throws {
        _ = try mapping.loadTopology()
        _ = try PartialSumCoding(parsing: mapping.partialSums)
        if let problem = RunSettings.batchProblem(output.batch) { throw ValidationError(problem) }
        try closedLoop.validate(modelPath: mapping.model, vocabulary: Int.max)
        try checkPartitions()
        if !closedLoop.isRequested {
            _ = try workload.countDistribution()
            try workload.statistical(seed: output.seed).validate()
        }
    }

    /// Partitions run a copy of the spike source each, and a prefill pipelines the stages: both refused for the
    /// closed loop before its weights are built.
    func checkPartitions() throws {
        if closedLoop.isRequested, workload.prefill {
            throw ValidationError("--prefill pipelines a statistical prompt; a closed loop carries each position's activations from stage to stage one position after the other, so drop --prefill")
        }
        if closedLoop.isRequested, output.partitions != .single {
            throw ValidationError("--partitions \(output.partitions.rawValue) needs a statistical run: the closed loop carries each token's activations from stage to stage in one source; drop --partitions")
        }
    }

    func run() throws {
        try checkPartitions()
        let m = try mapping.map()
        try closedLoop.validate(modelPath: mapping.model, vocabulary: m.spec.vocabulary)
        if closedLoop.isRequested {
            let loop = try closedLoop.prepare(mapping: m, modelPath: mapping.model, tokens: workload.tokens, seed: output.seed, quiet: output.quiet || output.format == .json)
            let w = try workload.closedLoop(positions: loop.source.positions, encoderSteps: loop.encoder.steps, seed: output.seed)
            try output.execute(m, w, loop.source, encoderLabel: "closed loop: \(closedLoop.encoder); \(loop.weightsLabel)",
                               statistics: nil) { source, result in
                try ClosedLoopOutcome(source: source, result: result, tokenizer: loop.model.tokenizer, loadSeconds: loop.loadSeconds)
            }
        } else {
            let distribution = try workload.distribution()
            try output.execute(m, workload.statistical(seed: output.seed), StatisticalSpikeSource(distribution: distribution, seed: output.seed),
                               encoderLabel: distribution.label, statistics: distribution) { _, _ in nil }
        }
    }
}

extension PartitionScheme: ExpressibleByArgument {}
extension LogLevel: ExpressibleByArgument {}
