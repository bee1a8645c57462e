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
/// 64 neurons at a time (`encodeBlocks`): their counts are computed once and stay in registers
/// while the T spike rows are written, so the activations are read once and each output byte is
/// written once. The last partial block runs through the same vector code on a zero-padded
/// copy, so there is no scalar twin of the formulas (`BlockQuantizer` explains the rounding).
func encodeCounts(_ x: UnsafeBufferPointer<Float>, scale: Float, offset: Int32, nearest: Bool,
                  range: ClosedRange<Int32>, coding: SpikeCoding, into train: inout SpikeTrain) -> Int {
    nearest ? encodeCounts(x, BlockQuantizer<NearestEven>(scale: scale, offset: offset, range: range), coding: coding, into: &train)
            : encodeCounts(x, BlockQuantizer<TowardZero>(scale: scale, offset: offset, range: range), coding: coding, into: &train)
}

/// `encodeCounts` with the rounding fixed in the quantizer's type, so that the loop carries no
/// test of it.
private func encodeCounts<R: CountRounding>(_ x: UnsafeBufferPointer<Float>, _ quantizer: BlockQuantizer<R>,
                                            coding: SpikeCoding, into train: inout SpikeTrain) -> Int {
    let steps = train.steps
    let range = coding.countRange(steps: steps)
    switch coding {
    case .binary, .ternary, .multiLevel(maxAmplitude: 1):
        return encodeBlocks(x, quantizer, UnitRateLayout(), range: range, into: &train)
    case .multiLevel(let a):
        return a * steps <= Int(Int8.max)
            ? encodeBlocks(x, quantizer, RateLayout(amplitude: Int8(a)), range: range, into: &train)
            : encodeBlocks(x, quantizer, WideRateLayout(amplitude: Int32(a)), range: range, into: &train)
    case .bitwise(let twos):
        for t in 0..<steps { train.stepWeights[t] = Int32(1) << (steps - 1 - t) }
        if twos { train.stepWeights[0] = -train.stepWeights[0] }
        return encodeBlocks(x, quantizer, BitsLayout(steps: steps, twosComplement: twos), range: range, into: &train)
    }
}

/// `encodeBlocks` with `layout`, or, where the machine has `vpermb` and every count of `range`
/// fits −32…31, with the tables of `layout`'s spikes for each of those counts (`TableLayout`).
private func encodeBlocks<L: StepLayout, R: CountRounding>(_ x: UnsafeBufferPointer<Float>, _ quantizer: BlockQuantizer<R>,
                                                           _ layout: L, range: ClosedRange<Int32>, into train: inout SpikeTrain) -> Int {
    #if SPIKECHIP_AVX512_VBMI
    if range.lowerBound >= -32 && range.upperBound <= 31 {
        let steps = train.steps
        return withUnsafeTemporaryAllocation(byteCount: 64 * max(1, steps), alignment: 64) { tables in
            // The counts −32…31 in the order vpermb indexes them (c mod 64), through the layout.
            @inline(__always) func counts(_ k: Int32) -> SIMD16<Int32> {
                let index = SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) &+ SIMD16(repeating: 16 &* k)
                return (index &<< 26) &>> 26
            }
            let p = layout.prepare(counts(0), counts(1), counts(2), counts(3))
            for t in 0..<steps { layout.spikes(p, step: t).store(to: tables.baseAddress! + 64 &* t) }
            return encodeBlocks(x, quantizer, TableLayout(tables: UnsafeRawPointer(tables.baseAddress!)), into: &train)
        }
    }
    #endif
    return encodeBlocks(x, quantizer, layout, into: &train)
}

/// How x/V_th becomes an integer count, as a type.
protocol CountRounding { static var nearest: Bool { get } }
/// Round to nearest, ties to even (`torch.round`).
enum NearestEven: CountRounding { static var nearest: Bool { true } }
/// Truncate toward zero.
enum TowardZero: CountRounding { static var nearest: Bool { false } }

/// Step 1 for 16 activations: the clamped counts (zero point removed) and, as −1 lanes, which clipped.
///
/// x/scale is first clamped in the float domain to the count range widened by one (and to
/// ±2^22, where `integers` is exact): rounding commutes with clamping to integer bounds, so the
/// conversion then sees only small values, and a count outside the range still shows as one
/// beyond it, which is how clipping is detected.
struct BlockQuantizer<Rounding: CountRounding> {
    let scale: SIMD16<Float>
    let wideLo: SIMD16<Float>, wideHi: SIMD16<Float>
    let lo: SIMD16<Int32>, hi: SIMD16<Int32>, offset: SIMD16<Int32>

    init(scale: Float, offset: Int32, range: ClosedRange<Int32>) {
        let limit: Int32 = 1 << 22
        let lo = range.lowerBound &+ offset, hi = range.upperBound &+ offset
        self.scale = SIMD16(repeating: scale)
        wideLo = SIMD16(repeating: Float(max(lo &- 1, -limit)))
        wideHi = SIMD16(repeating: Float(min(hi &+ 1, limit)))
        self.lo = SIMD16(repeating: lo)
        self.hi = SIMD16(repeating: hi)
        self.offset = SIMD16(repeating: offset)
    }

    @inline(__always)
    func counts(_ v: SIMD16<Float>) -> (counts: SIMD16<Int32>, clipped: SIMD16<Int32>) {
        let r = integers(clamp(v / scale, wideLo, wideHi), nearest: Rounding.nearest)
        let c = clamp(r, lo, hi)
        return (c &- offset, lanes(c .!= r))
    }
}

/// Step 2 for 64 neurons: the signed spike amplitudes of their counts at step t.
///
/// `prepare` turns the counts once per block into byte lanes (magnitudes, signs, bit bytes), so
/// that each of the T steps is one or two compares and masked moves over a 64-byte row segment.
protocol StepLayout {
    associatedtype Prepared
    func prepare(_ c0: SIMD16<Int32>, _ c1: SIMD16<Int32>, _ c2: SIMD16<Int32>, _ c3: SIMD16<Int32>) -> Prepared
    func spikes(_ prepared: Prepared, step t: Int) -> Bytes64
}

#if SPIKECHIP_AVX512_VBMI
/// Any coding whose counts lie within −32…31: the spike of count c at step t is entry c mod 64
/// of step t's table (the coding's own layout run once per call over those 64 counts), one
/// `vpermb` per step.
struct TableLayout: StepLayout {
    /// T tables of 64 bytes.
    let tables: UnsafeRawPointer

    @inline(__always)
    func prepare(_ c0: SIMD16<Int32>, _ c1: SIMD16<Int32>, _ c2: SIMD16<Int32>, _ c3: SIMD16<Int32>) -> Bytes64 {
        Bytes64(narrowing: c0, c1, c2, c3)
    }

    @inline(__always)
    func spikes(_ counts: Bytes64, step t: Int) -> Bytes64 {
        counts.lookup(Bytes64(loading: tables + 64 &* t))
    }
}
#endif

/// Rate coding with one spike per step, front-loaded: sgn(c) while |c| > t. Counts lie within
/// ±T ≤ ±64, so magnitude and sign fit bytes.
struct UnitRateLayout: StepLayout {
    @inline(__always)
    func prepare(_ c0: SIMD16<Int32>, _ c1: SIMD16<Int32>, _ c2: SIMD16<Int32>, _ c3: SIMD16<Int32>)
        -> (magnitude: Bytes64, sign: Bytes64) {
        let b = Bytes64(narrowing: c0, c1, c2, c3)
        return (b.magnitude, b.signs)
    }

    @inline(__always)
    func spikes(_ p: (magnitude: Bytes64, sign: Bytes64), step t: Int) -> Bytes64 {
        p.sign.kept(where: p.magnitude, exceeds: Bytes64(repeating: Int8(truncatingIfNeeded: t)))
    }
}

/// Rate coding with up to A spikes per step: min(max(|c| − A·t, 0), A) of the count's sign,
/// when A·T ≤ 127 so that |c| fits a byte (SpikeLLM's settings: A = 3, T ≤ 32).
struct RateLayout: StepLayout {
    let amplitude: Int8

    @inline(__always)
    func prepare(_ c0: SIMD16<Int32>, _ c1: SIMD16<Int32>, _ c2: SIMD16<Int32>, _ c3: SIMD16<Int32>)
        -> (magnitude: Bytes64, sign: Bytes64) {
        UnitRateLayout().prepare(c0, c1, c2, c3)
    }

    @inline(__always)
    func spikes(_ p: (magnitude: Bytes64, sign: Bytes64), step t: Int) -> Bytes64 {
        let used = Bytes64(repeating: amplitude &* Int8(truncatingIfNeeded: t))
        return p.magnitude.excess(over: used, atMost: Bytes64(repeating: amplitude)).negated(where: p.sign)
    }
}

/// Rate coding with up to A spikes per step when A·T > 127: |c| ≤ A·T ≤ 8128 does not fit a
/// byte, but its quotient q = ⌊|c|/A⌋ ≤ T and remainder r < A do: step t carries A while t < q,
/// r at t = q and nothing after.
struct WideRateLayout: StepLayout {
    let amplitude: Int32

    @inline(__always)
    func prepare(_ c0: SIMD16<Int32>, _ c1: SIMD16<Int32>, _ c2: SIMD16<Int32>, _ c3: SIMD16<Int32>)
        -> (quotient: Bytes64, remainder: Bytes64, sign: Bytes64) {
        let a = SIMD16<Int32>(repeating: amplitude), reciprocal = SIMD16<Float>(repeating: 1 / Float(amplitude))
        // (|c| + ½)/A = q + (r + ½)/A lies at least ½/A ≥ 1/254 inside (q, q + 1), far beyond the
        // rounding of one product with |c| ≤ 8128, so truncating it gives q exactly.
        @inline(__always) func split(_ c: SIMD16<Int32>) -> (SIMD16<Int32>, SIMD16<Int32>) {
            let m = magnitudes(c)
            let q = integers((floats(m) + 0.5) * reciprocal, nearest: false)
            return (q, m &- q &* a)
        }
        let (q0, r0) = split(c0), (q1, r1) = split(c1), (q2, r2) = split(c2), (q3, r3) = split(c3)
        return (Bytes64(narrowing: q0, q1, q2, q3), Bytes64(narrowing: r0, r1, r2, r3), Bytes64(signsOf: c0, c1, c2, c3))
    }

    @inline(__always)
    func spikes(_ p: (quotient: Bytes64, remainder: Bytes64, sign: Bytes64), step t: Int) -> Bytes64 {
        let vt = Bytes64(repeating: Int8(truncatingIfNeeded: t))
        let full = Bytes64(repeating: Int8(truncatingIfNeeded: amplitude)).kept(where: p.quotient, exceeds: vt)
        return (full | p.remainder.kept(where: p.quotient, equals: vt)).negated(where: p.sign)
    }
}

/// Bit (T−1−t) of |c| with the count's sign, or, for two's complement, bit (T−1−t) of c.
///
/// The bits are split into bytes once per block (T ≤ 21 needs at most three), so that each
/// step is a byte-lane bit test selecting ±1.
struct BitsLayout: StepLayout {
    typealias Bytes = (Bytes64, Bytes64, Bytes64)
    let steps: Int
    let twosComplement: Bool

    @inline(__always)
    func prepare(_ c0: SIMD16<Int32>, _ c1: SIMD16<Int32>, _ c2: SIMD16<Int32>, _ c3: SIMD16<Int32>)
        -> (bytes: Bytes, unit: Bytes64) {
        // The bits of |c|, or of c itself for two's complement.
        @inline(__always) func bits(_ c: SIMD16<Int32>) -> SIMD16<Int32> { twosComplement ? c : magnitudes(c) }
        let b0 = bits(c0), b1 = bits(c1), b2 = bits(c2), b3 = bits(c3)
        let zero = Bytes64(repeating: 0)
        var bytes: Bytes = (Bytes64(narrowing: b0, b1, b2, b3), zero, zero)
        if steps > 8 { bytes.1 = Bytes64(narrowing: b0 &>> 8, b1 &>> 8, b2 &>> 8, b3 &>> 8) }
        if steps > 16 { bytes.2 = Bytes64(narrowing: b0 &>> 16, b1 &>> 16, b2 &>> 16, b3 &>> 16) }
        return (bytes, twosComplement ? Bytes64(repeating: 1) : Bytes64(signsOf: c0, c1, c2, c3))
    }

    @inline(__always)
    func spikes(_ p: (bytes: Bytes, unit: Bytes64), step t: Int) -> Bytes64 {
        let shift = steps &- 1 &- t
        let byte = shift < 8 ? p.bytes.0 : (shift < 16 ? p.bytes.1 : p.bytes.2)
        return p.unit.kept(where: byte, has: Bytes64(repeating: Int8(truncatingIfNeeded: 1 << (shift & 7))))
    }
}

/// The loop of `encodeCounts`, specialized per layout so the per-step formula is inlined.
///
/// 64 neurons at a time, so that every step writes a 64-byte stretch of its row. The last
/// partial block is quantized from a zero-padded copy and its spikes staged in a 64-byte
/// buffer, through the same code.
func encodeBlocks<L: StepLayout, R: CountRounding>(_ x: UnsafeBufferPointer<Float>, _ quantizer: BlockQuantizer<R>, _ layout: L,
                                 into train: inout SpikeTrain) -> Int {
    let n = x.count, steps = train.steps
    precondition(train.neuronCount == n, "train shaped for \(train.neuronCount) neurons, not \(n)")
    let whole = n & ~63
    return train.counts.withUnsafeMutableBufferPointer { counts in
        train.spikes.withUnsafeMutableBufferPointer { out in
            guard n > 0, let src = x.baseAddress.map(UnsafeRawPointer.init),
                  let countBase = counts.baseAddress.map(UnsafeMutableRawPointer.init),
                  let spikeBase = out.baseAddress.map(UnsafeMutableRawPointer.init) else { return 0 }
            var clipped = SIMD16<Int32>.zero
            // Quantizes 64 activations at `from`, stores their counts at `to`, and adds the
            // clipped to `clipped` (passed in, not captured, so that it stays in a register)
            // where the four 16-lane `valid` masks are −1.
            typealias Lanes64 = (SIMD16<Int32>, SIMD16<Int32>, SIMD16<Int32>, SIMD16<Int32>)
            @inline(__always) func block(_ from: UnsafeRawPointer, _ to: UnsafeMutableRawPointer, valid: Lanes64,
                                         _ clipped: inout SIMD16<Int32>) -> Lanes64 {
                @inline(__always) func part(_ k: Int, _ valid: SIMD16<Int32>, _ clipped: inout SIMD16<Int32>) -> SIMD16<Int32> {
                    let (c, clip) = quantizer.counts(from.loadUnaligned(fromByteOffset: 64 &* k, as: SIMD16<Float>.self))
                    clipped &-= clip & valid
                    to.storeBytes(of: c, toByteOffset: 64 &* k, as: SIMD16<Int32>.self)
                    return c
                }
                return (part(0, valid.0, &clipped), part(1, valid.1, &clipped), part(2, valid.2, &clipped), part(3, valid.3, &clipped))
            }
            let all = SIMD16<Int32>(repeating: -1)
            var i = 0
            while i < whole {
                let (c0, c1, c2, c3) = block(src + i &* 4, countBase + i &* 4, valid: (all, all, all, all), &clipped)
                let p = layout.prepare(c0, c1, c2, c3)
                var row = spikeBase + i
                for t in 0..<steps {
                    layout.spikes(p, step: t).store(to: row)
                    row += n
                }
                i &+= 64
            }
            let rest = n - whole
            if rest > 0 {
                withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * 64) { staging in
                    guard let padded = staging.baseAddress else { return }
                    let base = UnsafeMutableRawPointer(padded)
                    base.initializeMemory(as: Float.self, repeating: 0, count: 128)
                    base.copyMemory(from: src + whole &* 4, byteCount: rest &* 4)
                    // Counts go to the second half of the staging area, spikes over the first.
                    let index = SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
                    @inline(__always) func valid(_ k: Int32) -> SIMD16<Int32> {
                        lanes(index &+ SIMD16<Int32>(repeating: 16 &* k) .< SIMD16<Int32>(repeating: Int32(rest)))
                    }
                    let (c0, c1, c2, c3) = block(UnsafeRawPointer(base), base + 256, valid: (valid(0), valid(1), valid(2), valid(3)), &clipped)
                    (countBase + whole &* 4).copyMemory(from: base + 256, byteCount: rest &* 4)
                    let p = layout.prepare(c0, c1, c2, c3)
                    for t in 0..<steps {
                        layout.spikes(p, step: t).store(to: base)
                        (spikeBase + (t &* n &+ whole)).copyMemory(from: base, byteCount: rest)
                    }
                }
            }
            return Int(clipped.wrappedSum())
        }
    }
}
