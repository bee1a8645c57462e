import Baselines
import Engine
import Foundation
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
