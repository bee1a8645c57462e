@testable import Neurons

/// Encodes an array with any encoder and returns the train plus its statistics against the input.
func encodeAndMeasure<E: SpikeEncoder>(_ encoder: inout E, _ x: [Float]) throws -> (SpikeTrain, SpikeStatistics) {
    var train = SpikeTrain(neuronCount: x.count, steps: encoder.steps)
    let stats = try x.withUnsafeBufferPointer { (p) throws(NeuronParameterError) in try encoder.measure(p, train: &train) }
    return (train, stats)
}

/// Reconstruction of a train as an array.
func decoded(_ train: SpikeTrain) throws -> [Float] {
    var out = [Float](repeating: .nan, count: train.neuronCount)
    try out.withUnsafeMutableBufferPointer { (p) throws(NeuronParameterError) in try train.decode(into: p) }
    return out
}

/// The spikes of one neuron over all steps.
func spikes(of neuron: Int, in train: SpikeTrain) -> [Int8] {
    (0..<train.steps).map { train[$0, neuron] }
}

/// Heavy-tailed synthetic activations (Student-t, 4 dof, 0.5% channels ×20), seeded.
func heavyTailed(_ n: Int, seed: UInt64) throws -> [Float] {
    var g = try SyntheticActivations(channels: n, seed: seed)
    return g.next()
}
