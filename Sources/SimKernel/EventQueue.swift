/// How a partition keeps its pending events.
public enum QueueKind: Sendable, Hashable, CustomStringConvertible {
    /// One 4-ary heap over all pending events.
    case heap
    /// A calendar queue: a ring of `2^bucketsLog2` buckets of `bucketWidth` simulated time,
    /// with a heap for the current bucket and another for events beyond the ring.
    case calendar(bucketWidth: SimTime, bucketsLog2: Int)

    /// The default: 4 ps buckets over a 262 ns ring. Buckets this narrow hold about one
    /// event each even at thousands of events per simulated nanosecond (PHOLD, mesh routing,
    /// the chip's few-ns hops), so draining one needs almost no sorting; with 1 ns buckets
    /// sorting them took a quarter of the time. Later events wait in the overflow heap.
    public static let standard = QueueKind.calendar(bucketWidth: SimTime(picoseconds: 4), bucketsLog2: 16)

    public var description: String {
        switch self {
        case .heap: "4-ary heap"
        case let .calendar(w, l): "calendar (\(1 << l) buckets of \(w))"
        }
    }
}

/// The pending events of one partition, earliest first by `(time, order)`.
///
/// Spiking workloads schedule most events a few nanoseconds ahead, so a calendar queue
/// (Brown 1988) keeps pushes O(1): an event lands unsorted in the bucket of its time. The
/// bucket being drained is sorted once and read front to back; events scheduled into it
/// while it drains go to a small heap, and each pop takes the earlier of the two. Events
/// beyond the ring wait in an overflow heap and move in as the ring advances. With `.heap`
/// everything goes through one heap; `spikechip bench kernel` compares the two.
///
/// Its storage is classes over raw memory (no copy-on-write or exclusivity checks per push), so a
/// copy would share the live queue: it is internal to the kernel, and `Scheduler` owns each queue
/// and moves them with `swap`, never by copying.
@usableFromInline
struct EventQueue<Payload> {
    @usableFromInline let current: EventHeap<Payload>
    @usableFromInline let run = SortedRun<Payload>()
    @usableFromInline let overflow: EventHeap<Payload>
    /// The calendar ring; a 64-bucket placeholder that is never used when `ringless`. Not an
    /// optional: unwrapping one costs a retain and a release per push.
    @usableFromInline let ring: BucketRing<Payload>
    /// True for `.heap`: every event goes through `current`.
    @usableFromInline let ringless: Bool
    /// Absolute index (time >> shift) of the bucket being drained.
    @usableFromInline var currentBucket: UInt64 = 0
    @usableFromInline let shift: UInt64
    @usableFromInline let mask: UInt64

    @usableFromInline init(kind: QueueKind = .standard) {
        current = EventHeap()
        overflow = EventHeap()
        switch kind {
        case .heap:
            ring = BucketRing(bucketCount: 64, slabCapacity: 16); ringless = true; shift = 0; mask = 0
        case let .calendar(width, log2):
            precondition((6...24).contains(log2), "between 2^6 and 2^24 buckets")
            // Round the width down to a power of two of picoseconds so a bucket index is a shift.
            let w = Swift.max(width.picoseconds, 1)
            shift = UInt64(63 - w.leadingZeroBitCount)
            mask = (1 << UInt64(log2)) - 1
            ring = BucketRing(bucketCount: 1 << log2); ringless = false
        }
    }

    /// Number of pending events.
    @inlinable var count: Int { current.count + run.remaining + overflow.count + ring.held }
    @inlinable var isEmpty: Bool { count == 0 }

    /// Adds an event (its time must not precede the last popped event's).
    @inlinable
    mutating func push(_ e: Event<Payload>) {
        if ringless { current.push(e); return }
        let b = e.time.picoseconds >> shift
        if b <= currentBucket {
            current.push(e)
        } else if b &- currentBucket <= mask {
            ring.append(e, to: Int(b & mask))
        } else {
            overflow.push(e)
        }
    }

    /// The earliest pending event's time, or `.never`. Mutating because it may move the
    /// next bucket into the current heap; the order of events is unaffected.
    @inlinable
    mutating func nextTime() -> SimTime {
        if ringless { return current.nextTime }
        if run.isEmpty, current.isEmpty { advance() }
        if run.isEmpty { return current.nextTime }
        let t = run.first.time
        return current.nextTime < t ? current.nextTime : t
    }

    /// Removes and returns the earliest event.
    @inlinable
    mutating func pop() -> Event<Payload>? {
        if ringless { return current.pop() }
        if run.isEmpty, current.isEmpty { advance() }
        if run.isEmpty { return current.pop() }
        if !current.isEmpty, let top = current.peek(), Event.precedes(top, run.first) { return current.pop() }
        return run.removeFirst()
    }

    /// Removes and returns the earliest event if it is earlier than `limit`: the kernel's
    /// inner loop, one call per event instead of `nextTime()` then `pop()`.
    @inlinable
    mutating func pop(before limit: SimTime) -> Event<Payload>? {
        if ringless { return current.nextTime < limit ? current.pop() : nil }
        if run.isEmpty {
            if current.isEmpty { advance() }
            if run.isEmpty { return current.nextTime < limit ? current.pop() : nil }
        }
        let first = run.first
        if let top = current.peek(), Event.precedes(top, first) { return top.time < limit ? current.pop() : nil }
        return first.time < limit ? run.removeFirst() : nil
    }

    /// Makes the next non-empty bucket current, pulling in overflow events that now fall inside the ring.
    @inlinable
    mutating func advance() {
        if ringless { return }
        if ring.held == 0 {
            guard !overflow.isEmpty else { return }
            currentBucket = overflow.nextTime.picoseconds >> shift
        } else {
            let start = Int((currentBucket &+ 1) & mask)
            let slot = ring.firstOccupied(from: start)
            currentBucket &+= UInt64((slot &- start) & Int(mask)) &+ 1
            run.reset()
            ring.drain(slot, into: run)
            run.sort()
        }
        while !overflow.isEmpty, (overflow.nextTime.picoseconds >> shift) &- currentBucket <= mask {
            push(overflow.pop().unsafelyUnwrapped)
        }
    }
}
