import Baselines
import Energy
import Engine
import Foundation
import Mapping
import ModelShapes
import SimKernel
import Store
import Topology

/// One run, from a mapped model and a spike source to stored rows and the energy study: the
/// sequence every way of driving the chip shares (`spikechip run`, `replay`, `record`, sweeps,
/// tests). It prints nothing and never exits; the caller reports the `RunOutcome`.
///
/// With a database, the run row is begun before the simulation, the energy stream is written on
/// the sink's threads while it runs, and the run ends marked complete only when every row is
/// committed; otherwise it is marked interrupted with the reason, keeping what was committed.
public struct RunPipeline {
    public let mapping: ChipMapping
    public let workload: Workload
    public let settings: RunSettings
    /// The baseline table at the topology's node.
    public let baselines: BaselineTable

    /// Checks the workload and settings before anything is allocated.
    public init(mapping: ChipMapping, workload: Workload, settings: RunSettings) throws {
        try workload.validate()
        if let problem = RunSettings.batchProblem(settings.batch) { throw EngineError.invalidWorkload(problem) }
        self.mapping = mapping; self.workload = workload; self.settings = settings
        baselines = settings.baselines.scaled(to: mapping.topology.technology)
    }

    /// Simulates `source`, stores the run and prices the same work densely.
    /// - Parameters:
    ///   - progress: called every 65,536 events with the events handled and the wall seconds so far.
    ///   - shouldStop: polled as often; true stops the run, which then ends `.interrupted` with `stopReason()`.
    ///   - outcome: the caller's own result from the final source (the closed loop's), computed before the study.
    ///
    /// Inlinable, as `ChipRun.run` is, so that the kernel's loop is specialised for the caller's concrete
    /// source and sink: generic code here would run the event queue unspecialised, about 6× slower.
    @inlinable
    public func execute<Source: SpikeSource, Extra>(
        source: Source, encoderLabel: String, statistics: SpikeCountDistribution?,
        progress: ((_ events: Double, _ seconds: Double) -> Void)? = nil,
        shouldStop: (() -> Bool)? = nil, stopReason: () -> String = { "stopped by the caller" },
        outcome: (Source, RunResult) throws -> Extra
    ) throws -> RunOutcome<Extra> {
        guard let database = settings.database else {
            let (result, final) = try simulate(source, sink: DiscardingSink(), progress: progress, shouldStop: shouldStop)
            if let stall = stallMessage(result) { return RunOutcome(status: .stalled(stall), result: result) }
            let extra = try outcome(final, result)
            // A run stopped before its first token finished has nothing to compare (the database path
            // stores such a run without a comparison, too).
            return RunOutcome(status: result.interrupted ? .interrupted : .complete, result: result, extra: extra,
                              comparison: result.interrupted && result.tokensDone == 0 ? nil : try compare(result))
        }
        let store = try RunStore(path: database)
        let m = mapping
        let info = RunInfo(
            commandLine: settings.commandLine, toolVersion: settings.toolVersion, seed: settings.seed, topologyName: m.topology.name,
            topologyYAML: m.topology.source, energyTable: energyTable(m.topology, dense: baselines),
            model: try ModelRecord(name: m.spec.name, layers: m.layers, spec: m.spec), encoder: encoderLabel,
            timeSteps: workload.timeSteps, logLevel: settings.log, chips: m.topology.chipCount, meshX: m.topology.meshX, meshY: m.topology.meshY,
            mapping: mappingRows(m), sweepPoint: settings.sweepPoint)
        let id = try store.beginRun(info)
        let sink = try store.makeSink(run: id, options: SQLiteEnergySink.Options(aggregateInline: settings.aggregateInline))
        let (result, final) = try simulate(source, sink: sink, progress: progress, shouldStop: shouldStop)
        // The writer commits the energy stream on its own thread; a failure there (disk full, a lock
        // taken away) surfaces here, and the run is then not complete, whatever the engine computed.
        var storeFailure: (any Error)?
        do { try sink.close() } catch { storeFailure = error }
        if result.interrupted {
            _ = try store.markInterrupted(id, reason: stopReason(), wallSeconds: result.wallSeconds)
            return RunOutcome(status: .interrupted, result: result, run: id)
        }
        if let stall = stallMessage(result) {
            _ = try? store.markInterrupted(id, reason: stall, wallSeconds: result.wallSeconds)
            return RunOutcome(status: .stalled(stall), result: result, run: id)
        }
        let extra: Extra
        do {
            extra = try outcome(final, result)
        } catch {
            _ = try store.markInterrupted(id, reason: "closed loop failed: \(error)", wallSeconds: result.wallSeconds)
            throw error
        }
        let comparison = try compare(result)
        do {
            if let storeFailure { throw storeFailure }
            try storeResults(result, comparison, statistics: statistics, extras: extra as? any RunExtras, into: store, run: id)
        } catch {
            // Nothing the run computed is lost: the outcome carries it all, and the run is marked
            // interrupted when the database takes even that.
            let marked = (try? store.markInterrupted(id, reason: "results not stored: \(error)", wallSeconds: result.wallSeconds)) != nil
            return RunOutcome(status: .notStored(error: error, marked: marked), result: result, extra: extra, comparison: comparison, run: id)
        }
        return RunOutcome(status: .complete, result: result, extra: extra, comparison: comparison, run: id)
    }

    /// Why a run that was not interrupted ended with tokens unfinished (nil: every token finished).
    /// A packet dropped at a full router buffer (`router.buffer_packets`) can take a step's completion
    /// marker with it; the tile then waits for it forever and the event queue drains.
    @usableFromInline
    func stallMessage(_ r: RunResult) -> String? {
        guard !r.interrupted, r.tokensDone < workload.tokens else { return nil }
        return "the run stalled: \(r.tokensDone) of \(workload.tokens) token(s) finished. \(r.traffic.droppedPackets) packet(s) were dropped at full router "
            + "buffers and \(r.traffic.dropped) spike copies lost, so some tile never heard the end of a step. Set router.buffer_packets "
            + "higher, or to 0 (unbounded buffers), in the topology."
    }

    /// Runs the chip with `sink`.
    @inlinable
    func simulate<Source: SpikeSource, Sink: EnergySink>(_ source: Source, sink: Sink, progress: ((Double, Double) -> Void)?,
                                                         shouldStop: (() -> Bool)?) throws -> (RunResult, Source) {
        var chip = try ChipRun(mapping: mapping, workload: workload, source: source, sink: sink, partitioning: settings.partitions,
                                threads: settings.threads, ranks: settings.ranks)
        var polls = 0
        let started = ContinuousClock.now
        let result = chip.run(shouldStop: {
            polls += 1
            progress?(Double(polls) * 65536, (ContinuousClock.now - started).inSeconds)
            return shouldStop?() == true
        })
        return (result, chip.model.source)
    }

    /// The run's rows after the energy stream: spike activity, dense baselines, the energy study, totals.
    @usableFromInline
    func storeResults(_ result: RunResult, _ comparison: Comparison, statistics: SpikeCountDistribution?, extras: (any RunExtras)?,
                      into store: RunStore, run id: RunID) throws {
        var study = studyRow(result, comparison, statistics: statistics, closedLoop: extras?.isClosedLoop == true)
        study.top1Agreement = extras?.fidelity?.top1Agreement
        study.meanKL = extras?.fidelity?.meanKL
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
        try store.insertStudy(run: id, study, levels: comparison.study.scenarios.flatMap { sc in
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


    /// Prices the same work (the mapped layers, and the LM head when it is mapped) on dense FP16 and
    /// INT8 accelerators in every scenario, at the topology's node, for the tokens that finished.
    public func compare(_ r: RunResult) throws -> Comparison {
        let m = mapping
        var dense = try DenseBaseline(model: m.spec, layers: m.layers, head: m.options.includeLMHead, table: baselines,
                                      shared: SharedHardware(mapping: m))
        // Positions each token attends to, itself included (as the engine's attention work counts them).
        let all = (0..<workload.tokens).map { workload.context + $0 + 1 }
        let batch = settings.batch
        let silicon = m.siliconBudget()
        let spiking = SpikingSide(result: r, mapping: m, silicon: silicon)
        var scenarios: [DenseScenario]
        if workload.pipelined {
            // A prefill gives the dense side the same advantage the pipeline gives the chip: the whole
            // prompt at once, each weight read once for all its tokens (or once per --batch when smaller).
            let prompt = max(r.tokensDone, 1)
            dense.weightReuse = prompt
            scenarios = [.sameMemory, .dram(batch: prompt)]
            if batch < prompt { scenarios.append(.dram(batch: batch)) }
        } else {
            scenarios = [.sameMemory, .dram(batch: 1)]
            if batch > 1 { scenarios.append(.dram(batch: batch)) }
        }
        let study = try EnergyStudy(spiking: spiking, dense: dense, contexts: Array(all.prefix(r.tokensDone)), scenarios: scenarios,
                                    timeSteps: r.timeSteps)
        return Comparison(study: study, spiking: spiking, silicon: silicon, mapping: m.summary())
    }

    /// What backs the spike statistics of a run.
    public func statisticsSource(_ statistics: SpikeCountDistribution?, closedLoop loop: Bool) -> String {
        if let statistics {
            let paper = statistics.silentFraction == 0.69 && statistics.spikesPerActivation == 1.13
            return paper ? "SpikingBrain-7B's reported statistics (Table 11: 0.692 zero counts at k = 3; Sec. 5.5: 1.13 spikes per activation), not a model run here"
                : "statistical source set by --silent / --spikes-per-activation; no model backs these rates"
        }
        return loop ? "a closed loop measured here (top-1 and KL against the dense model below)" : "a recorded trace"
    }

    /// The run's node, silicon, power and spike statistics, as stored and reported.
    public func studyRow(_ r: RunResult, _ c: Comparison, statistics: SpikeCountDistribution?, closedLoop: Bool) -> StudyRow {
        let m = mapping
        let tokens = Double(max(r.tokensDone, 1))
        let latency = r.tokens.meanNanoseconds
        let energy = r.ledger.total.picojoules / tokens
        let s = r.spikeStatistics, mw = c.silicon.staticMilliwatts
        return StudyRow(chipsX: m.topology.chipsX, technologyNanometres: m.topology.technology.node.nanometres, voltage: m.topology.technology.voltage,
                        squareMillimetres: c.silicon.squareMillimetres, largestChipSquareMillimetres: c.silicon.chips.map(\.squareMillimetres).max() ?? 0,
                        reticleSquareMillimetres: c.silicon.reticleSquareMillimetres, staticMilliwatts: RangedValue(value: mw.value, low: mw.low, high: mw.high),
                        latencyNanoseconds: latency, averagePowerWatts: latency > 0 ? energy / latency / 1000 : 0, energyDelay: energy * latency,
                        silentPerToken: s.silentPerToken, spikesPerActivation: s.spikesPerActivation, firingRatePerStep: s.firingRatePerStep,
                        statistics: statisticsSource(statistics, closedLoop: closedLoop), coresUsed: c.mapping.coresUsed, chipsUsed: c.mapping.chipsUsed,
                        poweredSquareMillimetres: c.silicon.poweredSquareMillimetres)
    }

    /// Every cost figure of the topology with its range and the source the file cites for it.
    public func energyTable(_ t: Topology, dense: BaselineTable) -> [EnergyTableEntry] {
        var rows = Self.chipEnergyTable(t)
        let denseNode = dense.technology.label
        rows += dense.citations.map {
            let node = $0.key.hasPrefix("dram.read") || $0.key.hasPrefix("dram.background") || $0.key.hasPrefix("accelerator.")
                ? "not scaled" : denseNode
            return EnergyTableEntry(name: "dense.\($0.key)", picojoules: $0.figure.value, unit: $0.unit,
                                    source: "\($0.text) [\(node); topologies/baselines.yaml]", low: $0.figure.low, high: $0.figure.high)
        }
        return rows
    }

    /// What each of the chip's operations cost in this run, with its source and node.
    public static func chipEnergyTable(_ t: Topology) -> [EnergyTableEntry] {
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
        return rows
    }

    public func mappingRows(_ m: ChipMapping) -> [MappingRow] {
        m.projections.map { p in
            let chips = (p.firstTile..<(p.firstTile + p.tileCount)).map { m.topology.chip(of: Int(m.tiles[$0].core)) }
            return MappingRow(layer: p.layer, projection: p.name, cores: p.tileCount, firstChip: chips.min() ?? 0, lastChip: chips.max() ?? 0)
        }
    }
}
