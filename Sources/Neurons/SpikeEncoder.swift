/// Turns an activation vector into a spike train over T steps, the operation placed in
/// front of every spiking projection.
///
/// Hot paths use it generically (`some SpikeEncoder` or `ConfiguredEncoder`'s enum switch),
/// never as an existential. `encode` is `mutating` so encoders may keep scratch buffers and
/// reuse them instead of allocating per call.
public protocol SpikeEncoder {
    /// Time steps T of the trains this encoder produces.
    var steps: Int { get }
    /// Encodes `x` into `train`, reshaping it (allocating only if its shape changes).
    /// Throws if `x` contains a non-finite value.
    mutating func encode(_ x: UnsafeBufferPointer<Float>, into train: inout SpikeTrain) throws(NeuronParameterError)
}

extension SpikeEncoder {
    /// Reconstructs the activations a train stands for (the same rule for every encoder).
    public func decode(_ train: SpikeTrain, into output: UnsafeMutableBufferPointer<Float>) throws(NeuronParameterError) {
        try train.decode(into: output)
    }

    /// Encodes `x` and measures sparsity and reconstruction error against it.
    public mutating func measure(_ x: UnsafeBufferPointer<Float>, train: inout SpikeTrain) throws(NeuronParameterError) -> SpikeStatistics {
        try encode(x, into: &train)
        return try SpikeStatistics(train: train, reference: x)
    }

    /// Convenience for arrays (tests, tools): encode, returning the train.
    public mutating func encode(_ x: [Float]) throws(NeuronParameterError) -> SpikeTrain {
        var train = SpikeTrain(neuronCount: x.count, steps: steps)
        try x.withUnsafeBufferPointer { (p) throws(NeuronParameterError) in try encode(p, into: &train) }
        return train
    }
}

/// One pass over an activation vector: the magnitudes every threshold rule needs, and the
/// check that the data is finite (a NaN would otherwise become a silent wrong count).
@usableFromInline
struct ActivationSummary {
    @usableFromInline var sumAbs: Float = 0
    @usableFromInline var maxAbs: Float = 0
    @usableFromInline var minimum: Float = 0

    @inlinable
    init(_ x: UnsafeBufferPointer<Float>) throws(NeuronParameterError) {
        // Eight independent lanes so the reduction is not one serial chain of additions;
        // the lane order is fixed, so the sum is still deterministic.
        var sum = SIMD8<Float>(repeating: 0), hi = SIMD8<Float>(repeating: 0)
        var lo = SIMD8<Float>(repeating: .infinity)
        let n = x.count, whole = n & ~7
        if let base = x.baseAddress {
            let raw = UnsafeRawPointer(base)
            var i = 0
            while i < whole {
                let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                let a = v.replacing(with: -v, where: v .< 0)
                sum += a
                hi = hi.replacing(with: a, where: a .> hi)
                lo = lo.replacing(with: v, where: v .< lo)
                i += 8
            }
        }
        var total = sum.sum(), top = hi.max(), bottom = lo.min()
        for i in whole..<n {
            let v = x[i]
            total += abs(v)
            top = Swift.max(top, abs(v))
            bottom = Swift.min(bottom, v)
        }
        // A NaN or infinity propagates into the total, so one check after the loop suffices.
        if !total.isFinite {
            if let bad = x.firstIndex(where: { !$0.isFinite }) {
                throw NeuronParameterError(parameter: "activation[\(bad)]", value: "\(x[bad])",
                                           allowed: "a finite value (check the layer feeding this encoder)")
            }
            throw NeuronParameterError(parameter: "activations", value: "Σ|x| overflowing Float",
                                       allowed: "magnitudes whose sum is finite (rescale the input)")
        }
        sumAbs = total
        maxAbs = top
        minimum = n == 0 ? 0 : bottom
    }

    @inlinable
    func meanAbs(count: Int) -> Float { count == 0 ? 0 : sumAbs / Float(count) }
}
