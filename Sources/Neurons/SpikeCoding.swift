/// How an integer spike count is laid out over T time steps (SpikingBrain Eq. 22 and its
/// reference code `W8ASpike/neuron.py`; SpikeLLM's generalized IF neurons for `multiLevel`).
///
/// Rate-like codings are front-loaded: an IF neuron charged once with the count and soft-reset
/// by each spike fires at every step until the count is exhausted, which is exactly what the
/// reference encoders do. A count beyond the coding's range saturates (membrane clipping) and
/// is recorded in `SpikeTrain.clippedCount`.
public enum SpikeCoding: Equatable, Sendable, CustomStringConvertible {
    /// {0, 1} spikes; signed data is shifted by a zero point (`SpikeTrain.countOffset`). Range [0, T].
    case binary
    /// {−1, 0, +1} spikes, the count's sign on every step. Range [−T, T].
    case ternary
    /// One bit per step, most significant first: ±1 on sign-magnitude bits (range ±(2^T − 1)),
    /// or {0, 1} bits of the two's complement with a negative first-step weight (range [−2^(T−1), 2^(T−1) − 1]).
    case bitwise(twosComplement: Bool)
    /// Up to ±`maxAmplitude` unit spikes in one step (generalized IF). Range ±maxAmplitude·T.
    case multiLevel(maxAmplitude: Int)

    public var description: String {
        switch self {
        case .binary: "binary"
        case .ternary: "ternary"
        case .bitwise(let twos): twos ? "bitwise2c" : "bitwise"
        case .multiLevel(let a): "multilevel\(a)"
        }
    }

    /// Parses the names used in `--encoder` strings: binary, ternary, bitwise, bitwise2c.
    public init(parsing text: String) throws(NeuronParameterError) {
        switch text.lowercased() {
        case "binary": self = .binary
        case "ternary": self = .ternary
        case "bitwise": self = .bitwise(twosComplement: false)
        case "bitwise2c": self = .bitwise(twosComplement: true)
        default: throw NeuronParameterError(parameter: "coding", value: text, allowed: "binary, ternary, bitwise or bitwise2c")
        }
    }

    /// Checks that `steps` is usable with this coding (counts must fit Int32 and amplitudes Int8).
    public func validate(steps: Int) throws(NeuronParameterError) {
        switch self {
        case .binary, .ternary:
            try NeuronParameterError.require((1...64).contains(steps), "T", steps, "1...64")
        case .bitwise(let twos):
            try NeuronParameterError.require((twos ? 2 : 1)...21 ~= steps, "T", steps, twos ? "2...21 for two's complement" : "1...21")
        case .multiLevel(let a):
            try NeuronParameterError.require((1...127).contains(a), "levels-1 (max spikes per step)", a, "1...127")
            try NeuronParameterError.require((1...64).contains(steps), "T", steps, "1...64")
        }
    }

    /// Whether the coding represents negative counts without a zero point.
    public var isSigned: Bool { self != .binary }

    /// The counts representable in `steps` steps.
    public func countRange(steps: Int) -> ClosedRange<Int32> {
        switch self {
        case .binary: 0...Int32(steps)
        case .ternary: -Int32(steps)...Int32(steps)
        case .bitwise(let twos):
            twos ? -(Int32(1) << (steps - 1))...((Int32(1) << (steps - 1)) - 1)
                 : -((Int32(1) << steps) - 1)...((Int32(1) << steps) - 1)
        case .multiLevel(let a): -Int32(a * steps)...Int32(a * steps)
        }
    }

    /// The fewest steps whose range holds every count in `lowest...highest` (at least the
    /// coding's minimum of 1, or 2 for two's complement): W8ASpike's `T = None` rule.
    public func stepsToHold(lowest: Int32, highest: Int32) -> Int {
        let magnitude = Swift.max(lowest.magnitude, highest.magnitude)
        let bits = UInt32.bitWidth - magnitude.leadingZeroBitCount  // ⌈log2(m + 1)⌉
        switch self {
        case .binary: return Swift.max(1, Int(highest))
        case .ternary: return Swift.max(1, Int(magnitude))
        case .multiLevel(let a): return Swift.max(1, (Int(magnitude) + a - 1) / a)
        case .bitwise(let twos): return twos ? Swift.max(2, bits + 1) : Swift.max(1, bits)
        }
    }

    /// Non-zero entries the train's counts produce (one pass over the counts, not the spikes):
    /// ⌈|c|/A⌉ for rate-like codings, the set bits of |c| (or of c's T-bit pattern) for bitwise.
    func events(in train: SpikeTrain) -> Int {
        let steps = train.steps
        var total = 0
        train.counts.withUnsafeBufferPointer { counts in
            switch self {
            case .binary, .ternary, .multiLevel:
                let a: UInt32
                if case .multiLevel(let m) = self { a = UInt32(m) } else { a = 1 }
                for c in counts { total &+= Int((c.magnitude + a - 1) / a) }
            case .bitwise(let twos):
                let mask = UInt32((1 << steps) - 1)
                for c in counts { total &+= (twos ? UInt32(bitPattern: c) & mask : c.magnitude).nonzeroBitCount }
            }
        }
        return total
    }
}

/// Both steps of every encoder in one pass over the activations:
/// `counts[i] = clamp(round(x[i] / scale) − offset, range)`, and the spikes of each count laid
/// out over the train's T steps with `coding`. Returns the number of clipped neurons. The train
/// comes freshly `reshape`d, with unit step weights; bitwise coding sets its own.
///
/// Sixteen neurons at a time: their counts are computed once and stay in registers while the
/// T spike rows are written, so the activations are read once and each output byte is written
/// once. The last partial block runs through the same vector code on a zero-padded copy, so
/// there is no scalar twin of the formulas. Round-to-nearest-even uses the 1.5·2^23 trick
/// (adding it leaves the rounded integer in the low mantissa bits), which needs no libm call,
/// cannot trap and vectorizes; it is exact for |q| < 2^22, which the pre-clamp guarantees
/// (coding ranges stay below 2^22). Toward-zero rounding corrects that result by one where
/// it rounded away from zero.
func encodeCounts(_ x: UnsafeBufferPointer<Float>, scale: Float, offset: Int32, nearest: Bool,
                  range: ClosedRange<Int32>, coding: SpikeCoding, into train: inout SpikeTrain) -> Int {
    let steps = train.steps
    let quantizer = BlockQuantizer(scale: scale, offset: offset, nearest: nearest, range: range)
    switch coding {
    case .binary, .ternary, .multiLevel(maxAmplitude: 1):
        return encodeBlocks(x, quantizer, UnitRateLayout(), into: &train)
    case .multiLevel(let a):
        return encodeBlocks(x, quantizer, RateLayout(amplitude: Int16(a)), into: &train)
    case .bitwise(let twos):
        for t in 0..<steps { train.stepWeights[t] = Int32(1) << (steps - 1 - t) }
        if twos { train.stepWeights[0] = -train.stepWeights[0] }
        return encodeBlocks(x, quantizer, BitsLayout(steps: steps, twosComplement: twos), into: &train)
    }
}

/// Step 1 for 16 activations: the clamped counts (zero point removed) and, as −1 lanes, which clipped.
struct BlockQuantizer {
    let scale: SIMD16<Float>
    let nearest: Bool
    let lo: SIMD16<Int32>, hi: SIMD16<Int32>, offset: SIMD16<Int32>

    init(scale: Float, offset: Int32, nearest: Bool, range: ClosedRange<Int32>) {
        self.scale = SIMD16(repeating: scale)
        self.nearest = nearest
        lo = SIMD16(repeating: range.lowerBound &+ offset)
        hi = SIMD16(repeating: range.upperBound &+ offset)
        self.offset = SIMD16(repeating: offset)
    }

    @inline(__always)
    func counts(_ v: SIMD16<Float>) -> (counts: SIMD16<Int32>, clipped: SIMD16<Int32>) {
        let limit = SIMD16<Float>(repeating: 4_194_304)  // 2^22
        let magic = SIMD16<Float>(repeating: 12_582_912)  // 1.5 · 2^23
        var q = v / scale
        q = q.replacing(with: -limit, where: q .< -limit).replacing(with: limit, where: q .> limit)
        let shifted = q + magic
        var r = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- unsafeBitCast(magic, to: SIMD16<Int32>.self)
        if !nearest {
            let rounded = shifted - magic  // exact: the nearest integer as a Float
            let zero = SIMD16<Float>.zero
            r &+= lanes((rounded .> q) .& (q .> zero))  // rounded up a positive value: one less
            r &-= lanes((rounded .< q) .& (q .< zero))
        }
        let c = r.replacing(with: lo, where: r .< lo).replacing(with: hi, where: r .> hi)
        return (c &- offset, lanes(c .!= r))
    }
}

/// Step 2 for 16 neurons: the signed spike amplitudes of their counts at step t.
///
/// `prepare` narrows the counts once per block to the smallest lanes their range allows, so
/// that each of the T steps costs a few operations on one vector register.
protocol StepLayout {
    associatedtype Prepared
    func prepare(_ counts: SIMD16<Int32>) -> Prepared
    func spikes(_ prepared: Prepared, step t: Int) -> SIMD16<Int8>
}

/// Rate coding with one spike per step, front-loaded: (c > t) − (c < −t). Counts lie within
/// ±T ≤ ±64, so they fit bytes.
struct UnitRateLayout: StepLayout {
    @inline(__always)
    func prepare(_ c: SIMD16<Int32>) -> SIMD16<Int8> { SIMD16<Int8>(truncatingIfNeeded: c) }

    @inline(__always)
    func spikes(_ c: SIMD16<Int8>, step t: Int) -> SIMD16<Int8> {
        let vt = SIMD16<Int8>(repeating: Int8(truncatingIfNeeded: t))
        return lanes(c .< SIMD16<Int8>.zero &- vt) &- lanes(c .> vt)
    }
}

/// Rate coding with up to A spikes per step: min(max(|c| − A·t, 0), A) of the count's sign.
/// Counts lie within ±A·T ≤ ±8128, so they fit 16-bit lanes.
struct RateLayout: StepLayout {
    let amplitude: Int16

    @inline(__always)
    func prepare(_ c: SIMD16<Int32>) -> SIMD16<Int16> { SIMD16<Int16>(truncatingIfNeeded: c) }

    @inline(__always)
    func spikes(_ c: SIMD16<Int16>, step t: Int) -> SIMD16<Int8> {
        let used = SIMD16<Int16>(repeating: amplitude &* Int16(truncatingIfNeeded: t)), a = SIMD16<Int16>(repeating: amplitude)
        let zero = SIMD16<Int16>.zero
        return SIMD16<Int8>(truncatingIfNeeded: clampVector(c &- used, zero, a) &- clampVector((zero &- c) &- used, zero, a))
    }
}

/// Bit (T−1−t) of |c| with the count's sign, or, for two's complement, bit (T−1−t) of c.
///
/// The bits are split into bytes once per block (T ≤ 21 needs at most three), so that each
/// step is a byte-lane bit test: `(byte & bit) == bit` gives −1 in lanes with the bit set, and
/// masking with `sign | 1` turns that into ±1.
struct BitsLayout: StepLayout {
    typealias Bytes = (SIMD16<Int8>, SIMD16<Int8>, SIMD16<Int8>)
    let steps: Int
    let twosComplement: Bool

    @inline(__always)
    func prepare(_ c: SIMD16<Int32>) -> (bytes: Bytes, unit: SIMD16<Int8>) {
        let m = twosComplement ? .zero : c &>> 31
        let bits = (c ^ m) &- m
        let one = SIMD16<Int8>(repeating: 1)
        var bytes: Bytes = (SIMD16<Int8>(truncatingIfNeeded: bits), .zero, .zero)
        if steps > 8 { bytes.1 = SIMD16<Int8>(truncatingIfNeeded: bits &>> 8) }
        if steps > 16 { bytes.2 = SIMD16<Int8>(truncatingIfNeeded: bits &>> 16) }
        if twosComplement { return (bytes, one) }
        // The sign from c's top byte: narrowing m itself (lanes known to be 0 or −1) makes LLVM
        // move the lanes one by one.
        let top = SIMD16<Int8>(truncatingIfNeeded: c &>> 24)
        return (bytes, lanes(top .< SIMD16<Int8>.zero) | one)
    }

    @inline(__always)
    func spikes(_ p: (bytes: Bytes, unit: SIMD16<Int8>), step t: Int) -> SIMD16<Int8> {
        let shift = steps &- 1 &- t
        let byte = shift < 8 ? p.bytes.0 : (shift < 16 ? p.bytes.1 : p.bytes.2)
        let bit = SIMD16<Int8>(repeating: Int8(truncatingIfNeeded: 1 << (shift & 7)))
        return lanes((byte & bit) .== bit) & p.unit
    }
}

/// The loop of `encodeCounts`, specialized per layout so the per-step formula is inlined.
func encodeBlocks<L: StepLayout>(_ x: UnsafeBufferPointer<Float>, _ quantizer: BlockQuantizer, _ layout: L,
                                 into train: inout SpikeTrain) -> Int {
    let n = x.count, steps = train.steps
    precondition(train.neuronCount == n, "train shaped for \(train.neuronCount) neurons, not \(n)")
    let whole = n & ~15
    return train.counts.withUnsafeMutableBufferPointer { counts in
        train.spikes.withUnsafeMutableBufferPointer { out in
            guard n > 0, let src = x.baseAddress.map(UnsafeRawPointer.init),
                  let countBase = counts.baseAddress.map(UnsafeMutableRawPointer.init),
                  let spikeBase = out.baseAddress.map(UnsafeMutableRawPointer.init) else { return 0 }
            var clipped = SIMD16<Int32>.zero
            var i = 0
            while i < whole {
                let (c, clip) = quantizer.counts(src.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self))
                clipped &-= clip
                countBase.storeBytes(of: c, toByteOffset: i &* 4, as: SIMD16<Int32>.self)
                let p = layout.prepare(c)
                var row = spikeBase + i
                for t in 0..<steps {
                    row.storeBytes(of: layout.spikes(p, step: t), as: SIMD16<Int8>.self)
                    row += n
                }
                i &+= 16
            }
            let rest = n - whole
            if rest > 0 {
                var v = SIMD16<Float>.zero
                var valid = SIMDMask<SIMD16<Int32>>()
                for k in 0..<rest { v[k] = x[whole + k]; valid[k] = true }
                let (c, clip) = quantizer.counts(v)
                clipped &-= clip & lanes(valid)
                for k in 0..<rest { counts[whole + k] = c[k] }
                let p = layout.prepare(c)
                for t in 0..<steps {
                    let s = layout.spikes(p, step: t)
                    for k in 0..<rest { out[t * n + whole + k] = s[k] }
                }
            }
            return Int(clipped.wrappedSum())
        }
    }
}

/// min(max(v, lo), hi) lane-wise, written with the concrete comparisons of `SIMD16<Int16>`:
/// the standard library's `pointwiseMin`/`pointwiseMax` (and any comparison reached through a
/// generic `Comparable` scalar) build the mask one lane at a time.
@inline(__always)
func clampVector(_ v: SIMD16<Int16>, _ lo: SIMD16<Int16>, _ hi: SIMD16<Int16>) -> SIMD16<Int16> {
    let a = v.replacing(with: lo, where: v .< lo)
    return a.replacing(with: hi, where: a .> hi)
}
