import Energy
import Foundation
import GRDB
import SimKernel

/// A SpikeChip run database: one SQLite file holding any number of runs.
///
/// Opening a file creates or migrates the schema and switches it to WAL, so that readers
/// (a report on a sweep in progress) never block the writer and every committed batch
/// survives a crash. A read-write open also marks as `interrupted` every run left
/// `running` by a writer that no longer exists (killed process, power loss). A class
/// because it owns the connection. Reads and inserts may come from any thread (the
/// connection is serialized); begin/finish a given run from one thread.
public final class RunStore {
    /// WAL size (8 KiB pages) at which a committing connection copies the WAL into the file: 64 MiB.
    static let walAutocheckpointPages = 8192

    /// The file, as given and as resolved (the resolved path identifies it across opens).
    public let path: String
    let canonicalPath: String
    let database: DatabaseQueue
    private var begun: Set<RunID> = []

    /// Opens (creating if needed) the database at `path`.
    /// - Parameter readOnly: open without migrating or recovering, for reports; the file must exist.
    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        if readOnly && !FileManager.default.fileExists(atPath: path) {
            throw StoreError.invalidArgument("no database at \(path); give the file `spikechip run --db` wrote")
        }
        var config = Configuration()
        config.readonly = readOnly
        config.journalMode = readOnly ? .default : .wal
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            // WAL with synchronous NORMAL: a commit is atomic and survives a killed process without an fsync
            // per batch. 8 KiB pages (new files only), a 64 MiB WAL between checkpoints and a 64 MiB page
            // cache for 64K-row transactions: each measured faster than the default (docs/performance.md).
            guard !db.configuration.readonly else { return }
            try db.execute(sql: """
                PRAGMA page_size = 8192; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = \(RunStore.walAutocheckpointPages);
                PRAGMA cache_size = -65536
                """)
        }
        do {
            database = try DatabaseQueue(path: path, configuration: config)
            canonicalPath = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            try database.read { db in
                let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
                if !tables.isEmpty && !tables.contains("grdb_migrations") {
                    throw StoreError.notADatabase(path: path, detail: "it has tables but no SpikeChip schema")
                }
                if try Schema.migrator.hasBeenSuperseded(db) {
                    let applied = try Schema.migrator.appliedIdentifiers(db)
                    throw StoreError.newerSchema(path: path, migration: applied.sorted().last ?? "?")
                }
            }
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB || error.resultCode == .SQLITE_CORRUPT {
            throw StoreError.notADatabase(path: path, detail: error.message ?? "\(error.resultCode)")
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
            throw StoreError.locked(path: path)
        } catch let error as DatabaseError {
            throw StoreError.cannotOpen(path: path, detail: error.message ?? "\(error.resultCode)")
        }
        if !readOnly {
            do { try Schema.migrator.migrate(database) } catch let error as DatabaseError
                where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
                throw StoreError.locked(path: path)
            }
        }
        // A table that lost a column (edited by hand, damaged) is refused here, instead of failing
        // on the first row that reads it.
        try database.read { db in
            if let problem = try Schema.missingColumn(db) { throw StoreError.notADatabase(path: path, detail: problem) }
        }
        if !readOnly {
            try database.write(Schema.registerKinds)
            _ = try recoverAbandonedRuns()
        }
    }

    deinit {
        for run in begun { LiveRuns.unregister(path: canonicalPath, run: run) }
    }

    /// Records a new run with status `running` and returns its id.
    public func beginRun(_ info: RunInfo) throws -> RunID {
        try info.validate()
        let commandJSON = String(decoding: try JSONEncoder().encode(info.commandLine), as: UTF8.self)
        let id = try database.write { db -> RunID in
            try db.execute(sql: """
                INSERT INTO run (command_line, tool_version, seed, started_at, status, owner_pid, log_level,
                    topology_name, topology_yaml, model_name, model_layers, model_json, encoder, time_steps,
                    chips, mesh_x, mesh_y, sweep_id, sweep_point)
                VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [commandJSON, info.toolVersion, Int64(bitPattern: info.seed), Self.timestamp(),
                                 Int(getpid()), info.logLevel.rawValue, info.topologyName, info.topologyYAML,
                                 info.model.name, info.model.layers, info.model.json, info.encoder, info.timeSteps,
                                 info.chips, info.meshX, info.meshY, info.sweepPoint?.sweep, info.sweepPoint?.point])
            if let p = info.sweepPoint {
                guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sweep_point WHERE sweep_id = ? AND point = ?", arguments: [p.sweep, p.point]) == 1 else {
                    throw StoreError.invalidArgument("sweep \(p.sweep) has no point \(p.point) in \(path); a point's run is started by `spikechip sweep`")
                }
            }
            let id = RunID(rawValue: db.lastInsertedRowID)
            for e in info.energyTable {
                try db.execute(sql: "INSERT INTO energy_table (run_id, name, pj, unit, source, low_pj, high_pj) VALUES (?, ?, ?, ?, ?, ?, ?)",
                               arguments: [id.rawValue, e.name, e.picojoules, e.unit, e.source, e.lowPicojoules, e.highPicojoules])
            }
            for m in info.mapping {
                try db.execute(sql: """
                    INSERT INTO mapping (run_id, layer, projection, cores, first_chip, last_chip) VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [id.rawValue, m.layer, m.projection, m.cores, m.firstChip, m.lastChip])
            }
            return id
        }
        begun.insert(id)
        LiveRuns.register(path: canonicalPath, run: id)
        return id
    }

    /// A sink writing `run`'s energy stream at its log level through a background writer.
    public func makeSink(run: RunID, options: SQLiteEnergySink.Options = .init()) throws -> SQLiteEnergySink {
        let row = try runRow(run)
        guard row.status == .running else { throw StoreError.runAlreadyFinished(run, status: row.status) }
        return SQLiteEnergySink(store: self, run: run, level: row.logLevel, cores: row.chips * row.meshX * row.meshY,
                                chips: row.chips, options: options)
    }

    /// Ends a run with the engine's totals. Call after the sink's `finish()`/`close()`.
    /// For an interrupted run prefer `markInterrupted`, which records the totals of the rows actually written.
    public func finishRun(_ id: RunID, status: RunStatus, totals: RunTotals, detail: String? = nil) throws {
        guard status != .running else { throw StoreError.invalidFinalStatus(status) }
        try database.write { db in
            let current = try Self.status(of: id, db: db, path: path)
            guard current == .running else { throw StoreError.runAlreadyFinished(id, status: current) }
            try Self.record(totals, status: status, detail: detail, run: id, db: db)
        }
        begun.remove(id)
        LiveRuns.unregister(path: canonicalPath, run: id)
    }

    /// Marks a run interrupted with totals recomputed from its stored rows, so that the
    /// run row agrees with what the database holds. The path for SIGINT/SIGTERM (after
    /// the sink's `finish()`) and for a writer failure.
    @discardableResult
    public func markInterrupted(_ id: RunID, reason: String, wallSeconds: Double = 0) throws -> RunTotals {
        let totals = try database.write { db -> RunTotals in
            let current = try Self.status(of: id, db: db, path: path)
            guard current == .running else { throw StoreError.runAlreadyFinished(id, status: current) }
            let totals = try Self.storedTotals(run: id, db: db, wallSeconds: wallSeconds)
            try Self.record(totals, status: .interrupted, detail: reason, run: id, db: db)
            return totals
        }
        begun.remove(id)
        LiveRuns.unregister(path: canonicalPath, run: id)
        return totals
    }

    /// Marks this process's `running` runs interrupted, with totals from their stored rows, and returns
    /// their ids: for a process that must end while the thread that owns its runs cannot return (an MPI
    /// rank waiting for peers that are gone). Rows a writer commits afterwards are not in the totals.
    public func markRunsOfThisProcessInterrupted(reason: String) throws -> [RunID] {
        let ids = try database.read { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM run WHERE status = 'running' AND owner_pid = ?", arguments: [Int64(getpid())])
        }
        return try ids.map { id in
            try markInterrupted(RunID(rawValue: id), reason: reason)
            return RunID(rawValue: id)
        }
    }

    /// Marks every `running` run without a live writer as interrupted; returns their ids.
    public func recoverAbandonedRuns() throws -> [RunID] {
        let candidates = try database.read { db in
            try Row.fetchAll(db, sql: "SELECT id, owner_pid FROM run WHERE status = 'running'")
                .map { (RunID(rawValue: $0["id"]), Int32($0["owner_pid"] as Int64)) }
        }
        var recovered: [RunID] = []
        for (id, pid) in candidates where !LiveRuns.isLive(path: canonicalPath, run: id, pid: pid) {
            try database.write { db in
                let totals = try Self.storedTotals(run: id, db: db, wallSeconds: 0)
                try Self.record(totals, status: .interrupted,
                                detail: "writer (process \(pid)) ended without finishing the run", run: id, db: db)
            }
            recovered.append(id)
        }
        return recovered
    }

    /// Totals of the rows stored for a run, from the detail table of its log level.
    public func storedTotals(run: RunID) throws -> RunTotals {
        try database.read { db in try Self.storedTotals(run: run, db: db, wallSeconds: 0) }
    }

    // MARK: - Side tables

    /// Stores spike statistics per token, layer and stage.
    public func insertLayerActivity(run: RunID, _ rows: [LayerActivityRow]) throws {
        try insert(run: run, sql: """
            INSERT INTO layer_activity (run_id, token, layer, stage, neurons, time_steps, spikes, silent_fraction, firing_rate)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, rows) { r in
            guard r.neurons >= 0, r.timeSteps >= 0, r.spikes >= 0, (0...1).contains(r.silentFraction) else {
                throw StoreError.invalidArgument(
                    "layer activity token \(r.token) layer \(r.layer) \(r.stage): counts must be non-negative and the silent fraction in 0…1")
            }
            return [r.token, r.layer, r.stage, r.neurons, r.timeSteps, r.spikes, r.silentFraction, r.firingRate]
        }
    }

    /// Stores a network run's populations, the end of each step, every spike (step, population, neuron) and the recorded
    /// membranes (step, population, neuron, v).
    public func insertNetwork(run: RunID, populations: [NetworkPopulationRow], stepEnds: [SimTime],
                              spikes: some Collection<(step: UInt32, population: UInt32, neuron: UInt32)>,
                              membranes: some Collection<(step: UInt32, population: UInt32, neuron: UInt32, v: Double)>) throws {
        try database.write { db in
            _ = try Self.status(of: run, db: db, path: path)
            let pop = try db.makeStatement(sql: """
                INSERT INTO network_population (run_id, population, name, kind, neurons, cores, spikes, is_output) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for (i, p) in populations.enumerated() {
                try pop.execute(arguments: [run.rawValue, i, p.name, p.kind, p.neurons, p.cores, p.spikes, p.isOutput])
            }
            let step = try db.makeStatement(sql: "INSERT INTO network_step (run_id, step, end_ps) VALUES (?, ?, ?)")
            for (i, end) in stepEnds.enumerated() {
                try step.execute(arguments: [run.rawValue, i, Int64(clamping: end.picoseconds)])
            }
            let spike = try db.makeStatement(sql: "INSERT INTO network_spike (run_id, step, population, neuron) VALUES (?, ?, ?, ?)")
            for s in spikes {
                try spike.execute(arguments: [run.rawValue, Int64(s.step), Int64(s.population), Int64(s.neuron)])
            }
            let membrane = try db.makeStatement(sql: "INSERT INTO network_membrane (run_id, step, population, neuron, v) VALUES (?, ?, ?, ?, ?)")
            for m in membranes {
                try membrane.execute(arguments: [run.rawValue, Int64(m.step), Int64(m.population), Int64(m.neuron), m.v])
            }
        }
    }

    /// Stores packets per router port.
    public func insertLinkTraffic(run: RunID, _ rows: [LinkTrafficRow]) throws {
        try database.write { db in
            _ = try Self.status(of: run, db: db, path: path)
            try rows.withUnsafeBufferPointer { try RowInserter.insert($0, run: run.rawValue, db: db) }
        }
    }

    /// Stores the dense baselines' components.
    public func insertBaseline(run: RunID, _ rows: [BaselineRow]) throws {
        try insert(run: run, sql: """
            INSERT INTO baseline (run_id, precision, layer, component, operations, energy_pj, scenario) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, rows) { r in [r.precision, r.layer, r.component, r.operations, r.picojoules, r.scenario] }
    }

    /// Stores the energy study: every scenario's levels with ranges, the break-even points and the run's study figures.
    public func insertStudy(run: RunID, _ study: StudyRow, levels: [ScenarioLevelRow], breakEven: [BreakEvenRow],
                            sensitivity: [SensitivityRow] = []) throws {
        try insert(run: run, sql: """
            INSERT OR REPLACE INTO sensitivity (run_id, scenario, level, versus, figure, ratio_at_low, ratio_at_high) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, sensitivity) { r in [r.scenario, r.level, r.versus, r.figure, r.ratioAtLow, r.ratioAtHigh] }
        try insert(run: run, sql: """
            INSERT OR REPLACE INTO scenario_level (run_id, scenario, assumption, level, name, spiking_pj, spiking_low_pj, spiking_high_pj,
                fp16_pj, fp16_low_pj, fp16_high_pj, int8_pj, int8_low_pj, int8_high_pj, fp16_factor_low, fp16_factor_high,
                int8_factor_low, int8_factor_high) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, levels) { r in
            [r.scenario, r.assumption, r.level, r.name, r.spiking.value, r.spiking.low, r.spiking.high, r.fp16.value, r.fp16.low, r.fp16.high,
             r.int8.value, r.int8.low, r.int8.high, r.fp16Factor.lowerBound, r.fp16Factor.upperBound, r.int8Factor.lowerBound, r.int8Factor.upperBound]
        }
        try insert(run: run, sql: """
            INSERT OR REPLACE INTO break_even (run_id, scenario, level, versus, spikes_per_activation, firing_rate_per_step) VALUES (?, ?, ?, ?, ?, ?)
            """, breakEven) { r in [r.scenario, r.level, r.versus, r.spikesPerActivation, r.firingRatePerStep] }
        try insert(run: run, sql: """
            INSERT OR REPLACE INTO study (run_id, chips_x, technology_nm, voltage_v, area_mm2, largest_chip_mm2, reticle_mm2, static_mw, static_low_mw,
                static_high_mw, latency_ns, average_power_w, energy_delay_pj_ns, silent_per_token, spikes_per_activation, firing_rate_per_step,
                statistics, cores_used, chips_used, powered_area_mm2, top1_agreement, mean_kl)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [study]) { r in
            [r.chipsX, r.technologyNanometres, r.voltage, r.squareMillimetres, r.largestChipSquareMillimetres, r.reticleSquareMillimetres,
             r.staticMilliwatts.value, r.staticMilliwatts.low, r.staticMilliwatts.high, r.latencyNanoseconds, r.averagePowerWatts,
             r.energyDelay, r.silentPerToken, r.spikesPerActivation, r.firingRatePerStep, r.statistics, r.coresUsed, r.chipsUsed, r.poweredSquareMillimetres, r.top1Agreement, r.meanKL]
        }
    }

    /// Stores (replacing) the three comparison levels.
    public func insertComparison(run: RunID, _ rows: [ComparisonRow]) throws {
        try insert(run: run, sql: """
            INSERT OR REPLACE INTO comparison (run_id, level, name, spiking_pj, fp16_pj, int8_pj) VALUES (?, ?, ?, ?, ?, ?)
            """, rows) { r in
            guard (1...3).contains(r.level) else { throw StoreError.invalidArgument("comparison level \(r.level) must be 1, 2 or 3") }
            return [r.level, r.name, r.spikingPicojoules, r.fp16Picojoules, r.int8Picojoules]
        }
    }

    private func insert<Row>(run: RunID, sql: String, _ rows: [Row],
                             _ values: (Row) throws -> [(any DatabaseValueConvertible)?]) throws {
        try database.write { db in
            _ = try Self.status(of: run, db: db, path: path)
            let statement = try db.makeStatement(sql: sql)
            for row in rows {
                try statement.execute(arguments: StatementArguments([run.rawValue] + (try values(row))))
            }
        }
    }

    // MARK: - Helpers shared with queries

    static func timestamp(_ date: Date = Date()) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: date)
    }

    static func status(of id: RunID, db: Database, path: String) throws -> RunStatus {
        guard let text = try String.fetchOne(db, sql: "SELECT status FROM run WHERE id = ?", arguments: [id.rawValue]) else {
            throw StoreError.noSuchRun(id, path: path)
        }
        return RunStatus(rawValue: text) ?? .interrupted
    }

    private static func record(_ t: RunTotals, status: RunStatus, detail: String?, run: RunID, db: Database) throws {
        try db.execute(sql: """
            UPDATE run SET status = ?, status_detail = ?, finished_at = ?, tokens = ?, simulated_ps = ?, wall_seconds = ?,
                total_fj = ? WHERE id = ?
            """, arguments: [status.rawValue, detail, timestamp(), t.tokens, Int64(bitPattern: t.simulatedTime.picoseconds),
                             t.wallSeconds, t.total.femtojoules, run.rawValue])
        if status == .complete {
            // In the transaction that completes the run: a point is complete exactly when its run is.
            try db.execute(sql: """
                UPDATE sweep_point SET status = 'complete', run_id = ?1, message = NULL
                WHERE (sweep_id, point) = (SELECT sweep_id, sweep_point FROM run WHERE id = ?1 AND sweep_id IS NOT NULL)
                """, arguments: [run.rawValue])
        }
        try db.execute(sql: "DELETE FROM run_total WHERE run_id = ?", arguments: [run.rawValue])
        for kind in EnergyKind.allCases {
            try db.execute(sql: "INSERT INTO run_total (run_id, kind, operations, energy_fj) VALUES (?, ?, ?, ?)",
                           arguments: [run.rawValue, Int(kind.rawValue), Int64(bitPattern: t.countByKind[Int(kind.rawValue)]),
                                       t.energy(kind).femtojoules])
        }
    }

    /// Sums the detail table of the run's level: the totals of "what was written so far".
    static func storedTotals(run: RunID, db: Database, wallSeconds: Double) throws -> RunTotals {
        guard let level = try String.fetchOne(db, sql: "SELECT log_level FROM run WHERE id = ?", arguments: [run.rawValue])
            .flatMap(LogLevel.init(rawValue:)) else { throw StoreError.noSuchRun(run, path: db.description) }
        let (table, time) = switch level {
        case .events: ("energy_event", "time_ps")
        case .steps: ("energy_step", "last_time_ps")
        case .summary: ("energy_summary", "last_time_ps")
        }
        // One pass with conditional sums: no sorter, so a Ctrl-C on a file of billions of events
        // costs one sequential scan of the run's rows.
        let kinds = EnergyKind.allCases.map { Int($0.rawValue) }
        let columns = kinds.map { "SUM(CASE WHEN kind = \($0) THEN count END), SUM(CASE WHEN kind = \($0) THEN energy_fj END)" }
        let sums = try Row.fetchOne(db, sql: "SELECT \(columns.joined(separator: ", ")) FROM \(table) WHERE run_id = ?",
                                    arguments: [run.rawValue])
        let count = kinds.map { UInt64(bitPattern: (sums?[2 * $0] as Int64?) ?? 0) }
        let energy = kinds.map { Energy(femtojoules: (sums?[2 * $0 + 1] as Int64?) ?? 0) }
        let span = try Row.fetchOne(db, sql: "SELECT MAX(\(time)), COUNT(DISTINCT token) FROM \(table) WHERE run_id = ?",
                                    arguments: [run.rawValue])
        let lastTime = (span?[0] as Int64?) ?? 0
        let tokens = (span?[1] as Int?) ?? 0
        return RunTotals(energyByKind: energy, countByKind: count, simulatedTime: SimTime(picoseconds: UInt64(bitPattern: lastTime)),
                         tokens: tokens, wallSeconds: wallSeconds)
    }
}
