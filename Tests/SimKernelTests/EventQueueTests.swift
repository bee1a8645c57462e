import Testing
@testable import SimKernel

/// Drains a queue while pushing more events no earlier than the last pop, as a simulation does.
private func drainOrder(kind: QueueKind, seed: UInt64, initial: Int, followUps: Int) -> [UInt64] {
    var q = EventQueue<UInt64>(kind: kind)
    var rng = SplitMix64(seed: seed)
    var order: UInt64 = 0
    func delay() -> UInt64 {
        // Mostly a few ns, sometimes far beyond a 16 µs ring, sometimes the same time.
        switch rng.next() % 10 {
        case 0: return 0
        case 1: return rng.next() % 50_000_000
        default: return rng.next() % 20_000
        }
    }
    for _ in 0..<initial {
        order += 1
        q.push(Event(time: SimTime(picoseconds: delay()), order: order, target: 0, payload: order))
    }
    var popped: [UInt64] = []
    var remaining = followUps
    while let e = q.pop() {
        popped.append(e.payload)
        if remaining > 0 {
            remaining -= 1
            for _ in 0..<Int(rng.next() % 3) {
                order += 1
                q.push(Event(time: SimTime(picoseconds: e.time.picoseconds + delay()), order: order, target: 0, payload: order))
            }
        }
    }
    return popped
}

@Suite("Event queues")
struct EventQueueTests {
    @Test("the heap pops events in (time, order) order")
    func heapOrder() {
        let heap = EventHeap<Int>()
        var rng = SplitMix64(seed: 7)
        var expected: [(UInt64, UInt64)] = []
        for i in 0..<5000 {
            let t = rng.next() % 100, o = UInt64(i)
            heap.push(Event(time: SimTime(picoseconds: t), order: o, target: 0, payload: i))
            expected.append((t, o))
        }
        expected.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        var got: [(UInt64, UInt64)] = []
        while let e = heap.pop() { got.append((e.time.picoseconds, e.order)) }
        #expect(got.count == expected.count)
        #expect(zip(got, expected).allSatisfy { $0 == $1 })
    }

    @Test("calendar queue and heap agree event for event", arguments: [1, 2, 3])
    func calendarMatchesHeap(seed: UInt64) {
        let heap = drainOrder(kind: .heap, seed: seed, initial: 2000, followUps: 20000)
        let calendar = drainOrder(kind: .calendar(bucketWidth: SimTime(nanoseconds: 1), bucketsLog2: 8), seed: seed, initial: 2000, followUps: 20000)
        let standard = drainOrder(kind: .standard, seed: seed, initial: 2000, followUps: 20000)
        // 1 ps buckets over a 64 ps ring: almost everything passes through the overflow heap.
        let tiny = drainOrder(kind: .calendar(bucketWidth: SimTime(picoseconds: 1), bucketsLog2: 6), seed: seed, initial: 2000, followUps: 20000)
        #expect(heap.count > 20000)
        #expect(heap == calendar)
        #expect(heap == standard)
        #expect(heap == tiny)
    }

    @Test("a drained bucket comes out in (time, order) order at every size, ties and wide spreads included",
          arguments: [1, 2, 24, 25, 47, 300, 5000])
    func sortedRunOrder(size: Int) {
        var rng = SplitMix64(seed: UInt64(size))
        for spread in [UInt64(1), 4, 1 << 40] {
            let run = SortedRun<Int>(capacity: 16)
            var expected: [(UInt64, UInt64)] = []
            for i in 0..<size {
                // Ascending stretches from a few senders interleaved, as buckets hold them; orders unique.
                let sender = rng.next() % 5, t = rng.next() % spread, o = sender << 40 | UInt64(i)
                run.append(Event(time: SimTime(picoseconds: 1_000 + t), order: o, target: 0, payload: i))
                expected.append((1_000 + t, o))
            }
            run.sort()
            expected.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            var got: [(UInt64, UInt64)] = []
            while !run.isEmpty { let e = run.removeFirst(); got.append((e.time.picoseconds, e.order)) }
            #expect(got.count == size)
            #expect(zip(got, expected).allSatisfy { $0 == $1 }, "size \(size), spread \(spread) ps")
        }
    }

    @Test("buckets of hundreds of simultaneous events drain as the heap does")
    func crowdedBucketsMatchHeap() {
        func drain(_ kind: QueueKind) -> [Int] {
            var q = EventQueue<Int>(kind: kind)
            var rng = SplitMix64(seed: 11)
            // 40 instants, each with up to 400 events from 8 senders pushed in shuffled sender order.
            var pushed = 0
            for instant in 0..<40 {
                for _ in 0..<Int(rng.next() % 400) {
                    let o = (rng.next() % 8) << 40 | UInt64(pushed)
                    q.push(Event(time: SimTime(picoseconds: UInt64(instant) * 1_000 + rng.next() % 3), order: o, target: 0, payload: pushed))
                    pushed += 1
                }
            }
            var out: [Int] = []
            while let e = q.pop() { out.append(e.payload) }
            return out
        }
        let heap = drain(.heap)
        #expect(heap.count > 4000)
        #expect(drain(.standard) == heap)
        #expect(drain(.calendar(bucketWidth: SimTime(nanoseconds: 1), bucketsLog2: 8)) == heap)
    }

    @Test("count tracks pushes and pops across ring, current bucket and overflow")
    func countTracksContents() {
        var q = EventQueue<Int>(kind: .calendar(bucketWidth: SimTime(nanoseconds: 1), bucketsLog2: 6))
        for (i, t) in [0, 5, 63_000, 64_000, 10_000_000].enumerated() {
            q.push(Event(time: SimTime(picoseconds: UInt64(t)), order: UInt64(i), target: 0, payload: i))
        }
        #expect(q.count == 5)
        #expect(q.nextTime() == .zero)
        var times: [UInt64] = []
        while let e = q.pop() { times.append(e.time.picoseconds) }
        #expect(times == [0, 5, 63_000, 64_000, 10_000_000])
        #expect(q.isEmpty)
        #expect(q.nextTime() == .never)
    }
}
