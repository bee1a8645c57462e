import SimKernel

/// Parameters of the TrueNorth neuron (Cassidy et al., "Cognitive computing building block",
/// IJCNN 2013; Merolla et al., Science 2014), shared by the neurons of one population.
public struct TrueNorthParameters: Equatable, Sendable {
    /// What a threshold crossing does to V.
    public enum Reset: Equatable, Sendable {
        /// γ = 0: V ← R (−R after a negative crossing).
        case toValue(Int32)
        /// γ = 1: V ← V − (α + η) (V + (β + η) after a negative crossing).
        case linear
        /// γ = 2: V unchanged.
        case none
    }

    /// Synaptic weight s_G for each of the four axon types, −255…255.
    public let weights: (Int32, Int32, Int32, Int32)
    /// b_G: the synapse of type G adds sgn(s_G) with probability |s_G|/256 instead of s_G.
    public let stochasticSynapse: (Bool, Bool, Bool, Bool)
    /// Leak λ per tick, −255…255.
    public let leak: Int32
    /// ε: the leak pushes towards 0 (Ω = sgn(V)) instead of in a fixed direction.
    public let leakReversal: Bool
    /// c: the leak adds sgn(λ) with probability |λ|/256 instead of λ.
    public let stochasticLeak: Bool
    /// α ≥ 1: positive threshold.
    public let positiveThreshold: Int32
    /// β ≥ 0: magnitude of the negative threshold.
    public let negativeThreshold: Int32
    /// TM: η = ρ & (2^TM − 1) is added to the thresholds (stochastic threshold); 0 disables it.
    public let thresholdMaskBits: Int
    public let reset: Reset
    /// κ: a negative crossing saturates V at −β instead of resetting.
    public let negativeSaturation: Bool

    public init(weights: (Int32, Int32, Int32, Int32) = (1, 1, 1, 1),
                stochasticSynapse: (Bool, Bool, Bool, Bool) = (false, false, false, false),
                leak: Int32 = 0, leakReversal: Bool = false, stochasticLeak: Bool = false,
                positiveThreshold: Int32 = 1, negativeThreshold: Int32 = 0, thresholdMaskBits: Int = 0,
                reset: Reset = .toValue(0), negativeSaturation: Bool = true) throws(NeuronParameterError) {
        for (g, s) in [weights.0, weights.1, weights.2, weights.3].enumerated() {
            try NeuronParameterError.require((-255...255).contains(s), "weight[\(g)]", s, "-255...255")
        }
        try NeuronParameterError.require((-255...255).contains(leak), "leak", leak, "-255...255")
        try NeuronParameterError.require((1...TrueNorthPopulation.membraneRange.upperBound).contains(positiveThreshold),
                                         "positive_threshold", positiveThreshold, "1...\(TrueNorthPopulation.membraneRange.upperBound)")
        try NeuronParameterError.require((0...TrueNorthPopulation.membraneRange.upperBound).contains(negativeThreshold),
                                         "negative_threshold", negativeThreshold, "0...\(TrueNorthPopulation.membraneRange.upperBound)")
        try NeuronParameterError.require((0...17).contains(thresholdMaskBits), "threshold_mask_bits", thresholdMaskBits, "0...17")
        if case .toValue(let r) = reset {
            try NeuronParameterError.require(TrueNorthPopulation.membraneRange.contains(r), "reset_value", r, "\(TrueNorthPopulation.membraneRange)")
        }
        self.weights = weights; self.stochasticSynapse = stochasticSynapse; self.leak = leak
        self.leakReversal = leakReversal; self.stochasticLeak = stochasticLeak
        self.positiveThreshold = positiveThreshold; self.negativeThreshold = negativeThreshold
        self.thresholdMaskBits = thresholdMaskBits; self.reset = reset; self.negativeSaturation = negativeSaturation
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.weights == b.weights && a.stochasticSynapse == b.stochasticSynapse && a.leak == b.leak
            && a.leakReversal == b.leakReversal && a.stochasticLeak == b.stochasticLeak
            && a.positiveThreshold == b.positiveThreshold && a.negativeThreshold == b.negativeThreshold
            && a.thresholdMaskBits == b.thresholdMaskBits && a.reset == b.reset && a.negativeSaturation == b.negativeSaturation
    }
}

/// A population of TrueNorth neurons: integer membrane, per tick synaptic integration over
/// four axon types, leak, then threshold, fire and reset, with the stochastic synapse, leak
/// and threshold modes driven by a seeded counter-based generator (the chip uses an LFSR per
/// core; the statistics, not the bit stream, are what the simulator reproduces).
///
/// Every draw ρ is a byte of a hash of (seed, tick, neuron, source, event ÷ 4), as in
/// Random123's Philox or JAX's keys (one 32-bit hash serves four synaptic events, or the leak and
/// the threshold of a tick), instead of the next value of one sequential stream: a neuron's draws do not
/// depend on which other neurons share its population or on the order they are evaluated in,
/// so eight neurons are stepped at once in vector lanes, and a population split across cores
/// or threads reproduces the same spikes.
///
/// Per tick and neuron j (Cassidy et al. 2013):
///   V ← V + Σ_G A_G·s_G  (stochastic: Σ over events of sgn(s_G)·[ρ < |s_G|])
///   V ← V + Ω·λ with Ω = 1 − ε + ε·sgn(V)  (stochastic: Ω·sgn(λ)·[ρ < |λ|])
///   η = ρ & (2^TM − 1); spike if V ≥ α + η, then reset by γ;
///   else if V < −(β·κ + (β + η)(1 − κ)): V ← −β if κ, else reset by γ mirrored.
/// V saturates to the 20-bit signed range of the hardware register.
public struct TrueNorthPopulation: NeuronPopulation, Sendable {
    /// Per neuron: the number of active axons of each of the four types this tick.
    public typealias Input = Int32
    public static var inputsPerNeuron: Int { 4 }
    /// The 20-bit signed membrane register.
    public static let membraneRange: ClosedRange<Int32> = -(1 << 19)...((1 << 19) - 1)
    /// Axons of one core; bounding the per-type counts by it keeps every partial sum of a
    /// tick within Int32 (2^19 + 4·256·255 + 255 < 2^31).
    public static let axonsPerCore: Int32 = 256

    public let parameters: TrueNorthParameters
    public let seed: UInt64
    public private(set) var v: ContiguousArray<Int32>
    /// Ticks stepped since creation or `reset()`: part of every draw's counter.
    public private(set) var tick: UInt64 = 0
    private let rule: Tick

    public var count: Int { v.count }

    public init(count: Int, parameters: TrueNorthParameters, seed: UInt64 = 0) throws(NeuronParameterError) {
        try NeuronParameterError.require(count >= 0, "count", count, "≥ 0")
        self.parameters = parameters
        self.seed = seed
        v = ContiguousArray(repeating: 0, count: count)
        rule = Tick(parameters, seed: seed)
    }

    public mutating func step(_ input: UnsafeBufferPointer<Int32>, spikes: UnsafeMutableBufferPointer<Int8>) throws(NeuronParameterError) -> Int {
        try checkShapes(input: input.count, spikes: spikes.count)
        if let bad = Self.firstInvalidCount(input) {
            throw NeuronParameterError(parameter: "input[\(bad)]", value: "\(input[bad])",
                                       allowed: "a count of active axons in 0...\(Self.axonsPerCore) (one core's crossbar)")
        }
        let key = rule.key(tick: tick)
        tick &+= 1
        return v.withUnsafeMutableBufferPointer { rule.run($0, input, spikes, key: key) }
    }

    /// The index of the first axon count outside 0...256.
    ///
    /// One xor and one max per 16 counts: c ∈ 0...256 exactly when c ⊕ 2^31 ≤ 256 ⊕ 2^31 in
    /// signed lanes (the unsigned range check; the standard library compares unsigned vectors
    /// lane by lane). Only a failing input is searched for the index.
    static func firstInvalidCount(_ input: UnsafeBufferPointer<Int32>) -> Int? {
        let flip = SIMD16<Int32>(repeating: Int32.min)
        var top = flip  // 0, flipped
        let whole = input.count & ~15
        if let base = input.baseAddress.map(UnsafeRawPointer.init) {
            var i = 0
            while i < whole {
                let c = base.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Int32>.self) ^ flip
                top = top.replacing(with: c, where: c .> top)
                i &+= 16
            }
        }
        let invalid = { (c: Int32) in c < 0 || c > axonsPerCore }
        if top.max() <= axonsPerCore ^ Int32.min, !input[whole...].contains(where: invalid) { return nil }
        return input.firstIndex(where: invalid)
    }

    /// One tick of the population, 8 neurons at a time in 32-bit lanes (every partial sum is
    /// bounded, see `axonsPerCore`); the last partial block runs on a zero-padded copy, so
    /// there is no scalar twin. Modes that are off cost one predictable branch per block.
    struct Tick {
        let weights: SIMD32<Int32>
        let typeWeights: SIMD4<Int32>
        let stochasticSynapse: SIMD4<Int32>  // −1 where on
        let leak: Int32
        let reversal: Bool, stochasticLeak: Bool
        let thresholdMask: UInt32
        let alpha: Int32, beta: Int32, saturate: Bool
        /// The reset modes as V ← keep·V + add + etaSign·η, after a positive and a negative crossing.
        let up: (keep: Int32, add: Int32, eta: Int32), down: (keep: Int32, add: Int32, eta: Int32)
        let seedKey: UInt32

        init(_ p: TrueNorthParameters, seed: UInt64) {
            let w = SIMD4<Int32>(p.weights.0, p.weights.1, p.weights.2, p.weights.3)
            let w8 = SIMD8(lowHalf: w, highHalf: w), w16 = SIMD16(lowHalf: w8, highHalf: w8)
            weights = SIMD32(lowHalf: w16, highHalf: w16)
            typeWeights = w
            let b = p.stochasticSynapse
            stochasticSynapse = SIMD4(b.0 ? -1 : 0, b.1 ? -1 : 0, b.2 ? -1 : 0, b.3 ? -1 : 0)
            leak = p.leak
            reversal = p.leakReversal
            stochasticLeak = p.stochasticLeak
            thresholdMask = UInt32((1 << p.thresholdMaskBits) - 1)
            alpha = p.positiveThreshold
            beta = p.negativeThreshold
            saturate = p.negativeSaturation
            switch p.reset {
            case .toValue(let r): up = (0, r, 0)
            case .linear: up = (1, -alpha, -1)
            case .none: up = (1, 0, 0)
            }
            switch (p.negativeSaturation, p.reset) {
            case (true, _): down = (0, -beta, 0)
            case (false, .toValue(let r)): down = (0, -r, 0)
            case (false, .linear): down = (1, beta, 1)
            case (false, .none): down = (1, 0, 0)
            }
            var mixer = SplitMix64(seed: seed)
            seedKey = UInt32(truncatingIfNeeded: mixer.next())
        }

        /// The key of one tick's draws (the vector hash on a splat: computed once per tick).
        func key(tick: UInt64) -> UInt32 {
            Self.mix(SIMD8(repeating: (seedKey ^ UInt32(truncatingIfNeeded: tick >> 32)) &+ UInt32(truncatingIfNeeded: tick)))[0]
        }

        /// Chris Wellons' lowbias32 integer hash: a bijection whose output bits each depend on
        /// every input bit (bias 0.17 on his avalanche measure), in four multiply/xor-shift steps.
        @inline(__always)
        static func mix(_ x: SIMD8<UInt32>) -> SIMD8<UInt32> {
            var x = x
            x ^= x &>> 16
            x &*= SIMD8<UInt32>(repeating: 0x7FEB_352D)
            x ^= x &>> 15
            x &*= SIMD8<UInt32>(repeating: 0x846C_A68B)
            return x ^ (x &>> 16)
        }

        /// The 32 random bits of draw group `group` of `source` (0–3 synapse types, 4 leak and
        /// threshold) for 8 neurons: four 8-bit ρ, byte k for event 4·group + k of a synapse
        /// type; for source 4 the leak's ρ is the top byte and η the low TM ≤ 17 bits.
        @inline(__always)
        func draw(_ neurons: SIMD8<UInt32>, key: UInt32, source: UInt32, group: Int32) -> SIMD8<UInt32> {
            let counter = (source &* 257 &+ UInt32(bitPattern: group)) &* 0x85EB_CA77
            return Self.mix(neurons &* SIMD8<UInt32>(repeating: 0x9E37_79B1) ^ SIMD8<UInt32>(repeating: key &+ counter))
        }

        /// How many of the (up to four) events of one draw group hit: byte k of `bits` is ρ for
        /// event k, which exists where k < `pending` and hits where ρ < |s|. All four bytes are
        /// compared at once as 32 byte lanes (ρ ⊕ 0x80 against |s| ⊕ 0x80 is the unsigned
        /// comparison in signed lanes), and the hits of each neuron summed by one multiply.
        @inline(__always)
        static func hits(_ bits: SIMD8<UInt32>, below magnitude: SIMD32<Int8>, pending: SIMD8<Int32>) -> SIMD8<Int32> {
            @inline(__always) func bytes(_ v: SIMD8<Int32>) -> SIMD32<Int8> { unsafeBitCast(v, to: SIMD32<Int8>.self) }
            @inline(__always) func words(_ m: SIMDMask<SIMD32<Int8>>) -> SIMD8<Int32> { unsafeBitCast(m, to: SIMD8<Int32>.self) }
            let ones = SIMD8<Int32>(repeating: 0x0101_0101)
            let flipped = unsafeBitCast(bits ^ SIMD8<UInt32>(repeating: 0x8080_8080), to: SIMD8<Int32>.self)
            let zero = SIMD8<Int32>.zero, four = SIMD8<Int32>(repeating: 4)
            let clamped = pending.replacing(with: zero, where: pending .< zero)
            let events = clamped.replacing(with: four, where: clamped .> four) &* ones  // 0…4 in every byte
            let hit = words(bytes(flipped) .< magnitude) & words(bytes(SIMD8<Int32>(repeating: 0x0302_0100)) .< bytes(events))
            return ((hit & ones) &* ones) &>> 24
        }

        /// One tick of 8 neurons given their 4 × 8 axon counts (neuron-major) and indices.
        @inline(__always)
        func block(_ v: SIMD8<Int32>, _ counts: SIMD32<Int32>, neurons: SIMD8<UInt32>, key: UInt32)
            -> (v: SIMD8<Int32>, fired: SIMDMask<SIMD8<Int32>>) {
            var u = v
            if stochasticSynapse == .zero {
                let products = counts &* weights
                let pairs = products.evenHalf &+ products.oddHalf
                u &+= pairs.evenHalf &+ pairs.oddHalf
            } else {
                let even = counts.evenHalf, odd = counts.oddHalf  // types (0, 2) and (1, 3) interleaved
                let a0 = even.evenHalf, a1 = odd.evenHalf, a2 = even.oddHalf, a3 = odd.oddHalf
                // Draw groups the busiest lane needs, shared by the four types: the four calls
                // below are independent chains the processor overlaps.
                @inline(__always) func larger(_ x: SIMD8<Int32>, _ y: SIMD8<Int32>) -> SIMD8<Int32> { x.replacing(with: y, where: y .> x) }
                let groups = (larger(larger(a0, a1), larger(a2, a3)).max() &+ 3) >> 2
                @inline(__always) func synapses(_ a: SIMD8<Int32>, _ g: Int) -> SIMD8<Int32> {
                    let s = typeWeights[g]
                    guard stochasticSynapse[g] != 0 else { return a &* SIMD8<Int32>(repeating: s) }
                    // Each of the a events adds sgn(s) when ρ < |s|, four events per draw.
                    let magnitude = SIMD32<Int8>(repeating: Int8(truncatingIfNeeded: Int32(s.magnitude) ^ 0x80))
                    var hit = SIMD8<Int32>.zero
                    for group in 0..<groups {
                        let bits = draw(neurons, key: key, source: UInt32(g), group: group)
                        hit &+= Self.hits(bits, below: magnitude, pending: a &- SIMD8<Int32>(repeating: group &* 4))
                    }
                    return s < 0 ? SIMD8<Int32>.zero &- hit : hit
                }
                u &+= (synapses(a0, 0) &+ synapses(a1, 1)) &+ (synapses(a2, 2) &+ synapses(a3, 3))
            }
            // One draw serves the leak (top byte) and the threshold (low bits); signed lanes
            // throughout, as the standard library compares unsigned vectors lane by lane.
            let bits = stochasticLeak || thresholdMask != 0
                ? unsafeBitCast(draw(neurons, key: key, source: 4, group: 0), to: SIMD8<Int32>.self) : .zero
            if leak != 0 {
                let omega = reversal ? lanes(u .< .zero) &- lanes(u .> .zero) : SIMD8<Int32>(repeating: 1)  // sgn(V) or 1
                if stochasticLeak {
                    let rho = (bits &>> 24) & SIMD8<Int32>(repeating: 0xFF)
                    let hit = rho .< SIMD8<Int32>(repeating: Int32(leak.magnitude))
                    u &+= omega &* SIMD8<Int32>(repeating: leak.signum()) & lanes(hit)
                } else {
                    u &+= omega &* SIMD8<Int32>(repeating: leak)
                }
            }
            let eta = thresholdMask == 0 ? .zero : bits & SIMD8<Int32>(repeating: Int32(thresholdMask))
            let fired = u .>= SIMD8<Int32>(repeating: alpha) &+ eta
            let below = u .< SIMD8<Int32>(repeating: -beta) &- (saturate ? .zero : eta)
            var addDown = SIMD8<Int32>(repeating: down.add), addUp = SIMD8<Int32>(repeating: up.add)
            if thresholdMask != 0 {
                addDown &+= SIMD8<Int32>(repeating: down.eta) &* eta
                addUp &+= SIMD8<Int32>(repeating: up.eta) &* eta
            }
            let afterDown = SIMD8<Int32>(repeating: down.keep) &* u &+ addDown
            let afterUp = SIMD8<Int32>(repeating: up.keep) &* u &+ addUp
            u = u.replacing(with: afterDown, where: below).replacing(with: afterUp, where: fired)
            let lo = SIMD8<Int32>(repeating: membraneRange.lowerBound), hi = SIMD8<Int32>(repeating: membraneRange.upperBound)
            return (u.replacing(with: lo, where: u .< lo).replacing(with: hi, where: u .> hi), fired)
        }

        func run(_ v: UnsafeMutableBufferPointer<Int32>, _ input: UnsafeBufferPointer<Int32>,
                 _ spikes: UnsafeMutableBufferPointer<Int8>, key: UInt32) -> Int {
            let n = v.count, whole = n & ~7
            var fired = SIMD8<Int32>.zero
            guard n > 0, let vBase = v.baseAddress.map(UnsafeMutableRawPointer.init),
                  let inBase = input.baseAddress.map(UnsafeRawPointer.init),
                  let outBase = spikes.baseAddress.map(UnsafeMutableRawPointer.init) else { return 0 }
            var neurons = SIMD8<UInt32>(0, 1, 2, 3, 4, 5, 6, 7)
            var j = 0
            while j < whole {
                let (u, up) = block(vBase.loadUnaligned(fromByteOffset: j &* 4, as: SIMD8<Int32>.self),
                                    inBase.loadUnaligned(fromByteOffset: j &* 16, as: SIMD32<Int32>.self), neurons: neurons, key: key)
                vBase.storeBytes(of: u, toByteOffset: j &* 4, as: SIMD8<Int32>.self)
                outBase.storeBytes(of: SIMD8<Int8>(truncatingIfNeeded: SIMD8<Int32>.zero &- lanes(up)), toByteOffset: j, as: SIMD8<Int8>.self)
                fired &-= lanes(up)
                neurons &+= SIMD8<UInt32>(repeating: 8)
                j &+= 8
            }
            if whole < n {
                var vv = SIMD8<Int32>.zero, counts = SIMD32<Int32>.zero
                for k in 0..<(n - whole) {
                    vv[k] = v[whole + k]
                    for g in 0..<4 { counts[k * 4 + g] = input[(whole + k) * 4 + g] }
                }
                let (u, up) = block(vv, counts, neurons: neurons, key: key)
                for k in 0..<(n - whole) {
                    v[whole + k] = u[k]
                    spikes[whole + k] = up[k] ? 1 : 0
                    fired[k] &+= up[k] ? 1 : 0
                }
            }
            return Int(fired.wrappedSum())
        }
    }

    public mutating func reset() {
        for i in 0..<v.count { v[i] = 0 }
        tick = 0
    }
}
