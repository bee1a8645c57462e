import Benchmarks
import Energy
import Foundation
import GRDB
import Testing
@testable import Store

/// Serialized: two tests use the process-wide `InterruptFlag`.
@Suite(.serialized) struct InterruptionTests {
    let stream = SyntheticEnergyStream(chips: 2, coresPerChip: 8, layers: 3, timeSteps: 4, seed: 5)

    @Test func signalPathMarksTheRunInterruptedWithTheRowsTotals() throws {
        let store = try RunStore(path: temporaryDatabase())
        let run = try store.beginRun(runInfo(level: .events, stream: stream))
        let sink = try store.makeSink(run: run, options: .init(batchRows: 500, queueCapacity: 2))
        let records = stream.records(10_000)
        InterruptFlag.reset()
        // The engine's loop: poll the flag between batches; the "signal" arrives after 3,000 records.
        var fed = ContiguousArray<EnergyRecord>()
        for start in stride(from: 0, to: records.count, by: 1_000) {
            if InterruptFlag.isSet { break }
            let chunk = records[start..<start + 1_000]
            chunk.withUnsafeBufferPointer { sink.consume($0) }
            fed.append(contentsOf: chunk)
            if fed.count == 3_000 { InterruptFlag.request(signal: SIGTERM) }
        }
        #expect(InterruptFlag.receivedSignal == SIGTERM)
        InterruptFlag.reset()
        sink.finish()
        let totals = try store.markInterrupted(run, reason: "SIGTERM")
        let expected = ledger(of: fed, layers: stream.layers, chips: stream.chips)
        #expect(fed.count == 3_000)
        #expect(totals.energyByKind == expected.byKind)
        #expect(totals.countByKind == expected.countByKind)
        let summary = try RunStore(path: store.path).run(run)
        #expect(summary.status == .interrupted)
        #expect(summary.statusDetail == "SIGTERM")
        #expect(summary.total == expected.total)
    }

    @Test func signalHandlerSetsTheFlag() throws {
        InterruptFlag.reset()
        InterruptFlag.install()
        defer { InterruptFlag.uninstall(); InterruptFlag.reset() }
        #expect(!InterruptFlag.isSet)
        // The test runner's threads may block signals: unblock SIGTERM on this thread so that
        // raise() runs the handler synchronously, then restore the mask.
        var set = sigset_t(), old = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, &old)
        raise(SIGTERM)
        pthread_sigmask(SIG_SETMASK, &old, nil)
        #expect(InterruptFlag.isSet)
        #expect(InterruptFlag.receivedSignal == SIGTERM)
    }

    @Test func writerStoppedMidRunIsRecoveredOnReopen() throws {
        let path = temporaryDatabase()
        let records = stream.records(12_000)
        var run = RunID(rawValue: 0)
        do {
            // A run whose process "dies": batches are committed, then the store goes away unfinished.
            let store = try RunStore(path: path)
            run = try store.beginRun(runInfo(level: .events, stream: stream))
            let sink = try store.makeSink(run: run, options: .init(batchRows: 1_000, queueCapacity: 2))
            feed(sink, ContiguousArray(records[0..<7_000]))
            sink.finish()
            #expect(try store.run(run).status == .running)  // still live while its store exists
        }
        let readOnly = try RunStore(path: path, readOnly: true)
        #expect(try readOnly.run(run).status == .interrupted, "a running run without a live writer reads as interrupted")
        let reopened = try RunStore(path: path)
        let stored = try reopened.database.read { try String.fetchOne($0, sql: "SELECT status FROM run WHERE id = ?", arguments: [run.rawValue]) }
        #expect(stored == "interrupted", "a read-write open records the recovery")
        let expected = ledger(of: ContiguousArray(records[0..<7_000]), layers: stream.layers, chips: stream.chips)
        #expect(try reopened.run(run).total == expected.total)
        #expect(try sqlEnergyByKind(reopened, table: "energy_event", run: run) == ledgerByKind(expected))
    }

    @Test func runOfAKilledProcessIsRecoveredOnlyAfterTheProcessDies() throws {
        let path = temporaryDatabase()
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sleep")
        child.arguments = ["60"]
        try child.run()
        let store = try RunStore(path: path)
        let run = try store.beginRun(runInfo(level: .summary, stream: stream))
        let sink = try store.makeSink(run: run)
        let records = stream.records(5_000)
        feed(sink, records)
        sink.finish()
        // Hand the run to the child, as if that process were its writer.
        try store.database.write {
            try $0.execute(sql: "UPDATE run SET owner_pid = ? WHERE id = ?", arguments: [Int(child.processIdentifier), run.rawValue])
        }
        #expect(try RunStore(path: path).recoverAbandonedRuns().isEmpty)
        #expect(try RunStore(path: path).run(run).status == .running)
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        #expect(try RunStore(path: path).run(run).status == .interrupted)
        let totals = try RunStore(path: path, readOnly: true).storedTotals(run: run)
        #expect(totals.energyByKind == ledger(of: records, layers: stream.layers, chips: stream.chips).byKind)
    }

    @Test func diskFullKeepsCommittedBatchesAndAValidFile() throws {
        let path = temporaryDatabase()
        let store = try RunStore(path: path)
        let run = try store.beginRun(runInfo(level: .events, stream: stream))
        let pages = try store.database.read { try Int.fetchOne($0, sql: "PRAGMA page_count")! }
        try store.database.writeWithoutTransaction { try $0.execute(sql: "PRAGMA max_page_count = \(pages + 40)") }
        let sink = try store.makeSink(run: run, options: .init(batchRows: 500, queueCapacity: 2))
        let records = stream.records(200_000)
        feed(sink, records)
        #expect(throws: StoreError.self) { try sink.close() }
        let stats = try #require(sink.statistics)
        #expect(stats.rows > 0 && stats.rows < 200_000)
        // Marking may itself fail on a full disk; either way the reopened file must be valid and consistent.
        _ = try? store.markInterrupted(run, reason: "disk full")
        let reopened = try RunStore(path: path)
        let summary = try reopened.run(run)
        #expect(summary.status == .interrupted)
        let rows = try reopened.database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM energy_event")! }
        let prefix = ledger(of: ContiguousArray(records[0..<rows]), layers: stream.layers, chips: stream.chips)
        #expect(try sqlEnergyByKind(reopened, table: "energy_event", run: run) == ledgerByKind(prefix),
                "committed rows are exactly a prefix of the stream")
        #expect(try reopened.storedTotals(run: run).total == summary.total)
        #expect(try reopened.database.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") } == "ok")
    }
}
