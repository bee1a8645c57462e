import Neurons

/// The spikes of one stage of one token over its T steps: what one trace block holds.
///
/// Flat arrays (neurons and amplitudes of all steps, step by step, plus where each step
/// ends) so that a block is decoded, recorded and replayed without per-spike allocation;
/// `removeAll` keeps the storage for the next block.
public struct SpikeBlock: Equatable, Sendable {
    /// Firing neurons, increasing within a step.
    public private(set) var neurons: ContiguousArray<Int32> = []
    /// Signed amplitude of each spike: ±1 for ternary coding, up to ±127 for multi-spike neurons.
    public private(set) var amplitudes: ContiguousArray<Int8> = []
    /// `stepEnds[t]`: index in `neurons` one past step t's last spike.
    public private(set) var stepEnds: ContiguousArray<Int> = []

    public init() {}

    /// A block from per-step spike lists (tests, tools).
    public init(steps: [[(neuron: Int32, amplitude: Int8)]]) {
        for step in steps {
            for s in step { append(neuron: s.neuron, amplitude: s.amplitude) }
            endStep()
        }
    }

    /// The non-zero entries of `train`, step by step.
    public init(train: SpikeTrain) {
        assign(train)
    }

    /// Steps recorded so far.
    public var steps: Int { stepEnds.count }
    public var spikeCount: Int { neurons.count }

    /// Empties the block, keeping its storage.
    public mutating func removeAll() {
        neurons.removeAll(keepingCapacity: true)
        amplitudes.removeAll(keepingCapacity: true)
        stepEnds.removeAll(keepingCapacity: true)
    }

    /// Adds a spike to the step being built.
    public mutating func append(neuron: Int32, amplitude: Int8) {
        neurons.append(neuron)
        amplitudes.append(amplitude)
    }

    /// Closes the step being built (possibly empty).
    public mutating func endStep() { stepEnds.append(neurons.count) }

    /// Indices in `neurons` and `amplitudes` of step `t`'s spikes.
    public func range(ofStep t: Int) -> Range<Int> {
        (t == 0 ? 0 : stepEnds[t - 1])..<stepEnds[t]
    }

    /// Replaces the contents with the non-zero entries of `train`.
    public mutating func assign(_ train: SpikeTrain) {
        removeAll()
        for t in 0..<train.steps {
            train.forEachSpike(atStep: t) { i, a in append(neuron: Int32(i), amplitude: a) }
            endStep()
        }
    }
}
