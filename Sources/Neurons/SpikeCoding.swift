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

    /// Writes the spikes of every neuron's `train.counts` entry (already within range) into
    /// `train.spikes` and sets the step weights.
    ///
    /// Step-major rows are filled 16 neurons at a time with SIMD vectors (branch-free formulas
    /// per coding), then a scalar tail with the same formulas.
    func layOut(_ train: inout SpikeTrain) {
        let n = train.neuronCount, steps = train.steps
        let whole = n & ~15
        let amplitude: Int32
        if case .multiLevel(let a) = self { amplitude = Int32(a) } else { amplitude = 1 }
        let twos: Bool
        if case .bitwise(let t) = self { twos = t } else { twos = false }
        let isBitwise: Bool
        if case .bitwise = self { isBitwise = true } else { isBitwise = false }
        train.counts.withUnsafeBufferPointer { counts in
            train.spikes.withUnsafeMutableBufferPointer { out in
                guard let src = counts.baseAddress.map(UnsafeRawPointer.init),
                      let dst = out.baseAddress.map(UnsafeMutableRawPointer.init) else { return }
                for t in 0..<steps {
                    let rowOffset = t * n
                    if !isBitwise {
                        // Rate-like: the step carries min(max(|c| − A·t, 0), A) spikes of the count's sign.
                        let used = amplitude &* Int32(t)
                        let vUsed = SIMD16<Int32>(repeating: used), vAmp = SIMD16<Int32>(repeating: amplitude)
                        let zero = SIMD16<Int32>.zero
                        var i = 0
                        if amplitude == 1 {
                            // One spike per step: (c > t) − (c < −t), two compares instead of two clamps.
                            let vNeg = zero &- vUsed, one = SIMD16<Int32>(repeating: 1)
                            while i < whole {
                                let c = src.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Int32>.self)
                                let s = zero.replacing(with: one, where: c .> vUsed) &- zero.replacing(with: one, where: c .< vNeg)
                                dst.storeBytes(of: SIMD16<Int8>(truncatingIfNeeded: s), toByteOffset: rowOffset + i, as: SIMD16<Int8>.self)
                                i += 16
                            }
                        }
                        while i < whole {
                            let c = src.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Int32>.self)
                            let pos = clampVector(c &- vUsed, zero, vAmp)
                            let neg = clampVector((zero &- c) &- vUsed, zero, vAmp)
                            dst.storeBytes(of: SIMD16<Int8>(truncatingIfNeeded: pos &- neg), toByteOffset: rowOffset + i, as: SIMD16<Int8>.self)
                            i += 16
                        }
                        for i in whole..<n {
                            let c = counts[i]
                            let pos = Swift.min(Swift.max(c &- used, 0), amplitude)
                            let neg = Swift.min(Swift.max((0 &- c) &- used, 0), amplitude)
                            out[rowOffset + i] = Int8(truncatingIfNeeded: pos &- neg)
                        }
                    } else {
                        // Bitwise: bit (T−1−t) of |c| with the sign re-applied as (b ^ m) − m, m = c >> 31;
                        // two's complement takes the bit of c itself.
                        let shift = Int32(steps - 1 - t)
                        let vShift = SIMD16<Int32>(repeating: shift), one = SIMD16<Int32>(repeating: 1)
                        var i = 0
                        while i < whole {
                            let c = src.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Int32>.self)
                            let s: SIMD16<Int32>
                            if twos {
                                s = (c &>> vShift) & one
                            } else {
                                let m = c &>> 31
                                let b = (((c ^ m) &- m) &>> vShift) & one
                                s = (b ^ m) &- m
                            }
                            dst.storeBytes(of: SIMD16<Int8>(truncatingIfNeeded: s), toByteOffset: rowOffset + i, as: SIMD16<Int8>.self)
                            i += 16
                        }
                        for i in whole..<n {
                            let c = counts[i]
                            let s: Int32
                            if twos {
                                s = (c >> shift) & 1
                            } else {
                                let m = c >> 31
                                let b = (((c ^ m) &- m) >> shift) & 1
                                s = (b ^ m) &- m
                            }
                            out[rowOffset + i] = Int8(truncatingIfNeeded: s)
                        }
                    }
                }
            }
        }
        for t in 0..<steps { train.stepWeights[t] = 1 }
        if isBitwise {
            for t in 0..<steps { train.stepWeights[t] = Int32(1) << (steps - 1 - t) }
            if twos { train.stepWeights[0] = -train.stepWeights[0] }
        }
    }
}

/// min(max(v, lo), hi) lane-wise, written with selects because the standard library's
/// `pointwiseMin`/`pointwiseMax` are not inlined for integer vectors.
@inline(__always)
func clampVector(_ v: SIMD16<Int32>, _ lo: SIMD16<Int32>, _ hi: SIMD16<Int32>) -> SIMD16<Int32> {
    let a = v.replacing(with: lo, where: v .< lo)
    return a.replacing(with: hi, where: a .> hi)
}

/// Step 1 of every encoder: `counts[i] = clamp(round(x[i] / scale) − offset, range)`, with the
/// number of clipped neurons returned.
///
/// Round-to-nearest-even uses the 1.5·2^23 trick (adding it leaves the rounded integer in
/// the low mantissa bits), which needs no libm call, cannot trap and vectorizes; it is exact
/// for |q| < 2^22, which the pre-clamp guarantees (coding ranges stay below 2^22).
func quantizeCounts(_ x: UnsafeBufferPointer<Float>, scale: Float, offset: Int32, nearest: Bool,
                    range: ClosedRange<Int32>, into counts: UnsafeMutableBufferPointer<Int32>) -> Int {
    let lo = range.lowerBound &+ offset, hi = range.upperBound &+ offset
    let limit: Float = 4_194_304  // 2^22
    let magic: Float = 12_582_912  // 1.5 · 2^23
    let magicBits = Int32(bitPattern: magic.bitPattern)
    let n = x.count
    var clipped = 0
    var start = 0
    if nearest, let src = x.baseAddress.map(UnsafeRawPointer.init), let dst = counts.baseAddress.map(UnsafeMutableRawPointer.init) {
        start = n & ~7
        let vScale = SIMD8<Float>(repeating: scale), vLimit = SIMD8<Float>(repeating: limit)
        let vMagic = SIMD8<Float>(repeating: magic), vMagicBits = SIMD8<Int32>(repeating: magicBits)
        let vLo = SIMD8<Int32>(repeating: lo), vHi = SIMD8<Int32>(repeating: hi), vOff = SIMD8<Int32>(repeating: offset)
        var vClipped = SIMD8<Int32>.zero
        var i = 0
        while i < start {
            var q = src.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) / vScale
            q = q.replacing(with: -vLimit, where: q .< -vLimit).replacing(with: vLimit, where: q .> vLimit)
            let r = unsafeBitCast(q + vMagic, to: SIMD8<Int32>.self) &- vMagicBits
            let c = r.replacing(with: vLo, where: r .< vLo).replacing(with: vHi, where: r .> vHi)
            vClipped &+= SIMD8<Int32>.zero.replacing(with: 1, where: c .!= r)
            dst.storeBytes(of: c &- vOff, toByteOffset: i * 4, as: SIMD8<Int32>.self)
            i += 8
        }
        clipped = Int(vClipped.wrappedSum())
    }
    // Scalar path: the tail of the vector loop, and toward-zero rounding (conversion truncates).
    for i in start..<n {
        let q = Swift.min(Swift.max(x[i] / scale, -limit), limit)
        let r = nearest ? Int32(bitPattern: (q + magic).bitPattern) &- magicBits : Int32(q)
        let c = Swift.min(Swift.max(r, lo), hi)
        clipped &+= c != r ? 1 : 0
        counts[i] = c &- offset
    }
    return clipped
}
