import Baselines
import Engine
import Foundation
import GRDB
import Mapping
import ModelShapes
import Pipeline
import Store
import TestFixtures
import Testing
import Topology

private let tiny = Fixtures.tiny
private let root = Fixtures.root
private func smallBoard(_ edits: [(String, String)] = []) throws -> Topology { try Fixtures.smallBoard(edits) }

private func settings(database: String?, batch: Int = 16) throws -> RunSettings {
    RunSettings(seed: 3, database: database, baselines: try BaselineTable(contentsOf: root.appendingPathComponent("topologies/baselines.yaml")),
                batch: batch, commandLine: ["test"], toolVersion: "test")
}

private func database(_ name: String = #function) -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spikechip-pipeline-\(getpid())")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent("\(name.filter { $0.isLetter })-\(UUID().uuidString.prefix(8)).sqlite").path
}

private func source(_ steps: Int = 4, silent: Double = 0.69) throws -> StatisticalSpikeSource {
    try StatisticalSpikeSource(silentFraction: silent, spikesPerActivation: silent == 0 ? Double(steps) : 1.13, timeSteps: steps, seed: 3)
}

private struct RunFailed: Error { var status: String }

@Suite("Run pipeline")
struct RunPipelineTests {
    @Test("a complete run: every table written, the stored totals equal the engine's ledger, the study compares the same tokens")
    func complete() throws {
        let path = database()
        let m = try ChipMapping(spec: tiny, topology: try smallBoard())
        let p = try RunPipeline(mapping: m, workload: Workload(tokens: 3, timeSteps: 4, context: 16, seed: 3), settings: try settings(database: path))
        let out = try p.execute(source: try source(), encoderLabel: "statistical", statistics: nil) { _, _ in 7 }
        guard case .complete = out.status else { Issue.record("status \(out.status)"); return }
        #expect(out.extra == 7 && out.result.tokensDone == 3)
        let id = try #require(out.run)
        let d = try RunStore(path: path, readOnly: true).reportData(run: id)
        #expect(d.run.status == .complete && d.run.tokens == 3)
        #expect(abs(d.totalPicojoules - out.result.ledger.total.picojoules) <= 1e-6 * out.result.ledger.total.picojoules)
        #expect(!d.hottestLinks.isEmpty && d.tokenCount == 3 && d.study != nil)
        // Three scenarios (same memory, DRAM at batch 1 and 16) of three levels.
        #expect(d.scenarioLevels.count == 9)
        let c = try #require(out.comparison)
        #expect(c.study.scenarios.count == 3)
    }

    @Test("the summary level tallied by the engine stores the rows the records give: the same as the records path's (events level, partitions) and as SQL sums over every event")
    func engineTallyMatchesRecords() throws {
        let m = try ChipMapping(spec: tiny, topology: try smallBoard())
        let w = Workload(tokens: 3, timeSteps: 4, context: 16, seed: 3)
        func run(_ log: LogLevel, partitions: PartitionScheme = .single) throws -> (String, RunID, RunResult) {
            let path = database()
            var s = try settings(database: path)
            s.log = log; s.partitions = partitions; s.threads = 2
            let out = try RunPipeline(mapping: m, workload: w, settings: s).execute(source: try source(), encoderLabel: "s", statistics: nil) { _, _ in () }
            guard case .complete = out.status else { throw RunFailed(status: "\(out.status)") }
            return (path, try #require(out.run), out.result)
        }
        func rows(_ path: String, _ sql: String) throws -> [[DatabaseValue]] {
            try DatabaseQueue(path: path).read { db in try Row.fetchAll(db, sql: sql).map { Array($0.databaseValues) } }
        }
        let summary = "SELECT token, layer, kind, count, energy_fj, records, first_time_ps, last_time_ps FROM energy_summary ORDER BY rowid"
        let cores = "SELECT chip, core, kind, count, energy_fj FROM core_energy ORDER BY rowid"
        let (direct, _, a) = try run(.summary)
        let (events, _, b) = try run(.events)
        let (striped, _, c) = try run(.summary, partitions: .stripes)
        #expect(a.ledger == b.ledger && a.ledger == c.ledger)
        for other in [events, striped] {
            #expect(try rows(direct, summary) == rows(other, summary))
            #expect(try rows(direct, cores) == rows(other, cores))
        }
        // Independently of any tally: sums over every stored event.
        #expect(try rows(direct, "SELECT token, layer, kind, count, energy_fj, records, first_time_ps, last_time_ps FROM energy_summary ORDER BY token, layer, kind")
                == rows(events, "SELECT token, layer, kind, SUM(count), SUM(energy_fj), COUNT(*), MIN(time_ps), MAX(time_ps) FROM energy_event GROUP BY token, layer, kind ORDER BY token, layer, kind"))
        #expect(try rows(direct, "SELECT chip, core, kind, count, energy_fj FROM core_energy ORDER BY core IS NULL, core, chip, kind")
                == rows(events, "SELECT chip, core, kind, SUM(count), SUM(energy_fj) FROM energy_event GROUP BY core IS NULL, core, chip, kind ORDER BY core IS NULL, core, chip, kind"))
        #expect(try rows(direct, "SELECT COUNT(*) FROM energy_summary") != [[0.databaseValue]])
    }

    @Test("without a database: the same totals and study, nothing stored")
    func noDatabase() throws {
        let m = try ChipMapping(spec: tiny, topology: try smallBoard())
        let w = Workload(tokens: 2, timeSteps: 4, context: 16, seed: 3)
        let a = try RunPipeline(mapping: m, workload: w, settings: try settings(database: nil))
            .execute(source: try source(), encoderLabel: "s", statistics: nil) { _, _ in () }
        let path = database()
        let b = try RunPipeline(mapping: m, workload: w, settings: try settings(database: path))
            .execute(source: try source(), encoderLabel: "s", statistics: nil) { _, _ in () }
        #expect(a.run == nil && b.run != nil)
        #expect(a.result.ledger.total == b.result.ledger.total)
        #expect(a.comparison?.study.scenarios.map(\.levels.count) == b.comparison?.study.scenarios.map(\.levels.count))
    }

    @Test("a stop request: the run ends interrupted, stored as such with the caller's reason")
    func interrupted() throws {
        let path = database()
        let m = try ChipMapping(spec: tiny, topology: try smallBoard())
        let p = try RunPipeline(mapping: m, workload: Workload(tokens: 200, timeSteps: 4, context: 16, seed: 3), settings: try settings(database: path))
        let out = try p.execute(source: try source(), encoderLabel: "s", statistics: nil, shouldStop: { true },
                                stopReason: { "asked to stop by the test" }) { _, _ in () }
        guard case .interrupted = out.status else { Issue.record("status \(out.status)"); return }
        #expect(out.result.tokensDone < 200)
        let run = try #require(try RunStore(path: path, readOnly: true).runs().first)
        #expect(run.status == .interrupted && run.statusDetail == "asked to stop by the test")
    }

    @Test("completion markers lost at full buffers: the run is reported stalled and stored interrupted with the reason")
    func stalled() throws {
        let path = database()
        let t = try smallBoard([("buffer_packets: 0", "buffer_packets: 1"), ("link_bits_per_ns: 32", "link_bits_per_ns: 0.5")])
        let m = try ChipMapping(spec: tiny, topology: t)
        let p = try RunPipeline(mapping: m, workload: Workload(tokens: 1, timeSteps: 4, context: 16, seed: 3), settings: try settings(database: path))
        let out = try p.execute(source: try source(silent: 0), encoderLabel: "s", statistics: nil) { _, _ in () }
        guard case .stalled(let message) = out.status else { Issue.record("status \(out.status)"); return }
        #expect(message.contains("buffer_packets"))
        let run = try #require(try RunStore(path: path, readOnly: true).runs().first)
        #expect(run.status == .interrupted && run.statusDetail?.contains("stalled") == true)
    }

    @Test("settings are checked before anything runs", arguments: [0, 1_000_001])
    func badBatch(batch: Int) throws {
        let m = try ChipMapping(spec: tiny, topology: try smallBoard())
        #expect(throws: EngineError.self) { try RunPipeline(mapping: m, workload: Workload(), settings: try settings(database: nil, batch: batch)) }
    }
}
