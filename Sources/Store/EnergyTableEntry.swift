/// One line of the energy table a run used: the cost of one operation of some kind.
public struct EnergyTableEntry: Sendable, Equatable {
    /// Name of the cost in the topology (e.g. "synaptic_op", "router_hop_ew").
    public var name: String
    /// Energy per operation, pJ.
    public var picojoules: Double
    /// What one operation is ("per synapse", "per hop", "per ns").
    public var unit: String
    /// Where the figure comes from (the topology's source comment).
    public var source: String

    public init(name: String, picojoules: Double, unit: String, source: String) {
        self.name = name; self.picojoules = picojoules; self.unit = unit; self.source = source
    }
}
