/// One population stepped on its own, outside a chip (`spikechip bench neurons`, tests): its
/// membranes from rest, synaptic currents, refractory clocks and spike buffer, and the step count.
/// The chip keeps the same state for all its populations in `NetworkChip`.
public struct PopulationState {
    public let dynamics: NeuronDynamics
    public private(set) var v: ContiguousArray<Double>
    public private(set) var synaptic: ContiguousArray<Double>
    var readyAt: ContiguousArray<Double>
    var fired: ContiguousArray<Int32>
    var firedCount = 0
    /// Steps taken.
    public private(set) var tick = 0

    public init(_ dynamics: NeuronDynamics) {
        self.dynamics = dynamics
        v = ContiguousArray((0..<dynamics.size).map(dynamics.initial))
        synaptic = ContiguousArray(repeating: 0, count: dynamics.size)
        readyAt = synaptic
        fired = ContiguousArray(repeating: 0, count: dynamics.size)
    }

    /// The neurons that fired in the last step, in index order.
    public var lastFired: ArraySlice<Int32> { fired[..<firedCount] }

    /// Steps every neuron with one input current each; returns how many fired and how many were active.
    public mutating func step(_ input: UnsafeBufferPointer<Double>) -> (fired: Int, active: Int) {
        precondition(input.count == dynamics.size, "one input current per neuron")
        let (n, t, d) = (dynamics.size, tick, dynamics)
        let result = v.withUnsafeMutableBufferPointer { v in
            synaptic.withUnsafeMutableBufferPointer { s in
                readyAt.withUnsafeMutableBufferPointer { r in
                    fired.withUnsafeMutableBufferPointer { f in
                        d.step(0..<n, tick: t, v: v.baseAddress!, synaptic: s.baseAddress!, readyAt: r.baseAddress!,
                               input: input.baseAddress!, fired: f.baseAddress!)
                    }
                }
            }
        }
        firedCount = result.fired
        tick += 1
        return result
    }
}
