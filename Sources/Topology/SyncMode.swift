import SimKernel

/// How the cores of a chip agree that a virtual time step is over.
public enum SyncMode: Sendable, Hashable, CustomStringConvertible {
    /// A global clock: every core ends step t at the same tick boundary (TrueNorth's 1 ms
    /// tick). Spikes that arrive after the boundary of their step are counted as late.
    case globalTick(period: SimTime)
    /// No barrier: each sender follows the last spike of a step with a completion marker
    /// to every destination; a core closes a step once the markers of all its senders
    /// have arrived (Loihi-style handshakes between neighbours).
    case completionMarkers

    public var description: String {
        switch self {
        case .globalTick(let p): "global tick every \(p)"
        case .completionMarkers: "completion markers"
        }
    }
}
