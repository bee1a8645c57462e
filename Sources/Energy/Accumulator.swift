import SimKernel

/// Sums of the records that share one aggregation key: what a row of the summary or steps table holds.
public struct Accumulator: Sendable, Equatable {
    public var count: UInt64 = 0
    public var energy: Int64 = 0
    public var records: UInt64 = 0
    public var firstTime: UInt64 = .max
    public var lastTime: UInt64 = 0

    public init() {}

    @inlinable @inline(__always)
    public mutating func add(_ r: EnergyRecord) {
        count &+= UInt64(r.count)
        energy &+= r.energy.femtojoules
        records &+= 1
        firstTime = min(firstTime, r.time.picoseconds)
        lastTime = max(lastTime, r.time.picoseconds)
    }

    /// Adds the sums of another accumulator.
    public mutating func merge(_ o: Accumulator) {
        count &+= o.count; energy &+= o.energy; records &+= o.records
        firstTime = min(firstTime, o.firstTime); lastTime = max(lastTime, o.lastTime)
    }
}
