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
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM run ORDER BY id").map(summary)
        }
    }

    /// One run; throws `StoreError.noSuchRun` if the id is unknown.
    public func run(_ id: RunID) throws -> RunSummary { try runRow(id) }

    func runRow(_ id: RunID) throws -> RunSummary {
        try database.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM run WHERE id = ?", arguments: [id.rawValue]) else {
                throw StoreError.noSuchRun(id, path: path)
            }
            return try summary(row)
        }
    }

    private func summary(_ row: Row) throws -> RunSummary {
        let id = RunID(rawValue: row["id"])
        var status = RunStatus(rawValue: row["status"]) ?? .interrupted
        var detail: String? = row["status_detail"]
        let pid: Int64 = row["owner_pid"]
        if status == .running && !LiveRuns.isLive(path: canonicalPath, run: id, pid: Int32(truncatingIfNeeded: pid)) {
            status = .interrupted
            detail = "writer (process \(pid)) ended without finishing the run"
        }
        let commandText: String = row["command_line"]
        let simulated: Int64? = row["simulated_ps"]
        let total: Int64? = row["total_fj"]
        let seed: Int64 = row["seed"]
        return RunSummary(
            id: id, status: status, statusDetail: detail,
            commandLine: (try? JSONDecoder().decode([String].self, from: Data(commandText.utf8))) ?? [commandText],
            toolVersion: row["tool_version"], seed: UInt64(bitPattern: seed), startedAt: row["started_at"],
            finishedAt: row["finished_at"], logLevel: LogLevel(rawValue: row["log_level"]) ?? .summary,
            topologyName: row["topology_name"], modelName: row["model_name"], modelLayers: row["model_layers"],
            encoder: row["encoder"], timeSteps: row["time_steps"], chips: row["chips"], meshX: row["mesh_x"], meshY: row["mesh_y"],
            tokens: row["tokens"], simulatedTime: simulated.map { SimTime(picoseconds: UInt64(bitPattern: $0)) },
            wallSeconds: row["wall_seconds"], total: total.map { Energy(femtojoules: $0) })
    }
}
