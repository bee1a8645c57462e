import Foundation
import GRDB

/// One point of one sweep in a database: what a point's run is tagged with (`run.sweep_id`, `run.sweep_point`).
public struct SweepPointID: Sendable, Hashable, CustomStringConvertible {
    public var sweep: Int64
    public var point: Int

    public init(sweep: Int64, point: Int) { self.sweep = sweep; self.point = point }

    /// Reads `SWEEP:POINT`.
    public init?(_ text: String) {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let s = Int64(parts[0]), let p = Int(parts[1]), s > 0, p >= 0 else { return nil }
        self.init(sweep: s, point: p)
    }

    public var description: String { "\(sweep):\(point)" }
}

/// A parameter's value at one point: a number (stored as REAL) or a word (TEXT), so that SQL can sort and filter either.
public enum SweepValue: Sendable, Hashable, CustomStringConvertible {
    case number(Double)
    case text(String)

    public var description: String {
        switch self {
        case .number(let x): x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
        case .text(let s): s
        }
    }

    public var number: Double? { if case .number(let x) = self { x } else { nil } }

    var databaseValue: DatabaseValue {
        switch self {
        case .number(let x): x.databaseValue
        case .text(let s): s.databaseValue
        }
    }

    init(_ value: DatabaseValue) {
        switch value.storage {
        case .double(let x): self = .number(x)
        case .int64(let x): self = .number(Double(x))
        case .string(let s): self = .text(s)
        default: self = .text(value.description)
        }
    }
}

/// What a point is in: waiting for its run, done (its run is complete), failed (its run could not be
/// made: an impossible mapping, a value a run refuses) or skipped (a constraint of the sweep excludes it).
public enum SweepPointStatus: String, Sendable, CaseIterable {
    case pending, complete, failed, skipped
}

/// A whole sweep as the sweep file defines it: stored once, compared at every resume.
public struct SweepPlan: Sendable {
    public struct Point: Sendable {
        public var index: Int
        /// The axes' values, in the sweep file's order.
        public var parameters: [(key: String, value: SweepValue)]
        /// The `spikechip run` arguments of the point (without database and tag).
        public var arguments: [String]
        /// Why a constraint skips the point (nil: it runs).
        public var skipped: String?

        public init(index: Int, parameters: [(key: String, value: SweepValue)], arguments: [String], skipped: String?) {
            self.index = index; self.parameters = parameters; self.arguments = arguments; self.skipped = skipped
        }
    }

    public var name: String
    public var specFile: String
    public var specYAML: String
    public var baseTopology: String
    public var baseTopologyYAML: String
    /// How the points were chosen: "grid", "random 20, seed 3", "latin-hypercube 20, seed 3".
    public var sampling: String
    public var points: [Point]
    public var toolVersion: String

    public init(name: String, specFile: String, specYAML: String, baseTopology: String, baseTopologyYAML: String,
                sampling: String, points: [Point], toolVersion: String) {
        self.name = name; self.specFile = specFile; self.specYAML = specYAML; self.baseTopology = baseTopology
        self.baseTopologyYAML = baseTopologyYAML; self.sampling = sampling; self.points = points; self.toolVersion = toolVersion
    }
}

/// A stored point's state.
public struct SweepPointState: Sendable {
    public var index: Int
    public var status: SweepPointStatus
    public var run: RunID?
    public var message: String?
    public var attempts: Int
    public var arguments: [String]
}

/// A point with its parameters and, when complete, its run's answer (per token; same-memory whole-system ratios).
public struct SweepResult: Sendable {
    public var point: Int
    public var status: SweepPointStatus
    public var parameters: [String: SweepValue]
    public var run: RunID?
    public var message: String?
    public var picojoulesPerToken: Double?
    public var latencyNanosecondsPerToken: Double?
    public var squareMillimetres: Double?
    public var chips: Int?
    public var staticMilliwatts: Double?
    public var fp16OverSpiking: Double?
    public var int8OverSpiking: Double?
    /// Closed-loop points run with `fidelity: true`: top-1 agreement with the dense model and mean KL.
    public var top1Agreement: Double?
    public var meanKL: Double?
}

/// A stored sweep, for listing.
public struct SweepSummary: Sendable {
    public var id: Int64
    public var name: String
    public var sampling: String
    public var baseTopology: String
    public var createdAt: String
    public var counts: [SweepPointStatus: Int]
}

extension RunStore {
    /// Stores `plan` as a new sweep, or finds the sweep of that name started by the same file on the same
    /// base topology (a resume). A sweep of that name made from another file or on a changed topology is
    /// refused: points of two different sweeps are never mixed.
    public func register(_ plan: SweepPlan) throws -> Int64 {
        try database.write { db in
            if let row = try Row.fetchOne(db, sql: "SELECT id, spec_yaml, base_topology_yaml, created_at, points FROM sweep WHERE name = ?",
                                          arguments: [plan.name]) {
                let id: Int64 = try row.decode(forColumn: "id")
                let created: String = try row.decode(forColumn: "created_at")
                guard try row.decode(forColumn: "spec_yaml") as String == plan.specYAML else {
                    throw StoreError.invalidArgument("""
                        \(path) already holds a sweep named '\(plan.name)' (started \(created)) from another sweep file; \
                        nothing was changed. Give this one another name (--name or `name:` in the file), or another --db
                        """)
                }
                guard try row.decode(forColumn: "base_topology_yaml") as String == plan.baseTopologyYAML else {
                    throw StoreError.invalidArgument("""
                        the base topology \(plan.baseTopology) changed since sweep '\(plan.name)' started (\(created)); its points \
                        would mix two chips. Restore the file, or start a new sweep (--name, or another --db)
                        """)
                }
                guard try row.decode(forColumn: "points") as Int == plan.points.count else {
                    throw StoreError.invalidArgument("sweep '\(plan.name)' in \(path) has another number of points than its file gives now; start a new sweep (--name)")
                }
                return id
            }
            try db.execute(sql: """
                INSERT INTO sweep (name, spec_file, spec_yaml, base_topology, base_topology_yaml, sampling, points, created_at, tool_version)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [plan.name, plan.specFile, plan.specYAML, plan.baseTopology, plan.baseTopologyYAML, plan.sampling,
                                 plan.points.count, Self.timestamp(), plan.toolVersion])
            let id = db.lastInsertedRowID
            let point = try db.makeStatement(sql: """
                INSERT INTO sweep_point (sweep_id, point, status, arguments, message, attempts) VALUES (?, ?, ?, ?, ?, 0)
                """)
            let parameter = try db.makeStatement(sql: "INSERT INTO sweep_parameter (sweep_id, point, key, value) VALUES (?, ?, ?, ?)")
            for p in plan.points {
                let arguments = String(decoding: try JSONEncoder().encode(p.arguments), as: UTF8.self)
                try point.execute(arguments: [id, p.index, p.skipped == nil ? "pending" : "skipped", arguments, p.skipped])
                for (key, value) in p.parameters {
                    try parameter.execute(arguments: [id, p.index, key, value.databaseValue])
                }
            }
            return id
        }
    }

    /// Every point of a sweep, in order.
    public func sweepPoints(_ sweep: Int64) throws -> [SweepPointState] {
        try readingStoredValues { try database.read { db in
            try Row.fetchAll(db, sql: "SELECT point, status, run_id, message, attempts, arguments FROM sweep_point WHERE sweep_id = ? ORDER BY point",
                             arguments: [sweep]).map { row in
                let status: String = try row.decode(forColumn: "status")
                let json: String = try row.decode(forColumn: "arguments")
                return SweepPointState(index: try row.decode(forColumn: "point"), status: SweepPointStatus(rawValue: status) ?? .pending,
                                       run: (try row.decode(forColumn: "run_id") as Int64?).map(RunID.init(rawValue:)),
                                       message: try row.decode(forColumn: "message"), attempts: try row.decode(forColumn: "attempts"),
                                       arguments: (try? JSONDecoder().decode([String].self, from: Data(json.utf8))) ?? [])
            }
        } }
    }

    /// Counts one more attempt at a pending point (before its run starts).
    public func noteAttempt(_ id: SweepPointID) throws {
        try database.write { db in
            try db.execute(sql: "UPDATE sweep_point SET attempts = attempts + 1 WHERE sweep_id = ? AND point = ?", arguments: [id.sweep, id.point])
        }
    }

    /// Stores why a point's run could not be made; a point already complete stays complete.
    public func markFailed(_ id: SweepPointID, message: String) throws {
        try database.write { db in
            try db.execute(sql: "UPDATE sweep_point SET status = 'failed', message = ? WHERE sweep_id = ? AND point = ? AND status = 'pending'",
                           arguments: [message, id.sweep, id.point])
        }
    }

    /// Puts a sweep's failed points back to pending (`--retry-failed`); returns how many.
    public func retryFailed(_ sweep: Int64) throws -> Int {
        try database.write { db in
            try db.execute(sql: "UPDATE sweep_point SET status = 'pending', message = NULL WHERE sweep_id = ? AND status = 'failed'", arguments: [sweep])
            return db.changesCount
        }
    }

    /// The sweeps in the file, oldest first.
    public func sweeps() throws -> [SweepSummary] {
        try readingStoredValues { try database.read { db in
            guard try Schema.has("v3", db) else { return [] }
            return try Row.fetchAll(db, sql: "SELECT id, name, sampling, base_topology, created_at FROM sweep ORDER BY id").map { row in
                let id: Int64 = try row.decode(forColumn: "id")
                var counts: [SweepPointStatus: Int] = [:]
                for r in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM sweep_point WHERE sweep_id = ? GROUP BY status", arguments: [id]) {
                    if let s = SweepPointStatus(rawValue: try r.decode(forColumn: "status")) { counts[s] = try r.decode(forColumn: "n") }
                }
                return SweepSummary(id: id, name: try row.decode(forColumn: "name"), sampling: try row.decode(forColumn: "sampling"),
                                    baseTopology: try row.decode(forColumn: "base_topology"), createdAt: try row.decode(forColumn: "created_at"),
                                    counts: counts)
            }
        } }
    }

    /// A sweep's points with their parameters and answers; `keys` lists the parameters in the sweep file's order.
    public func sweepResults(_ sweep: Int64) throws -> (keys: [String], results: [SweepResult]) {
        try readingStoredValues { try database.read { db in
            var keys: [String] = []
            var parameters: [Int: [String: SweepValue]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT point, key, value FROM sweep_parameter WHERE sweep_id = ? ORDER BY point, rowid",
                                        arguments: [sweep]) {
                let key: String = try row.decode(forColumn: "key")
                if !keys.contains(key) { keys.append(key) }
                parameters[try row.decode(forColumn: "point"), default: [:]][key] = SweepValue(row["value"] as DatabaseValue)
            }
            let results = try Row.fetchAll(db, sql: """
                SELECT point, status, run_id, message, pj_per_token, latency_ns_per_token, area_mm2, chips, static_mw,
                       fp16_over_spiking, int8_over_spiking, top1_agreement, mean_kl
                FROM sweep_result WHERE sweep = (SELECT name FROM sweep WHERE id = ?) ORDER BY point
                """, arguments: [sweep]).map { row -> SweepResult in
                // The view joins only a complete run, so the answers of any other point read as NULL.
                let point: Int = try row.decode(forColumn: "point")
                return SweepResult(
                    point: point, status: SweepPointStatus(rawValue: try row.decode(forColumn: "status")) ?? .pending,
                    parameters: parameters[point] ?? [:], run: (try row.decode(forColumn: "run_id") as Int64?).map(RunID.init(rawValue:)),
                    message: try row.decode(forColumn: "message"),
                    picojoulesPerToken: try row.decode(forColumn: "pj_per_token"),
                    latencyNanosecondsPerToken: try row.decode(forColumn: "latency_ns_per_token"),
                    squareMillimetres: try row.decode(forColumn: "area_mm2"),
                    chips: try row.decode(forColumn: "chips"),
                    staticMilliwatts: try row.decode(forColumn: "static_mw"),
                    fp16OverSpiking: try row.decode(forColumn: "fp16_over_spiking"),
                    int8OverSpiking: try row.decode(forColumn: "int8_over_spiking"),
                    top1Agreement: try row.decode(forColumn: "top1_agreement"),
                    meanKL: try row.decode(forColumn: "mean_kl"))
            }
            return (keys, results)
        } }
    }
}
