/// The events of the calendar bucket being drained, sorted once by `(time, order)` and then
/// read front to back: O(1) per pop instead of a heap's O(log n).
///
/// A bucket of a few picoseconds still holds dozens of events when many LPs act at the same
/// instant (a function unit's spikes leaving for every tile, a network step's cores firing
/// together): a 7B run drains about 45% of its events from buckets of 25–500. Those are sorted by
/// 16-byte keys (`SortKey`), merging the ascending runs the bucket already holds, and the events
/// are then moved once into key order; insertion sort on the events themselves, or the standard
/// library's sort, moves each 40-byte event many times over (a tenth of a 7B run's time,
/// docs/performance.md).
@usableFromInline final class SortedRun<Payload> {
    @usableFromInline struct Header {
        @usableFromInline var base: UnsafeMutablePointer<Event<Payload>>
        @usableFromInline var capacity: Int
        @usableFromInline var count: Int
        @usableFromInline var cursor: Int
        /// Where a long run's events are moved in key order (then swapped with `base`).
        @usableFromInline var spare: UnsafeMutablePointer<Event<Payload>>
        /// The two buffers the merge passes alternate between, `capacity` keys each.
        @usableFromInline var keys: UnsafeMutablePointer<SortKey>
        @usableFromInline var merged: UnsafeMutablePointer<SortKey>
        /// End of each ascending run of keys, `capacity` entries.
        @usableFromInline var ends: UnsafeMutablePointer<Int>
    }

    /// What a long run's events are sorted by: the time's offset from the run's earliest time
    /// (a bucket spans less than 2^32 ps), the order, and where the event sits.
    @usableFromInline struct SortKey {
        @usableFromInline var order: UInt64
        @usableFromInline var offset: UInt32
        @usableFromInline var index: UInt32

        @inlinable init(order: UInt64, offset: UInt32, index: UInt32) {
            self.order = order; self.offset = offset; self.index = index
        }

        @inlinable @inline(__always)
        static func precedes(_ a: SortKey, _ b: SortKey) -> Bool {
            a.offset < b.offset || (a.offset == b.offset && a.order < b.order)
        }
    }

    /// Runs this long or shorter are insertion-sorted in place: building keys costs more than it saves.
    @usableFromInline static var shortRun: Int { 24 }

    @usableFromInline let h: UnsafeMutablePointer<Header>

    @usableFromInline init(capacity: Int = 1024) {
        h = .allocate(capacity: 1)
        h.initialize(to: Header(base: .allocate(capacity: capacity), capacity: capacity, count: 0, cursor: 0,
                                spare: .allocate(capacity: capacity), keys: .allocate(capacity: capacity),
                                merged: .allocate(capacity: capacity), ends: .allocate(capacity: capacity)))
    }

    deinit {
        (h.pointee.base + h.pointee.cursor).deinitialize(count: h.pointee.count - h.pointee.cursor)
        h.pointee.base.deallocate()
        h.pointee.spare.deallocate()
        h.pointee.keys.deallocate()
        h.pointee.merged.deallocate()
        h.pointee.ends.deallocate()
        h.deallocate()
    }

    /// Events not yet read.
    @inlinable var remaining: Int { h.pointee.count &- h.pointee.cursor }
    @inlinable var isEmpty: Bool { h.pointee.cursor == h.pointee.count }
    /// The next event (the run must not be empty).
    @inlinable var first: Event<Payload> { h.pointee.base[h.pointee.cursor] }

    /// Removes and returns the next event (the run must not be empty).
    @inlinable @inline(__always)
    func removeFirst() -> Event<Payload> {
        let c = h.pointee.cursor
        h.pointee.cursor = c &+ 1
        return (h.pointee.base + c).move()
    }

    /// Starts a new run (the previous one must be fully read); `append` then `sort`.
    @inlinable @inline(__always)
    func reset() { h.pointee.count = 0; h.pointee.cursor = 0 }

    @inlinable @inline(__always)
    func append(_ e: Event<Payload>) {
        if h.pointee.count == h.pointee.capacity { grow() }
        (h.pointee.base + h.pointee.count).initialize(to: e)
        h.pointee.count &+= 1
    }

    /// Reverses the order of the last `n` appended events.
    @inlinable @inline(__always)
    func reverseLast(_ n: Int) {
        let end = h.pointee.count
        var slice = UnsafeMutableBufferPointer(start: h.pointee.base + (end &- n), count: n)
        slice.reverse()
    }

    @usableFromInline
    func grow() {
        let old = h.pointee.capacity, wider = old * 2
        h.pointee.base = reallocateDoubling(h.pointee.base, count: h.pointee.count, capacity: old)
        // The scratch buffers hold nothing between sorts: replaced, not copied.
        h.pointee.spare.deallocate(); h.pointee.spare = .allocate(capacity: wider)
        h.pointee.keys.deallocate(); h.pointee.keys = .allocate(capacity: wider)
        h.pointee.merged.deallocate(); h.pointee.merged = .allocate(capacity: wider)
        h.pointee.ends.deallocate(); h.pointee.ends = .allocate(capacity: wider)
        h.pointee.capacity = wider
    }

    /// Sorts the appended events: insertion sort for the short runs a bucket usually holds,
    /// a merge of keys beyond (`sortLong`).
    @inlinable @inline(__always)
    func sort() {
        let base = h.pointee.base, n = h.pointee.count
        if n <= 1 { return }
        if n <= Self.shortRun {
            var i = 1
            while i < n {
                let x = base[i]
                var j = i
                while j > 0, Event.precedes(x, base[j &- 1]) { base[j] = base[j &- 1]; j &-= 1 }
                base[j] = x
                i &+= 1
            }
        } else {
            sortLong()
        }
    }

    /// Sorts a long run: keys of 16 bytes, the run's ascending stretches merged pairwise pass after
    /// pass (O(n log r) for r stretches), then every event moved once to its place. Inlinable so that
    /// it is specialised for the model's payload: generic, it moves events through value witnesses.
    @inlinable
    func sortLong() {
        let base = h.pointee.base, n = h.pointee.count
        var least = base[0].time.picoseconds, most = least
        for i in 1..<n {
            let t = base[i].time.picoseconds
            if t < least { least = t }
            if t > most { most = t }
        }
        guard most &- least <= UInt64(UInt32.max), n <= Int(UInt32.max) else {
            // Only a calendar of buckets wider than 4.3 ms gets here.
            var all = UnsafeMutableBufferPointer(start: base, count: n)
            all.sort(by: Event.precedes)
            return
        }
        var source = h.pointee.keys, target = h.pointee.merged
        let ends = h.pointee.ends
        var runs = 0
        for i in 0..<n {
            let e = base[i]
            source[i] = SortKey(order: e.order, offset: UInt32(truncatingIfNeeded: e.time.picoseconds &- least), index: UInt32(truncatingIfNeeded: i))
            if i > 0, SortKey.precedes(source[i], source[i &- 1]) { ends[runs] = i; runs &+= 1 }
        }
        ends[runs] = n; runs &+= 1
        while runs > 1 {
            // Merge runs 0+1, 2+3, …; an odd last run is copied. `ends` is rewritten in place:
            // entry w is written after entries 2w and 2w + 1 have been read.
            var start = 0, r = 0, w = 0
            while r < runs {
                let mid = ends[r]
                if r &+ 1 < runs {
                    let end = ends[r &+ 1]
                    Self.merge(source, start, mid, end, into: target)
                    ends[w] = end; start = end; r &+= 2
                } else {
                    (target + start).update(from: source + start, count: mid &- start)
                    ends[w] = mid; start = mid; r &+= 1
                }
                w &+= 1
            }
            runs = w
            swap(&source, &target)
        }
        let spare = h.pointee.spare
        for i in 0..<n { (spare + i).initialize(to: (base + Int(source[i].index)).move()) }
        h.pointee.spare = base
        h.pointee.base = spare
    }

    /// Merges the sorted keys `source[lo..<mid]` and `source[mid..<hi]` into `target[lo..<hi]`.
    @inlinable @inline(__always)
    static func merge(_ source: UnsafeMutablePointer<SortKey>, _ lo: Int, _ mid: Int, _ hi: Int, into target: UnsafeMutablePointer<SortKey>) {
        var i = lo, j = mid, k = lo
        while i < mid && j < hi {
            let a = source[i], b = source[j]
            if SortKey.precedes(b, a) { target[k] = b; j &+= 1 } else { target[k] = a; i &+= 1 }
            k &+= 1
        }
        if i < mid { (target + k).update(from: source + i, count: mid &- i) }
        if j < hi { (target + k).update(from: source + j, count: hi &- j) }
    }
}
