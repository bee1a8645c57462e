import ArgumentParser
import Store

/// `spikechip compare DB RUN_A RUN_B`: two runs of a database side by side.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two runs of a database: energy per token and by kind, latency, ratios against FP16/INT8.")

    @Argument(help: "The run database.")
    var database: String

    @Argument(help: "Id of run A.")
    var runA: Int64

    @Argument(help: "Id of run B (ratios are B / A).")
    var runB: Int64

    @Option(help: "Output format: table, csv or json.")
    var format: RunComparison.Format = .table

    func run() throws {
        let store = try RunStore(path: database, readOnly: true)
        let comparison = try RunComparison(store: store, RunID(rawValue: runA), RunID(rawValue: runB))
        print(comparison.render(format), terminator: "")
    }
}

extension RunComparison.Format: ExpressibleByArgument {}
