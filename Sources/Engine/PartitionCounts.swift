import Energy
import SimKernel

/// What one partition counted in a run over MPI ranks, sent to rank 0 at the end: the parts of its
/// replica's state that `ChipState.merged` adds up, and the events it handled.
@usableFromInline
struct PartitionCounts: Codable {
    @usableFromInline var partition: Int
    var ledger: EnergyLedger
    var traffic: TrafficCounters
    var packets: [UInt64]
    var activity: [LayerActivity]
    var stageActivity: [StageActivity]
    var tokens: TokenTimes
    @usableFromInline var events: UInt64

    /// One rank's partitions and kernel counters.
    @usableFromInline
    struct Message: Codable {
        @usableFromInline var partitions: [PartitionCounts]
        @usableFromInline var remote: UInt64
        @usableFromInline var peak: Int
        @usableFromInline var now: UInt64

        @usableFromInline init(partitions: [PartitionCounts], remote: UInt64, peak: Int, now: UInt64) {
            self.partitions = partitions; self.remote = remote; self.peak = peak; self.now = now
        }
    }

    @usableFromInline
    init(partition: Int, state: ChipState, events: UInt64) {
        self.partition = partition
        ledger = state.ledger
        traffic = state.traffic
        packets = state.links.packetCounts
        activity = state.activity
        stageActivity = state.stageActivity
        tokens = state.tokens
        self.events = events
    }

    /// Puts these counts into the replica of the same partition on rank 0, which never ran it.
    @usableFromInline
    func restore(into state: inout ChipState) {
        state.ledger = ledger
        state.traffic = traffic
        state.links.addPackets(packets)
        state.activity = activity
        state.stageActivity = stageActivity
        state.tokens = tokens
    }
}
