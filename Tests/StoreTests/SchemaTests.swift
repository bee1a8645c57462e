import Reports
import Foundation
import GRDB
import Testing
@testable import Store

/// A plain connection to `path` that waits for locks: the store a test just dropped may still be closing
/// its connection (a WAL checkpoint) on its writer thread.
private func rawQueue(_ path: String) throws -> DatabaseQueue {
    var config = Configuration()
    config.busyMode = .timeout(10)
    return try DatabaseQueue(path: path, configuration: config)
}

@Suite struct SchemaTests {
    @Test("a run table that lost a column is refused on open, read-only or not, naming the column")
    func damagedTableIsRefused() throws {
        let path = temporaryDatabase()
        _ = try finishedRun(path, seed: 3)
        let queue = try rawQueue(path)
        try queue.write { try $0.execute(sql: "ALTER TABLE run DROP COLUMN encoder") }
        try queue.close()
        for readOnly in [true, false] {
            do {
                _ = try RunStore(path: path, readOnly: readOnly)
                Issue.record("a damaged file was opened")
            } catch let e as StoreError {
                #expect("\(e)".contains("table run lacks column encoder"))
            }
        }
    }

    @Test("a file written before the energy study (schema v1) still reports, without the study's sections")
    func olderFilesStillReport() throws {
        let path = temporaryDatabase()
        let (_, run, _) = try finishedRun(path, seed: 4)
        // Take the file back to v1: the tables and columns v2, v3 and v4 added, and their migration records.
        let queue = try rawQueue(path)
        try queue.write { db in
            try db.execute(sql: """
                DROP TABLE network_membrane; DROP TABLE network_spike; DROP TABLE network_step; DROP TABLE network_population;
                DELETE FROM grdb_migrations WHERE identifier = 'v4';
                DROP VIEW sweep_result; DROP TABLE sweep_parameter; DROP TABLE sweep_point; DROP TABLE sweep;
                ALTER TABLE run DROP COLUMN sweep_id; ALTER TABLE run DROP COLUMN sweep_point;
                DELETE FROM grdb_migrations WHERE identifier = 'v3';
                DROP TABLE scenario_level; DROP TABLE break_even; DROP TABLE study; DROP TABLE sensitivity;
                ALTER TABLE baseline DROP COLUMN scenario; ALTER TABLE energy_table DROP COLUMN low_pj; ALTER TABLE energy_table DROP COLUMN high_pj;
                DELETE FROM grdb_migrations WHERE identifier = 'v2'
                """)
        }
        try queue.close()
        let d = try RunStore(path: path, readOnly: true).reportData(run: run)
        #expect(d.study == nil && d.scenarioLevels.isEmpty && d.sensitivity.isEmpty)
        #expect(!d.comparison.isEmpty && !d.baseline.isEmpty)
        #expect(HTMLReport.render(d).contains("A run stored before dense scenarios existed"))
        // Opened for writing, the file is migrated to the newest schema and keeps its run.
        let store = try RunStore(path: path)
        #expect(try store.reportData(run: run).run.id == run)
    }
}

@Test("a database locked by another connection past the busy timeout says so (not 'check the directory')")
func lockedDatabaseIsNamed() throws {
    let path = temporaryDatabase()
    _ = try RunStore(path: path)
    let holder = try DatabaseQueue(path: path)
    // Hold an exclusive lock on one connection while another tries to open the file for writing.
    try holder.inDatabase { db in
        try db.execute(sql: "BEGIN EXCLUSIVE")
        defer { try? db.execute(sql: "ROLLBACK") }
        do {
            _ = try RunStore(path: path)
            Issue.record("opened a locked file for writing")
        } catch let e as StoreError {
            #expect(e == .locked(path: path))
        }
    }
}
