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
    /// The figure's range (equal to `picojoules` when the source gives none).
    public var lowPicojoules: Double
    public var highPicojoules: Double

    public init(name: String, picojoules: Double, unit: String, source: String, low: Double? = nil, high: Double? = nil) {
        self.name = name; self.picojoules = picojoules; self.unit = unit; self.source = source
        lowPicojoules = low ?? picojoules; highPicojoules = high ?? picojoules
    }
}
