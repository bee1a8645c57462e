/// The state and behaviour of every logical process of a simulation.
///
/// Like a ROSS model, it has an init handler, an event handler and a final handler. The
/// model is one value holding the state of all its LPs (struct-of-arrays is the fast
/// layout); the kernel calls it with events in timestamp order and it must only read or
/// write the state of the event's target LP. That rule is what lets the kernel group LPs
/// into partitions that could run on different processes without changing results.
public protocol SimulationModel {
    /// What an event carries. Keep it a small plain value: it is copied through the queue.
    associatedtype Payload

    /// Number of logical processes; ids are `firstLP ..< firstLP + lpCount`.
    var lpCount: Int { get }

    /// The first LP id (default 0). A chip model whose mapping uses a band of a large mesh numbers
    /// its LPs by core id and starts here, so that per-LP state follows what is mapped.
    var firstLP: Int { get }

    /// Schedules the LP's first events. Called once per LP, in id order, before the run.
    mutating func initialize(lp: LPID, scheduler: inout Scheduler<Payload>)

    /// Handles one event addressed to `event.target`.
    mutating func handle(_ event: Event<Payload>, scheduler: inout Scheduler<Payload>)

    /// Called once per LP after the last event, in id order, with the final time.
    mutating func finalize(lp: LPID, at time: SimTime)
}

extension SimulationModel {
    public var firstLP: Int { 0 }
    public mutating func initialize(lp: LPID, scheduler: inout Scheduler<Payload>) {}
    public mutating func finalize(lp: LPID, at time: SimTime) {}
}
