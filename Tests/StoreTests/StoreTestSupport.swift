import Benchmarks
import Energy
import Foundation
import GRDB
@testable import Store

/// A fresh database path in a per-test temporary directory.
func temporaryDatabase(_ name: String = #function) -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spikechip-store-tests-\(getpid())")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let safe = name.filter { $0.isLetter || $0.isNumber }
    let path = dir.appendingPathComponent("\(safe)-\(UUID().uuidString).sqlite").path
    return path
}

/// A small run description with the stream's geometry.
func runInfo(level: LogLevel, stream: SyntheticEnergyStream, seed: UInt64 = 7) -> RunInfo {
    RunInfo(commandLine: ["spikechip", "run", "--log", level.rawValue], toolVersion: "test", seed: seed,
            topologyName: "test-mesh", topologyYAML: "name: test-mesh\n",
            energyTable: [EnergyTableEntry(name: "synaptic_op", picojoules: 0.03, unit: "per synapse", source: "Horowitz 2014")],
            model: ModelRecord(name: "tiny", layers: stream.layers, json: "{}"), encoder: "ternary",
            timeSteps: stream.timeSteps, logLevel: level, chips: stream.chips, meshX: stream.coresPerChip, meshY: 1,
            mapping: [MappingRow(layer: 0, projection: "q", cores: 2, firstChip: 0, lastChip: 0)])
}

/// Feeds records to a sink in engine-sized batches.
func feed(_ sink: SQLiteEnergySink, _ records: ContiguousArray<EnergyRecord>, batch: Int = 1000) {
    records.withUnsafeBufferPointer { all in
        var i = 0
        while i < all.count {
            let n = min(batch, all.count - i)
            sink.consume(UnsafeBufferPointer(rebasing: all[i..<i + n]))
            i += n
        }
    }
}

/// The ledger of a record stream, computed independently of the store.
func ledger(of records: ContiguousArray<EnergyRecord>, layers: Int, chips: Int) -> EnergyLedger {
    var l = EnergyLedger(layers: layers, chips: chips)
    for r in records { l.add(r) }
    return l
}

/// Energy per kind in femtojoules from a table, by SQL.
func sqlEnergyByKind(_ store: RunStore, table: String, run: RunID) throws -> [Int: Int64] {
    try store.database.read { db in
        var out: [Int: Int64] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT kind, SUM(energy_fj) FROM \(table) WHERE run_id = ? GROUP BY kind",
                                    arguments: [run.rawValue]) {
            out[row[0]] = row[1]
        }
        return out
    }
}

func ledgerByKind(_ l: EnergyLedger) -> [Int: Int64] {
    var out: [Int: Int64] = [:]
    for k in EnergyKind.allCases where l.count(k) > 0 || l.energy(k) != .zero { out[Int(k.rawValue)] = l.energy(k).femtojoules }
    return out
}
