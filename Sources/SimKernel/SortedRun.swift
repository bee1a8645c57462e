/// The events of the calendar bucket being drained, sorted once by `(time, order)` and then
/// read front to back: O(1) per pop instead of a heap's O(log n).
@usableFromInline final class SortedRun<Payload> {
    @usableFromInline struct Header {
        @usableFromInline var base: UnsafeMutablePointer<Event<Payload>>
        @usableFromInline var capacity: Int
        @usableFromInline var count: Int
        @usableFromInline var cursor: Int
    }

    @usableFromInline let h: UnsafeMutablePointer<Header>

    @usableFromInline init(capacity: Int = 1024) {
        h = .allocate(capacity: 1)
        h.initialize(to: Header(base: .allocate(capacity: capacity), capacity: capacity, count: 0, cursor: 0))
    }

    deinit {
        (h.pointee.base + h.pointee.cursor).deinitialize(count: h.pointee.count - h.pointee.cursor)
        h.pointee.base.deallocate()
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
        h.pointee.base = reallocateDoubling(h.pointee.base, count: h.pointee.count, capacity: h.pointee.capacity)
        h.pointee.capacity *= 2
    }

    /// Sorts the appended events: insertion sort for the short runs a 1 ns bucket usually
    /// holds, the standard library's sort beyond.
    @inlinable @inline(__always)
    func sort() {
        let base = h.pointee.base, n = h.pointee.count
        if n <= 1 { return }
        if n <= 24 {
            var i = 1
            while i < n {
                let x = base[i]
                var j = i
                while j > 0, Event.precedes(x, base[j &- 1]) { base[j] = base[j &- 1]; j &-= 1 }
                base[j] = x
                i &+= 1
            }
        } else {
            var all = UnsafeMutableBufferPointer(start: base, count: n)
            all.sort(by: Event.precedes)
        }
    }
}
