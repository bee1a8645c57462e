import ArgumentParser
import Baselines
import Energy
import Engine
import Foundation
import Mapping
import Models
import SimKernel
import Store
import Topology

/// How a simulation is run, stored and reported: shared by `run`, `replay` and `record`, so
/// every way of driving the chip ends in the same database rows and the same summary.
struct RunOutputArguments: ParsableArguments {
    @Option(help: "Seed of every random draw; the same seed gives bit-identical totals. Default: 1.")
    var seed: UInt64 = 1

    @Option(help: "Kernel partitions: single, or chip (one per chip, lookahead = chip-link latency; same results). Default: single.")
    var partitions: PartitionScheme = .single

    @Option(help: "SQLite database to append the run to. Default: spikechip.sqlite.")
    var db = "spikechip.sqlite"

    @Flag(help: "Do not write a database (totals only).")
    var noDb = false

    @Option(help: "Stored detail: events (one row per energy event), steps (per core, step and kind) or summary (per layer and kind). Default: summary.")
    var log: LogLevel = .summary

    @Option(help: "Dense baseline energy table (YAML). Default: topologies/baselines.yaml.")
    var baselines: String?

    @Option(help: "Memory hierarchy of the dense baseline, as named in the baseline table. Default: the table's default.")
    var hierarchy: String?

    @Option(help: "Summary format on stdout: text or json. Default: text.")
    var format: OutputFormat = .text

    @Flag(help: "No progress line on stderr.")
    var quiet = false

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

    /// Simulates, stores and reports one run; `outcome` turns the final source into the
    /// closed loop's part of the report (nil in statistical mode).
    func execute<Source: SpikeSource>(_ m: ChipMapping, _ workload: Workload, _ source: Source, encoderLabel: String,
                                      configuredSilent: Double?, shouldStop: (() -> Bool)? = nil,
                                      outcome: (Source, RunResult) throws -> ClosedLoopOutcome?) throws {
        try workload.validate()
        let table = try BaselineTable(contentsOf: URL(fileURLWithPath: try ResourceLocator.baselines(baselines)))
        // Positions each token attends to, itself included (as the engine's attention work counts them).
        let contexts = (0..<workload.tokens).map { workload.context + $0 + 1 }

        if noDb {
            let (result, final) = try simulate(m, workload, source, sink: DiscardingSink(), shouldStop: shouldStop)
            let loop = try outcome(final, result)
            let comparison = try compare(m, result, table, contexts: contexts)
            try report(m, workload, result, comparison, loop, configuredSilent: configuredSilent, runID: nil)
            if result.interrupted { throw ExitCode(130) }
            return
        }
        let store = try RunStore(path: db)
        let info = RunInfo(
            commandLine: CommandLine.arguments, toolVersion: SpikeChip.version, seed: seed, topologyName: m.topology.name,
            topologyYAML: m.topology.source, energyTable: energyTable(m.topology),
            model: try ModelRecord(name: m.spec.name, layers: m.layers, spec: m.spec), encoder: encoderLabel,
            timeSteps: workload.timeSteps, logLevel: log, chips: m.topology.chipCount, meshX: m.topology.meshX, meshY: m.topology.meshY,
            mapping: mappingRows(m))
        let id = try store.beginRun(info)
        let sink = try store.makeSink(run: id)
        let (result, final) = try simulate(m, workload, source, sink: sink, shouldStop: shouldStop)
        if result.interrupted {
            _ = try store.markInterrupted(id, reason: "stopped by signal \(InterruptFlag.receivedSignal ?? SIGINT)", wallSeconds: result.wallSeconds)
            FileHandle.standardError.write(Data("interrupted: run \(id) in \(db) is stored as interrupted, with the events simulated so far\n".utf8))
            throw ExitCode(130)
        }
        let loop: ClosedLoopOutcome?
        do {
            loop = try outcome(final, result)
        } catch {
            _ = try store.markInterrupted(id, reason: "closed loop failed: \(error)", wallSeconds: result.wallSeconds)
            throw error
        }
        try store.insertLayerActivity(run: id, result.activity.map {
            LayerActivityRow(token: $0.token, layer: $0.layer, stage: $0.stage, neurons: $0.neurons, timeSteps: $0.timeSteps,
                             spikes: $0.spikes, silentFraction: $0.silentFraction)
        })
        let comparison = try compare(m, result, table, contexts: contexts)
        try store.insertBaseline(run: id, [comparison.fp16, comparison.int8].flatMap { r in
            r.items.map { BaselineRow(precision: r.precision.rawValue, layer: $0.layer, component: $0.component.rawValue,
                                      operations: $0.operations, picojoules: $0.picojoules) }
        })
        try store.insertComparison(run: id, comparison.levels.levels.map {
            ComparisonRow(level: $0.number, name: $0.name, spikingPicojoules: $0.spikingPJ, fp16Picojoules: $0.fp16PJ, int8Picojoules: $0.int8PJ)
        })
        try store.finishRun(id, status: .complete, totals: RunTotals(ledger: result.ledger, simulatedTime: result.finalTime,
                                                                       tokens: result.tokensDone, wallSeconds: result.wallSeconds))
        try report(m, workload, result, comparison, loop, configuredSilent: configuredSilent, runID: id)
    }

    /// Runs the chip with `sink`, showing progress and honouring Ctrl-C.
    func simulate<Source: SpikeSource, Sink: EnergySink>(_ m: ChipMapping, _ w: Workload, _ source: Source, sink: Sink,
                                                         shouldStop: (() -> Bool)?) throws -> (RunResult, Source) {
        var chip = try ChipRun(mapping: m, workload: w, source: source, sink: sink, partitioning: partitions)
        InterruptFlag.install()
        defer { InterruptFlag.uninstall() }
        var progress = Progress("simulating", quiet: quiet)
        var polls = 0
        let started = ContinuousClock.now
        let result = chip.run(shouldStop: {
            polls += 1
            let seconds = Double((ContinuousClock.now - started).components.seconds)
            progress.update(String(format: "%.1f M events, %.0f s (Ctrl-C stops and keeps what was simulated)", Double(polls) * 65536 / 1e6, seconds))
            return InterruptFlag.isSet || shouldStop?() == true
        })
        progress.done()
        return (result, chip.model.source)
    }

    struct Comparison {
        var fp16: DenseBaseline.Result
        var int8: DenseBaseline.Result
        var levels: ThreeLevelComparison
        var note: String?
    }

    /// Prices the same tokens on dense FP16 and INT8 hardware and lines the three levels up.
    func compare(_ m: ChipMapping, _ r: RunResult, _ table: BaselineTable, contexts all: [Int]) throws -> Comparison {
        var spec = m.spec
        spec.layers = m.layers
        spec.attention = Array(spec.attention.prefix(m.layers))
        let dense = try DenseBaseline(model: spec, table: table, hierarchy: hierarchy)
        let contexts = Array(all.prefix(r.tokensDone))
        let fp16 = try dense.energy(.fp16, contexts: contexts), int8 = try dense.energy(.int8, contexts: contexts)
        let levels = try ThreeLevelComparison(spiking: SpikingSide(ledger: r.ledger, tokens: r.tokensDone), fp16: fp16, int8: int8, table: table)
        let note = m.options.includeLMHead ? nil : "the dense baselines include the LM head, which is off the chip here"
        return Comparison(fp16: fp16, int8: int8, levels: levels, note: note)
    }

    func report(_ m: ChipMapping, _ w: Workload, _ r: RunResult, _ c: Comparison, _ loop: ClosedLoopOutcome?, configuredSilent: Double?,
                runID: RunID?) throws {
        let s = m.summary()
        let tokens = Double(max(r.tokensDone, 1))
        let latencies = r.tokenLatencies.map(\.nanoseconds)
        let measuredSilent = r.activity.isEmpty ? 0 : r.activity.reduce(0.0) { $0 + $1.silentPerStep * Double($1.neurons) } / Double(r.activity.reduce(0) { $0 + $1.neurons })
        switch format {
        case .json:
            var kinds: [String: Any] = [:]
            for k in EnergyKind.allCases {
                kinds[k.name] = ["picojoules_per_token": r.ledger.energy(k).picojoules / tokens, "operations": r.ledger.count(k)]
            }
            var object: [String: Any] = [
                "run": runID.map { Int($0.rawValue) } as Any, "database": noDb ? NSNull() : db as Any,
                "model": m.spec.name, "layers": m.layers, "topology": m.topology.name, "cores_used": s.coresUsed, "chips_used": s.chipsUsed,
                "tokens": r.tokensDone, "time_steps": w.timeSteps, "seed": seed, "events": r.events, "wall_seconds": r.wallSeconds,
                "latency_ns_per_token": latencies, "picojoules_per_token": r.ledger.total.picojoules / tokens, "energy_by_kind": kinds,
                "spikes": r.traffic.spikes, "partial_sums": m.options.partialSums.description, "graded_packets": r.traffic.gradedPackets,
                "partial_sum_spikes": r.traffic.partialSumSpikes, "deliveries": r.traffic.delivered, "dropped": r.traffic.dropped, "late": r.traffic.late,
                "measured_silent_per_step": measuredSilent,
                "levels": c.levels.levels.map { ["level": $0.number, "name": $0.name, "spiking_pj_per_token": $0.spikingPJPerToken,
                                                 "percent_less_than_fp16": $0.percentLessThanFP16, "percent_less_than_int8": $0.percentLessThanINT8] },
            ]
            if let loop { object["closed_loop"] = loop.json }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        case .text:
            let t = m.topology
            print("SpikeChip \(SpikeChip.version)" + (runID.map { ": run \($0) stored in \(db) (log: \(log.rawValue))" } ?? ": no database"))
            print("model     \(m.spec.name), \(m.layers) layers\(m.options.includeLMHead ? " + LM head" : ""), on \(t.name): \(s.coresUsed) cores on \(s.chipsUsed) of \(t.chipCount) chips")
            if let loop {
                print(String(format: "workload  closed loop, %d position(s) (%d prompt + %d generated − 1), T = %d, silent per step %.3f (measured), seed %llu",
                             r.tokensDone, loop.promptTokens, loop.generatedTokens, w.timeSteps, measuredSilent, seed))
                loop.printText()
            } else if let silent = configuredSilent {
                print(String(format: "workload  %d token(s), T = %d, silent per step %.3f (measured %.3f), context %d, seed %llu",
                             r.tokensDone, w.timeSteps, silent, measuredSilent, w.context, seed))
            } else {
                print(String(format: "workload  %d token(s), T = %d, silent per step %.3f (measured), context %d, seed %llu",
                             r.tokensDone, w.timeSteps, measuredSilent, w.context, seed))
            }
            print(String(format: "events    %@ in %.2f s wall (%.2f M events/s), peak %@ pending, %d partition(s)",
                         group(r.events) as NSString, r.wallSeconds, Double(r.events) / max(r.wallSeconds, 1e-9) / 1e6,
                         group(UInt64(r.peakPendingEvents)) as NSString, r.partitions))
            print("spikes    \(group(r.traffic.spikes)) sent, \(group(r.traffic.delivered)) copies delivered to tiles, \(r.traffic.dropped) dropped, \(r.traffic.late) late; \(group(r.traffic.hops)) hops, \(group(r.traffic.chipCrossings)) chip crossings")
            print("partials \(m.options.partialSums): " + (m.options.partialSums == .graded
                ? "\(group(r.traffic.gradedPackets)) graded packets" : "\(group(r.traffic.partialSumSpikes)) spikes to reduction neurons"))
            print("latency   " + latencies.map { String(format: "%.3f µs", $0 / 1000) }.joined(separator: ", ") + " per token (simulated)")
            print("energy    \(Energy.format(picojoules: r.ledger.total.picojoules / tokens)) per token")
            let total = max(r.ledger.total.picojoules, 1e-30)
            for k in EnergyKind.allCases where r.ledger.count(k) > 0 {
                let pj = r.ledger.energy(k).picojoules
                print(String(format: "  %-17@ %12@ per token  %5.1f%%  (%@ operations)", k.name as NSString,
                             Energy.format(picojoules: pj / tokens) as NSString, 100 * pj / total, group(r.ledger.count(k)) as NSString))
            }
            print("against dense baselines of the same tokens (\(c.levels.levels.first.map { _ in "FP16 and INT8, \(hierarchy ?? "default hierarchy")" } ?? "")):")
            print(c.levels.summaryText())
            if let note = c.note { print("  note: \(note)") }
            if let runID { print("report:   spikechip report \(db) --run \(runID)") }
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

    func energyTable(_ t: Topology) -> [EnergyTableEntry] {
        let src = "topology \(t.name) (cited in its YAML)"
        var rows: [(String, OpCost, String)] = [
            ("synaptic_op", t.synapticOp, "per synapse"), ("neuron_update", t.neuronUpdate, "per neuron"), ("spike_out", t.spikeOut, "per packet"),
            ("hop_east_west", t.hopEastWest, "per flit"), ("hop_north_south", t.hopNorthSouth, "per flit"), ("chip_link", t.chipLink, "per flit"),
        ]
        let fu = t.functionUnit
        rows += [("fu_add", fu.add, "per op"), ("fu_multiply", fu.multiply, "per op"), ("fu_exp", fu.exp, "per op"), ("fu_divide", fu.divide, "per op"),
                 ("fu_rsqrt", fu.rsqrt, "per op"), ("fu_compare", fu.compare, "per op"), ("fu_memory_read", fu.memoryRead, "per byte"),
                 ("fu_memory_write", fu.memoryWrite, "per byte")]
        return rows.map { EnergyTableEntry(name: $0.0, picojoules: $0.1.energy.picojoules, unit: $0.2, source: src) }
            + [EnergyTableEntry(name: "chip_static_power", picojoules: t.chipStaticPowerMilliwatts, unit: "pJ per ns per chip (mW)", source: src)]
    }

    func mappingRows(_ m: ChipMapping) -> [MappingRow] {
        m.projections.map { p in
            let chips = (p.firstTile..<(p.firstTile + p.tileCount)).map { m.topology.chip(of: Int(m.tiles[$0].core)) }
            return MappingRow(layer: p.layer, projection: p.name, cores: p.tileCount, firstChip: chips.min() ?? 0, lastChip: chips.max() ?? 0)
        }
    }
}
