import ArgumentParser
import Baselines
import Energy
import Engine
import Foundation
import Mapping
import ModelShapes
import Models
import Pipeline
import Ranks
import SimKernel
import Store
import Topology

/// How a simulation is run, stored and reported: shared by `run`, `replay` and `record`, so
/// every way of driving the chip ends in the same database rows and the same summary.
struct RunOutputArguments: ParsableArguments {
    @Option(help: "Seed of every random draw; the same seed gives bit-identical totals. Default: 1.")
    var seed: UInt64 = 1

    @Option(help: "Kernel partitions: single; chip (one per chip, lookahead = the chip-link latency); or stripes (one partition per thread and MPI rank, each holding every n-th 4-column stripe of the board; lookahead = an east-west hop). Partitioned runs give the totals of a single one, on any number of threads or ranks (`mpirun -np N spikechip run --partitions stripes`), and print the events sent between partitions, measured and predicted from the routes. Default: single.")
    var partitions: PartitionScheme = .single

    @Option(help: "Threads for a partitioned run (at most one per partition); totals and summary rows do not depend on it (docs/distributed.md). Default: the cores available (\(ProcessInfo.processInfo.activeProcessorCount) here), divided by the ranks mpirun started on this node.")
    var threads: Int?

    @Option(help: "SQLite database to append the run to. Default: spikechip.sqlite.")
    var db = "spikechip.sqlite"

    @Flag(help: "Do not write a database (totals only).")
    var noDb = false

    @Option(help: "Stored detail: events (one row per energy event), steps (per core, step and kind) or summary (per layer and kind). Default: summary.")
    var log: LogLevel = .summary

    @Option(help: "Dense baseline energy table (YAML). Default: topologies/baselines.yaml.")
    var baselines: String?

    @Option(parsing: .unconditional, help: "Batch of the amortised DRAM scenario: the dense accelerator streams its weights from DRAM once per batch of this many tokens (besides same-memory and DRAM at batch 1). Default: 16.")
    var batch = 16

    @Option(help: "Summary format on stdout: text or json. Default: text.")
    var format: OutputFormat = .text

    @Flag(help: "No progress line on stderr.")
    var quiet = false

    /// Set by `spikechip sweep` on the runs it starts: the run computes that point, and stops (stored
    /// interrupted) if the sweep process goes away, so that a resumed sweep never finds it running.
    @Option(help: .hidden)
    var sweepPoint: String?

    /// Set by `spikechip sweep` when its workers fill every core: the database aggregation runs on the
    /// simulation thread instead of competing with the other workers from a thread of its own.
    @Flag(help: .hidden)
    var aggregateInline = false

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

    /// Simulates, stores and reports one run through `RunPipeline`; `outcome` turns the final source
    /// into the closed loop's part of the report (nil in statistical mode). Exit status 1 when tokens
    /// stalled or the results could not be stored, 130 when interrupted.
    func execute<Source: SpikeSource>(_ m: ChipMapping, _ workload: Workload, _ source: Source, encoderLabel: String,
                                      statistics: SpikeCountDistribution?, shouldStop: (() -> Bool)? = nil,
                                      outcome: (Source, RunResult) throws -> ClosedLoopOutcome?) throws {
        if workload.context + workload.tokens > m.spec.contextLength {
            FileHandle.standardError.write(Data("warning: positions \(workload.context)…\(workload.context + workload.tokens - 1) go beyond \(m.spec.name)'s context length of \(m.spec.contextLength); the attention work is simulated as if the model accepted them\n".utf8))
        }
        if m.topology.neuronFire != .free {
            // An LLM's spikes leave encoders on function units, priced by their ops and spike_out; the key prices neurons on cores.
            FileHandle.standardError.write(Data("note: core.neuron_fire of \(m.topology.name) prices neurons that fire on cores (`spikechip network`); an LLM's spikes come from encoders on function units, so this run does not charge it\n".utf8))
        }
        // Refused as a usage error (exit 64) before the baseline table is read.
        if let problem = RunSettings.batchProblem(batch) { throw ValidationError(problem) }
        let point = try sweepPoint.map { text in
            guard let p = SweepPointID(text), !noDb else { throw ValidationError("--sweep-point is set by `spikechip sweep` (SWEEP:POINT, with a database)") }
            return p
        }
        // A sweep's worker whose sweep was killed is adopted by another process: it stops as if interrupted.
        let parent = getppid()
        let orphaned: (() -> Bool)? = point == nil ? nil : { getppid() != parent }
        if let threads {
            guard (1...1024).contains(threads) else { throw ValidationError("--threads must be between 1 and 1024, got \(threads)") }
            guard threads == 1 || partitions != .single else {
                throw ValidationError("--threads \(threads) needs partitions to run in parallel: add --partitions stripes (or chip)")
            }
        }
        // Under mpirun every rank runs this command; rank 0 alone writes the database and prints.
        let world = try MPIWorld.current()
        let ranks = (world?.size ?? 1) > 1 ? world : nil
        if let ranks {
            guard partitions != .single else {
                throw ValidationError("mpirun started \(ranks.size) ranks, which share a run's partitions: add --partitions stripes (or chip)")
            }
            // Ranks that computed different runs would merge nonsense: same options, topology and model everywhere.
            let inputs = (CommandLine.arguments + [m.topology.source, m.spec.name, "\(m.layers)"]).joined(separator: "\u{0}")
            guard ranks.agree(on: Array(inputs.utf8)) else {
                throw ValidationError("the ranks of this mpirun job disagree on their inputs (command line, topology file or model): every rank must run the same command on the same files")
            }
        }
        var settings = RunSettings(
            seed: seed, partitions: partitions, database: noDb ? nil : db, log: log,
            baselines: try BaselineTable(contentsOf: URL(fileURLWithPath: try ResourceLocator.baselines(baselines))), batch: batch,
            commandLine: CommandLine.arguments, toolVersion: SpikeChip.version, sweepPoint: point)
        settings.aggregateInline = aggregateInline
        settings.threads = threads ?? max(1, ProcessInfo.processInfo.activeProcessorCount / MPIWorld.ranksOnThisNode)
        settings.ranks = ranks
        if let ranks, ranks.rank != 0 { settings.database = nil }
        let root = (ranks?.rank ?? 0) == 0
        let pipeline = try RunPipeline(mapping: m, workload: workload, settings: settings)
        InterruptFlag.install()
        let watchdog = ranks.map { RankWatchdog(world: $0, database: settings.database) }
        var progress = Progress("simulating", quiet: quiet || !root)
        let run: RunOutcome<ClosedLoopOutcome?>
        do {
            defer { watchdog?.stop(); InterruptFlag.uninstall(); progress.done() }
            run = try pipeline.execute(
                source: source, encoderLabel: encoderLabel, statistics: statistics,
                progress: { events, seconds in
                    progress.update(String(format: "%.1f M events, %.0f s (Ctrl-C stops and keeps what was simulated)", events / 1e6, seconds.rounded(.down)))
                },
                shouldStop: { InterruptFlag.isSet || shouldStop?() == true || orphaned?() == true },
                stopReason: { orphaned?() == true ? "its sweep process ended" : "stopped by signal \(InterruptFlag.receivedSignal ?? SIGINT)" },
                outcome: outcome)
        }
        let loop = run.extra ?? nil
        if root && !run.result.tokens.isComplete {
            FileHandle.standardError.write(Data("note: per-token rows (the database's layer_activity, JSON latency_ns_per_token) cover the first \(TokenTimes.detailLimit) of \(run.result.tokensDone) tokens, so that memory stays flat; totals, means, ranges and spike statistics cover every token\n".utf8))
        }
        // The other ranks' partitions are in rank 0's result; they only share its exit status.
        guard root else {
            switch run.status {
            case .complete, .notStored: return
            case .interrupted: throw ExitCode(130)
            case .stalled: throw ExitCode(1)
            }
        }
        switch run.status {
        case .complete:
            if let c = run.comparison { try report(pipeline, workload, run.result, c, loop, statistics: statistics, runID: run.run) }
        case .interrupted:
            if let c = run.comparison { try report(pipeline, workload, run.result, c, loop, statistics: statistics, runID: nil) }
            if let id = run.run {
                FileHandle.standardError.write(Data("interrupted: run \(id) in \(db) is stored as interrupted, with the events simulated so far\n".utf8))
            } else if run.comparison == nil {
                FileHandle.standardError.write(Data("interrupted before the first token finished: nothing to report\n".utf8))
            }
            throw ExitCode(130)
        case .stalled(let message):
            FileHandle.standardError.write(Data("error: \(message)\n".utf8))
            if let id = run.run { FileHandle.standardError.write(Data("Run \(id) in \(db) is marked interrupted, with the events simulated.\n".utf8)) }
            throw ExitCode(1)
        case .notStored(let error, let marked):
            if let c = run.comparison { try report(pipeline, workload, run.result, c, loop, statistics: statistics, runID: nil) }
            let id = run.run.map { "\($0)" } ?? "?"
            FileHandle.standardError.write(Data("""
                error: the results of run \(id) could not be stored in \(db): \(error)
                The summary above is complete. \(marked ? "Run \(id) is marked interrupted in the database." : "The database could not be written at all; run \(id) stays marked running until the next open finds its process gone.")
                Free disk space or choose another --db, then run again.

                """.utf8))
            throw ExitCode(1)
        }
    }

    func report(_ pipeline: RunPipeline, _ w: Workload, _ r: RunResult, _ c: Comparison, _ loop: ClosedLoopOutcome?,
                statistics: SpikeCountDistribution?, runID: RunID?) throws {
        let m = pipeline.mapping
        let s = c.mapping
        let tokens = Double(max(r.tokensDone, 1))
        let latencies = r.tokenLatencies.map(\.nanoseconds)
        let spikeStats = r.spikeStatistics
        let row = pipeline.studyRow(r, c, statistics: statistics, closedLoop: loop != nil)
        let backing = pipeline.statisticsSource(statistics, closedLoop: loop != nil)
        let tech = m.topology.technology
        switch format {
        case .json:
            var kinds: [String: Any] = [:]
            for k in EnergyKind.allCases {
                kinds[k.name] = ["picojoules_per_token": r.ledger.energy(k).picojoules / tokens, "operations": r.ledger.count(k)]
            }
            func range(_ r: ClosedRange<Double>) -> [Double] { [r.lowerBound / tokens, r.upperBound / tokens] }
            let scenarios: [[String: Any]] = c.study.scenarios.map { sc in
                ["name": sc.scenario.description, "assumption": sc.scenario.assumption, "macs_per_token": sc.macsPerToken,
                 "dense_latency_ns_per_token": ["fp16": sc.fp16.latencyNanoseconds, "int8": sc.int8.latencyNanoseconds],
                 "dense_area_mm2": ["fp16": sc.fp16.squareMillimetres, "int8": sc.int8.squareMillimetres],
                 "dense_pj_per_token_by_component": Dictionary(uniqueKeysWithValues: [sc.fp16, sc.int8].map { r in
                     (r.precision.rawValue, Dictionary(uniqueKeysWithValues: DenseBaseline.Component.allCases.map { ($0.rawValue, r.picojoules([$0]) / tokens) }))
                 }),
                 "levels": sc.levels.map { l -> [String: Any] in
                     ["level": l.number, "name": l.name, "spiking_pj": l.spikingPJ / tokens, "fp16_pj": l.fp16PJ / tokens, "int8_pj": l.int8PJ / tokens,
                      "spiking_pj_range": range(l.spikingRange), "fp16_pj_range": range(l.denseRange(.fp16)), "int8_pj_range": range(l.denseRange(.int8)),
                      "fp16_over_spiking": l.factorVersusFP16, "int8_over_spiking": l.factorVersusINT8,
                      "fp16_over_spiking_range": [l.factorRange(.fp16).lowerBound, l.factorRange(.fp16).upperBound],
                      "int8_over_spiking_range": [l.factorRange(.int8).lowerBound, l.factorRange(.int8).upperBound],
                      "percent_less_than_fp16": l.percentLessThanFP16, "percent_less_than_int8": l.percentLessThanINT8]
                 }]
            }
            let breakEven: [[String: Any]] = c.study.breakEven.map {
                ["scenario": $0.scenario.description, "level": $0.level, "versus": $0.versus.rawValue,
                 "spikes_per_activation": $0.spikesPerActivation as Any? ?? NSNull(), "firing_rate_per_step": $0.firingRatePerStep as Any? ?? NSNull()]
            }
            var object: [String: Any] = [
                "run": runID.map { Int($0.rawValue) } as Any, "database": noDb ? NSNull() : db as Any,
                "model": m.spec.name, "layers": m.layers, "lm_head": m.options.includeLMHead, "topology": m.topology.name,
                "cores_used": s.coresUsed, "chips_used": s.chipsUsed,
                "tokens": r.tokensDone, "prefill": w.pipelined, "credits": r.traffic.credits, "time_steps": w.timeSteps, "seed": seed, "events": r.events, "wall_seconds": r.wallSeconds,
                "partitions": r.partitions, "threads": r.threads, "ranks": r.ranks, "windows": r.windows, "events_by_partition": r.eventsByPartition,
                "synapses_by_partition": r.synapsesByPartition, "remote_events": r.remoteEvents,
                "predicted_remote_events": r.predictedTraffic.map { $0.events(tokens: r.tokensDone) as Any } ?? NSNull(),
                "latency_ns_per_token": latencies, "latency_ns_mean": r.tokens.meanNanoseconds,
                "latency_ns_range": [r.tokens.shortest.nanoseconds, r.tokens.longest.nanoseconds], "picojoules_per_token": r.ledger.total.picojoules / tokens, "energy_by_kind": kinds,
                "spikes": r.traffic.spikes, "partial_sums": m.options.partialSums.description, "graded_packets": r.traffic.gradedPackets,
                "partial_sum_spikes": r.traffic.partialSumSpikes, "deliveries": r.traffic.delivered, "dropped": r.traffic.dropped, "late": r.traffic.late,
                "dropped_packets": r.traffic.droppedPackets,
                "technology_nm": tech.node.nanometres, "voltage_v": tech.voltage,
                "silent_per_token": spikeStats.silentPerToken, "spikes_per_activation": spikeStats.spikesPerActivation,
                "firing_rate_per_step": spikeStats.firingRatePerStep,
                "statistics_source": backing,
                "area_mm2": c.silicon.squareMillimetres, "powered_area_mm2": c.silicon.poweredSquareMillimetres, "largest_chip_mm2": row.largestChipSquareMillimetres,
                "reticle_mm2": c.silicon.reticleSquareMillimetres, "chips_over_reticle": c.silicon.chipsOverReticle.count,
                "static_power_mw": c.silicon.staticMilliwatts.value,
                "static_power_mw_range": [c.silicon.staticMilliwatts.low, c.silicon.staticMilliwatts.high],
                "average_power_w": row.averagePowerWatts, "energy_delay_pj_ns": row.energyDelay,
                "scenarios": scenarios, "break_even": breakEven,
                "break_even_batch": Dictionary(uniqueKeysWithValues: c.study.breakEvenBatch.map { ($0.key.rawValue, $0.value as Any? ?? NSNull()) }),
            ]
            if let loop { object["closed_loop"] = loop.json }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        case .text:
            let t = m.topology
            print("SpikeChip \(SpikeChip.version)" + (runID.map { ": run \($0) stored in \(db) (log: \(log.rawValue))" } ?? ": no database"))
            print("model     \(m.spec.name), \(m.layers) layers\(m.options.includeLMHead ? " + LM head" : " (no LM head)"), on \(t.name) at \(tech.label): \(s.coresUsed) cores on \(s.chipsUsed) of \(t.chipCount) chips")
            if let loop {
                print(String(format: "workload  closed loop, %d position(s) (%d prompt + %d generated − 1), T = %d, seed %llu",
                             r.tokensDone, loop.promptTokens, loop.generatedTokens, w.timeSteps, seed))
                loop.printText()
            } else {
                print(String(format: "workload  %d token(s)%@, T = %d, context %d, seed %llu%@", r.tokensDone,
                             (w.pipelined ? " of a prompt run as a pipeline (prefill)" : "") as NSString, w.timeSteps, w.context, seed,
                             (statistics.map { ", \($0.coding.rawValue) coding" } ?? "") as NSString))
            }
            print(String(format: "spikes    %.3f silent per token, %.3f spikes per activation, %.4f per neuron and step (measured); backed by %@",
                         spikeStats.silentPerToken, spikeStats.spikesPerActivation, spikeStats.firingRatePerStep, backing as NSString))
            let busiest = Double(r.eventsByPartition.max() ?? 0), mean = Double(r.events) / Double(max(r.partitions, 1))
            let predicted = r.predictedTraffic.map { String(format: " (predicted from the routes: %@)", group(UInt64($0.events(tokens: r.tokensDone).rounded())) as NSString) } ?? ""
            let kernel = r.partitions == 1 ? "1 partition"
                : "\(r.partitions) partitions on \(r.ranks > 1 ? "\(r.ranks) MPI ranks × " : "")\(r.threads) thread(s), \(group(r.windows)) windows, \(group(r.remoteEvents)) events between partitions\(predicted); "
                + String(format: "busiest partition %.2f× the mean (predicted from the synapses each holds: %.2f×)", busiest / max(mean, 1),
                         Double(r.synapsesByPartition.max() ?? 0) / max(Double(r.synapsesByPartition.reduce(0, +)) / Double(max(r.partitions, 1)), 1))
            print(String(format: "events    %@ in %.2f s wall (%.2f M events/s), peak %@ pending, %@",
                         group(r.events) as NSString, r.wallSeconds, Double(r.events) / max(r.wallSeconds, 1e-9) / 1e6,
                         group(UInt64(r.peakPendingEvents)) as NSString, kernel as NSString))
            print("packets   \(group(r.traffic.spikes)) spikes sent, \(group(r.traffic.delivered)) copies delivered to tiles, \(r.traffic.dropped) dropped, \(r.traffic.late) late; \(group(r.traffic.hops)) hops, \(group(r.traffic.chipCrossings)) chip crossings; \(r.traffic.droppedPackets) packets dropped at full router buffers")
            print("partials \(m.options.partialSums): " + (m.options.partialSums == .graded
                ? "\(group(r.traffic.gradedPackets)) graded packets" : "\(group(r.traffic.partialSumSpikes)) spikes to reduction neurons"))
            if w.pipelined {
                print(String(format: "prefill   %.3f µs for %@ tokens (simulated), %.3f µs per token; %@ credits between stages",
                             r.tokens.end.last.map { $0.nanoseconds / 1000 } ?? 0, group(UInt64(r.tokensDone)) as NSString,
                             r.tokens.meanNanoseconds / 1000, group(r.traffic.credits) as NSString))
            } else if latencies.count <= 8 && r.tokens.isComplete {
                print("latency   " + latencies.map { String(format: "%.3f µs", $0 / 1000) }.joined(separator: ", ") + " per token (simulated)")
            } else {
                print(String(format: "latency   %.3f µs per token on average, %.3f – %.3f µs over %@ tokens (simulated)", r.tokens.meanNanoseconds / 1000,
                             r.tokens.shortest.nanoseconds / 1000, r.tokens.longest.nanoseconds / 1000, group(UInt64(r.tokensDone)) as NSString))
            }
            let over = c.silicon.chipsOverReticle
            let mw = c.silicon.staticMilliwatts
            print(String(format: "silicon   %.0f mm² on %d chips, %.0f mm² on the %d holding cores (largest chip %.0f mm²%@), static %@ (range %@ – %@)",
                         c.silicon.squareMillimetres, t.chipCount, c.silicon.poweredSquareMillimetres, s.chipsUsed, row.largestChipSquareMillimetres,
                         (over.isEmpty ? "" : String(format: "; %d over the %.0f mm² reticle: wafer-scale or stitched silicon", over.count, c.silicon.reticleSquareMillimetres)) as NSString,
                         power(mw.value) as NSString, power(mw.low) as NSString, power(mw.high) as NSString))
            print(String(format: "power     %@ average, energy × delay %.3g pJ·ns per token", power(row.averagePowerWatts * 1000) as NSString, row.energyDelay))
            print("energy    \(Energy.format(picojoules: r.ledger.total.picojoules / tokens)) per token")
            let total = max(r.ledger.total.picojoules, 1e-30)
            for k in EnergyKind.allCases where r.ledger.count(k) > 0 {
                let pj = r.ledger.energy(k).picojoules
                print(String(format: "  %-17@ %12@ per token  %5.1f%%  (%@ operations)", k.name as NSString,
                             Energy.format(picojoules: pj / tokens) as NSString, 100 * pj / total, group(r.ledger.count(k)) as NSString))
            }
            print("against dense FP16 and INT8 accelerators doing the same work at \(tech.label) (per token; ratio = dense / spiking, range over every figure's range):")
            if w.pipelined {
                print("  prefill: the dense accelerators run the \(r.tokensDone) prompt tokens as one matrix product (same memory: each resident weight read once for the prompt)")
            }
            for sc in c.study.scenarios {
                print("  \(sc.scenario): \(sc.scenario.assumption)")
                for l in sc.levels {
                    let f = l.factorRange(.fp16), i = l.factorRange(.int8)
                    print(String(format: "    level %d %-20@ spiking %@ | FP16 %@ = %@× (%@–%@) | INT8 %@ = %@× (%@–%@)", l.number, l.name as NSString,
                                 Energy.format(picojoules: l.spikingPJ / tokens) as NSString,
                                 Energy.format(picojoules: l.fp16PJ / tokens) as NSString, ratio(l.factorVersusFP16) as NSString,
                                 ratio(f.lowerBound) as NSString, ratio(f.upperBound) as NSString,
                                 Energy.format(picojoules: l.int8PJ / tokens) as NSString, ratio(l.factorVersusINT8) as NSString,
                                 ratio(i.lowerBound) as NSString, ratio(i.upperBound) as NSString))
                }
                let even = c.study.breakEven.filter { $0.scenario == sc.scenario && $0.level > 1 }.map { b in
                    "level \(b.level) vs \(b.versus.rawValue.uppercased()) " + (b.spikesPerActivation.map {
                        String(format: "%.3g (%.3g per step)", $0, b.firingRatePerStep ?? 0) } ?? "never")
                }
                print("    break-even spikes per activation: " + even.joined(separator: "; "))
            }
            let batches = DensePrecision.allCases.map { p in
                "\(p.rawValue.uppercased()) " + ((c.study.breakEvenBatch[p] ?? nil).map { "batch ≥ \($0)" } ?? "no batch up to 65,536")
            }
            print("  DRAM-streaming dense matches the chip's whole-system energy per token at: " + batches.joined(separator: ", "))
            if let runID { print("report:   spikechip report \(db) --run \(runID)") }
        }
    }

    /// A ratio people read at a glance: 3 significant digits.
    func ratio(_ x: Double) -> String { String(format: "%.3g", x) }

    /// Power in mW given as mW, W or kW.
    func power(_ mw: Double) -> String {
        switch mw {
        case 1e6...: String(format: "%.3g kW", mw / 1e6)
        case 1e3...: String(format: "%.3g W", mw / 1e3)
        case 1...: String(format: "%.3g mW", mw)
        default: String(format: "%.3g µW", mw * 1e3)
        }
    }

    func group(_ n: UInt64) -> String {
        let s = String(n)
        var out = ""
        for (i, ch) in s.enumerated() {
            if i > 0, (s.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return out
    }
}
