import Energy
import GRDB

/// Everything a report or a comparison shows about one run, read in one transaction.
public struct RunReportData: Sendable {
    public struct KindEnergy: Sendable, Equatable { public var kind: String; public var operations: Int64; public var picojoules: Double }
    public struct LayerKindEnergy: Sendable, Equatable { public var layer: Int?; public var kind: String; public var picojoules: Double }
    public struct CoreEnergy: Sendable, Equatable { public var chip: Int; public var core: Int; public var picojoules: Double }
    public struct LayerFiring: Sendable, Equatable { public var layer: Int; public var firingRate: Double; public var silentFraction: Double }
    public struct TokenLatency: Sendable, Equatable { public var token: Int; public var nanoseconds: Double; public var picojoules: Double }
    public struct BaselineComponent: Sendable, Equatable {
        public var scenario: String; public var precision: String; public var component: String; public var operations: Double; public var picojoules: Double
    }
    public struct Link: Sendable, Equatable { public var chip: Int; public var router: Int; public var direction: String; public var packets: Int64 }

    public var run: RunSummary
    /// From `energy_summary`, so present at every log level and for interrupted runs.
    public var byKind: [KindEnergy]
    public var byLayerAndKind: [LayerKindEnergy]
    /// Per-core totals (all kinds); empty for a run killed before the end of its stream.
    public var cores: [CoreEnergy]
    public var firing: [LayerFiring]
    public var tokens: [TokenLatency]
    public var comparison: [ComparisonRow]
    /// Dense baseline components summed over layers.
    public var baseline: [BaselineComponent]
    public var hottestLinks: [Link]
    public var energyTable: [EnergyTableEntry]
    /// The energy study (nil for runs stored before it existed).
    public var study: StudyRow?
    public var scenarioLevels: [ScenarioLevelRow]
    public var breakEven: [BreakEvenRow]
    public var sensitivity: [SensitivityRow]

    /// Energy of every summary row, pJ.
    /// A network run's populations and the end of each step in ns (`spikechip network`), nil for LLM runs.
    public struct Network: Sendable, Equatable { public var populations: [NetworkPopulationRow]; public var stepEnds: [Double] }
    public var network: Network?

    public var totalPicojoules: Double { byKind.reduce(0) { $0 + $1.picojoules } }
    /// Tokens with energy rows.
    public var tokenCount: Int { tokens.count }
}

extension RunStore {
    /// The figures of one run for `HTMLReport` and `RunComparison`.
    public func reportData(run id: RunID, hottestLinks: Int = 10) throws -> RunReportData {
        let run = try runRow(id)
        return try readingStoredValues { try database.read { db in
            let r = id.rawValue
            // Files written before the energy study (migration v2) have none of its tables or columns.
            let study2 = try Schema.has("v2", db)
            let byKind = try Row.fetchAll(db, sql: """
                SELECT k.name, SUM(s.count), SUM(s.energy_fj) FROM energy_summary s JOIN energy_kind k ON k.id = s.kind
                WHERE s.run_id = ? GROUP BY s.kind ORDER BY s.kind
                """, arguments: [r]).map { try RunReportData.KindEnergy(kind: $0.decode(atIndex: 0), operations: $0.decode(atIndex: 1), picojoules: Double($0.decode(Int64.self, atIndex: 2)) / 1000) }
            let byLayer = try Row.fetchAll(db, sql: """
                SELECT s.layer, k.name, SUM(s.energy_fj) FROM energy_summary s JOIN energy_kind k ON k.id = s.kind
                WHERE s.run_id = ? GROUP BY s.layer, s.kind ORDER BY s.layer IS NULL, s.layer, s.kind
                """, arguments: [r]).map { try RunReportData.LayerKindEnergy(layer: $0.decode(atIndex: 0), kind: $0.decode(atIndex: 1), picojoules: Double($0.decode(Int64.self, atIndex: 2)) / 1000) }
            let cores = try Row.fetchAll(db, sql: """
                SELECT chip, core, SUM(energy_fj) FROM core_energy WHERE run_id = ? AND core IS NOT NULL GROUP BY chip, core ORDER BY core
                """, arguments: [r]).map { try RunReportData.CoreEnergy(chip: $0.decode(atIndex: 0), core: $0.decode(atIndex: 1), picojoules: Double($0.decode(Int64.self, atIndex: 2)) / 1000) }
            let firing = try Row.fetchAll(db, sql: """
                SELECT layer, 1.0 * SUM(spikes) / MAX(SUM(neurons * time_steps), 1), SUM(silent_fraction * neurons) / MAX(SUM(neurons), 1)
                FROM layer_activity WHERE run_id = ? GROUP BY layer ORDER BY layer
                """, arguments: [r]).map { try RunReportData.LayerFiring(layer: $0.decode(atIndex: 0), firingRate: $0.decode(atIndex: 1), silentFraction: $0.decode(atIndex: 2)) }
            let tokens = try Row.fetchAll(db, sql: """
                SELECT token, MAX(last_time_ps) - MIN(first_time_ps), SUM(energy_fj) FROM energy_summary WHERE run_id = ?
                GROUP BY token ORDER BY token
                """, arguments: [r]).map {
                try RunReportData.TokenLatency(token: $0.decode(atIndex: 0), nanoseconds: Double($0.decode(Int64.self, atIndex: 1)) / 1000, picojoules: Double($0.decode(Int64.self, atIndex: 2)) / 1000)
            }
            let comparison = try Row.fetchAll(db, sql: """
                SELECT level, name, spiking_pj, fp16_pj, int8_pj FROM comparison WHERE run_id = ? ORDER BY level
                """, arguments: [r]).map {
                try ComparisonRow(level: $0.decode(atIndex: 0), name: $0.decode(atIndex: 1), spikingPicojoules: $0.decode(atIndex: 2), fp16Picojoules: $0.decode(atIndex: 3), int8Picojoules: $0.decode(atIndex: 4))
            }
            let baseline = try Row.fetchAll(db, sql: """
                SELECT \(study2 ? "COALESCE(scenario, '(one hierarchy)')" : "'(one hierarchy)'"), precision, component, SUM(operations), SUM(energy_pj) FROM baseline WHERE run_id = ?
                GROUP BY \(study2 ? "scenario, " : "")precision, component ORDER BY MIN(rowid)
                """, arguments: [r]).map {
                try RunReportData.BaselineComponent(scenario: $0.decode(atIndex: 0), precision: $0.decode(atIndex: 1), component: $0.decode(atIndex: 2), operations: $0.decode(atIndex: 3), picojoules: $0.decode(atIndex: 4))
            }
            let links = try Row.fetchAll(db, sql: """
                SELECT chip, router, direction, SUM(packets) AS p FROM link_traffic WHERE run_id = ?
                GROUP BY chip, router, direction ORDER BY p DESC, chip, router, direction LIMIT ?
                """, arguments: [r, hottestLinks]).map {
                try RunReportData.Link(chip: $0.decode(atIndex: 0), router: $0.decode(atIndex: 1), direction: $0.decode(atIndex: 2), packets: $0.decode(atIndex: 3))
            }
            let table = try Row.fetchAll(db, sql: study2 ? "SELECT name, pj, unit, source, low_pj, high_pj FROM energy_table WHERE run_id = ? ORDER BY rowid"
                                                         : "SELECT name, pj, unit, source, NULL, NULL FROM energy_table WHERE run_id = ? ORDER BY rowid",
                                         arguments: [r]).map {
                try EnergyTableEntry(name: $0.decode(atIndex: 0), picojoules: $0.decode(atIndex: 1), unit: $0.decode(atIndex: 2), source: $0.decode(atIndex: 3), low: $0.decode(atIndex: 4), high: $0.decode(atIndex: 5))
            }
            var network: RunReportData.Network?
            if try Schema.has("v4", db) {
                let pops = try Row.fetchAll(db, sql: """
                    SELECT name, kind, neurons, cores, spikes, is_output FROM network_population WHERE run_id = ? ORDER BY population
                    """, arguments: [r]).map {
                    try NetworkPopulationRow(name: $0.decode(atIndex: 0), kind: $0.decode(atIndex: 1), neurons: $0.decode(atIndex: 2), cores: $0.decode(atIndex: 3),
                                             spikes: $0.decode(atIndex: 4), isOutput: $0.decode(atIndex: 5))
                }
                if !pops.isEmpty {
                    let ends = try Row.fetchAll(db, sql: "SELECT end_ps FROM network_step WHERE run_id = ? ORDER BY step", arguments: [r])
                        .map { Double(try $0.decode(Int64.self, atIndex: 0)) / 1000 }
                    network = RunReportData.Network(populations: pops, stepEnds: ends)
                }
            }
            let study = !study2 ? nil : try Row.fetchOne(db, sql: """
                SELECT chips_x, technology_nm, voltage_v, area_mm2, largest_chip_mm2, reticle_mm2, static_mw, static_low_mw, static_high_mw,
                       latency_ns, average_power_w, energy_delay_pj_ns, silent_per_token, spikes_per_activation, firing_rate_per_step, statistics
                FROM study WHERE run_id = ?
                """, arguments: [r]).map {
                try StudyRow(chipsX: $0.decode(atIndex: 0), technologyNanometres: $0.decode(atIndex: 1), voltage: $0.decode(atIndex: 2), squareMillimetres: $0.decode(atIndex: 3), largestChipSquareMillimetres: $0.decode(atIndex: 4),
                         reticleSquareMillimetres: $0.decode(atIndex: 5), staticMilliwatts: RangedValue(value: $0.decode(atIndex: 6), low: $0.decode(atIndex: 7), high: $0.decode(atIndex: 8)),
                         latencyNanoseconds: $0.decode(atIndex: 9), averagePowerWatts: $0.decode(atIndex: 10), energyDelay: $0.decode(atIndex: 11), silentPerToken: $0.decode(atIndex: 12),
                         spikesPerActivation: $0.decode(atIndex: 13), firingRatePerStep: $0.decode(atIndex: 14), statistics: $0.decode(atIndex: 15))
            }
            let levels = !study2 ? [] : try Row.fetchAll(db, sql: """
                SELECT scenario, assumption, level, name, spiking_pj, spiking_low_pj, spiking_high_pj, fp16_pj, fp16_low_pj, fp16_high_pj,
                       int8_pj, int8_low_pj, int8_high_pj, fp16_factor_low, fp16_factor_high, int8_factor_low, int8_factor_high
                FROM scenario_level WHERE run_id = ? ORDER BY rowid
                """, arguments: [r]).map { (x: Row) -> ScenarioLevelRow in
                let lo16: Double = try x.decode(atIndex: 13), hi16: Double = try x.decode(atIndex: 14), lo8: Double = try x.decode(atIndex: 15), hi8: Double = try x.decode(atIndex: 16)
                return ScenarioLevelRow(scenario: try x.decode(atIndex: 0), assumption: try x.decode(atIndex: 1), level: try x.decode(atIndex: 2), name: try x.decode(atIndex: 3),
                                        spiking: RangedValue(value: try x.decode(atIndex: 4), low: try x.decode(atIndex: 5), high: try x.decode(atIndex: 6)), fp16: RangedValue(value: try x.decode(atIndex: 7), low: try x.decode(atIndex: 8), high: try x.decode(atIndex: 9)),
                                        int8: RangedValue(value: try x.decode(atIndex: 10), low: try x.decode(atIndex: 11), high: try x.decode(atIndex: 12)),
                                        fp16Factor: min(lo16, hi16)...max(lo16, hi16), int8Factor: min(lo8, hi8)...max(lo8, hi8))
            }
            let even = !study2 ? [] : try Row.fetchAll(db, sql: """
                SELECT scenario, level, versus, spikes_per_activation, firing_rate_per_step FROM break_even WHERE run_id = ? ORDER BY rowid
                """, arguments: [r]).map {
                try BreakEvenRow(scenario: $0.decode(atIndex: 0), level: $0.decode(atIndex: 1), versus: $0.decode(atIndex: 2), spikesPerActivation: $0.decode(atIndex: 3), firingRatePerStep: $0.decode(atIndex: 4))
            }
            let sensitivity = !study2 ? [] : try Row.fetchAll(db, sql: """
                SELECT scenario, level, versus, figure, ratio_at_low, ratio_at_high FROM sensitivity WHERE run_id = ? ORDER BY rowid
                """, arguments: [r]).map {
                try SensitivityRow(scenario: $0.decode(atIndex: 0), level: $0.decode(atIndex: 1), versus: $0.decode(atIndex: 2), figure: $0.decode(atIndex: 3), ratioAtLow: $0.decode(atIndex: 4), ratioAtHigh: $0.decode(atIndex: 5))
            }
            return RunReportData(run: run, byKind: byKind, byLayerAndKind: byLayer, cores: cores, firing: firing, tokens: tokens,
                                 comparison: comparison, baseline: baseline, hottestLinks: links, energyTable: table,
                                 study: study, scenarioLevels: levels, breakEven: even, sensitivity: sensitivity, network: network)
        } }
    }
}
