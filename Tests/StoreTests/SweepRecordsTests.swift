import Benchmarks
import Energy
import Foundation
import GRDB
import SimKernel
import Testing
@testable import Store

private func plan(name: String = "s", spec: String = "axes: {x: [1, 2, 3]}", topology: String = "name: t\n") -> SweepPlan {
    SweepPlan(name: name, specFile: "s.yaml", specYAML: spec, baseTopology: "t.yaml", baseTopologyYAML: topology, sampling: "grid",
              points: [1.0, 2, 3].enumerated().map { i, x in
                  SweepPlan.Point(index: i, parameters: [("x", .number(x)), ("mode", .text("graded"))], arguments: ["--x", "\(x)"],
                                  skipped: i == 2 ? "x too large" : nil)
              }, toolVersion: "test")
}

/// Begins and ends a run for `point` of `sweep` with `status`.
private func runPoint(_ store: RunStore, sweep: Int64, point: Int, complete: Bool) throws -> RunID {
    let s = SyntheticEnergyStream(chips: 1, coresPerChip: 4, layers: 1, timeSteps: 2, seed: 3)
    var info = runInfo(level: .summary, stream: s)
    info.sweepPoint = SweepPointID(sweep: sweep, point: point)
    let run = try store.beginRun(info)
    let sink = try store.makeSink(run: run)
    let records = s.records(500)
    feed(sink, records)
    try sink.close()
    if complete {
        try store.finishRun(run, status: .complete, totals: RunTotals(ledger: ledger(of: records, layers: 1, chips: 1), simulatedTime: .zero, tokens: 1, wallSeconds: 0))
    } else {
        try store.markInterrupted(run, reason: "test")
    }
    return run
}

@Suite("sweeps in the database")
struct SweepRecordsTests {
    @Test("a sweep is stored once; its points start pending or skipped, with parameters typed for SQL")
    func register() throws {
        let store = try RunStore(path: temporaryDatabase())
        let id = try store.register(plan())
        #expect(try store.register(plan()) == id) // a resume finds it
        let points = try store.sweepPoints(id)
        #expect(points.map(\.status) == [.pending, .pending, .skipped])
        #expect(points[2].message == "x too large")
        #expect(points[1].arguments == ["--x", "2.0"])
        let typed = try store.database.read { db in
            try Row.fetchAll(db, sql: "SELECT typeof(value) AS t FROM sweep_parameter WHERE point = 0 ORDER BY key").map { $0["t"] as String }
        }
        #expect(typed == ["text", "real"]) // mode, x
    }

    @Test("a point is complete exactly when its run completes; an interrupted run leaves it pending")
    func completion() throws {
        let store = try RunStore(path: temporaryDatabase())
        let id = try store.register(plan())
        _ = try runPoint(store, sweep: id, point: 0, complete: false)
        #expect(try store.sweepPoints(id)[0].status == .pending)
        let run = try runPoint(store, sweep: id, point: 0, complete: true)
        let p = try store.sweepPoints(id)[0]
        #expect(p.status == .complete && p.run == run)
        let (keys, results) = try store.sweepResults(id)
        #expect(keys == ["x", "mode"])
        #expect(results[0].parameters["x"] == .number(1) && results[0].parameters["mode"] == .text("graded"))
        #expect(results[0].status == .complete && results[1].status == .pending)
        // A run tagged with a point the file does not hold is refused.
        var info = runInfo(level: .summary, stream: SyntheticEnergyStream(chips: 1, coresPerChip: 4, layers: 1, timeSteps: 2, seed: 3))
        info.sweepPoint = SweepPointID(sweep: id, point: 99)
        #expect(throws: StoreError.self) { try store.beginRun(info) }
    }

    @Test("failures are stored with their message, never over a complete point, and can be retried")
    func failures() throws {
        let store = try RunStore(path: temporaryDatabase())
        let id = try store.register(plan())
        _ = try runPoint(store, sweep: id, point: 0, complete: true)
        try store.markFailed(SweepPointID(sweep: id, point: 0), message: "late failure")
        try store.markFailed(SweepPointID(sweep: id, point: 1), message: "does not fit")
        let points = try store.sweepPoints(id)
        #expect(points[0].status == .complete && points[0].message == nil)
        #expect(points[1].status == .failed && points[1].message == "does not fit")
        #expect(try store.retryFailed(id) == 1)
        #expect(try store.sweepPoints(id)[1].status == .pending)
    }

    @Test("another sweep file or a changed base topology under the same name is refused, and nothing changes")
    func mixing() throws {
        let path = temporaryDatabase()
        let store = try RunStore(path: path)
        let id = try store.register(plan())
        do { _ = try store.register(plan(spec: "axes: {x: [9]}")); Issue.record("accepted") } catch {
            #expect("\(error)".contains("from another sweep file"))
        }
        do { _ = try store.register(plan(topology: "name: t\n# edited\n")); Issue.record("accepted") } catch {
            #expect("\(error)".contains("changed since"))
        }
        #expect(try store.register(plan(name: "other", spec: "axes: {x: [9]}")) != id)
        #expect(try store.sweeps().map(\.name) == ["s", "other"])
        #expect(try store.sweepPoints(id).count == 3)
    }
}
