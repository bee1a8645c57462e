import ArgumentParser
import ClosedLoop
import Engine
import Foundation
import Neurons
import Traces

/// `spikechip record`: a run whose spikes (or stage inputs) are written to a trace.
struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Run tokens through the chip, as `spikechip run` does, and record their spikes or activations to a trace.",
        discussion: """
            The trace (docs/trace-format.md) holds, per token and stage, the spikes of every time step, or with
            --activations the stage inputs before encoding, so that replay may change the encoder. Replaying a
            spike trace on the topology it was recorded on reproduces the run's events and energy exactly.
            Closed loop with --prompt or --prompt-ids (see `spikechip run --help`), statistical spikes otherwise.
              spikechip record --model SmolLM2.gguf --prompt "The capital of France is" --tokens 4 --out smol.trace
              spikechip replay smol.trace --topology loihi --model SmolLM2.gguf --layers 2
            The run itself is stored and reported like `spikechip run` (--no-db for totals only).
            """)

    @OptionGroup var mapping: MappingArguments
    @OptionGroup(title: "Closed loop") var closedLoop: ClosedLoopArguments
    @OptionGroup(title: "Output") var output: RunOutputArguments

    @Option(help: "Trace file to write (.trace).")
    var out: String

    @Flag(help: "Overwrite --out if it exists.")
    var force = false

    @Option(help: "Closed loop: record the stage inputs before encoding, as float16 or float32, instead of spikes. Default: spikes.")
    var activations: ActivationPrecision?

    @OptionGroup(title: "Workload") var workload: WorkloadArguments

    func run() throws {
        if FileManager.default.fileExists(atPath: out), !force {
            throw ValidationError("\(out) exists; pass --force to overwrite it or choose another --out")
        }
        guard !workload.prefill else {
            throw ValidationError("--prefill is for `spikechip run`: a trace holds the tokens one after the other, as `replay` reads them; drop --prefill")
        }
        guard activations == nil || closedLoop.isRequested else {
            throw ValidationError("--activations needs a closed-loop run (--prompt or --prompt-ids): statistical runs have no activations")
        }
        let m = try mapping.map()
        try closedLoop.validate(modelPath: mapping.model, vocabulary: m.spec.vocabulary)
        var provenance: [String: JSONValue] = [
            "tool": .string("spikechip \(SpikeChip.version) record"), "command": .string(CommandLine.arguments.joined(separator: " ")),
            "seed": .integer(Int64(output.seed)), "topology": .string(m.topology.name),
            "date": .string(ISO8601DateFormatter().string(from: Date())),
        ]
        if let model = mapping.model { provenance["model"] = .string(model) }
        if let prompt = closedLoop.prompt { provenance["prompt"] = .string(prompt) }
        let quiet = output.quiet || output.format == .json

        guard closedLoop.isRequested else {
            let distribution = try self.workload.distribution()
            let silent = distribution.silentFraction
            let workload = self.workload.statistical(seed: output.seed)
            provenance["context"] = .integer(Int64(workload.context))
            let writer = try TraceWriter(path: out, header: TraceHeader(
                mapping: m, content: .spikes, encoder: "statistical:silent=\(silent)", timeSteps: workload.timeSteps, provenance: provenance))
            let source = try RecordingSpikeSource(wrapping: StatisticalSpikeSource(distribution: distribution, seed: output.seed),
                                                  writer: writer, mapping: m, workload: workload)
            try output.execute(m, workload, source, encoderLabel: distribution.label, statistics: distribution) { _, _ in nil }
            try finish(writer)
            return
        }

        // The trace's T and content are known once the encoder is parsed; the writer opens before the
        // weights load so that a bad --out fails fast.
        let steps = try ConfiguredEncoder(parsing: closedLoop.encoder).steps
        provenance["context"] = .integer(0)  // a closed loop starts at position 0
        let writer = try TraceWriter(path: out, header: TraceHeader(
            mapping: m, content: activations == nil ? .spikes : .activations, encoder: closedLoop.encoder, timeSteps: steps,
            provenance: provenance), activationPrecision: activations ?? .float32)
        let position = PositionCounter()
        let onEncode: ((Int, UnsafeBufferPointer<Float>, SpikeTrain) -> Void)? = activations == nil ? nil : { stage, x, _ in
            // Stages are encoded in order, position by position: stage 0 starts the next position.
            if stage == 0 { position.value += 1 }
            do { try writer.appendActivations(token: position.value, stage: stage, values: x) } catch {
                writer.fail(error as? TraceError ?? .io(path: writer.path, message: "\(error)"))
            }
        }
        let loop = try closedLoop.prepare(mapping: m, modelPath: mapping.model, tokens: self.workload.tokens, seed: output.seed, quiet: quiet,
                                          onEncode: onEncode)
        let workload = try self.workload.closedLoop(positions: loop.source.positions, encoderSteps: steps, seed: output.seed)
        let label = "closed loop: \(closedLoop.encoder); \(loop.weightsLabel)"
        func outcome(_ source: ClosedLoopSource, _ result: RunResult) throws -> ClosedLoopOutcome {
            try ClosedLoopOutcome(source: source, result: result, tokenizer: loop.model.tokenizer, loadSeconds: loop.loadSeconds)
        }
        if activations == nil {
            let recording = try RecordingSpikeSource(wrapping: loop.source, writer: writer, mapping: m, workload: workload)
            try output.execute(m, workload, recording, encoderLabel: label, statistics: nil) { try outcome($0.inner, $1) }
        } else {
            try output.execute(m, workload, loop.source, encoderLabel: label, statistics: nil, outcome: outcome)
        }
        try finish(writer)
    }

    private func finish(_ writer: TraceWriter) throws {
        try writer.finish()
        FileHandle.standardError.write(Data("trace: \(writer.blocks) blocks, \(writer.bytes) bytes written to \(out)\n".utf8))
    }
}

/// The position whose stage inputs the encoders are seeing (shared with the recording closure).
private final class PositionCounter { var value = -1 }
extension ActivationPrecision: ExpressibleByArgument {}
