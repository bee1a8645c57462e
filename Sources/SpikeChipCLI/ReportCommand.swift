import Reports
import ArgumentParser
import Foundation
import Energy
import Store

/// `spikechip report DB [--run ID] [--out FILE]`: the HTML report of one run.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a self-contained HTML report of a run (energy by kind, layer and core; FP16/INT8 ratios at three levels).")

    @Argument(help: "The run database written by `spikechip run --db`.")
    var database: String

    @Option(name: .customLong("run"), help: "Run id (default: the newest run; `--list` shows them).")
    var runID: Int64?

    @Option(help: "Output file (default: report-<run>.html next to the database).")
    var out: String?

    @Flag(help: "List the runs of the database instead of writing a report.")
    var list = false

    func run() throws {
        let store = try RunStore(path: database, readOnly: true)
        if list {
            for r in try store.runs() {
                let perToken = r.picojoulesPerToken.map { Energy.format(picojoules: $0) + "/token" } ?? "—"
                print("run \(r.id)  \(r.status.rawValue)  \(r.startedAt)  \(r.modelName) on \(r.topologyName)  \(r.tokens.map { "\($0) tokens" } ?? "")  \(perToken)")
            }
            return
        }
        guard let id = try runID.map(RunID.init(rawValue:)) ?? store.runs().last?.id else {
            throw ValidationError("\(database) holds no runs")
        }
        let dir = URL(fileURLWithPath: database).deletingLastPathComponent()
        let url = out.map { URL(fileURLWithPath: $0) } ?? dir.appendingPathComponent("report-\(id).html")
        try HTMLReport.write(database: database, run: id, to: url)
        print("Wrote \(url.path)")
    }
}
