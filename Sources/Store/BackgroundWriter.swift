import Energy
import Foundation
import GRDB

/// A batch of rows waiting for the writer thread.
enum WriterBatch {
    case events(ContiguousArray<EnergyRecord>)
    case steps(ContiguousArray<AggregateRow<StepKey>>)
    case summary(ContiguousArray<EnergyTally.Row>)
    case cores(ContiguousArray<EnergyTally.CoreTotal>)

    var rowCount: Int {
        switch self {
        case let .events(r): r.count
        case let .steps(r): r.count
        case let .summary(r): r.count
        case let .cores(r): r.count
        }
    }

    var bytes: Int {
        switch self {
        case let .events(r): r.capacity * MemoryLayout<EnergyRecord>.stride
        case let .steps(r): r.capacity * MemoryLayout<AggregateRow<StepKey>>.stride
        case let .summary(r): r.capacity * MemoryLayout<EnergyTally.Row>.stride
        case let .cores(r): r.capacity * MemoryLayout<EnergyTally.CoreTotal>.stride
        }
    }
}

/// What the writer did, for the benchmark and for tests of back-pressure.
public struct WriterStatistics: Sendable, Equatable {
    /// Rows committed.
    public var rows: Int = 0
    /// Transactions committed (one per batch).
    public var transactions: Int = 0
    /// Largest number of bytes held in queued batches (including the one being written).
    public var peakQueuedBytes: Int = 0
    /// Times the producer had to wait because the queue was full.
    public var producerWaits: Int = 0
    /// Wall seconds the writer thread spent inside transactions: rows / writerSeconds is the
    /// writer's capacity, independent of how fast the producer was.
    public var writerSeconds: Double = 0
    /// CPU seconds of the writer thread: rows / writerCPUSeconds is its capacity on a core of
    /// its own, which stays meaningful when other processes load the machine.
    public var writerCPUSeconds: Double = 0
}

/// A thread that writes batches to SQLite, one transaction per batch, fed by a bounded queue.
///
/// The simulator must never wait on the disk except when it outruns the disk for long: the
/// queue absorbs bursts, and when `capacity` batches are waiting, `submit` blocks
/// (back-pressure) instead of growing without bound. Each committed batch is durable on its
/// own, so a run stopped at any moment leaves a prefix of its rows. After a failure (disk
/// full…) the writer drops further batches and reports the first error from `close()`.
/// Shared by its producer and its thread: every mutable property is accessed with `condition` held
/// (NSCondition rather than `Mutex`, because both sides wait on it).
final class BackgroundWriter: @unchecked Sendable {
    private let database: DatabaseQueue
    private let run: Int64
    private let capacity: Int
    private let condition = NSCondition()
    private var queue: [WriterBatch] = []
    private var queuedBytes = 0
    private var closing = false
    private var done = false
    private var failure: (any Error)?
    private var stats = WriterStatistics()

    init(database: DatabaseQueue, run: RunID, capacity: Int) {
        self.database = database
        self.run = run.rawValue
        self.capacity = max(1, capacity)
        let thread = Thread { self.loop() }  // the thread keeps the writer alive until `close`
        thread.name = "spikechip-sqlite-writer"
        thread.start()
    }

    /// Queues a batch, waiting while the queue is full. Dropped silently after a failure
    /// (the failure is reported once, by `close`).
    func submit(_ batch: WriterBatch) {
        guard batch.rowCount > 0 else { return }
        condition.lock()
        defer { condition.unlock() }
        precondition(!closing, "batch submitted after the writer was closed")
        if queue.count >= capacity && failure == nil { stats.producerWaits += 1 }
        while queue.count >= capacity && failure == nil { condition.wait() }
        guard failure == nil else { return }
        queue.append(batch)
        queuedBytes += batch.bytes
        stats.peakQueuedBytes = max(stats.peakQueuedBytes, queuedBytes)
        condition.broadcast()
    }

    /// Waits until every queued batch is committed (or dropped after a failure) and stops the thread.
    func close() -> (WriterStatistics, (any Error)?) {
        condition.lock()
        defer { condition.unlock() }
        closing = true
        condition.broadcast()
        while !done { condition.wait() }
        return (stats, failure)
    }

    private func loop() {
        condition.lock()
        while true {
            while queue.isEmpty && !closing { condition.wait() }
            guard let batch = queue.first else { break }
            condition.unlock()
            var error: (any Error)?
            let start = DispatchTime.now().uptimeNanoseconds
            do { try write(batch) } catch let e { error = e }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            condition.lock()
            stats.writerSeconds += elapsed
            queue.removeFirst()
            queuedBytes -= batch.bytes
            if let error {
                failure = failure ?? error
                queue.removeAll()
                queuedBytes = 0
            } else {
                stats.rows += batch.rowCount
                stats.transactions += 1
            }
            condition.broadcast()
        }
        stats.writerCPUSeconds = Self.threadCPUSeconds()
        done = true
        condition.broadcast()
        condition.unlock()
    }

    private static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    private func write(_ batch: WriterBatch) throws {
        try database.inDatabase { db in
            try db.inTransaction(.immediate) {
                switch batch {
                case let .events(rows): try rows.withUnsafeBufferPointer { try RowInserter.insert($0, run: run, db: db) }
                case let .steps(rows): try rows.withUnsafeBufferPointer { try RowInserter.insert($0, run: run, db: db) }
                case let .summary(rows): try rows.withUnsafeBufferPointer { try RowInserter.insert($0, run: run, db: db) }
                case let .cores(rows): try rows.withUnsafeBufferPointer { try RowInserter.insert($0, run: run, db: db) }
                }
                return .commit
            }
        }
    }
}
