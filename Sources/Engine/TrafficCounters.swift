import Topology

/// Packet accounting of a run. `deliveriesSent == delivered + dropped` once the run drains:
/// every copy of a spike a sender launched either reached its tile or was counted lost.
public struct TrafficCounters: Sendable, Hashable, Codable {
    /// Spikes emitted by encoders.
    public var spikes: UInt64 = 0
    /// Spike copies owed to tiles (one per destination tile of each spike).
    public var deliveriesSent: UInt64 = 0
    /// Spike copies that reached their tile.
    public var delivered: UInt64 = 0
    /// Spike copies lost to full router buffers.
    public var dropped: UInt64 = 0
    /// Spikes that reached their tile after the tick that closed their step (global tick only).
    public var late: UInt64 = 0
    /// Completion markers sent (completion-marker sync only).
    public var markers: UInt64 = 0
    /// Graded partial-sum packets sent.
    public var gradedPackets: UInt64 = 0
    /// Spike packets carrying spike-coded partial sums (`--partial-sums spikes`).
    public var partialSumSpikes: UInt64 = 0
    /// Credit packets of a pipelined prefill (a function unit freeing the previous stage's tiles).
    public var credits: UInt64 = 0
    /// Router-to-router hops of all packets (on-chip and chip crossings).
    public var hops: UInt64 = 0
    /// Hops that crossed a chip-to-chip link.
    public var chipCrossings: UInt64 = 0
    /// Packets (any cargo) dropped.
    public var droppedPackets: UInt64 = 0

    public init() {}

    /// Adds another run's (or partition's) counters.
    public mutating func add(_ o: TrafficCounters) {
        spikes &+= o.spikes; deliveriesSent &+= o.deliveriesSent; delivered &+= o.delivered; dropped &+= o.dropped
        late &+= o.late; markers &+= o.markers; gradedPackets &+= o.gradedPackets; partialSumSpikes &+= o.partialSumSpikes
        credits &+= o.credits
        hops &+= o.hops; chipCrossings &+= o.chipCrossings; droppedPackets &+= o.droppedPackets
    }
}

/// Packets that left one router port over a run.
public struct LinkLoad: Sendable, Hashable {
    public var core: Int
    public var chip: Int
    public var direction: Port
    /// Whether the port's link crosses to another chip.
    public var crossesChip: Bool
    public var packets: UInt64
}
