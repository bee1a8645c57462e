/// One population of a network run (`network_population`).
public struct NetworkPopulationRow: Sendable, Equatable {
    public var name: String
    /// "Input", "IF", "LIF", "CubaLIF" or "Threshold".
    public var kind: String
    public var neurons: Int
    public var cores: Int
    public var spikes: Int
    public var isOutput: Bool

    public init(name: String, kind: String, neurons: Int, cores: Int, spikes: Int, isOutput: Bool) {
        self.name = name; self.kind = kind; self.neurons = neurons; self.cores = cores; self.spikes = spikes; self.isOutput = isOutput
    }
}
