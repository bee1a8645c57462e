import ArgumentParser
import Engine
import Foundation
import Neurons
import Traces

/// `spikechip replay`: runs a recorded trace's spikes (or encoded activations) through a
/// chip, stored and reported exactly like `spikechip run`.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay a recorded spike or activation trace on a chip and report energy and latency per token.",
        discussion: """
            Record activity once, replay it on many chip designs: the trace (docs/trace-format.md) fixes which
            neurons fire at every step of every stage, so two topologies are compared on identical spikes.
            The model is the trace's own unless --model is given; its stages must match the trace's (a mapping
            of fewer --layers replays the trace's first layers). Activation traces are encoded with the
            encoder the trace suggests, or --encoder. A trace whose writer did not finish replays its complete tokens.
              spikechip replay smollm2.trace --topology loihi --db runs.sqlite
            """)

    @Argument(help: "Trace file (.trace), as written by a recording run or tools/recorder.")
    var trace: String

    @OptionGroup var mapping: MappingArguments

    @OptionGroup var output: RunOutputArguments

    @Option(help: "Tokens to replay. Default: every complete token of the trace.")
    var tokens: Int?

    @Option(help: "Activation traces: encoder, name[:key=value,...] (see `spikechip encode --help`). Default: the trace's suggestion.")
    var encoder: String?

    @Option(help: "Context position of the first token; attention and KV-cache work grow with it. Default: the recording run's (provenance 'context'), else 1024.")
    var context: Int?

    func run() throws {
        let header = try TraceReader(path: trace).header
        guard let spec = header.spec else { throw ValidationErrorMessage(TraceSpikeSource.networkTraceHint(trace)) }
        let m = try mapping.map(defaultSpec: spec)
        if header.content == .spikes, let encoder {
            throw ValidationError("--encoder \(encoder): \(trace) holds spikes already (recorded with \(header.encoder)); --encoder applies to activation traces only")
        }
        let configured = try encoder.map { try ConfiguredEncoder(parsing: $0) }
        let steps = header.content == .spikes ? header.timeSteps : (try configured ?? ConfiguredEncoder(parsing: header.encoder)).steps
        let complete = try TraceReader.completeTokens(path: trace)
        guard complete.tokens > 0 else {
            throw ValidationError("\(trace) holds no complete token (a header only, or cut inside its first token); record it again")
        }
        if complete.truncated {
            FileHandle.standardError.write(Data("warning: \(trace) ends without its trailer (the recording stopped early): \(complete.tokens) complete token(s)\(header.tokens > 0 ? " of the \(header.tokens) its header announces" : ""); only those are replayed\n".utf8))
        }
        if let tokens, tokens > complete.tokens {
            throw ValidationError("--tokens \(tokens): \(trace) holds \(complete.tokens) complete token(s)")
        }
        let count = tokens ?? complete.tokens
        var recorded: Int?
        if case .integer(let c)? = header.provenance["context"] { recorded = Int(c) }
        let workload = Workload(tokens: count, timeSteps: steps, context: context ?? recorded ?? 1024, seed: output.seed)
        let source = try TraceSpikeSource(path: trace, mapping: m, workload: workload, encoder: configured)
        let label = "trace \((trace as NSString).lastPathComponent): \(header.content.rawValue) of \(spec.name), "
            + (header.content == .spikes ? "recorded with \(header.encoder)" : "encoded with \(encoder ?? header.encoder)")
        try output.execute(m, workload, source, encoderLabel: label, statistics: nil, shouldStop: { source.failure != nil }) { source, _ in
            try source.finish()
            return nil
        }
    }
}
