/// Events ordered by `(time, order)`, earliest first: a 4-ary implicit heap.
///
/// The sort key is stored in the event itself. Four children per node halve the depth of
/// a binary heap and share a cache line or two, so a pop touches fewer lines.
///
/// Storage is raw memory reached through a `let` pointer: the kernel's hot loop then pays
/// neither a copy-on-write uniqueness check nor a dynamic exclusivity check (which class
/// `var`s would need) per push or pop. A heap belongs to one queue and is never shared.
@usableFromInline final class EventHeap<Payload> {
    @usableFromInline struct Header {
        @usableFromInline var base: UnsafeMutablePointer<Event<Payload>>
        @usableFromInline var capacity: Int
        @usableFromInline var count: Int
    }

    @usableFromInline let h: UnsafeMutablePointer<Header>

    @usableFromInline init(capacity: Int = 1024) {
        let c = Swift.max(capacity, 16)
        h = .allocate(capacity: 1)
        h.initialize(to: Header(base: .allocate(capacity: c), capacity: c, count: 0))
    }

    deinit {
        h.pointee.base.deinitialize(count: h.pointee.count)
        h.pointee.base.deallocate()
        h.deallocate()
    }

    /// Number of events held.
    @inlinable var count: Int { h.pointee.count }
    @inlinable var isEmpty: Bool { h.pointee.count == 0 }
    /// The earliest event's time, or `.never`.
    @inlinable var nextTime: SimTime { h.pointee.count == 0 ? .never : h.pointee.base[0].time }

    /// The earliest event, without removing it.
    @inlinable func peek() -> Event<Payload>? { h.pointee.count == 0 ? nil : h.pointee.base[0] }

    @usableFromInline
    func grow() {
        h.pointee.base = reallocateDoubling(h.pointee.base, count: h.pointee.count, capacity: h.pointee.capacity)
        h.pointee.capacity *= 2
    }

    /// Adds an event.
    @inlinable
    func push(_ e: Event<Payload>) {
        if h.pointee.count == h.pointee.capacity { grow() }
        let base = h.pointee.base
        var i = h.pointee.count
        h.pointee.count = i &+ 1
        while i > 0 {
            let p = (i &- 1) >> 2
            if Event.precedes(e, base[p]) { (base + i).moveInitialize(from: base + p, count: 1); i = p } else { break }
        }
        (base + i).initialize(to: e)
    }

    /// Removes and returns the earliest event.
    @inlinable
    func pop() -> Event<Payload>? {
        let n = h.pointee.count &- 1
        guard n >= 0 else { return nil }
        let base = h.pointee.base
        h.pointee.count = n
        let top = base.move()
        if n == 0 { return top }
        let last = (base + n).move()
        var i = 0
        while true {
            let c = 4 &* i &+ 1
            if c >= n { break }
            var m = c
            let end = Swift.min(c &+ 4, n)
            var j = c &+ 1
            while j < end {
                if Event.precedes(base[j], base[m]) { m = j }
                j &+= 1
            }
            if Event.precedes(base[m], last) { (base + i).moveInitialize(from: base + m, count: 1); i = m } else { break }
        }
        (base + i).initialize(to: last)
        return top
    }
}
