/// How one spike reaches several destination cores.
public enum FanOut: String, Sendable, Hashable, CaseIterable {
    /// One packet carries a multicast route; routers copy it along a tree (SpiNNaker-style).
    case multicast
    /// The source core sends one unicast packet per destination core (Loihi's axon fan-out).
    case unicast
    /// A packet reaches exactly one axon; fan-out is done by splitter neurons on extra
    /// cores, each relaying the spike to one destination (strict TrueNorth).
    case splitter
}
