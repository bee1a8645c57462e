/// Runs a `SimulationModel` sequentially: pops events in timestamp order and hands them to the
/// model. `ParallelSimulator` runs the same model in partitions (on threads, over ranks), and its
/// tests check it against this loop.
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
    /// Calls to `run` so far: a sequential run is one window per call.
    public var windows: UInt64 { windowCount }

    /// Prepares a run whose pending events wait in a queue of `queue` kind.
    public init(model: Model, queue: QueueKind = .standard) {
        precondition(model.firstLP >= 0 && model.firstLP + model.lpCount <= Int(Event<Model.Payload>.maxLP) + 1, "LP ids below 2^24")
        self.model = model
        self.sched = Scheduler(partitioning: .single(lpCount: model.lpCount), firstLP: model.firstLP, own: 0, queue: queue)
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
        var poll: UInt64 = 0
        windowCount &+= 1
        while let e = sched.active.pop(before: until) {
            sched.pending &-= 1
            sched._now = e.time
            sched._current = e.target
            model.handle(e, scheduler: &sched)
            handled &+= 1
            poll &+= 1
            if poll & 0xFFFF == 0, let stop = shouldStop, stop() { return .stopped }
        }
        if sched.nextTime() != .never { return .reachedLimit }
        if !finalized {
            finalized = true
            for lp in model.firstLP..<(model.firstLP + model.lpCount) { model.finalize(lp: LPID(lp), at: sched.now) }
        }
        return .drained
    }
}

extension SimTime {
    @inlinable static func min(_ a: SimTime, _ b: SimTime) -> SimTime { a < b ? a : b }
}
