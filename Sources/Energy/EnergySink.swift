/// What a sink needs of the energy stream, so that the engine produces no more than that.
public enum EnergyStreamNeeds: Sendable {
    /// Every record, in order (`consume(_:)` / `consume(taking:)`).
    case records
    /// The summary level only: the engine tallies its records itself (`EnergyTally`) and hands over the
    /// rows of each finished token and, at the end, the per-core totals (`consume(summary:cores:)`).
    case summary
}

/// A consumer of the energy stream.
///
/// The engine hands records over in batches, so a sink pays for one call per batch, not
/// per event; it is a generic parameter of the engine, so calls are specialised and
/// never go through an existential. The SQLite store, the in-memory ledger and test
/// probes are sinks.
public protocol EnergySink {
    /// What the sink needs; `.records` unless it says otherwise. A sink that needs less may still be
    /// given records (a partitioned run hands its sink records whatever it needs).
    var needs: EnergyStreamNeeds { get }
    /// Receives the next records of the stream, in the order the engine produced them.
    mutating func consume(_ records: UnsafeBufferPointer<EnergyRecord>)
    /// Receives the next records by taking the engine's buffer over: a sink that keeps records
    /// (to hand them to another thread) may swap in another array, empty, for the engine to refill,
    /// instead of copying. The caller empties whatever `batch` holds afterwards.
    mutating func consume(taking batch: inout ContiguousArray<EnergyRecord>)
    /// Receives the engine's tally of finished tokens, when `needs` is `.summary`: rows in order, and with
    /// the last of them the per-core totals (nil before).
    mutating func consume(summary rows: [EnergyTally.Row], cores: [EnergyTally.CoreTotal]?)
    /// Called once after the last batch of a run.
    mutating func finish()
}

extension EnergySink {
    public var needs: EnergyStreamNeeds { .records }
    public mutating func finish() {}
    public mutating func consume(summary rows: [EnergyTally.Row], cores: [EnergyTally.CoreTotal]?) {}
    /// Reads the records in place.
    public mutating func consume(taking batch: inout ContiguousArray<EnergyRecord>) {
        batch.withUnsafeBufferPointer { consume($0) }
    }
}

/// A sink that drops records: for runs that need only the ledger's totals. (It takes records: buffering
/// them for the ledger's batched pass costs the engine less than tallying each as it is made.)
public struct DiscardingSink: EnergySink {
    public init() {}
    @inlinable public mutating func consume(_ records: UnsafeBufferPointer<EnergyRecord>) {}
}
