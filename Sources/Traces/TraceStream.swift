/// One stream of a network trace: the spikes of a population, or its membranes, one block per
/// time step. The header lists them in the order each step's blocks follow; a block's stage
/// number indexes that list.
public struct TraceStream: Codable, Hashable, Sendable, CustomStringConvertible {
    /// What a stream's blocks hold.
    public enum Record: String, Codable, Hashable, Sendable {
        /// Spike blocks (type 1) of one step: the neurons that fired, amplitude +1.
        case spikes
        /// float64 blocks (type 4): every neuron's membrane after the step's update and reset.
        case membranes
    }

    /// The population's name in the network file.
    public var population: String
    /// Its neuron model ("LIF", "TrueNorth", … or "Input" for an input population).
    public var model: String
    public var neurons: Int
    public var record: Record

    public init(population: String, model: String, neurons: Int, record: Record) {
        self.population = population; self.model = model; self.neurons = neurons; self.record = record
    }

    /// "lif1 spikes, 150 neurons", as error messages name a stream.
    public var description: String { "\(population) \(record.rawValue), \(neurons) neurons" }
}
