/// A population of neurons with state, advanced one time step at a time by the chip's cores.
///
/// State lives in contiguous arrays inside the population (one element per neuron), and a
/// step reads the caller's input buffer and writes one spike amplitude per neuron, so a
/// step allocates nothing. `Input` is the per-neuron input element (a current for the
/// LIF family, axon-type event counts for TrueNorth).
public protocol NeuronPopulation {
    associatedtype Input
    /// Number of neurons.
    var count: Int { get }
    /// Input elements consumed per neuron per step.
    static var inputsPerNeuron: Int { get }
    /// Advances every neuron by one step; writes each neuron's spike (0, ±1) into `spikes`
    /// and returns how many fired. Throws if a buffer has the wrong length.
    mutating func step(_ input: UnsafeBufferPointer<Input>, spikes: UnsafeMutableBufferPointer<Int8>) throws(NeuronParameterError) -> Int
    /// Returns every neuron to its resting state (and a stochastic population to its seed).
    mutating func reset()
}

extension NeuronPopulation {
    /// Validates the buffer lengths of one step.
    @inlinable
    func checkShapes(input: Int, spikes: Int) throws(NeuronParameterError) {
        try NeuronParameterError.require(input == count * Self.inputsPerNeuron, "input.count", input, "== \(count * Self.inputsPerNeuron) (\(Self.inputsPerNeuron) per neuron)")
        try NeuronParameterError.require(spikes == count, "spikes.count", spikes, "== \(count)")
    }
}
