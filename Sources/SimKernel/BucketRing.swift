/// The ring of a calendar queue: `bucketCount` buckets, each an unsorted singly linked
/// list of events in a shared slab, plus a bitmap of non-empty buckets to skip empty ones
/// fast. Raw storage behind `let` pointers, for the same reason as `EventHeap`.
///
/// A bucket is drained whole and then sorted, so its list is a stack: an append reads and
/// writes only the bucket's 4-byte head. With picosecond-scale buckets the heads of the
/// buckets in use span tens of kilobytes, and one touched line per event instead of two
/// (head and tail) is what keeps them in the first-level cache.
@usableFromInline final class BucketRing<Payload> {
    @usableFromInline struct Header {
        @usableFromInline var slab: UnsafeMutablePointer<Event<Payload>>
        @usableFromInline var next: UnsafeMutablePointer<Int32>
        @usableFromInline var capacity: Int
        @usableFromInline var used: Int
        @usableFromInline var freeList: Int32
        @usableFromInline var held: Int
    }

    @usableFromInline let h: UnsafeMutablePointer<Header>
    /// Slab slot of each bucket's most recent event, −1 when the bucket is empty.
    @usableFromInline let head: UnsafeMutablePointer<Int32>
    @usableFromInline let occupied: UnsafeMutablePointer<UInt64>
    @usableFromInline let words: Int
    /// Buckets in the ring (a power of two).
    @usableFromInline let bucketCount: Int

    /// A ring of `bucketCount` empty buckets whose slab holds `slabCapacity` events before it
    /// first doubles (a heap-only queue's unused placeholder ring asks for very few).
    @usableFromInline init(bucketCount: Int, slabCapacity: Int = 4096) {
        precondition(bucketCount >= 64 && bucketCount & (bucketCount - 1) == 0, "a power of two of at least 64 buckets")
        self.bucketCount = bucketCount
        words = bucketCount / 64
        head = .allocate(capacity: bucketCount); head.initialize(repeating: -1, count: bucketCount)
        occupied = .allocate(capacity: words); occupied.initialize(repeating: 0, count: words)
        h = .allocate(capacity: 1)
        let c = Swift.max(slabCapacity, 16)
        h.initialize(to: Header(slab: .allocate(capacity: c), next: .allocate(capacity: c), capacity: c, used: 0, freeList: -1, held: 0))
    }

    deinit {
        // Free slots hold no live event; walk the buckets to deinitialize the live ones.
        for b in 0..<bucketCount {
            var i = head[b]
            while i >= 0 { (h.pointee.slab + Int(i)).deinitialize(count: 1); i = h.pointee.next[Int(i)] }
        }
        h.pointee.slab.deallocate(); h.pointee.next.deallocate(); h.deallocate()
        head.deallocate(); occupied.deallocate()
    }

    /// Events held.
    @inlinable var held: Int { h.pointee.held }

    @usableFromInline
    func growSlab() {
        // Slots below `used` are live or on the free list; moving the bytes of both is sound
        // for the trivially copyable events the kernel stores.
        let old = h.pointee
        h.pointee.slab = reallocateDoubling(old.slab, count: old.used, capacity: old.capacity)
        h.pointee.next = reallocateDoubling(old.next, count: old.used, capacity: old.capacity)
        h.pointee.capacity = old.capacity * 2
    }

    /// Appends `e` to bucket `b`.
    @inlinable @inline(__always)
    func append(_ e: Event<Payload>, to b: Int) {
        let i: Int
        if h.pointee.freeList >= 0 {
            i = Int(h.pointee.freeList); h.pointee.freeList = h.pointee.next[i]
        } else {
            if h.pointee.used == h.pointee.capacity { growSlab() }
            i = h.pointee.used; h.pointee.used = i &+ 1
        }
        (h.pointee.slab + i).initialize(to: e)
        let first = head[b]
        h.pointee.next[i] = first
        head[b] = Int32(truncatingIfNeeded: i)
        if first < 0 { occupied[b >> 6] |= 1 << UInt64(b & 63) }
        h.pointee.held &+= 1
    }

    /// Moves every event of bucket `b` into `run`, in the order they were appended, and
    /// empties the bucket. Models mostly schedule in time order, so that order is nearly
    /// sorted and the run's insertion sort does little; the stack's reverse order would be
    /// its worst case.
    @inlinable @inline(__always)
    func drain(_ b: Int, into run: SortedRun<Payload>) {
        let slab = h.pointee.slab, next = h.pointee.next
        var free = h.pointee.freeList
        var i = head[b]
        var moved = 0
        while i >= 0 {
            let k = Int(i)
            run.append((slab + k).move())
            let n = next[k]
            next[k] = free; free = i
            i = n
            moved &+= 1
        }
        run.reverseLast(moved)
        h.pointee.freeList = free
        h.pointee.held &-= moved
        head[b] = -1
        occupied[b >> 6] &= ~(1 << UInt64(b & 63))
    }

    /// The first non-empty bucket at or after `start`, going round the ring (the ring must not be empty).
    @inlinable @inline(__always)
    func firstOccupied(from start: Int) -> Int {
        var word = start >> 6
        var bits = occupied[word] & (~0 << UInt64(start & 63))
        var scanned = 0
        while bits == 0 {
            word = word &+ 1 == words ? 0 : word &+ 1
            bits = occupied[word]
            scanned &+= 1
            precondition(scanned <= words, "calendar queue bitmap out of step with its count")
        }
        return word &* 64 &+ bits.trailingZeroBitCount
    }
}
