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
        public var precision: String; public var component: String; public var operations: Double; public var picojoules: Double
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

    /// Energy of every summary row, pJ.
    public var totalPicojoules: Double { byKind.reduce(0) { $0 + $1.picojoules } }
    /// Tokens with energy rows.
    public var tokenCount: Int { tokens.count }
}

extension RunStore {
    /// The figures of one run for `HTMLReport` and `RunComparison`.
    public func reportData(run id: RunID, hottestLinks: Int = 10) throws -> RunReportData {
        let run = try runRow(id)
        return try database.read { db in
            let r = id.rawValue
            let byKind = try Row.fetchAll(db, sql: """
                SELECT k.name, SUM(s.count), SUM(s.energy_fj) FROM energy_summary s JOIN energy_kind k ON k.id = s.kind
                WHERE s.run_id = ? GROUP BY s.kind ORDER BY s.kind
                """, arguments: [r]).map { RunReportData.KindEnergy(kind: $0[0], operations: $0[1], picojoules: Double($0[2] as Int64) / 1000) }
            let byLayer = try Row.fetchAll(db, sql: """
                SELECT s.layer, k.name, SUM(s.energy_fj) FROM energy_summary s JOIN energy_kind k ON k.id = s.kind
                WHERE s.run_id = ? GROUP BY s.layer, s.kind ORDER BY s.layer IS NULL, s.layer, s.kind
                """, arguments: [r]).map { RunReportData.LayerKindEnergy(layer: $0[0], kind: $0[1], picojoules: Double($0[2] as Int64) / 1000) }
            let cores = try Row.fetchAll(db, sql: """
                SELECT chip, core, SUM(energy_fj) FROM core_energy WHERE run_id = ? AND core IS NOT NULL GROUP BY chip, core ORDER BY core
                """, arguments: [r]).map { RunReportData.CoreEnergy(chip: $0[0], core: $0[1], picojoules: Double($0[2] as Int64) / 1000) }
            let firing = try Row.fetchAll(db, sql: """
                SELECT layer, 1.0 * SUM(spikes) / MAX(SUM(neurons * time_steps), 1), SUM(silent_fraction * neurons) / MAX(SUM(neurons), 1)
                FROM layer_activity WHERE run_id = ? GROUP BY layer ORDER BY layer
                """, arguments: [r]).map { RunReportData.LayerFiring(layer: $0[0], firingRate: $0[1], silentFraction: $0[2]) }
            let tokens = try Row.fetchAll(db, sql: """
                SELECT token, MAX(last_time_ps) - MIN(first_time_ps), SUM(energy_fj) FROM energy_summary WHERE run_id = ?
                GROUP BY token ORDER BY token
                """, arguments: [r]).map {
                RunReportData.TokenLatency(token: $0[0], nanoseconds: Double($0[1] as Int64) / 1000, picojoules: Double($0[2] as Int64) / 1000)
            }
            let comparison = try Row.fetchAll(db, sql: """
                SELECT level, name, spiking_pj, fp16_pj, int8_pj FROM comparison WHERE run_id = ? ORDER BY level
                """, arguments: [r]).map {
                ComparisonRow(level: $0[0], name: $0[1], spikingPicojoules: $0[2], fp16Picojoules: $0[3], int8Picojoules: $0[4])
            }
            let baseline = try Row.fetchAll(db, sql: """
                SELECT precision, component, SUM(operations), SUM(energy_pj) FROM baseline WHERE run_id = ?
                GROUP BY precision, component ORDER BY precision, MIN(rowid)
                """, arguments: [r]).map {
                RunReportData.BaselineComponent(precision: $0[0], component: $0[1], operations: $0[2], picojoules: $0[3])
            }
            let links = try Row.fetchAll(db, sql: """
                SELECT chip, router, direction, SUM(packets) AS p FROM link_traffic WHERE run_id = ?
                GROUP BY chip, router, direction ORDER BY p DESC, chip, router, direction LIMIT ?
                """, arguments: [r, hottestLinks]).map {
                RunReportData.Link(chip: $0[0], router: $0[1], direction: $0[2], packets: $0[3])
            }
            let table = try Row.fetchAll(db, sql: "SELECT name, pj, unit, source FROM energy_table WHERE run_id = ? ORDER BY rowid",
                                         arguments: [r]).map {
                EnergyTableEntry(name: $0[0], picojoules: $0[1], unit: $0[2], source: $0[3])
            }
            return RunReportData(run: run, byKind: byKind, byLayerAndKind: byLayer, cores: cores, firing: firing, tokens: tokens,
                                 comparison: comparison, baseline: baseline, hottestLinks: links, energyTable: table)
        }
    }
}
