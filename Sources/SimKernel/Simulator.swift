/// Runs a `SimulationModel`: pops events in timestamp order and hands them to the model.
///
/// With one partition this is a plain sequential discrete-event loop. With several, it
/// advances in windows of `lookahead`: each partition handles every event earlier than
/// the window's end, then the next window starts at the earliest pending event. Events
/// only cross partitions at least a lookahead ahead, so no partition ever receives an
/// event inside a window it has already run, and every LP sees the same events in the
/// same order as in a sequential run.
public struct Simulator<Model: SimulationModel> {
    /// The model and all LP state; read it after `run` for results.
    public var model: Model
    @usableFromInline var sched: Scheduler<Model.Payload>
    @usableFromInline var handled: UInt64 = 0
    @usableFromInline var windowCount: UInt64 = 0
    @usableFromInline var initialized = false
    @usableFromInline var finalized = false

    /// Queues, clock and counters.
    public var scheduler: Scheduler<Model.Payload> { sched }
    /// Events handled so far.
    public var eventsHandled: UInt64 { handled }
    /// Windows run so far (a single-partition run is one window per call to `run`).
    public var windows: UInt64 { windowCount }

    /// Prepares a run. LPs are grouped as `partitioning` says (default: one partition);
    /// each partition keeps its pending events in a queue of `queue` kind.
    public init(model: Model, partitioning: Partitioning? = nil, queue: QueueKind = .standard) {
        let p = partitioning ?? .single(lpCount: model.lpCount)
        precondition(p.partitionOf.count == model.lpCount, "partitioning covers \(p.partitionOf.count) LPs, the model has \(model.lpCount)")
        precondition(model.firstLP >= 0 && model.firstLP + model.lpCount <= Int(Event<Model.Payload>.maxLP) + 1, "LP ids below 2^24")
        self.model = model
        self.sched = Scheduler(partitioning: p, firstLP: model.firstLP, queue: queue)
    }

    /// How a call to `run` ended.
    public enum Outcome: Equatable, Sendable {
        /// No events are left; the model's final handlers have run.
        case drained
        /// The next event lies at or after the `until` time; `run` can be called again.
        case reachedLimit
        /// `shouldStop` returned true; the run can be resumed by calling `run` again.
        case stopped
    }

    /// Injects an event from outside the model (a stimulus), as if `target` had sent it
    /// to itself. `time` must not be earlier than the current simulated time.
    public mutating func post(_ payload: Model.Payload, to target: LPID, at time: SimTime) {
        sched._current = target
        sched.schedule(payload, to: target, at: SimTime.max(time, sched.now))
        finalized = false
    }

    /// Handles events until none are left, the next one is at or after `until`, or
    /// `shouldStop` (polled every 65,536 events) returns true.
    @inlinable
    public mutating func run(until: SimTime = .never, shouldStop: (() -> Bool)? = nil) -> Outcome {
        if !initialized {
            initialized = true
            for lp in model.firstLP..<(model.firstLP + model.lpCount) {
                sched._current = LPID(lp)
                model.initialize(lp: LPID(lp), scheduler: &sched)
            }
        }
        let partitions = sched.queues.count
        var poll: UInt64 = 0
        while true {
            var earliest = SimTime.never
            for p in 0..<partitions {
                let t = sched.nextTime(of: p)
                if t < earliest { earliest = t }
            }
            if earliest == .never {
                if !finalized {
                    finalized = true
                    for lp in model.firstLP..<(model.firstLP + model.lpCount) { model.finalize(lp: LPID(lp), at: sched.now) }
                }
                return .drained
            }
            if earliest >= until { return .reachedLimit }
            var windowEnd = until
            if partitions > 1, earliest.picoseconds <= UInt64.max - sched.lookahead.picoseconds {
                windowEnd = SimTime.min(until, earliest + sched.lookahead)
            }
            windowCount &+= 1
            for p in 0..<partitions {
                sched.activate(p)
                while let e = sched.active.pop(before: windowEnd) {
                    sched.pending &-= 1
                    sched._now = e.time
                    sched._current = e.target
                    model.handle(e, scheduler: &sched)
                    handled &+= 1
                    poll &+= 1
                    if poll & 0xFFFF == 0, let stop = shouldStop, stop() { return .stopped }
                }
            }
        }
    }
}

extension SimTime {
    @inlinable static func min(_ a: SimTime, _ b: SimTime) -> SimTime { a < b ? a : b }
}
