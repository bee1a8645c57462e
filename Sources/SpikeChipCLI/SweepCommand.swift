import ArgumentParser
import Energy
import Foundation
import Reports
import Store
import Sweeps
import Topology

/// `spikechip sweep`: design-space exploration, one run per point of a sweep file, resumable and parallel.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run a sweep over topology keys and run options (one run per point, resumable, in parallel), and report it.",
        subcommands: [SweepRunCommand.self, SweepReportCommand.self],
        defaultSubcommand: SweepRunCommand.self)
}

struct SweepRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the pending points of a sweep file (docs/design-exploration.md); the same command resumes.",
        discussion: """
            Every point is a `spikechip run` in a worker process, stored in --db with its parameters (tables sweep,
            sweep_point, sweep_parameter; view sweep_result). Before any point runs, every point's options and
            topology keys are checked. Interrupt with Ctrl-C (or kill) at any time: the same command resumes,
            never re-running a finished point. A point whose run fails (an impossible mapping) is stored as failed
            with its message and the sweep goes on. Exit status 130 when interrupted.
              spikechip sweep topologies/sweeps/firing-rate-x-T.yaml --db sweep.sqlite
              spikechip sweep report sweep.sqlite --format html
            On a cluster, one point per job: `--point $SLURM_ARRAY_TASK_ID` (see docs/design-exploration.md).
            """)

    @Argument(help: "The sweep file (YAML; shipped ones in topologies/sweeps/).")
    var spec: String

    @Option(help: "SQLite database the sweep and its runs go to. Default: spikechip.sqlite.")
    var db = "spikechip.sqlite"

    @Option(parsing: .unconditional, help: "Points run at once, each in its own process, 1 to 256. Default: the cores available.")
    var jobs: Int?

    @Option(help: "Store the sweep under this name instead of the file's `name:` (a second sweep from the same file).")
    var name: String?

    @Option(parsing: .unconditional, help: "Run only this point (0-based), e.g. one point per job of a cluster's job array.")
    var point: Int?

    @Flag(help: "Check every point and print them with their parameters and arguments; run nothing.")
    var dryRun = false

    @Flag(help: "Run the points that failed before again (after fixing what made them fail).")
    var retryFailed = false

    @Flag(help: "No progress line on stderr.")
    var quiet = false

    func run() throws {
        let jobs = self.jobs ?? ProcessInfo.processInfo.activeProcessorCount
        guard (1...256).contains(jobs) else { throw ValidationError("--jobs must be between 1 and 256, got \(jobs)") }
        let sweep = try SweepSpec.load(path: spec)
        let topologyPath = try Self.baseTopology(sweep)
        guard let yaml = FileManager.default.contents(atPath: topologyPath).flatMap({ String(data: $0, encoding: .utf8) }) else {
            throw ValidationErrorMessage("cannot read the base topology \(topologyPath)")
        }
        let plan = try sweep.plan(topologyPath: topologyPath, topologyYAML: yaml, toolVersion: SpikeChip.version, name: name)
        try Self.check(plan)
        if dryRun {
            print("sweep \(plan.name): \(plan.points.count) points (\(plan.sampling)), base topology \(topologyPath); every point checked")
            for p in plan.points {
                let parameters = p.parameters.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
                print("point \(p.index): \(parameters)" + (p.skipped.map { "  [skipped: \($0)]" } ?? ""))
                print("  spikechip run " + p.arguments.map(Self.quoted).joined(separator: " "))
            }
            return
        }
        let store = try RunStore(path: db)
        let id = try store.register(plan)
        if retryFailed {
            let n = try store.retryFailed(id)
            if n > 0 && !quiet { FileHandle.standardError.write(Data("retrying \(n) failed point(s)\n".utf8)) }
        }
        let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        let runner = SweepRunner(executable: executable, database: db, jobs: jobs)
        InterruptFlag.install()
        var progress = Progress("sweep \(plan.name)", quiet: quiet)
        let outcome: SweepRunner.Outcome
        do {
            defer { InterruptFlag.uninstall(); progress.done() }
            outcome = try runner.run(sweep: id, store: store, only: point, progress: { s in
                let eta = s.etaSeconds.map { String(format: ", ETA %@", Self.duration($0) as NSString) } ?? ""
                progress.update("\(s.complete + s.failed + s.skipped)/\(s.total) done (\(s.complete) complete, \(s.failed) failed, \(s.skipped) skipped), \(s.running) running\(eta)")
            }, shouldStop: { InterruptFlag.isSet })
        }
        let s = outcome.status
        print("sweep \(plan.name) in \(db): \(s.total) points (\(plan.sampling)): \(s.complete) complete, \(s.failed) failed, \(s.skipped) skipped, \(s.pending) pending; \(outcome.pointSeconds.count) run here in \(Self.duration(s.elapsedSeconds)) with --jobs \(jobs)")
        for f in outcome.failures { print("failed: point \(f.point): \(f.message)") }
        let (keys, results) = try store.sweepResults(id)
        SweepReportCommand.printPareto(keys: keys, results)
        print("report: spikechip sweep report \(db) --name \(plan.name) --format html")
        if InterruptFlag.isSet || !outcome.interrupted.isEmpty {
            FileHandle.standardError.write(Data("interrupted: \(s.pending) point(s) pending; run the same command again to resume\n".utf8))
            throw ExitCode(130)
        }
    }

    /// The base topology: a shipped name, or a path relative to the sweep file.
    static func baseTopology(_ s: SweepSpec) throws -> String {
        guard s.topology.contains("/") else { return try ResourceLocator.topology(s.topology) }
        let path = s.topology.hasPrefix("/") ? s.topology : ((s.file as NSString).deletingLastPathComponent as NSString).appendingPathComponent(s.topology)
        return try ResourceLocator.topology(path)
    }

    /// Every point's options parsed and checked as `spikechip run` would, before anything runs.
    static func check(_ plan: SweepPlan) throws {
        var checked = Set<[String]>()
        for p in plan.points where p.skipped == nil && checked.insert(p.arguments).inserted {
            do {
                try RunCommand.parse(p.arguments).preflight()
            } catch {
                let parameters = p.parameters.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
                throw ValidationErrorMessage("sweep \(plan.name), point \(p.index) (\(parameters)): \(RunCommand.message(for: error))\nNothing was run; fix the sweep file (or add a skip_when).")
            }
        }
    }

    static func quoted(_ s: String) -> String {
        s.contains(where: { " \"'$*?;&|<>()".contains($0) }) ? "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" : s
    }

    static func duration(_ seconds: Double) -> String {
        seconds < 90 ? String(format: "%.0f s", seconds) : seconds < 5400 ? String(format: "%.1f min", seconds / 60) : String(format: "%.1f h", seconds / 3600)
    }
}

struct SweepReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Report a sweep: its points, Pareto front, each parameter's effect and the break-even table (text, CSV, JSON or HTML).")

    @Argument(help: "The database the sweep was written to.")
    var database: String

    @Option(help: "The sweep (default: the only one; with several, they are listed).")
    var name: String?

    @Option(help: "text (the points and the Pareto-optimal ones), csv, json or html. Default: text.")
    var format: Format = .text

    @Option(help: "Output file (default: stdout; html: sweep-<name>.html next to the database).")
    var output: String?

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, csv, json, html }

    func run() throws {
        let store = try RunStore(path: database, readOnly: true)
        let sweeps = try store.sweeps()
        guard !sweeps.isEmpty else { throw ValidationErrorMessage("\(database) holds no sweep; run one with `spikechip sweep FILE --db \(database)`") }
        let chosen: SweepSummary
        if let name {
            guard let s = sweeps.first(where: { $0.name == name }) else {
                throw ValidationErrorMessage("\(database) holds no sweep named '\(name)'; it holds: \(sweeps.map(\.name).joined(separator: ", "))")
            }
            chosen = s
        } else if sweeps.count == 1 {
            chosen = sweeps[0]
        } else {
            print("\(database) holds \(sweeps.count) sweeps; choose one with --name:")
            for s in sweeps {
                print("  \(s.name)  (\(s.sampling), base \(s.baseTopology), started \(s.createdAt)): " + SweepPointStatus.allCases.map { "\(s.counts[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", "))
            }
            return
        }
        let (keys, results) = try store.sweepResults(chosen.id)
        let text: String
        switch format {
        case .text:
            Self.printAll(keys: keys, results)
            Self.printPareto(keys: keys, results)
            return
        case .csv: text = SweepReport.csv(keys: keys, results)
        case .json: text = try SweepReport.json(keys: keys, results) + "\n"
        case .html: text = SweepReport.html(sweep: chosen, keys: keys, results, database: database)
        }
        let destination = output ?? (format == .html
            ? URL(fileURLWithPath: database).deletingLastPathComponent().appendingPathComponent("sweep-\(chosen.name).html").path : nil)
        guard let destination else { print(text, terminator: ""); return }
        do { try text.write(toFile: destination, atomically: true, encoding: .utf8) } catch {
            throw ValidationErrorMessage("cannot write \(destination): \(error.localizedDescription)")
        }
        print("Wrote \(destination)")
    }

    static func row(_ keys: [String], _ r: SweepResult) -> String {
        let parameters = keys.map { "\($0)=\(r.parameters[$0]?.description ?? "?")" }.joined(separator: " ")
        guard r.status == .complete else { return String(format: "  %4d  %@  %@%@", r.point, parameters as NSString, r.status.rawValue as NSString, (r.message.map { ": " + $0 } ?? "") as NSString) }
        return String(format: "  %4d  %@  %@/token  %.4g ns/token  %.4g mm²  %d chip(s)  INT8/chip %.3g  FP16/chip %.3g", r.point, parameters as NSString,
                      Energy.format(picojoules: r.picojoulesPerToken ?? 0) as NSString, r.latencyNanosecondsPerToken ?? 0, r.squareMillimetres ?? 0,
                      r.chips ?? 0, r.int8OverSpiking ?? 0, r.fp16OverSpiking ?? 0)
            + (r.top1Agreement.map { String(format: "  top-1 %.3f  KL %.3g", $0, r.meanKL ?? 0) } ?? "")
    }

    static func printAll(keys: [String], _ results: [SweepResult]) {
        print("points (energy and latency per token; ratios: same-memory dense over the chip, whole system; above 1 the chip uses less):")
        for r in results { print(row(keys, r)) }
    }

    static func printPareto(keys: [String], _ results: [SweepResult]) {
        let front = SweepReport.paretoOptimal(results)
        guard !front.isEmpty else { return }
        print("Pareto-optimal (no other point has less energy, latency and area per token at once): \(front.count) of \(results.filter { $0.status == .complete }.count) complete points")
        for r in front { print(row(keys, r)) }
        let fidelity = SweepReport.fidelityFront(results)
        guard !fidelity.isEmpty else { return }
        print("Pareto-optimal in energy and fidelity (no other point has less energy and less KL from the dense model): \(fidelity.count)")
        for r in fidelity { print(row(keys, r)) }
    }
}
