/// A consumer of the energy stream.
///
/// The engine hands records over in batches, so a sink pays for one call per batch, not
/// per event; it is a generic parameter of the engine, so calls are specialised and
/// never go through an existential. The SQLite store, the in-memory ledger and test
/// probes are sinks.
public protocol EnergySink {
    /// Receives the next records of the stream, in the order the engine produced them.
    mutating func consume(_ records: UnsafeBufferPointer<EnergyRecord>)
    /// Receives the next records by taking the engine's buffer over: a sink that keeps records
    /// (to hand them to another thread) may swap in another array, empty, for the engine to refill,
    /// instead of copying. The caller empties whatever `batch` holds afterwards.
    mutating func consume(taking batch: inout ContiguousArray<EnergyRecord>)
    /// Called once after the last batch of a run.
    mutating func finish()
}

extension EnergySink {
    public mutating func finish() {}
    /// Reads the records in place.
    public mutating func consume(taking batch: inout ContiguousArray<EnergyRecord>) {
        batch.withUnsafeBufferPointer { consume($0) }
    }
}

/// A sink that drops records: for runs that need only the ledger's totals.
public struct DiscardingSink: EnergySink {
    public init() {}
    @inlinable public mutating func consume(_ records: UnsafeBufferPointer<EnergyRecord>) {}
}
