import Foundation
import Synchronization

/// Runs the partitions of a model on threads, in conservative windows (YAWNS).
///
/// Each partition gets a replica of the model and a scheduler of its own. Because a handler
/// touches only its target LP's state, a replica is exact for the LPs of its partition; the rest
/// of it is never written, and the caller merges what each replica measured. A window runs every
/// partition up to `earliest + lookahead`; events for other partitions wait in the sender's
/// outboxes and move into their owners' queues between windows, always at least a window ahead.
///
/// Results do not depend on the number of threads: each partition handles the same events in the
/// same `(time, order)` order whichever thread runs it, and `afterWindow` sees the replicas after
/// every window, serially, in partition order (the engine drains its energy records there, so
/// the stream reaches the sink in the same order with 1 thread or 8).
///
/// With a `RankGroup` (MPI ranks), each process runs the partitions it owns (p mod ranks) on its
/// threads; at each window boundary the ranks swap the events that cross between them and agree on
/// the next window, whether to stop, and whether the caller's `collective` runs. Every rank takes the
/// same windows, so the partitions handle the same events in the same order as in one process.
///
/// A class because worker threads share it; each thread writes only its own partitions' replicas,
/// schedulers and counters, and the windows are separated by acquire/release atomics.
public final class ParallelSimulator<Model: SimulationModel>: @unchecked Sendable {
    public let partitioning: Partitioning
    /// Worker threads, the caller's included.
    public let threads: Int
    // One cache-line-aligned slot per partition: a scheduler's clock and counters change on every
    // event, and neighbours sharing a line would bounce it between the threads' cores.
    @usableFromInline let replicas: PaddedSlots<Model>
    @usableFromInline let schedulers: PaddedSlots<Scheduler<Model.Payload>>
    @usableFromInline let handledBy: PaddedSlots<UInt64>
    /// Each partition's remote-event count when its outboxes were last emptied.
    @usableFromInline var remoteDelivered: [UInt64]
    /// Partitions each thread runs, in increasing order.
    @usableFromInline let partitionsOf: [[Int]]
    /// The processes the partitions are spread over (nil: this process runs them all).
    public let ranks: (any RankGroup)?
    /// The partitions this process runs, in increasing order.
    public let owned: [Int]
    @usableFromInline let isOwned: [Bool]
    @usableFromInline var windowEnd = SimTime.zero
    @usableFromInline var windowCount: UInt64 = 0
    @usableFromInline var initialized = false
    @usableFromInline var finalized = false
    /// Bumped by the caller's thread to start a window (or, with `stopping`, to end the workers).
    @usableFromInline let generation = Atomic<Int>(0)
    /// Workers that finished the current window.
    @usableFromInline let finished = Atomic<Int>(0)
    @usableFromInline let stopping = Atomic<Bool>(false)
    /// Workers that have returned after `stopping`.
    @usableFromInline let exited = Atomic<Int>(0)

    /// Replicates `model` once per partition of `partitioning` and runs the partitions this process
    /// owns (all of them without `ranks`) on `threads` threads (at most one per partition; the i-th
    /// owned partition runs on thread i mod threads).
    public init(model: Model, partitioning: Partitioning, threads: Int, queue: QueueKind = .standard, ranks: (any RankGroup)? = nil) {
        precondition(partitioning.partitionOf.count == model.lpCount, "partitioning covers \(partitioning.partitionOf.count) LPs, the model has \(model.lpCount)")
        precondition(model.firstLP >= 0 && model.firstLP + model.lpCount <= Int(Event<Model.Payload>.maxLP) + 1, "LP ids below 2^24")
        precondition(threads >= 1, "at least one thread")
        precondition(ranks == nil || _isPOD(Event<Model.Payload>.self), "events cross ranks as bytes: the payload must hold no references")
        precondition((ranks?.size ?? 1) <= partitioning.count, "more ranks than partitions")
        self.partitioning = partitioning
        let n = partitioning.count
        self.ranks = ranks
        let mine = (0..<n).map { p in ranks.map { $0.owner(ofPartition: p) == $0.rank } ?? true }
        isOwned = mine
        owned = mine.indices.filter { mine[$0] }
        self.threads = Swift.min(threads, owned.count)
        replicas = PaddedSlots(count: n) { _ in model }
        schedulers = PaddedSlots(count: n) { Scheduler(partitioning: partitioning, firstLP: model.firstLP, own: $0, queue: queue) }
        handledBy = PaddedSlots(count: n) { _ in 0 }
        remoteDelivered = Array(repeating: 0, count: n)
        let t = self.threads, list = owned
        partitionsOf = (0..<t).map { thread in stride(from: thread, to: list.count, by: t).map { list[$0] } }
    }

    deinit {
        replicas.release(); schedulers.release(); handledBy.release()
    }

    /// The replica of partition `p`: exact for the LPs of `p`.
    public func replica(_ p: Int) -> Model { replicas[p] }

    /// Every replica, in partition order, to read or adjust between runs.
    public func withReplicas<R>(_ body: (inout [Model]) throws -> R) rethrows -> R {
        var all = (0..<partitioning.count).map { replicas[$0] }
        defer { for p in all.indices { replicas[p] = all[p] } }
        return try body(&all)
    }

    /// Events handled so far, over all partitions.
    public var eventsHandled: UInt64 { (0..<partitioning.count).reduce(0) { $0 &+ handledBy[$1] } }
    /// Events handled by each partition: how evenly the partitioning spread the work.
    public var eventsByPartition: [UInt64] { (0..<partitioning.count).map { handledBy[$0] } }
    /// Windows run so far.
    public var windows: UInt64 { windowCount }
    /// Events sent from one partition to another.
    public var remoteEvents: UInt64 { (0..<partitioning.count).reduce(0) { $0 &+ schedulers[$1].remoteEvents } }
    /// Sum over partitions of each one's largest number of pending events.
    public var peakPending: Int { (0..<partitioning.count).reduce(0) { $0 + schedulers[$1].peakPending } }
    /// Time of the last event handled.
    public var now: SimTime { (0..<partitioning.count).map { schedulers[$0].now }.max() ?? .zero }

    /// Runs until no events are left, the next one is at or after `until`, or `shouldStop` (polled
    /// after the window in which another 65,536 events were handled, as `Simulator` polls) returns
    /// true (on any rank: all stop at the same window).
    ///
    /// `afterWindow` runs on the caller's thread after each window with every replica (exact for the
    /// owned partitions), in partition order. When `wantsCollective` returns true after a window (on
    /// any rank), `collective` runs on every rank before the next window: the place for the caller's
    /// own collective calls, which need every rank to make them at the same point.
    @inlinable
    public func run(until: SimTime = .never, shouldStop: (() -> Bool)? = nil,
                    afterWindow: (PaddedSlots<Model>) -> Void,
                    wantsCollective: () -> Bool = { false }, collective: () -> Void = {}) -> Simulator<Model>.Outcome {
        if !initialized {
            initialized = true
            let first = replicas[0].firstLP
            for lp in first..<(first + replicas[0].lpCount) {
                let p = Int(partitioning.partitionOf[lp - first])
                guard isOwned[p] else { continue }
                schedulers[p]._current = LPID(lp)
                replicas[p].initialize(lp: LPID(lp), scheduler: &schedulers[p])
            }
        }
        let start = generation.load(ordering: .acquiring)
        for t in 1..<threads {
            let thread = Thread { [self] in self.work(thread: t, from: start) }
            thread.name = "spikechip-partition-\(t)"
            thread.start()
        }
        defer {
            // Stop the workers and wait for them, so that a later call starts from a clean slate.
            if threads > 1 {
                stopping.store(true, ordering: .releasing)
                generation.add(1, ordering: .releasing)
                var spins = 0
                while exited.load(ordering: .acquiring) < threads - 1 { Self.pause(&spins) }
                exited.store(0, ordering: .relaxed)
                stopping.store(false, ordering: .releasing)
            }
        }
        var polled = eventsHandled
        var stopWanted = false, collectiveWanted = false
        while true {
            deliverOutboxes()
            var earliest = SimTime.never
            for p in owned { earliest = SimTime.min(earliest, schedulers[p].nextTime()) }
            if let ranks {
                // One reduction agrees on the next window, a stop and the caller's collective.
                let agreed = ranks.minimum([earliest.picoseconds, stopWanted ? 0 : 1, collectiveWanted ? 0 : 1])
                earliest = SimTime(picoseconds: agreed[0])
                stopWanted = agreed[1] == 0; collectiveWanted = agreed[2] == 0
                if collectiveWanted { collective(); collectiveWanted = false }
                if stopWanted { return .stopped }
            }
            if earliest == .never {
                if !finalized {
                    finalized = true
                    // The end is the last event of any rank: every LP is finalized at the same time.
                    let end = ranks.map { SimTime(picoseconds: $0.maximum([now.picoseconds])[0]) } ?? now
                    let first = replicas[0].firstLP
                    for lp in first..<(first + replicas[0].lpCount) {
                        let p = Int(partitioning.partitionOf[lp - first])
                        if isOwned[p] { replicas[p].finalize(lp: LPID(lp), at: end) }
                    }
                }
                return .drained
            }
            if earliest >= until { return .reachedLimit }
            windowEnd = SimTime.min(until, earliest.picoseconds <= UInt64.max - partitioning.lookahead.picoseconds
                ? earliest + partitioning.lookahead : .never)
            windowCount &+= 1
            if threads > 1 {
                finished.store(0, ordering: .relaxed)
                generation.add(1, ordering: .releasing)
            }
            for p in partitionsOf[0] { runPartition(p) }
            if threads > 1 {
                var spins = 0
                while finished.load(ordering: .acquiring) < threads - 1 { Self.pause(&spins) }
            }
            afterWindow(replicas)
            if wantsCollective() {
                if ranks == nil { collective() } else { collectiveWanted = true }
            }
            if let stop = shouldStop {
                let handled = eventsHandled
                if handled >> 16 != polled >> 16 {
                    polled = handled
                    if stop() {
                        if ranks == nil { return .stopped }
                        stopWanted = true
                    }
                }
            }
        }
    }

    /// A worker: waits for each window, runs its partitions, reports.
    @inlinable
    func work(thread t: Int, from start: Int) {
        var seen = start
        while true {
            var spins = 0
            var g = generation.load(ordering: .acquiring)
            while g == seen { Self.pause(&spins); g = generation.load(ordering: .acquiring) }
            seen = g
            if stopping.load(ordering: .acquiring) { exited.add(1, ordering: .releasing); return }
            for p in partitionsOf[t] { runPartition(p) }
            finished.add(1, ordering: .releasing)
        }
    }

    /// Handles partition `p`'s events earlier than the window's end.
    @inlinable
    func runPartition(_ p: Int) {
        let end = windowEnd
        var handled: UInt64 = 0
        let s = schedulers.pointer(p)
        while let e = s.pointee.active.pop(before: end) {
            s.pointee.pending &-= 1
            s.pointee._now = e.time
            s.pointee._current = e.target
            replicas.pointer(p).pointee.handle(e, scheduler: &s.pointee)
            handled &+= 1
        }
        handledBy[p] &+= handled
    }

    /// Moves every event waiting in an outbox into the queue of the partition that owns its target;
    /// with ranks, events for another rank's partitions travel as bytes in one exchange.
    @inlinable
    func deliverOutboxes() {
        let n = partitioning.count
        var outgoing: [[UInt8]] = ranks.map { Array(repeating: [], count: $0.size) } ?? []
        for from in owned {
            // Most partitions send nothing across in a window: skip their outboxes at a glance.
            guard schedulers[from].remote != remoteDelivered[from] else { continue }
            remoteDelivered[from] = schedulers[from].remote
            let sender = schedulers.pointer(from)
            for to in 0..<n where to != from {
                while let e = sender.pointee.queues[to].pop() {
                    sender.pointee.pending &-= 1
                    if isOwned[to] {
                        enqueue(e, in: to)
                    } else {
                        withUnsafeBytes(of: e) { outgoing[ranks!.owner(ofPartition: to)].append(contentsOf: $0) }
                    }
                }
            }
        }
        guard let ranks else { return }
        let size = MemoryLayout<Event<Model.Payload>>.size
        let first = replicas[0].firstLP
        for bytes in ranks.exchange(outgoing) {
            precondition(bytes.count % size == 0, "a rank sent \(bytes.count) bytes, not whole events of \(size)")
            bytes.withUnsafeBytes { raw in
                for i in 0..<(bytes.count / size) {
                    let e = raw.loadUnaligned(fromByteOffset: i * size, as: Event<Model.Payload>.self)
                    enqueue(e, in: Int(partitioning.partitionOf[Int(e.target) - first]))
                }
            }
        }
    }

    @inlinable
    func enqueue(_ e: Event<Model.Payload>, in p: Int) {
        let s = schedulers.pointer(p)
        s.pointee.active.push(e)
        s.pointee.pending &+= 1
        if s.pointee.pending > s.pointee.peak { s.pointee.peak = s.pointee.pending }
    }

    /// Spins briefly, then yields the core: windows are microseconds long, but a thread that has
    /// to share a core with another must not keep it from running.
    @inlinable
    static func pause(_ spins: inout Int) {
        spins &+= 1
        if spins > 1 << 15 { sched_yield() }
    }
}

/// `count` values, each alone in cache-line-aligned memory (128 bytes: two lines, as adjacent-line
/// prefetchers fetch them in pairs), for state that different threads write.
public struct PaddedSlots<Element>: @unchecked Sendable {
    @usableFromInline let base: UnsafeMutableRawPointer
    @usableFromInline let slot: Int
    public let count: Int

    @inlinable init(count: Int, _ make: (Int) -> Element) {
        self.count = count
        slot = (MemoryLayout<Element>.stride + 127) / 128 * 128
        base = .allocate(byteCount: Swift.max(slot * count, 1), alignment: 128)
        for i in 0..<count { (base + i * slot).initializeMemory(as: Element.self, to: make(i)) }
    }

    @inlinable func pointer(_ i: Int) -> UnsafeMutablePointer<Element> {
        (base + i * slot).assumingMemoryBound(to: Element.self)
    }

    @inlinable public subscript(i: Int) -> Element {
        get { pointer(i).pointee }
        nonmutating _modify { yield &pointer(i).pointee }
        nonmutating set { pointer(i).pointee = newValue }
    }

    public var indices: Range<Int> { 0..<count }

    @usableFromInline func release() {
        for i in 0..<count { pointer(i).deinitialize(count: 1) }
        base.deallocate()
    }
}
