import Energy

/// The energy sink of `--log events|steps|summary`: aggregates the stream as the level asks
/// and hands batches to a background writer thread.
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
        public init(batchRows: Int = 65_536, queueCapacity: Int = 8, groupLimit: Int = 1 << 18) {
            self.batchRows = max(1, batchRows); self.queueCapacity = max(1, queueCapacity); self.groupLimit = max(1, groupLimit)
        }
    }

    public let run: RunID
    public let level: LogLevel
    private let options: Options
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
    private var result: (WriterStatistics, Error?)?

    init(store: RunStore, run: RunID, level: LogLevel, cores: Int, chips: Int, options: Options) {
        self.run = run
        self.level = level
        self.options = options
        writer = BackgroundWriter(database: store.database, run: run, capacity: options.queueCapacity)
        steps = Aggregator(limit: options.groupLimit)
        summary = Aggregator(limit: options.groupLimit)
        self.cores = CoreTotals(cores: cores, chips: chips)
        events.reserveCapacity(options.batchRows)
    }

    deinit { finish() }

    public func consume(_ records: UnsafeBufferPointer<EnergyRecord>) {
        precondition(result == nil, "records consumed after finish()")
        for r in records {
            if let h = highestToken, r.token > h {
                flushAggregates()   // finished tokens reach the database while the run goes on
                highestToken = r.token; denseToken = r.token
            } else if highestToken == nil {
                highestToken = r.token; denseToken = r.token
            }
            let slot = Int(r.layer) + 1
            if r.token == denseToken, slot >= 0, slot < Self.denseLayers {
                dense[slot &* EnergyKind.allCases.count &+ Int(r.kind.rawValue)].add(r)
            } else {
                summary.add(r)
            }
            cores.add(r)
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
            if summary.isFull { writer.submit(.summary(summary.drain())) }
        }
    }

    /// Writes everything still buffered, waits for the writer, stops it. Idempotent.
    public func finish() {
        guard result == nil else { return }
        flushAggregates()
        writer.submit(.cores(cores.rows()))
        result = writer.close()
    }

    /// `finish()`, then throws `StoreError.writerFailed` if any batch could not be committed.
    public func close() throws {
        finish()
        if let error = result?.1 { throw StoreError.writerFailed(detail: String(describing: error)) }
    }

    /// Counters of the writer; final once `finish()` has returned.
    public var statistics: WriterStatistics? { result?.0 }

    /// Hands over the finished tokens' groups (and the pending events, so that a token's
    /// summary never reaches the database before its events).
    private func flushAggregates() {
        foldDense()
        flushEvents()
        if !steps.isEmpty { writer.submit(.steps(steps.drain())) }
        if !summary.isEmpty { writer.submit(.summary(summary.drain())) }
    }

    private func foldDense() {
        let kinds = EnergyKind.allCases.count
        for i in dense.indices where dense[i].records > 0 {
            let key = SummaryKey(EnergyRecord(time: .zero, energy: .zero, count: 0, kind: EnergyKind(rawValue: UInt8(i % kinds))!, chip: 0,
                                              core: 0, layer: Int16(i / kinds - 1), token: denseToken, step: 0))
            summary.add(dense[i], for: key)
            dense[i] = Accumulator()
        }
    }

    private func flushEvents() {
        guard !events.isEmpty else { return }
        var batch = ContiguousArray<EnergyRecord>()
        batch.reserveCapacity(options.batchRows)
        swap(&batch, &events)
        writer.submit(.events(batch))
    }
}
