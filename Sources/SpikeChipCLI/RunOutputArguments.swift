import ArgumentParser
import Baselines
import Energy
import Engine
import Foundation
import Mapping
import ModelShapes
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

    @Option(parsing: .unconditional, help: "Batch of the amortised DRAM scenario: the dense accelerator streams its weights from DRAM once per batch of this many tokens (besides same-memory and DRAM at batch 1). Default: 16.")
    var batch = 16

    @Option(help: "Summary format on stdout: text or json. Default: text.")
    var format: OutputFormat = .text

    @Flag(help: "No progress line on stderr.")
    var quiet = false

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

    /// Simulates, stores and reports one run; `outcome` turns the final source into the
    /// closed loop's part of the report (nil in statistical mode).
    func execute<Source: SpikeSource>(_ m: ChipMapping, _ workload: Workload, _ source: Source, encoderLabel: String,
                                      statistics: SpikeCountDistribution?, shouldStop: (() -> Bool)? = nil,
                                      outcome: (Source, RunResult) throws -> ClosedLoopOutcome?) throws {
        try workload.validate()
        if workload.context + workload.tokens > m.spec.contextLength {
            FileHandle.standardError.write(Data("warning: positions \(workload.context)…\(workload.context + workload.tokens - 1) go beyond \(m.spec.name)'s context length of \(m.spec.contextLength); the attention work is simulated as if the model accepted them\n".utf8))
        }
        guard (1...1_000_000).contains(batch) else { throw ValidationError("--batch must be between 1 and 1000000 tokens, got \(batch)") }
        let table = try BaselineTable(contentsOf: URL(fileURLWithPath: try ResourceLocator.baselines(baselines))).scaled(to: m.topology.technology)
        // Positions each token attends to, itself included (as the engine's attention work counts them).
        let contexts = (0..<workload.tokens).map { workload.context + $0 + 1 }

        if noDb {
            let (result, final) = try simulate(m, workload, source, sink: DiscardingSink(), shouldStop: shouldStop)
            if let stall = stallMessage(result, workload) {
                FileHandle.standardError.write(Data("error: \(stall)\n".utf8))
                throw ExitCode(1)
            }
            let loop = try outcome(final, result)
            let comparison = try compare(m, result, table, contexts: contexts)
            try report(m, workload, result, comparison, loop, statistics: statistics, runID: nil)
            if result.interrupted { throw ExitCode(130) }
            return
        }
        let store = try RunStore(path: db)
        let info = RunInfo(
            commandLine: CommandLine.arguments, toolVersion: SpikeChip.version, seed: seed, topologyName: m.topology.name,
            topologyYAML: m.topology.source, energyTable: energyTable(m.topology, dense: table),
            model: try ModelRecord(name: m.spec.name, layers: m.layers, spec: m.spec), encoder: encoderLabel,
            timeSteps: workload.timeSteps, logLevel: log, chips: m.topology.chipCount, meshX: m.topology.meshX, meshY: m.topology.meshY,
            mapping: mappingRows(m))
        let id = try store.beginRun(info)
        let sink = try store.makeSink(run: id)
        let (result, final) = try simulate(m, workload, source, sink: sink, shouldStop: shouldStop)
        // The writer commits the energy stream on its own thread; a failure there (disk full, a lock
        // taken away) surfaces here, and the run is then not complete, whatever the engine computed.
        var storeFailure: Error?
        do { try sink.close() } catch { storeFailure = error }
        if result.interrupted {
            _ = try store.markInterrupted(id, reason: "stopped by signal \(InterruptFlag.receivedSignal ?? SIGINT)", wallSeconds: result.wallSeconds)
            FileHandle.standardError.write(Data("interrupted: run \(id) in \(db) is stored as interrupted, with the events simulated so far\n".utf8))
            throw ExitCode(130)
        }
        if let stall = stallMessage(result, workload) {
            _ = try? store.markInterrupted(id, reason: stall, wallSeconds: result.wallSeconds)
            FileHandle.standardError.write(Data("error: \(stall)\nRun \(id) in \(db) is marked interrupted, with the events simulated.\n".utf8))
            throw ExitCode(1)
        }
        let loop: ClosedLoopOutcome?
        do {
            loop = try outcome(final, result)
        } catch {
            _ = try store.markInterrupted(id, reason: "closed loop failed: \(error)", wallSeconds: result.wallSeconds)
            throw error
        }
        let comparison = try compare(m, result, table, contexts: contexts)
        do {
            if let storeFailure { throw storeFailure }
            try storeResults(result, comparison, m, statistics: statistics, into: store, run: id)
        } catch {
            // Nothing the run computed is lost: the summary still goes to stdout, the run is marked
            // interrupted (when the database takes even that), and the exit status says so.
            let marked = (try? store.markInterrupted(id, reason: "results not stored: \(error)", wallSeconds: result.wallSeconds)) != nil
            try report(m, workload, result, comparison, loop, statistics: statistics, runID: nil)
            FileHandle.standardError.write(Data("""
                error: the results of run \(id) could not be stored in \(db): \(error)
                The summary above is complete. \(marked ? "Run \(id) is marked interrupted in the database." : "The database could not be written at all; run \(id) stays marked running until the next open finds its process gone.")
                Free disk space or choose another --db, then run again.

                """.utf8))
            throw ExitCode(1)
        }
        try report(m, workload, result, comparison, loop, statistics: statistics, runID: id)
    }

    /// Why a run that was not interrupted ended with tokens unfinished (nil: every token finished).
    /// A packet dropped at a full router buffer (`router.buffer_packets`) can take a step's completion
    /// marker with it; the tile then waits for it forever and the event queue drains.
    func stallMessage(_ r: RunResult, _ w: Workload) -> String? {
        guard !r.interrupted, r.tokensDone < w.tokens else { return nil }
        return "the run stalled: \(r.tokensDone) of \(w.tokens) token(s) finished. \(r.traffic.droppedPackets) packet(s) were dropped at full router "
            + "buffers and \(r.traffic.dropped) spike copies lost, so some tile never heard the end of a step. Set router.buffer_packets "
            + "higher, or to 0 (unbounded buffers), in the topology."
    }

    /// The run's rows after the energy stream: spike activity, dense baselines, the energy study, totals.
    func storeResults(_ result: RunResult, _ comparison: Comparison, _ m: ChipMapping, statistics: SpikeCountDistribution?,
               into store: RunStore, run id: RunID) throws {
        try store.insertLinkTraffic(run: id, result.links.map {
            LinkTrafficRow(chip: $0.chip, router: $0.core, direction: $0.crossesChip ? "chip-\($0.direction.name)" : $0.direction.name,
                           packets: Int($0.packets))
        })
        try store.insertLayerActivity(run: id, result.activity.map {
            LayerActivityRow(token: $0.token, layer: $0.layer, stage: $0.stage, neurons: $0.neurons, timeSteps: $0.timeSteps,
                             spikes: $0.spikes, silentFraction: $0.silentFraction)
        })
        try store.insertBaseline(run: id, comparison.study.scenarios.flatMap { sc in [sc.fp16, sc.int8].flatMap { r in
            DenseBaseline.Component.allCases.map { c in
                BaselineRow(precision: r.precision.rawValue, layer: nil, component: c.rawValue, operations: r.operations(c),
                            picojoules: r.picojoules([c]), scenario: sc.scenario.description)
            }
        } })
        if let same = comparison.study.scenario(.sameMemory) {
            try store.insertComparison(run: id, same.levels.map {
                ComparisonRow(level: $0.number, name: $0.name, spikingPicojoules: $0.spikingPJ, fp16Picojoules: $0.fp16PJ, int8Picojoules: $0.int8PJ)
            })
        }
        try store.insertStudy(run: id, studyRow(m, result, comparison, statistics: statistics), levels: comparison.study.scenarios.flatMap { sc in
            sc.levels.map { l in
                func ranged(_ v: Double, _ r: ClosedRange<Double>) -> RangedValue { RangedValue(value: v, low: r.lowerBound, high: r.upperBound) }
                return ScenarioLevelRow(scenario: sc.scenario.description, assumption: sc.scenario.assumption, level: l.number, name: l.name,
                                        spiking: ranged(l.spikingPJ, l.spikingRange), fp16: ranged(l.fp16PJ, l.denseRange(.fp16)),
                                        int8: ranged(l.int8PJ, l.denseRange(.int8)), fp16Factor: l.factorRange(.fp16), int8Factor: l.factorRange(.int8))
            }
        }, breakEven: comparison.study.breakEven.map {
            BreakEvenRow(scenario: $0.scenario.description, level: $0.level, versus: $0.versus.rawValue,
                         spikesPerActivation: $0.spikesPerActivation, firingRatePerStep: $0.firingRatePerStep)
        }, sensitivity: comparison.study.scenarios.flatMap { sc in
            sc.levels.filter { $0.number > 1 }.flatMap { l in
                DensePrecision.allCases.flatMap { p in
                    l.sensitivity(p).map {
                        SensitivityRow(scenario: sc.scenario.description, level: l.number, versus: p.rawValue, figure: $0.key,
                                       ratioAtLow: $0.ratioAtLow, ratioAtHigh: $0.ratioAtHigh)
                    }
                }
            }
        })
        try store.finishRun(id, status: .complete, totals: RunTotals(ledger: result.ledger, simulatedTime: result.finalTime,
                                                                       tokens: result.tokensDone, wallSeconds: result.wallSeconds))
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
        var study: EnergyStudy
        var spiking: SpikingSide
        var silicon: SiliconBudget
    }

    /// Prices the same work (the mapped layers, and the LM head when it is mapped) on dense FP16 and
    /// INT8 accelerators in every scenario, at the topology's node.
    func compare(_ m: ChipMapping, _ r: RunResult, _ table: BaselineTable, contexts all: [Int]) throws -> Comparison {
        let dense = try DenseBaseline(model: m.spec, layers: m.layers, head: m.options.includeLMHead, table: table,
                                      shared: SharedHardware(mapping: m))
        let silicon = m.siliconBudget()
        let spiking = SpikingSide(result: r, mapping: m, silicon: silicon)
        var scenarios: [DenseScenario] = [.sameMemory, .dram(batch: 1)]
        if batch > 1 { scenarios.append(.dram(batch: batch)) }
        let study = try EnergyStudy(spiking: spiking, dense: dense, contexts: Array(all.prefix(r.tokensDone)), scenarios: scenarios,
                                    timeSteps: r.activity.first?.timeSteps ?? 1)
        return Comparison(study: study, spiking: spiking, silicon: silicon)
    }

    /// What backs the spike statistics of a run.
    func statisticsSource(_ statistics: SpikeCountDistribution?, _ loop: Bool) -> String {
        if let statistics {
            let paper = statistics.silentFraction == 0.69 && statistics.spikesPerActivation == 1.13
            return paper ? "SpikingBrain-7B's reported statistics (Table 11: 0.692 zero counts at k = 3; Sec. 5.5: 1.13 spikes per activation), not a model run here"
                : "statistical source set by --silent / --spikes-per-activation; no model backs these rates"
        }
        return loop ? "a closed loop measured here (top-1 and KL against the dense model below)" : "a recorded trace"
    }

    func studyRow(_ m: ChipMapping, _ r: RunResult, _ c: Comparison, statistics: SpikeCountDistribution?) -> StudyRow {
        let tokens = Double(max(r.tokensDone, 1))
        let latency = r.tokenLatencies.reduce(0.0) { $0 + $1.nanoseconds } / tokens
        let energy = r.ledger.total.picojoules / tokens
        let s = r.spikeStatistics, mw = c.silicon.staticMilliwatts
        return StudyRow(chipsX: m.topology.chipsX, technologyNanometres: m.topology.technology.node.nanometres, voltage: m.topology.technology.voltage,
                        squareMillimetres: c.silicon.squareMillimetres, largestChipSquareMillimetres: c.silicon.chips.map(\.squareMillimetres).max() ?? 0,
                        reticleSquareMillimetres: c.silicon.reticleSquareMillimetres, staticMilliwatts: RangedValue(value: mw.value, low: mw.low, high: mw.high),
                        latencyNanoseconds: latency, averagePowerWatts: latency > 0 ? energy / latency / 1000 : 0, energyDelay: energy * latency,
                        silentPerToken: s.silentPerToken, spikesPerActivation: s.spikesPerActivation, firingRatePerStep: s.firingRatePerStep,
                        statistics: statisticsSource(statistics, false))
    }

    func report(_ m: ChipMapping, _ w: Workload, _ r: RunResult, _ c: Comparison, _ loop: ClosedLoopOutcome?, statistics: SpikeCountDistribution?,
                runID: RunID?) throws {
        let s = m.summary()
        let tokens = Double(max(r.tokensDone, 1))
        let latencies = r.tokenLatencies.map(\.nanoseconds)
        let spikeStats = r.spikeStatistics
        let row = studyRow(m, r, c, statistics: statistics)
        let backing = statisticsSource(statistics, loop != nil)
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
                "tokens": r.tokensDone, "time_steps": w.timeSteps, "seed": seed, "events": r.events, "wall_seconds": r.wallSeconds,
                "latency_ns_per_token": latencies, "picojoules_per_token": r.ledger.total.picojoules / tokens, "energy_by_kind": kinds,
                "spikes": r.traffic.spikes, "partial_sums": m.options.partialSums.description, "graded_packets": r.traffic.gradedPackets,
                "partial_sum_spikes": r.traffic.partialSumSpikes, "deliveries": r.traffic.delivered, "dropped": r.traffic.dropped, "late": r.traffic.late,
                "dropped_packets": r.traffic.droppedPackets,
                "technology_nm": tech.node.nanometres, "voltage_v": tech.voltage,
                "silent_per_token": spikeStats.silentPerToken, "spikes_per_activation": spikeStats.spikesPerActivation,
                "firing_rate_per_step": spikeStats.firingRatePerStep,
                "statistics_source": backing,
                "area_mm2": c.silicon.squareMillimetres, "largest_chip_mm2": row.largestChipSquareMillimetres,
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
                print(String(format: "workload  %d token(s), T = %d, context %d, seed %llu%@", r.tokensDone, w.timeSteps, w.context, seed,
                             (statistics.map { ", \($0.coding.rawValue) coding" } ?? "") as NSString))
            }
            print(String(format: "spikes    %.3f silent per token, %.3f spikes per activation, %.4f per neuron and step (measured); backed by %@",
                         spikeStats.silentPerToken, spikeStats.spikesPerActivation, spikeStats.firingRatePerStep, backing as NSString))
            print(String(format: "events    %@ in %.2f s wall (%.2f M events/s), peak %@ pending, %d partition(s)",
                         group(r.events) as NSString, r.wallSeconds, Double(r.events) / max(r.wallSeconds, 1e-9) / 1e6,
                         group(UInt64(r.peakPendingEvents)) as NSString, r.partitions))
            print("packets   \(group(r.traffic.spikes)) spikes sent, \(group(r.traffic.delivered)) copies delivered to tiles, \(r.traffic.dropped) dropped, \(r.traffic.late) late; \(group(r.traffic.hops)) hops, \(group(r.traffic.chipCrossings)) chip crossings; \(r.traffic.droppedPackets) packets dropped at full router buffers")
            print("partials \(m.options.partialSums): " + (m.options.partialSums == .graded
                ? "\(group(r.traffic.gradedPackets)) graded packets" : "\(group(r.traffic.partialSumSpikes)) spikes to reduction neurons"))
            print("latency   " + latencies.map { String(format: "%.3f µs", $0 / 1000) }.joined(separator: ", ") + " per token (simulated)")
            let over = c.silicon.chipsOverReticle
            let mw = c.silicon.staticMilliwatts
            print(String(format: "silicon   %.0f mm² on %d chips (largest %.0f mm²%@), static %@ (range %@ – %@)",
                         c.silicon.squareMillimetres, t.chipCount, row.largestChipSquareMillimetres,
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

    /// Every cost figure of the topology with its range and the source the file cites for it.
    func energyTable(_ t: Topology, dense: BaselineTable) -> [EnergyTableEntry] {
        let units: [(String, String)] = [
            ("core.synaptic_op.energy_pj", "pJ per synapse"), ("core.weight_read_pj_per_byte", "pJ per weight byte (part of synaptic_op)"),
            ("core.neuron_update.energy_pj", "pJ per neuron"), ("core.spike_out.energy_pj", "pJ per packet"),
            ("router.hop.east_west.energy_pj", "pJ per flit"), ("router.hop.north_south.energy_pj", "pJ per flit"),
            ("system.chip_link.energy_pj", "pJ per flit"),
        ] + ["add", "multiply", "exp", "divide", "rsqrt", "compare"].map { ("function_unit.ops.\($0).energy_pj", "pJ per op") }
          + ["memory_read_byte", "memory_write_byte"].map { ("function_unit.ops.\($0).energy_pj", "pJ per byte") }
          + [("chip.static_power_mw", "mW per chip")]
        let node = t.scaledFrom.map { "\(t.technology.label), scaled from \($0.label) by Stillmaker & Baas" } ?? t.technology.label
        var rows = units.compactMap { key, unit in
            t.figures[key].map { EnergyTableEntry(name: key, picojoules: $0.value, unit: unit, source: "\(t.citation(of: key)) [\(node)]",
                                                  low: $0.low, high: $0.high) }
        }
        if case .derived = t.staticPower {
            let n = t.technology.node
            rows.append(EnergyTableEntry(name: "sram_leakage", picojoules: n.sramLeakagePicowattsPerBit.value, unit: "pW per bit",
                                         source: "topologies/technology.yaml, \(n.nanometres) nm (CACTI 7.0, simulated)",
                                         low: n.sramLeakagePicowattsPerBit.low, high: n.sramLeakagePicowattsPerBit.high))
            rows.append(EnergyTableEntry(name: "logic_leakage", picojoules: n.logicLeakageMilliwattsPerSquareMillimetre.value, unit: "mW per mm²",
                                         source: "topologies/technology.yaml, \(n.nanometres) nm (Aladdin 40 nm synthesis; assumed at other nodes)",
                                         low: n.logicLeakageMilliwattsPerSquareMillimetre.low, high: n.logicLeakageMilliwattsPerSquareMillimetre.high))
        }
        let denseNode = dense.technology.label
        rows += dense.citations.map {
            let node = $0.key.hasPrefix("dram.read") || $0.key.hasPrefix("dram.background") || $0.key.hasPrefix("accelerator.")
                ? "not scaled" : denseNode
            return EnergyTableEntry(name: "dense.\($0.key)", picojoules: $0.figure.value, unit: $0.unit,
                                    source: "\($0.text) [\(node); topologies/baselines.yaml]", low: $0.figure.low, high: $0.figure.high)
        }
        return rows
    }

    func mappingRows(_ m: ChipMapping) -> [MappingRow] {
        m.projections.map { p in
            let chips = (p.firstTile..<(p.firstTile + p.tileCount)).map { m.topology.chip(of: Int(m.tiles[$0].core)) }
            return MappingRow(layer: p.layer, projection: p.name, cores: p.tileCount, firstChip: chips.min() ?? 0, lastChip: chips.max() ?? 0)
        }
    }
}
