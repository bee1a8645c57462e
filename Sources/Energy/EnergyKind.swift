/// What an energy record paid for.
///
/// The kinds follow the checklist of a chip-level energy study: arithmetic
/// (synaptic operations), neuron state (membrane read/update/write), spike generation,
/// routing (router hops and chip-to-chip crossings), the non-synaptic work of an LLM on
/// function units and their memory traffic, synchronisation traffic, and static power
/// over simulated time.
public enum EnergyKind: UInt8, CaseIterable, Sendable, Hashable, Comparable {
    /// One crossbar row read delivering an input to the neurons of a core (count = synapses touched).
    case synapticOp = 0
    /// Neuron state update: membrane read, integrate/leak/threshold, write (count = neurons updated).
    case neuronUpdate = 1
    /// A spike or graded packet leaving a core (count = packets).
    case spikeOut = 2
    /// A packet crossing one on-chip router/link (count = hops).
    case routerHop = 3
    /// A packet crossing a chip-to-chip link (count = crossings).
    case chipCrossing = 4
    /// Non-synaptic arithmetic on a function unit: norms, attention, activations, reductions (count = operations).
    case functionUnitOp = 5
    /// Time-step completion traffic: barrier or completion-marker packets (count = markers).
    case control = 6
    /// Static (leakage and idle) power integrated over simulated time (count = nanoseconds).
    case staticIdle = 7
    /// Memory traffic outside the crossbars: KV cache, recurrent state and embedding reads/writes (count = bytes).
    case memory = 8

    /// The name used in tables, SQLite and reports.
    public var name: String {
        switch self {
        case .synapticOp: "synaptic_op"
        case .neuronUpdate: "neuron_update"
        case .spikeOut: "spike_out"
        case .routerHop: "router_hop"
        case .chipCrossing: "chip_crossing"
        case .functionUnitOp: "function_unit_op"
        case .control: "control"
        case .staticIdle: "static_idle"
        case .memory: "memory"
        }
    }

    /// Parses a name produced by `name`.
    public init?(name: String) {
        guard let k = EnergyKind.allCases.first(where: { $0.name == name }) else { return nil }
        self = k
    }

    public static func < (a: EnergyKind, b: EnergyKind) -> Bool { a.rawValue < b.rawValue }
}
