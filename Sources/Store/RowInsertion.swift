import GRDB
import GRDBSQLite

/// A row type the background writer inserts with raw `sqlite3_bind_*` calls.
///
/// The hot path avoids GRDB's `StatementArguments` (an array of enum values per row): a row
/// binds its integers straight into a prepared multi-row `INSERT`, which is what lets the
/// writer sustain millions of rows per second.
protocol SQLRow {
    /// Table the rows go to; its first column is always `run_id`, bound once by the inserter.
    static var table: String { get }
    /// The row's columns after `run_id`, in binding order.
    static var columns: [String] { get }
    /// Binds this row's `columns.count` values to parameters `first`, `first + 1`, …
    func bind(_ statement: OpaquePointer, first: Int32)
}

extension SQLRow {
    /// `INSERT INTO table (run_id, columns…) VALUES (?1, ?, …), (?1, ?, …)…` with `rows` tuples.
    /// Every tuple shares parameter 1, the run id, which is bound once per batch.
    static func insertSQL(rows: Int) -> String {
        let tuple = "(?1," + Array(repeating: "?", count: columns.count).joined(separator: ",") + ")"
        return "INSERT INTO \(table) (run_id, \(columns.joined(separator: ", "))) VALUES "
            + Array(repeating: tuple, count: rows).joined(separator: ",")
    }
}

/// Binding helpers: NULL stands for the stream's "none" sentinels.
@inline(__always) func bindInt(_ s: OpaquePointer, _ i: Int32, _ v: Int64) { sqlite3_bind_int64(s, i, v) }
/// Binds text that SQLite copies (the row's string may not outlive the call).
func bindText(_ s: OpaquePointer, _ i: Int32, _ v: String) {
    _ = v.withCString { sqlite3_bind_text(s, i, $0, -1, unsafeBitCast(-1, to: sqlite3_destructor_type.self)) }
}
@inline(__always) func bindOptional(_ s: OpaquePointer, _ i: Int32, _ v: Int64, none: Bool) {
    if none { sqlite3_bind_null(s, i) } else { sqlite3_bind_int64(s, i, v) }
}

/// Inserts rows in statements of many tuples: one `sqlite3_step` then pays for many rows,
/// which measured about 1.4× the rows per CPU-second of 40-tuple statements and far more
/// than one-row inserts (docs/performance.md).
enum RowInserter {
    /// Up to 90 tuples, within SQLite's historical limit of 999 parameters per statement.
    static func tuplesPerStatement(width: Int) -> Int { max(1, min(90, 999 / width)) }

    static func insert<Row: SQLRow>(_ rows: UnsafeBufferPointer<Row>, run: Int64, db: Database) throws {
        let width = Int32(Row.columns.count)
        let connection = db.sqliteConnection
        var start = 0
        for tuples in [tuplesPerStatement(width: Int(width) + 1), 1] {
            guard rows.count - start >= tuples else { continue }
            let statement = try db.cachedStatement(sql: Row.insertSQL(rows: tuples)).sqliteStatement
            sqlite3_bind_int64(statement, 1, run)   // bindings survive sqlite3_reset
            while rows.count - start >= tuples {
                for t in 0..<tuples {
                    rows[start + t].bind(statement, first: Int32(t) * width + 2)
                }
                let rc = sqlite3_step(statement)
                sqlite3_reset(statement)
                guard rc == SQLITE_DONE else {
                    throw DatabaseError(resultCode: ResultCode(rawValue: rc),
                                        message: connection.map { String(cString: sqlite3_errmsg($0)) })
                }
                start += tuples
            }
        }
    }
}
