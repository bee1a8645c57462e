import Benchmarks
import Energy
import Foundation
import GRDB
import SimKernel
import Testing
@testable import Store

@Suite struct RunStoreTests {
    let stream = SyntheticEnergyStream(chips: 2, coresPerChip: 16, layers: 4, timeSteps: 4, seed: 11)

    @Test(arguments: LogLevel.allCases)
    func everyLevelStoresTheLedgerExactly(level: LogLevel) throws {
        let path = temporaryDatabase("level\(level)")
        let records = stream.records(25_000)
        let expected = ledger(of: records, layers: stream.layers, chips: stream.chips)
        let store = try RunStore(path: path)
        let run = try store.beginRun(runInfo(level: level, stream: stream))
        let sink = try store.makeSink(run: run, options: .init(batchRows: 3_000, queueCapacity: 2))
        feed(sink, records)
        try sink.close()
        try store.finishRun(run, status: .complete,
                            totals: RunTotals(ledger: expected, simulatedTime: records.last!.time, tokens: 4, wallSeconds: 0.5))

        let detail = switch level { case .events: "energy_event"; case .steps: "energy_step"; case .summary: "energy_summary" }
        #expect(try sqlEnergyByKind(store, table: detail, run: run) == ledgerByKind(expected))
        #expect(try sqlEnergyByKind(store, table: "energy_summary", run: run) == ledgerByKind(expected))
        #expect(try sqlEnergyByKind(store, table: "core_energy", run: run) == ledgerByKind(expected))
        #expect(try store.storedTotals(run: run).energyByKind == expected.byKind)
        #expect(try store.storedTotals(run: run).countByKind == expected.countByKind)
        let summary = try store.run(run)
        #expect(summary.status == .complete)
        #expect(summary.total == expected.total)
        #expect(summary.logLevel == level)
        #expect(summary.commandLine == ["spikechip", "run", "--log", level.rawValue])
        if level == .events {
            let count = try store.database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM energy_event")! }
            #expect(count == records.count)
        }
    }

    @Test func eventRowsReproduceTheRecordsFieldByField() throws {
        let store = try RunStore(path: temporaryDatabase())
        let run = try store.beginRun(runInfo(level: .events, stream: stream))
        let sink = try store.makeSink(run: run, options: .init(batchRows: 97, queueCapacity: 3))
        let records = stream.records(1_234)
        feed(sink, records, batch: 50)
        try sink.close()
        let rows = try store.database.read { db in
            try Row.fetchAll(db, sql: "SELECT kind, time_ps, chip, core, layer, token, step, count, energy_fj FROM energy_event ORDER BY rowid")
        }
        #expect(rows.count == records.count)
        for (row, r) in zip(rows, records) {
            let core: Int64? = row["core"], layer: Int64? = row["layer"], step: Int64? = row["step"]
            #expect(row["kind"] as Int == Int(r.kind.rawValue))
            #expect(row["time_ps"] as Int64 == Int64(r.time.picoseconds))
            #expect(row["chip"] as Int == Int(r.chip))
            #expect(core == (r.core == EnergyRecord.noCore ? nil : Int64(r.core)))
            #expect(layer == (r.layer < 0 ? nil : Int64(r.layer)))
            #expect(step == (r.step == EnergyRecord.noStep ? nil : Int64(r.step)))
            #expect(row["token"] as Int == Int(r.token))
            #expect(row["count"] as Int == Int(r.count))
            #expect(row["energy_fj"] as Int64 == r.energy.femtojoules)
        }
    }

    @Test func stepRowsMatchAnIndependentGrouping() throws {
        let store = try RunStore(path: temporaryDatabase())
        let run = try store.beginRun(runInfo(level: .steps, stream: stream))
        let sink = try store.makeSink(run: run)
        let records = stream.records(20_000)
        feed(sink, records)
        try sink.close()
        struct K: Hashable { var token: Int; var step: Int?; var chip: Int; var core: Int?; var layer: Int?; var kind: Int }
        var expected: [K: Int64] = [:]
        for r in records {
            let k = K(token: Int(r.token), step: r.step == EnergyRecord.noStep ? nil : Int(r.step), chip: Int(r.chip),
                      core: r.core == EnergyRecord.noCore ? nil : Int(r.core), layer: r.layer < 0 ? nil : Int(r.layer),
                      kind: Int(r.kind.rawValue))
            expected[k, default: 0] += r.energy.femtojoules
        }
        let stored = try store.database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT token, step, chip, core, layer, kind, SUM(energy_fj) AS e FROM energy_step
                GROUP BY token, step, chip, core, layer, kind
                """)
        }
        var got: [K: Int64] = [:]
        for row in stored { got[K(token: row["token"], step: row["step"], chip: row["chip"], core: row["core"], layer: row["layer"], kind: row["kind"])] = row["e"] }
        #expect(got == expected)
        // Tokens arrive in order, so each group is flushed once: one row per key.
        #expect(stored.count == (try store.database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM energy_step")! }))
    }

    @Test func severalRunsShareOneFile() throws {
        let path = temporaryDatabase()
        var ledgers: [RunID: EnergyLedger] = [:]
        for seed in [1, 2, 3] as [UInt64] {
            let s = SyntheticEnergyStream(chips: 1, coresPerChip: 8, layers: 2, timeSteps: 2, seed: seed)
            let store = try RunStore(path: path)  // reopened per run, as a sweep would
            let run = try store.beginRun(runInfo(level: .events, stream: s, seed: seed))
            let sink = try store.makeSink(run: run)
            let records = s.records(Int(seed) * 3_000)
            feed(sink, records)
            try sink.close()
            let l = ledger(of: records, layers: s.layers, chips: s.chips)
            try store.finishRun(run, status: .complete, totals: RunTotals(ledger: l, simulatedTime: .zero, tokens: 1, wallSeconds: 0))
            ledgers[run] = l
        }
        let store = try RunStore(path: path, readOnly: true)
        let runs = try store.runs()
        #expect(runs.map(\.seed) == [1, 2, 3])
        for run in runs {
            #expect(try sqlEnergyByKind(store, table: "energy_event", run: run.id) == ledgerByKind(ledgers[run.id]!))
            #expect(run.total == ledgers[run.id]!.total)
        }
    }

    @Test func sameStreamWritesIdenticalRows() throws {
        func dump(_ level: LogLevel) throws -> [[DatabaseValue]] {
            let store = try RunStore(path: temporaryDatabase())
            let run = try store.beginRun(runInfo(level: level, stream: stream))
            let sink = try store.makeSink(run: run)
            feed(sink, stream.records(8_000))
            try sink.close()
            return try store.database.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM energy_summary ORDER BY rowid").map { Array($0.databaseValues) }
                    + Row.fetchAll(db, sql: "SELECT * FROM energy_step ORDER BY rowid").map { Array($0.databaseValues) }
                    + Row.fetchAll(db, sql: "SELECT * FROM core_energy ORDER BY rowid").map { Array($0.databaseValues) }
            }
        }
        for level in [LogLevel.steps, .summary] { #expect(try dump(level) == dump(level)) }
    }

    @Test func queueIsBoundedAndEveryRowArrives() throws {
        let store = try RunStore(path: temporaryDatabase())
        let run = try store.beginRun(runInfo(level: .events, stream: stream))
        let batchRows = 200
        let sink = try store.makeSink(run: run, options: .init(batchRows: batchRows, queueCapacity: 2))
        let records = stream.records(30_000)
        feed(sink, records, batch: 4_096)
        try sink.close()
        let stats = try #require(sink.statistics)
        #expect(stats.peakQueuedBytes <= 2 * batchRows * MemoryLayout<EnergyRecord>.stride + 64 * 1024,
                "at most `queueCapacity` event batches (plus small summary batches) may wait")
        let eventRows = try store.database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM energy_event")! }
        #expect(eventRows == records.count)
    }

    @Test func finishingRulesAreEnforced() throws {
        let store = try RunStore(path: temporaryDatabase())
        let run = try store.beginRun(runInfo(level: .summary, stream: stream))
        let totals = RunTotals(ledger: EnergyLedger(layers: 1, chips: 1), simulatedTime: .zero, tokens: 0, wallSeconds: 0)
        #expect(throws: StoreError.invalidFinalStatus(.running)) { try store.finishRun(run, status: .running, totals: totals) }
        try store.finishRun(run, status: .complete, totals: totals)
        #expect(throws: StoreError.runAlreadyFinished(run, status: .complete)) {
            try store.finishRun(run, status: .interrupted, totals: totals)
        }
        #expect(throws: StoreError.runAlreadyFinished(run, status: .complete)) { _ = try store.makeSink(run: run) }
        let missing = RunID(rawValue: 99)
        #expect(throws: StoreError.noSuchRun(missing, path: store.path)) { _ = try store.run(missing) }
    }

    @Test func badInputIsRejectedWithAClearError() throws {
        let store = try RunStore(path: temporaryDatabase())
        var info = runInfo(level: .events, stream: stream)
        info.meshX = 0
        #expect(throws: StoreError.self) { _ = try store.beginRun(info) }
        info = runInfo(level: .events, stream: stream)
        info.mapping = [MappingRow(layer: 0, projection: "q", cores: 1, firstChip: 0, lastChip: 5)]
        #expect(throws: StoreError.self) { _ = try store.beginRun(info) }
        let run = try store.beginRun(runInfo(level: .events, stream: stream))
        #expect(throws: StoreError.self) {
            try store.insertLayerActivity(run: run, [LayerActivityRow(token: 0, layer: 0, stage: "q", neurons: 4, timeSteps: 2,
                                                                      spikes: 1, silentFraction: 1.5)])
        }
        #expect(throws: StoreError.self) {
            try store.insertComparison(run: run, [ComparisonRow(level: 4, name: "x", spikingPicojoules: 1, fp16Picojoules: 1, int8Picojoules: 1)])
        }
    }

    @Test func filesThatAreNotRunDatabasesAreRefused() throws {
        let garbage = temporaryDatabase()
        try Data(repeating: 0x42, count: 4096).write(to: URL(fileURLWithPath: garbage))
        #expect(throws: StoreError.self) { _ = try RunStore(path: garbage) }
        let foreign = temporaryDatabase()
        try DatabaseQueue(path: foreign).write { try $0.execute(sql: "CREATE TABLE t (x)") }
        do {
            _ = try RunStore(path: foreign)
            Issue.record("a foreign SQLite file was accepted")
        } catch let StoreError.notADatabase(path, _) {
            #expect(path == foreign)
        }
        #expect(throws: StoreError.self) { _ = try RunStore(path: temporaryDatabase(), readOnly: true) }
        do {
            _ = try RunStore(path: "/nonexistent-directory/runs.sqlite")
            Issue.record("a database in a missing directory was opened")
        } catch let StoreError.cannotOpen(path, _) {
            #expect(path == "/nonexistent-directory/runs.sqlite")
        }
    }

    @Test func sideTablesRoundTrip() throws {
        let store = try RunStore(path: temporaryDatabase())
        let run = try store.beginRun(runInfo(level: .summary, stream: stream))
        try store.insertLayerActivity(run: run, [
            LayerActivityRow(token: 0, layer: 1, stage: "q", neurons: 10, timeSteps: 4, spikes: 8, silentFraction: 0.5),
        ])
        try store.insertLinkTraffic(run: run, [LinkTrafficRow(chip: 0, router: 3, direction: "east", packets: 12)])
        try store.insertBaseline(run: run, [BaselineRow(precision: "fp16", layer: nil, component: "mac", operations: 2, picojoules: 3)])
        try store.insertComparison(run: run, [ComparisonRow(level: 1, name: "arithmetic", spikingPicojoules: 1, fp16Picojoules: 4,
                                                            int8Picojoules: 2)])
        let (rate, packets, layer) = try store.database.read { db in
            (try Double.fetchOne(db, sql: "SELECT firing_rate FROM layer_activity")!,
             try Int.fetchOne(db, sql: "SELECT packets FROM link_traffic")!,
             try Int?.fetchOne(db, sql: "SELECT layer FROM baseline") ?? nil)
        }
        #expect(rate == 0.2)  // 8 spikes / (10 neurons × 4 steps)
        #expect(packets == 12)
        #expect(layer == nil)
    }
}

@Test("aggregating on the caller's thread stores exactly the rows the sink's own thread stores", arguments: [LogLevel.summary, .steps, .events])
func inlineAggregationStoresTheSameRows(level: LogLevel) throws {
    let s = SyntheticEnergyStream(chips: 2, coresPerChip: 8, layers: 3, timeSteps: 4, seed: 11)
    let records = s.records(30_000)
    var stored: [[String]] = []
    for inline in [false, true] {
        let store = try RunStore(path: temporaryDatabase("inline\(inline)\(level.rawValue)"))
        let run = try store.beginRun(runInfo(level: level, stream: s))
        let sink = try store.makeSink(run: run, options: .init(aggregateInline: inline))
        feed(sink, records)
        try sink.close()
        stored.append(try store.database.read { db in
            try ["energy_summary", "core_energy", "energy_step", "energy_event"].flatMap { table in
                try Row.fetchAll(db, sql: "SELECT * FROM \(table)").map { "\(table) \($0)" }.sorted()
            }
        })
    }
    #expect(stored[0].count > 0)
    #expect(stored[0] == stored[1])
}
