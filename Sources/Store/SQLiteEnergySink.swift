import Energy
import Foundation
import GRDB

/// The energy sink of `--log events|steps|summary`: aggregates the stream as the level asks
/// and hands batches to a background writer thread. The aggregation itself runs on a thread of
/// its own, fed batches of records in order, so the simulation thread only copies each batch; or,
/// with `Options.aggregateInline`, on the caller's thread, which costs the simulation thread the
/// aggregation but no copy and no hand-over: the better choice when every core already runs a
/// simulation (a sweep with one worker per core).
///
/// Whatever the level, it also keeps the per-token/layer/kind summary and the per-core
/// totals, so every database can be reported on. Call `finish()` (the engine does, at the
/// end of a run or after an interrupt) or `close()` before `RunStore.finishRun` /
/// `markInterrupted`: they flush the open groups and wait for the writer to commit them.
/// A class because it owns a thread; the engine holds it as a generic parameter.
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
        /// Aggregate on the thread that calls `consume` instead of a thread of the sink's own.
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
    /// Record batches on their way to the aggregation thread (a few, so memory stays bounded).
    private let pipe = RecordPipe(capacity: 4)
    private var result: (WriterStatistics, (any Error)?)?
    /// The aggregation when it runs on the caller's thread (nil: it runs on the sink's thread).
    private var inline: StreamAggregation?

    init(store: RunStore, run: RunID, level: LogLevel, cores: Int, chips: Int, options: Options) {
        self.run = run
        self.level = level
        path = store.path
        let writer = BackgroundWriter(database: store.database, run: run, capacity: options.queueCapacity)
        if options.aggregateInline {
            inline = StreamAggregation(writer: writer, level: level, cores: cores, chips: chips, options: options)
            return
        }
        // The thread holds the pipe and builds and owns the aggregation, never the sink, so that dropping
        // the sink finishes it; no other thread touches the aggregation, which is why it needs no lock.
        let pipe = self.pipe
        let thread = Thread {
            var aggregation = StreamAggregation(writer: writer, level: level, cores: cores, chips: chips, options: options)
            while let batch = pipe.pop() {
                batch.withUnsafeBufferPointer { aggregation.consume($0) }
                pipe.recycle(batch)
            }
            pipe.markDrained(aggregation.finish())
        }
        thread.name = "spikechip-sqlite-aggregation"
        thread.start()
    }

    deinit { finish() }

    public func consume(_ records: UnsafeBufferPointer<EnergyRecord>) {
        precondition(result == nil, "records consumed after finish()")
        guard !records.isEmpty else { return }
        if inline != nil { inline!.consume(records); return }
        // A copy (the engine reuses its buffer), into a buffer the aggregation thread has finished with:
        // no allocation, no fresh pages to fault in, batch after batch.
        var batch = pipe.spare()
        batch.removeAll(keepingCapacity: true)
        batch.append(contentsOf: records)
        pipe.push(batch)
    }

    /// Takes the engine's buffer as the next batch and gives it back an emptied one the aggregation
    /// thread has finished with: no copy of the records on the simulation thread.
    public func consume(taking batch: inout ContiguousArray<EnergyRecord>) {
        precondition(result == nil, "records consumed after finish()")
        guard !batch.isEmpty else { return }
        if inline != nil { batch.withUnsafeBufferPointer { inline!.consume($0) }; return }
        var spare = pipe.spare()
        spare.removeAll(keepingCapacity: true)
        spare.reserveCapacity(batch.count)
        swap(&spare, &batch)
        pipe.push(spare)
    }

    /// Aggregates everything still queued, writes it, waits for the writer, stops both threads. Idempotent.
    public func finish() {
        guard result == nil else { return }
        if inline != nil {
            result = inline!.finish()
            inline = nil
            return
        }
        result = pipe.closeAndWaitDrained()
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

/// The aggregation state of a sink, created, used and finished by its aggregation thread only. A value
/// held in a local of that thread, so that its per-record updates need no dynamic exclusivity checks
/// (a class's stored properties would pay one per access, more than the aggregation itself): per-token/layer/kind summary, per-core totals, and events or steps by level.
struct StreamAggregation {
    private let level: LogLevel
    private let options: SQLiteEnergySink.Options
    private let writer: BackgroundWriter
    private var events = ContiguousArray<EnergyRecord>()
    private var steps: Aggregator<StepKey>
    private var summary: Aggregator<SummaryKey>
    /// Per (layer, kind) sums of the token in progress: the summary's hot path without hashing.
    /// Folded into `summary` whenever aggregates are flushed. Layers −1 ..< denseLayers − 1.
    private var dense = ContiguousArray<Accumulator>(repeating: Accumulator(), count: denseLayers * EnergyKind.allCases.count)
    private var denseToken: UInt32 = 0
    private static let denseLayers = 1025
    private var cores: CoreTotals
    /// Highest token seen; a record beyond it starts a new token.
    private var highestToken: UInt32?

    init(writer: BackgroundWriter, level: LogLevel, cores: Int, chips: Int, options: SQLiteEnergySink.Options) {
        self.writer = writer
        self.level = level
        self.options = options
        steps = Aggregator(limit: options.groupLimit)
        summary = Aggregator(limit: options.groupLimit)
        self.cores = CoreTotals(cores: cores, chips: chips)
        events.reserveCapacity(options.batchRows)
    }

    private static let kinds = EnergyKind.allCases.count

    mutating func consume(_ records: UnsafeBufferPointer<EnergyRecord>) {
        // Runs of records up to the highest token seen: a record of a later token first hands the
        // finished tokens' groups to the writer, so they reach the database while the run goes on.
        var i = 0
        while i < records.count {
            let token = records[i].token
            if highestToken.map({ token > $0 }) ?? true {
                if highestToken != nil { flushAggregates() }
                highestToken = token; denseToken = token
            }
            i += add(UnsafeBufferPointer(rebasing: records[i...]))
        }
    }

    /// Adds the records up to the first of a token beyond the highest seen and returns how many it
    /// added (at least one). The summary and the per-core totals are one pass over the records (the
    /// whole of the summary level's work); the steps and events levels add a pass of their own.
    private mutating func add(_ records: UnsafeBufferPointer<EnergyRecord>) -> Int {
        let kinds = Self.kinds, layers = Self.denseLayers, token = denseToken, highest = highestToken ?? 0
        func inDense(_ r: EnergyRecord) -> Bool { r.token == token && r.layer >= -1 && Int(r.layer) + 1 < layers }
        var others = false
        var sums = ContiguousArray<Accumulator>()
        swap(&sums, &dense)
        let count = sums.withUnsafeMutableBufferPointer { d in
            cores.add(contentsOf: records) { r in
                guard r.token <= highest else { return false }
                if inDense(r) { d[(Int(r.layer) + 1) &* kinds &+ Int(r.kind.rawValue)].add(r) } else { others = true }
                return true
            }
        }
        swap(&sums, &dense)
        let run = UnsafeBufferPointer(rebasing: records[..<count])
        if others {
            for r in run where !inDense(r) {
                summary.add(r)
                if summary.isFull { writer.submit(.summary(summary.drain())) }
            }
        }
        switch level {
        case .events:
            for r in run {
                events.append(r)
                if events.count == options.batchRows { flushEvents() }
            }
        case .steps:
            for r in run {
                steps.add(r)
                if steps.isFull { writer.submit(.steps(steps.drain())) }
            }
        case .summary:
            break
        }
        return count
    }

    /// Writes what is left and closes the writer.
    mutating func finish() -> (WriterStatistics, (any Error)?) {
        flushAggregates()
        writer.submit(.cores(cores.rows()))
        return writer.close()
    }

    /// Hands over the finished tokens' groups (and the pending events, so that a token's
    /// summary never reaches the database before its events).
    private mutating func flushAggregates() {
        foldDense()
        flushEvents()
        if !steps.isEmpty { writer.submit(.steps(steps.drain())) }
        if !summary.isEmpty { writer.submit(.summary(summary.drain())) }
    }

    private mutating func foldDense() {
        let kinds = Self.kinds
        for i in dense.indices where dense[i].records > 0 {
            let key = SummaryKey(EnergyRecord(time: .zero, energy: .zero, count: 0, kind: EnergyKind(rawValue: UInt8(i % kinds))!, chip: 0,
                                              core: 0, layer: Int16(i / kinds - 1), token: denseToken, step: 0))
            summary.add(dense[i], for: key)
            dense[i] = Accumulator()
        }
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
/// once drained it carries the aggregation's outcome back. Every stored property is read and written
/// with `condition` held, which is what makes it safe to share (NSCondition, not `Mutex`: both sides wait).
final class RecordPipe: @unchecked Sendable {
    private let condition = NSCondition()
    private let capacity: Int
    private var queue: [ContiguousArray<EnergyRecord>] = []
    private var head = 0
    /// Emptied batches, kept with their capacity for the producer.
    private var spares: [ContiguousArray<EnergyRecord>] = []
    private var closed = false
    private var outcome: (WriterStatistics, (any Error)?)?

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

    /// Called by the consumer once `pop` returned nil, with what the aggregation reported.
    func markDrained(_ result: (WriterStatistics, (any Error)?)) {
        condition.lock(); defer { condition.unlock() }
        outcome = result
        condition.broadcast()
    }

    /// Closes the pipe and waits for the consumer's outcome.
    func closeAndWaitDrained() -> (WriterStatistics, (any Error)?) {
        condition.lock(); defer { condition.unlock() }
        closed = true
        condition.broadcast()
        while outcome == nil { condition.wait() }
        return outcome!
    }
}
