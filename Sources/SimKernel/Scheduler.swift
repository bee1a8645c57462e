/// The handle through which a model's handlers read the clock and send events.
///
/// Each partition has its own: its queue, outboxes for events bound to other partitions, and the
/// send counter of every LP. Handlers get it `inout`; nothing in it is shared between threads.
public struct Scheduler<Payload> {
    /// Time of the event being handled.
    public var now: SimTime { _now }
    /// The LP handling the current event (or being initialised).
    public var current: LPID { _current }
    @usableFromInline var _now: SimTime = .zero
    @usableFromInline var _current: LPID = 0

    /// This partition's queue.
    @usableFromInline var active: EventQueue<Payload>
    /// This partition.
    @usableFromInline var activeIndex: Int = 0
    /// Outboxes: events for each other partition, until the simulator delivers them (this
    /// partition's slot stays empty).
    @usableFromInline var queues: ContiguousArray<EventQueue<Payload>>
    @usableFromInline let sendCount: Counters
    /// True when there is one partition.
    @usableFromInline let single: Bool
    /// Partition of each LP, indexed from `firstLP`.
    @usableFromInline let partitionOf: ContiguousArray<UInt16>
    /// The model's first LP id: per-LP arrays start there.
    @usableFromInline let firstLP: Int
    @usableFromInline let lookahead: SimTime
    @usableFromInline var remote: UInt64 = 0
    @usableFromInline var peak: Int = 0
    @usableFromInline var pending: Int = 0

    /// Events sent from one partition to another.
    public var remoteEvents: UInt64 { remote }
    /// Largest number of events pending in this partition (outboxes included).
    public var peakPending: Int { peak }

    /// The scheduler of partition `own` alone (of the one partition of a `Simulator`, or of one of a
    /// `ParallelSimulator`'s): it keeps its partition's queue active for good and collects events for
    /// the other partitions in outboxes (small heaps) that the simulator empties into their owners'
    /// queues between windows.
    @usableFromInline init(partitioning: Partitioning, firstLP: Int, own: Int, queue: QueueKind) {
        self.firstLP = firstLP
        queues = ContiguousArray((0..<partitioning.count).map { _ in EventQueue(kind: .heap) })
        active = EventQueue(kind: queue)
        activeIndex = own
        sendCount = Counters(count: partitioning.partitionOf.count)
        single = partitioning.count == 1
        partitionOf = ContiguousArray(partitioning.partitionOf)
        lookahead = partitioning.lookahead
    }

    /// Sends `payload` to `target`, to be handled `delay` after now.
    @inlinable
    public mutating func schedule(_ payload: Payload, to target: LPID, after delay: SimTime) {
        schedule(payload, to: target, at: now + delay)
    }

    /// Sends `payload` to `target`, to be handled at `time` (not earlier than now).
    ///
    /// An event for an LP of another partition must be at least the lookahead away: a
    /// model that breaks this would give results that depend on the partitioning, so the
    /// kernel stops with a message naming both LPs.
    @inlinable
    public mutating func schedule(_ payload: Payload, to target: LPID, at time: SimTime) {
        precondition(time >= _now, "event scheduled in the past (\(time) < \(_now)) by LP \(_current)")
        let src = Int(_current) &- firstLP
        let order = (UInt64(_current) << Event<Payload>.senderShift) | sendCount.next(src)
        let e = Event(time: time, order: order, target: target, payload: payload)
        // One partition: no partition look-ups per event.
        let p = single ? activeIndex : Int(partitionOf[Int(target) &- firstLP])
        if !single, p != Int(partitionOf[src]) {
            precondition(time - now >= lookahead,
                         "LP \(current) sent an event to LP \(target) in another partition \((time - now)) ahead, below the lookahead \(lookahead)")
            remote &+= 1
        }
        if p == activeIndex { active.push(e) } else { queues[p].push(e) }
        pending &+= 1
        if pending > peak { peak = pending }
    }

    /// Earliest pending time of this partition's queue.
    @inlinable
    mutating func nextTime() -> SimTime { active.nextTime() }

    /// Number of events not yet handled.
    public var pendingEvents: Int { pending }
}
