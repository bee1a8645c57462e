import Energy
import Foundation
import GRDB

/// The energy sink of `--log events|steps|summary`: writes the stream at the level asked, on a
/// background writer thread, plus at every level the per-token/layer/kind summary and the per-core
/// totals, so that every database can be reported on.
///
/// At the summary level it needs no records (`needs` is `.summary`): a sequential run tallies its own
/// and hands over finished tokens' rows, which go straight to the writer. Records, when it is given
/// them (events and steps levels, partitioned runs, networks), are tallied by the same `EnergyTally`
/// on a thread of the sink's own, fed batches in order, or, with `Options.aggregateInline`, on the
/// caller's thread, which costs that thread the aggregation but no hand-over: the better choice when
/// every core already runs a simulation (a sweep with one worker per core).
///
/// Call `finish()` (the engine does, at the end of a run or after an interrupt) or `close()` before
/// `RunStore.finishRun` / `markInterrupted`: they flush what is open and wait for the writer to commit it.
/// A class because it owns threads; the engine holds it as a generic parameter.
public final class SQLiteEnergySink: EnergySink {
    /// Tuning knobs; the defaults bound the queue to about 18 MB (docs/performance.md, SQLite writer).
    /// Values below 1 are raised to 1.
    public struct Options: Sendable {
        /// Rows per batch, hence per transaction.
        public var batchRows: Int
        /// Batches that may wait for the writer before `consume` blocks.
        public var queueCapacity: Int
        /// Open aggregation groups (steps level) before they are written early.
        public var groupLimit: Int
        /// Aggregate records on the thread that calls `consume` instead of a thread of the sink's own.
        public var aggregateInline: Bool
        public init(batchRows: Int = 65_536, queueCapacity: Int = 8, groupLimit: Int = 1 << 18, aggregateInline: Bool = false) {
            self.batchRows = max(1, batchRows); self.queueCapacity = max(1, queueCapacity); self.groupLimit = max(1, groupLimit)
            self.aggregateInline = aggregateInline
        }
    }

    public let run: RunID
    public let level: LogLevel
    /// The database file, for messages.
    private let path: String
    private let writer: BackgroundWriter
    private let cores: Int, chips: Int, options: Options
    /// Record batches on their way to the aggregation thread (a few, so memory stays bounded); nil
    /// until the first records arrive.
    private var pipe: RecordPipe?
    /// The aggregation when it runs on the caller's thread.
    private var inline: StreamAggregation?
    private var result: (WriterStatistics, (any Error)?)?

    init(store: RunStore, run: RunID, level: LogLevel, cores: Int, chips: Int, options: Options) {
        self.run = run
        self.level = level
        path = store.path
        writer = BackgroundWriter(database: store.database, run: run, capacity: options.queueCapacity)
        self.cores = cores; self.chips = chips; self.options = options
    }

    deinit { finish() }

    public var needs: EnergyStreamNeeds { level == .summary ? .summary : .records }

    /// The engine's own tally: finished tokens' rows, and at the end the per-core totals, to the writer.
    public func consume(summary rows: [EnergyTally.Row], cores: [EnergyTally.CoreTotal]?) {
        precondition(result == nil, "rows consumed after finish()")
        writer.submit(.summary(ContiguousArray(rows)))
        if let cores { writer.submit(.cores(ContiguousArray(cores))) }
    }

    public func consume(_ records: UnsafeBufferPointer<EnergyRecord>) {
        guard !records.isEmpty else { return }
        if startAggregation() { inline!.consume(records); return }
        // A copy (the engine reuses its buffer), into a buffer the aggregation thread has finished with:
        // no allocation, no fresh pages to fault in, batch after batch.
        var batch = pipe!.spare()
        batch.removeAll(keepingCapacity: true)
        batch.append(contentsOf: records)
        pipe!.push(batch)
    }

    /// Takes the engine's buffer as the next batch and gives it back an emptied one the aggregation
    /// thread has finished with: no copy of the records on the simulation thread.
    public func consume(taking batch: inout ContiguousArray<EnergyRecord>) {
        guard !batch.isEmpty else { return }
        if startAggregation() { batch.withUnsafeBufferPointer { inline!.consume($0) }; return }
        var spare = pipe!.spare()
        spare.removeAll(keepingCapacity: true)
        spare.reserveCapacity(batch.count)
        swap(&spare, &batch)
        pipe!.push(spare)
    }

    /// Starts the records' aggregation on first use; true when it runs inline.
    private func startAggregation() -> Bool {
        precondition(result == nil, "records consumed after finish()")
        if inline != nil { return true }
        if pipe != nil { return false }
        if options.aggregateInline {
            inline = StreamAggregation(writer: writer, level: level, cores: cores, chips: chips, options: options)
            return true
        }
        // The thread holds the pipe and builds and owns the aggregation, never the sink, so that dropping
        // the sink finishes it; no other thread touches the aggregation, which is why it needs no lock.
        let pipe = RecordPipe(capacity: 4)
        self.pipe = pipe
        let (writer, level, cores, chips, options) = (writer, level, cores, chips, options)
        let thread = Thread {
            var aggregation = StreamAggregation(writer: writer, level: level, cores: cores, chips: chips, options: options)
            while let batch = pipe.pop() {
                batch.withUnsafeBufferPointer { aggregation.consume($0) }
                pipe.recycle(batch)
            }
            aggregation.finish()
            pipe.markDrained()
        }
        thread.name = "spikechip-sqlite-aggregation"
        thread.start()
        return false
    }

    /// Aggregates everything still queued, writes it, waits for the writer, stops the threads. Idempotent.
    public func finish() {
        guard result == nil else { return }
        if inline != nil {
            inline!.finish()
            inline = nil
        }
        pipe?.closeAndWaitDrained()
        result = writer.close()
    }

    /// `finish()`, then throws `StoreError.writerFailed` if any batch could not be committed.
    public func close() throws {
        finish()
        if let error = result?.1 as? DatabaseError, error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
            throw StoreError.locked(path: path)
        }
        if let error = result?.1 { throw StoreError.writerFailed(detail: String(describing: error)) }
    }

    /// Counters of the writer; final once `finish()` has returned.
    public var statistics: WriterStatistics? { result?.0 }
}

/// The aggregation of records a sink is given, created, used and finished by one thread only (the sink's
/// aggregation thread, or the caller's when inline). A value held in a local of that thread, so that its
/// per-record updates need no dynamic exclusivity checks: the summary and per-core totals (`EnergyTally`),
/// and events or steps by level.
struct StreamAggregation {
    private let level: LogLevel
    private let options: SQLiteEnergySink.Options
    private let writer: BackgroundWriter
    private var events = ContiguousArray<EnergyRecord>()
    private var steps: Aggregator<StepKey>
    private var tally: EnergyTally

    init(writer: BackgroundWriter, level: LogLevel, cores: Int, chips: Int, options: SQLiteEnergySink.Options) {
        self.writer = writer
        self.level = level
        self.options = options
        steps = Aggregator(limit: options.groupLimit)
        // The ledger part is unused here (the engine keeps its own).
        tally = EnergyTally(layers: 0, chips: chips, cores: cores, spillLimit: options.groupLimit)
        events.reserveCapacity(options.batchRows)
    }

    mutating func consume(_ records: UnsafeBufferPointer<EnergyRecord>) {
        for r in records {
            // A record of a later token first hands the finished tokens' rows to the writer, after their
            // events and steps, so that they reach the database while the run goes on.
            if tally.startsToken(r.token) {
                tally.begin(token: r.token)
                flushAggregates()
            }
            tally.add(r)
            switch level {
            case .events:
                events.append(r)
                if events.count == options.batchRows { flushEvents() }
            case .steps:
                steps.add(r)
                if steps.isFull { writer.submit(.steps(steps.drain())) }
            case .summary:
                break
            }
        }
        // Rows of a spill table that filled up.
        if tally.hasRows { writer.submit(.summary(ContiguousArray(tally.takeRows()))) }
    }

    /// Writes what is left (the writer is closed by the sink).
    mutating func finish() {
        flushEvents()
        if !steps.isEmpty { writer.submit(.steps(steps.drain())) }
        let (rows, cores, _) = tally.finish()
        writer.submit(.summary(ContiguousArray(rows)))
        writer.submit(.cores(ContiguousArray(cores)))
    }

    /// Hands over the finished tokens' rows, after the pending events and steps, so that a token's
    /// summary never reaches the database before its events.
    private mutating func flushAggregates() {
        flushEvents()
        if !steps.isEmpty { writer.submit(.steps(steps.drain())) }
        if tally.hasRows { writer.submit(.summary(ContiguousArray(tally.takeRows()))) }
    }

    private mutating func flushEvents() {
        guard !events.isEmpty else { return }
        var batch = ContiguousArray<EnergyRecord>()
        batch.reserveCapacity(options.batchRows)
        swap(&batch, &events)
        writer.submit(.events(batch))
    }
}

/// A bounded FIFO of record batches between the simulation thread and the aggregation thread:
/// `push` waits while it is full (back-pressure), `pop` while it is empty, until it is closed;
/// once drained, `closeAndWaitDrained` returns. Every stored property is read and written
/// with `condition` held, which is what makes it safe to share (NSCondition, not `Mutex`: both sides wait).
final class RecordPipe: @unchecked Sendable {
    private let condition = NSCondition()
    private let capacity: Int
    private var queue: [ContiguousArray<EnergyRecord>] = []
    private var head = 0
    /// Emptied batches, kept with their capacity for the producer.
    private var spares: [ContiguousArray<EnergyRecord>] = []
    private var closed = false
    private var drained = false

    init(capacity: Int) { self.capacity = max(1, capacity) }

    func push(_ batch: ContiguousArray<EnergyRecord>) {
        condition.lock(); defer { condition.unlock() }
        while queue.count - head >= capacity { condition.wait() }
        queue.append(batch)
        condition.broadcast()
    }

    /// The next batch, or nil once the pipe is closed and empty.
    func pop() -> ContiguousArray<EnergyRecord>? {
        condition.lock(); defer { condition.unlock() }
        while queue.count == head && !closed { condition.wait() }
        guard head < queue.count else { return nil }
        let batch = queue[head]
        queue[head] = []
        head += 1
        if head == queue.count { queue.removeAll(keepingCapacity: true); head = 0 }
        condition.broadcast()
        return batch
    }

    /// A batch the consumer has finished with (to be emptied and refilled), or a new one.
    func spare() -> ContiguousArray<EnergyRecord> {
        condition.lock(); defer { condition.unlock() }
        return spares.popLast() ?? []
    }

    /// Hands a consumed batch back for reuse (at most `capacity` are kept); the producer empties it.
    func recycle(_ batch: ContiguousArray<EnergyRecord>) {
        condition.lock(); defer { condition.unlock() }
        if spares.count < capacity { spares.append(batch) }
    }

    /// Called by the consumer once `pop` returned nil and everything it aggregated is submitted.
    func markDrained() {
        condition.lock(); defer { condition.unlock() }
        drained = true
        condition.broadcast()
    }

    /// Closes the pipe and waits for the consumer to drain it.
    func closeAndWaitDrained() {
        condition.lock(); defer { condition.unlock() }
        closed = true
        condition.broadcast()
        while !drained { condition.wait() }
    }
}
