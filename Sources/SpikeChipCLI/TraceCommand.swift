import ArgumentParser
import Foundation
import Neurons
import Traces

/// `spikechip trace`: inspect recorded spike or activation traces (docs/trace-format.md).
struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Inspect spike and activation traces recorded for replay.",
        subcommands: [Stats.self])

    /// `spikechip trace stats X.trace`: firing statistics per stage and layer, in one streaming pass.
    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Firing rate, silent fraction, spikes and bytes per token, per stage and per layer.",
            discussion: """
                Reads the trace block by block (constant memory) and checks every checksum. A trace whose
                writer did not finish is reported as truncated, with its complete tokens counted.
                Activation traces are encoded first, with the encoder the trace suggests or --encoder.
                """)

        @Argument(help: "Trace file (.trace).")
        var trace: String

        @Option(help: "Output format: text or json. Default: text.")
        var format: Format = .text

        @Option(help: "Activation traces: encoder to apply, name[:key=value,...] (see `spikechip encode --help`). Default: the trace's suggestion.")
        var encoder: String?

        enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

        func run() throws {
            let configured = try encoder.map { try ConfiguredEncoder(parsing: $0) }
            let stats = try TraceStatistics(path: trace, encoder: configured)
            switch format {
            case .text:
                print(stats.text())
            case .json:
                let e = JSONEncoder()
                e.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try e.encode(stats), as: UTF8.self))
            }
        }
    }
}
