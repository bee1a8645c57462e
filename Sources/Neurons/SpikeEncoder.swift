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

    /// Without `extremes`, only Σ|x| (and the finiteness check) is computed and `maxAbs` and
    /// `minimum` stay 0: the mean-based thresholds need nothing else, and the pass then costs
    /// two operations per 8 values instead of four.
    @inlinable
    init(_ x: UnsafeBufferPointer<Float>, extremes: Bool = true) throws(NeuronParameterError) {
        // Four 8-lane accumulators take 32 values per iteration, so the reduction is four
        // chains of additions rather than one (an addition's latency, not the memory, bounds
        // it); lane j of accumulator k sums x[32i + 8k + j] in order and the accumulators are
        // combined as (s0 + s1) + (s2 + s3), so the total is deterministic and the recorder's
        // numpy twin (tools/recorder) reproduces it bit for bit.
        var s0 = SIMD8<Float>(repeating: 0), s1 = s0, s2 = s0, s3 = s0
        // Maxima and minima are exact in any order; they get four chains too.
        var h0 = SIMD8<Float>(repeating: 0), h1 = h0, h2 = h0, h3 = h0
        var l0 = SIMD8<Float>(repeating: .infinity), l1 = l0, l2 = l0, l3 = l0
        let n = x.count, whole = n & ~31
        if let base = x.baseAddress {
            let raw = UnsafeRawPointer(base)
            var i = 0
            while i < whole {
                let v0 = raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
                let v1 = raw.loadUnaligned(fromByteOffset: i &* 4 &+ 32, as: SIMD8<Float>.self)
                let v2 = raw.loadUnaligned(fromByteOffset: i &* 4 &+ 64, as: SIMD8<Float>.self)
                let v3 = raw.loadUnaligned(fromByteOffset: i &* 4 &+ 96, as: SIMD8<Float>.self)
                let a0 = magnitudes(v0), a1 = magnitudes(v1), a2 = magnitudes(v2), a3 = magnitudes(v3)
                s0 += a0; s1 += a1; s2 += a2; s3 += a3
                if extremes {  // loop-invariant: the compiler keeps one loop per case
                    h0 = Self.larger(h0, a0); h1 = Self.larger(h1, a1); h2 = Self.larger(h2, a2); h3 = Self.larger(h3, a3)
                    l0 = Self.smaller(l0, v0); l1 = Self.smaller(l1, v1); l2 = Self.smaller(l2, v2); l3 = Self.smaller(l3, v3)
                }
                i &+= 32
            }
        }
        var total = ((s0 + s1) + (s2 + s3)).sum()
        var top = Self.larger(Self.larger(h0, h1), Self.larger(h2, h3)).max()
        var bottom = Self.smaller(Self.smaller(l0, l1), Self.smaller(l2, l3)).min()
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
        if extremes {
            maxAbs = top
            minimum = n == 0 ? 0 : bottom
        }
    }

    @inlinable @inline(__always)
    static func larger(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a.replacing(with: b, where: b .> a) }
    @inlinable @inline(__always)
    static func smaller(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a.replacing(with: b, where: b .< a) }

    @inlinable
    func meanAbs(count: Int) -> Float { count == 0 ? 0 : sumAbs / Float(count) }
}
