import Energy
import Foundation
import GRDB
import SimKernel

/// A run as the database describes it: its identity, configuration and totals.
public struct RunSummary: Sendable, Equatable {
    public var id: RunID
    /// The stored status, except that a `running` run whose writer is gone reads as `interrupted`.
    public var status: RunStatus
    public var statusDetail: String?
    public var commandLine: [String]
    public var toolVersion: String
    public var seed: UInt64
    public var startedAt: String
    public var finishedAt: String?
    public var logLevel: LogLevel
    public var topologyName: String
    public var modelName: String
    public var modelLayers: Int
    public var encoder: String
    public var timeSteps: Int
    public var chips: Int
    public var meshX: Int
    public var meshY: Int
    /// Totals recorded at finish; nil while running.
    public var tokens: Int?
    public var simulatedTime: SimTime?
    public var wallSeconds: Double?
    public var total: Energy?

    /// Energy per token in pJ, when the run is finished and has tokens.
    public var picojoulesPerToken: Double? {
        guard let total, let tokens, tokens > 0 else { return nil }
        return total.picojoules / Double(tokens)
    }
}

extension RunStore {
    /// Every run of the file, oldest first.
    public func runs() throws -> [RunSummary] {
        try readingStoredValues {
            try database.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM run ORDER BY id").map(summary)
            }
        }
    }

    /// Runs `body`, turning a stored value of the wrong type or a NULL where the schema has none (a
    /// file edited by hand or damaged) into `StoreError.notADatabase` instead of a crash or a raw error.
    func readingStoredValues<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as StoreError { throw e } catch {
            throw StoreError.notADatabase(path: path, detail: "a stored value cannot be read (the file was edited or is damaged): \(error)")
        }
    }

    /// One run; throws `StoreError.noSuchRun` if the id is unknown.
    public func run(_ id: RunID) throws -> RunSummary { try runRow(id) }

    func runRow(_ id: RunID) throws -> RunSummary {
        try readingStoredValues { try database.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM run WHERE id = ?", arguments: [id.rawValue]) else {
                throw StoreError.noSuchRun(id, path: path)
            }
            return try summary(row)
        } }
    }

    private func summary(_ row: Row) throws -> RunSummary {
        let id = try RunID(rawValue: row.decode(forColumn: "id"))
        var status = try RunStatus(rawValue: row.decode(forColumn: "status")) ?? .interrupted
        var detail: String? = try row.decode(forColumn: "status_detail")
        let pid: Int64 = try row.decode(forColumn: "owner_pid")
        if status == .running && !LiveRuns.isLive(path: canonicalPath, run: id, pid: Int32(truncatingIfNeeded: pid)) {
            status = .interrupted
            detail = "writer (process \(pid)) ended without finishing the run"
        }
        let commandText: String = try row.decode(forColumn: "command_line")
        let simulated: Int64? = try row.decode(forColumn: "simulated_ps")
        let total: Int64? = try row.decode(forColumn: "total_fj")
        let seed: Int64 = try row.decode(forColumn: "seed")
        return try RunSummary(
            id: id, status: status, statusDetail: detail,
            commandLine: (try? JSONDecoder().decode([String].self, from: Data(commandText.utf8))) ?? [commandText],
            toolVersion: row.decode(forColumn: "tool_version"), seed: UInt64(bitPattern: seed), startedAt: row.decode(forColumn: "started_at"),
            finishedAt: row.decode(forColumn: "finished_at"), logLevel: LogLevel(rawValue: row.decode(forColumn: "log_level")) ?? .summary,
            topologyName: row.decode(forColumn: "topology_name"), modelName: row.decode(forColumn: "model_name"), modelLayers: row.decode(forColumn: "model_layers"),
            encoder: row.decode(forColumn: "encoder"), timeSteps: row.decode(forColumn: "time_steps"), chips: row.decode(forColumn: "chips"), meshX: row.decode(forColumn: "mesh_x"), meshY: row.decode(forColumn: "mesh_y"),
            tokens: row.decode(forColumn: "tokens"), simulatedTime: simulated.map { SimTime(picoseconds: UInt64(bitPattern: $0)) },
            wallSeconds: row.decode(forColumn: "wall_seconds"), total: total.map { Energy(femtojoules: $0) })
    }
}
