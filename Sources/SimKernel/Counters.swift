/// A fixed-size array of counters in raw memory, for the per-LP send counters the kernel
/// bumps on every event (no copy-on-write check on the hot path). Owned by one scheduler.
public final class Counters {
    @usableFromInline let base: UnsafeMutablePointer<UInt64>
    public let count: Int

    public init(count: Int) {
        self.count = count
        base = .allocate(capacity: Swift.max(count, 1))
        base.initialize(repeating: 0, count: Swift.max(count, 1))
    }

    deinit { base.deallocate() }

    /// Returns the counter's value, then increments it.
    @inlinable
    public func next(_ i: Int) -> UInt64 {
        precondition(i >= 0 && i < count)
        let v = base[i]
        base[i] = v &+ 1
        return v
    }
}
