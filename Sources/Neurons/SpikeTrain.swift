/// The spikes a vector of `neuronCount` activations produces over `steps` time steps.
///
/// Stored step-major (all neurons of step 0, then step 1, ...) because the engine consumes
/// one step at a time and fetches a weight row for every non-zero entry. An entry is a
/// signed spike amplitude: ±1 for binary/ternary/bitwise coding, up to ±127 for SpikeLLM's
/// generalized integrate-and-fire neurons (several spikes in one step).
///
/// The value an entry carries is `scale * stepWeights[t] * spike`, plus `scale * countOffset`
/// once per neuron; this one rule decodes every coding (bitwise coding weights step t by
/// 2^(T-1-t), two's complement gives the first step a negative weight, binary coding of
/// signed data records its zero point in `countOffset`).
public struct SpikeTrain: Equatable, Sendable {
    /// Number of neurons (activations) encoded.
    public private(set) var neuronCount: Int
    /// Number of time steps T.
    public private(set) var steps: Int
    /// `steps * neuronCount` signed spike amplitudes, step-major.
    public internal(set) var spikes: ContiguousArray<Int8>
    /// Each neuron's signed count `Σ_t w_t s_t` (without `countOffset`), kept by the
    /// encoders so the engine does not have to re-add the steps.
    public internal(set) var counts: ContiguousArray<Int32>
    /// Integer weight of a unit spike at each step (1 for rate-like codings).
    public internal(set) var stepWeights: ContiguousArray<Int32>
    /// The activation value of one unit of count (the firing threshold V_th or quantizer step Δ).
    public internal(set) var scale: Float
    /// Count added to every neuron when decoding (a zero point); 0 for symmetric codings.
    public internal(set) var countOffset: Int32
    /// Neuron-step slots the coding actually uses; less than `steps * neuronCount` when
    /// some neurons get fewer steps (SpikeLLM's non-salient channels). Rates divide by it.
    public internal(set) var slotCount: Int
    /// Neurons whose count had to be clipped to the coding's range (membrane clipping).
    public internal(set) var clippedCount: Int

    /// An all-silent train; encoders reuse its storage across calls.
    public init(neuronCount: Int, steps: Int) {
        self.neuronCount = max(0, neuronCount)
        self.steps = max(0, steps)
        spikes = ContiguousArray(repeating: 0, count: self.neuronCount * self.steps)
        counts = ContiguousArray(repeating: 0, count: self.neuronCount)
        stepWeights = ContiguousArray(repeating: 1, count: self.steps)
        scale = 1
        countOffset = 0
        slotCount = self.neuronCount * self.steps
        clippedCount = 0
    }

    /// Gives the train the requested shape and resets the per-encoding metadata. Storage is
    /// kept and reused, so alternating shapes (an encoder choosing T per vector) allocate only
    /// when a shape needs more room than any before it.
    public mutating func reshape(neuronCount n: Int, steps t: Int) {
        let n = max(0, n), t = max(0, t)
        if n != neuronCount || t != steps {
            Self.resize(&spikes, to: n * t)
            Self.resize(&counts, to: n)
            Self.resize(&stepWeights, to: t)
            neuronCount = n
            steps = t
        }
        for i in 0..<t { stepWeights[i] = 1 }
        scale = 1
        countOffset = 0
        slotCount = n * t
        clippedCount = 0
    }

    /// Static so that the call does not also read `self` while one of its arrays is being
    /// modified (which would copy the struct and make the array's buffer non-unique).
    private static func resize<T: FixedWidthInteger>(_ array: inout ContiguousArray<T>, to count: Int) {
        array.removeAll(keepingCapacity: true)
        array.append(contentsOf: repeatElement(0, count: count))
    }

    /// Spike amplitude of `neuron` at `step`. Setting entries by hand (tests, hand-built trains)
    /// leaves `counts` stale until `recount()` is called.
    public subscript(step: Int, neuron: Int) -> Int8 {
        get { spikes[step * neuronCount + neuron] }
        set { spikes[step * neuronCount + neuron] = newValue }
    }

    /// Calls `body(neuron, amplitude)` for every non-zero entry of `step`, in neuron order:
    /// the event list the engine turns into weight-row additions.
    @inlinable
    public func forEachSpike(atStep step: Int, _ body: (Int, Int8) throws -> Void) rethrows {
        let n = neuronCount
        try spikes.withUnsafeBufferPointer { all in
            let base = step * n
            for i in 0..<n {
                let s = all[base + i]
                if s != 0 { try body(i, s) }
            }
        }
    }

    /// Recomputes `counts` from `spikes` (after spikes were written directly, as the
    /// synthetic source and tests do).
    public mutating func recount() {
        let n = neuronCount
        counts.withUnsafeMutableBufferPointer { c in
            for i in 0..<n { c[i] = 0 }
            spikes.withUnsafeBufferPointer { all in
                for t in 0..<steps {
                    let w = stepWeights[t]
                    let row = t * n
                    for i in 0..<n { c[i] &+= w &* Int32(all[row + i]) }
                }
            }
        }
    }

    /// Reconstructs the activations: `scale * (Σ_t w_t s_t + countOffset)`, read from `counts`
    /// (one multiply per neuron instead of T int-to-float conversions; `recount()` after
    /// editing `spikes` by hand keeps the two in step, which the tests check for every encoder).
    public func decode(into output: UnsafeMutableBufferPointer<Float>) throws(NeuronParameterError) {
        try NeuronParameterError.require(output.count == neuronCount, "output.count", output.count, "== \(neuronCount)")
        let s = scale, offset = countOffset
        counts.withUnsafeBufferPointer { c in
            for i in 0..<neuronCount { output[i] = s * Float(c[i] &+ offset) }
        }
    }
}
