/// Why a model cannot be mapped onto a topology.
public enum MappingError: Error, Equatable, CustomStringConvertible {
    /// The model needs more cores than the system has.
    case doesNotFit(needed: Int, available: Int, perLayer: Int, topology: String, chipsNeeded: Int)
    /// A splitter core cannot fan a spike out to that many destinations.
    case fanOutTooWide(destinations: Int, neuronsPerCore: Int)
    /// An option is out of range.
    case invalidOption(String)

    public var description: String {
        switch self {
        case let .doesNotFit(needed, available, perLayer, topology, chips):
            "the model needs \(needed) cores (about \(perLayer) per layer) but topology '\(topology)' has \(available); "
                + "it needs at least \(chips) chips of this size: raise system.chips in the topology, use larger cores, or map fewer layers (--layers)"
        case let .fanOutTooWide(d, n):
            "a spike must reach \(d) cores, more than a splitter core's \(n) neurons; multi-level splitter trees are not modelled: use fanout: unicast or multicast, or larger cores"
        case let .invalidOption(s): s
        }
    }
}
