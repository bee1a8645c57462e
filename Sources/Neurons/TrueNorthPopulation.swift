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
/// Every draw ρ is a byte of a 32-bit hash of (seed, tick, neuron, slot), as in Random123's
/// Philox or JAX's keys, instead of the next value of one sequential stream: slot e's hash
/// gives, in byte G, the ρ of the e-th event of axon type G (so one hash serves an event of
/// each of the four types), and slot 256 the leak's ρ and the threshold's η. A neuron's draws
/// do not depend on which other neurons share its population or on the order they are
/// evaluated in, so eight neurons are stepped at once in vector lanes, and a population split
/// across cores or threads reproduces the same spikes.
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
    /// The membrane a step writes, exchanged with `v` once the step's input proved valid: an
    /// invalid input is found during the step (not in a pass of its own over the input) and
    /// still leaves the population as it was.
    private var next: ContiguousArray<Int32>
    /// Ticks stepped since creation or `reset()`: part of every draw's counter.
    public private(set) var tick: UInt64 = 0
    private let rule: Tick

    public var count: Int { v.count }

    public init(count: Int, parameters: TrueNorthParameters, seed: UInt64 = 0) throws(NeuronParameterError) {
        try NeuronParameterError.require(count >= 0, "count", count, "≥ 0")
        self.parameters = parameters
        self.seed = seed
        v = ContiguousArray(repeating: 0, count: count)
        next = v
        rule = Tick(parameters, seed: seed)
    }

    /// Advances every neuron by one tick. On an axon count outside 0...256 it throws, naming
    /// the first, and leaves the membranes and the tick as they were (`spikes` is then undefined).
    public mutating func step(_ input: UnsafeBufferPointer<Int32>, spikes: UnsafeMutableBufferPointer<Int8>) throws(NeuronParameterError) -> Int {
        try checkShapes(input: input.count, spikes: spikes.count)
        let key = rule.key(tick: tick)
        let (fired, valid) = v.withUnsafeBufferPointer { old in
            next.withUnsafeMutableBufferPointer { new in rule.run(old, into: new, input, spikes, key: key) }
        }
        guard valid else {
            let bad = input.firstIndex { $0 < 0 || $0 > Self.axonsPerCore }!  // the step saw one
            throw NeuronParameterError(parameter: "input[\(bad)]", value: "\(input[bad])",
                                       allowed: "a count of active axons in 0...\(Self.axonsPerCore) (one core's crossbar)")
        }
        swap(&v, &next)
        tick &+= 1
        return fired
    }

    /// One tick of the population, 8 neurons at a time in 32-bit lanes (every partial sum is
    /// bounded, see `axonsPerCore`); the last partial block runs on a zero-padded copy, so
    /// there is no scalar twin. Modes that are off cost one predictable branch per block.
    /// Deterministic synapses are one multiply-add of 16-bit lanes per block; stochastic ones
    /// cost one hash and a byte comparison per slot, as many slots as the block's largest count.
    struct Tick {
        let stochasticSynapses: Bool, fixedSynapses: Bool
        /// Per (neuron, type) lane 4j + G of a block (the input's neuron-major order): −1 where
        /// type G is stochastic; s_G where it is not (0 where it is); and, as bytes, |s_G| and
        /// sgn(s_G) where G is stochastic (0 where not). The first two repeat every 16 lanes, so
        /// they serve both halves of a block's 32 counts.
        let drawnTypes: SIMD16<Int32>, fixedWeights: LaneWeights
        let magnitudes: SIMD32<UInt8>, signs: SIMD32<Int8>
        /// Ones for `incremented` (see there why they are not a literal).
        let one = SIMD32<UInt8>(repeating: 1)
        let leak: Int32
        let reversal: Bool, stochasticLeak: Bool
        let thresholdMask: UInt32
        let alpha: Int32, beta: Int32
        /// The reset modes as V ← (V & keep) + add ∓ (η & eta) after a positive (−) and a negative
        /// (+) crossing, and the negative threshold as −β − (η & floorEta); keep, eta and
        /// floorEta are masks, 0 or −1.
        let up: (keep: Int32, add: Int32, eta: Int32), down: (keep: Int32, add: Int32, eta: Int32, floorEta: Int32)
        /// Whether η enters anything beyond the positive threshold (the negative one or a reset).
        let etaBeyondThreshold: Bool
        let seedKey: UInt32

        init(_ p: TrueNorthParameters, seed: UInt64) {
            @inline(__always) func half<T: SIMDScalar>(_ x: SIMD4<T>) -> SIMD16<T> {
                let x8 = SIMD8(lowHalf: x, highHalf: x)
                return SIMD16(lowHalf: x8, highHalf: x8)
            }
            @inline(__always) func block<T: SIMDScalar>(_ x: SIMD4<T>) -> SIMD32<T> { SIMD32(lowHalf: half(x), highHalf: half(x)) }
            let w = SIMD4<Int32>(p.weights.0, p.weights.1, p.weights.2, p.weights.3)
            let b = p.stochasticSynapse
            let stochastic = SIMD4<Int32>(b.0 ? -1 : 0, b.1 ? -1 : 0, b.2 ? -1 : 0, b.3 ? -1 : 0)
            stochasticSynapses = stochastic != .zero
            drawnTypes = half(stochastic)
            fixedWeights = LaneWeights(half(w & ~stochastic))
            fixedSynapses = w & ~stochastic != .zero
            let sign = lanes(w .< .zero) &- lanes(w .> .zero)  // sgn(s_G)
            magnitudes = block(SIMD4<UInt8>(truncatingIfNeeded: w &* sign))
            signs = block(SIMD4<Int8>(truncatingIfNeeded: sign & stochastic))
            leak = p.leak
            reversal = p.leakReversal
            stochasticLeak = p.stochasticLeak
            thresholdMask = UInt32((1 << p.thresholdMaskBits) - 1)
            alpha = p.positiveThreshold
            beta = p.negativeThreshold
            switch p.reset {
            case .toValue(let r): up = (0, r, 0)
            case .linear: up = (-1, -alpha, -1)
            case .none: up = (-1, 0, 0)
            }
            switch (p.negativeSaturation, p.reset) {
            case (true, _): down = (0, -beta, 0, 0)
            case (false, .toValue(let r)): down = (0, -r, 0, -1)
            case (false, .linear): down = (-1, beta, -1, -1)
            case (false, .none): down = (-1, 0, 0, -1)
            }
            etaBeyondThreshold = p.thresholdMaskBits > 0 && (up.eta | down.eta | down.floorEta) != 0
            var mixer = SplitMix64(seed: seed)
            seedKey = UInt32(truncatingIfNeeded: mixer.next())
        }

        /// The key of one tick's draws (the vector hash on a splat: computed once per tick).
        func key(tick: UInt64) -> UInt32 {
            Self.mix(SIMD8(repeating: (seedKey ^ UInt32(truncatingIfNeeded: tick >> 32)) &+ UInt32(truncatingIfNeeded: tick)))[0]
        }

        /// The draw slot of the leak and the threshold; slots 0…255 are synaptic events.
        static let leakSlot = 256

        /// Chris Wellons' lowbias32 integer hash: a bijection whose output bits each depend on
        /// every input bit (bias 0.17 on his avalanche measure), in five multiply/xor-shift steps.
        @inline(__always)
        static func mix(_ x: SIMD8<UInt32>) -> SIMD8<UInt32> { finish(shifted(x) &* SIMD8(repeating: firstMultiplier)) }

        /// lowbias32's first step, x ⊕ (x >> 16).
        @inline(__always) static func shifted(_ x: SIMD8<UInt32>) -> SIMD8<UInt32> { x ^ (x &>> 16) }
        /// lowbias32's first multiplier.
        static let firstMultiplier: UInt32 = 0x7FEB_352D

        /// The steps of `mix` after its first multiply.
        @inline(__always)
        static func finish(_ y: SIMD8<UInt32>) -> SIMD8<UInt32> {
            var y = y ^ (y &>> 15)
            y &*= SIMD8<UInt32>(repeating: 0x846C_A68B)
            return y ^ (y &>> 16)
        }

        /// The golden-ratio step (a Weyl sequence) that spreads neuron indices over 32 bits.
        static let neuronStride: UInt32 = 0x9E37_79B1
        /// The odd step between the counters of consecutive draw slots.
        static let slotStride: UInt32 = 0x85EB_CA77

        /// The draws of one block of 8 neurons, whose `spread` is their index · `neuronStride`.
        ///
        /// The word of slot e is lowbias32 of a neuron's and a slot's share, each through the
        /// hash's first xor-shift, added: finish(M·(shifted(spread) + shifted(key + e·S))),
        /// with M the first multiplier. The product distributes over the sum, so the
        /// neuron's share is multiplied once per block and the slot's once per tick
        /// (`SlotShares`): a slot costs one multiply, not two.
        struct Draws {
            let neuronShare: SIMD8<UInt32>

            @inline(__always) init(spread: SIMD8<UInt32>) { neuronShare = shifted(spread) &* SIMD8(repeating: firstMultiplier) }

            /// The 32 random bits of a draw slot given that slot's entry of `SlotShares`.
            /// Slot e < 256 holds the ρ of event e of each axon type, byte G for type G; the
            /// leak's ρ is the top byte of `leakSlot` and η its low TM ≤ 17 bits.
            @inline(__always)
            func word(_ slotShare: UInt32) -> SIMD8<UInt32> { finish(neuronShare &+ SIMD8(repeating: slotShare)) }
        }

        /// The slots' shares M·shifted(key + e·S) of one tick's draws (e = 0…256), tabulated
        /// once per tick: a slot's draw then starts from a broadcast load, where splatting a
        /// scalar computed in the loop would be a general-register-to-vector transfer per slot
        /// (1.5 cycles on Zen 4, on the pipes the hash's shifts need).
        struct SlotShares {
            /// Entries of the table: slots 0…`leakSlot`, rounded up to whole 8-lane vectors.
            static let capacity = (leakSlot + 8) & ~7

            let table: UnsafeMutablePointer<UInt32>

            /// Fills `table` (`capacity` entries) 8 slots at a time through the hash's own steps.
            init(_ table: UnsafeMutablePointer<UInt32>, key: UInt32) {
                self.table = table
                var counter = SIMD8<UInt32>(0, 1, 2, 3, 4, 5, 6, 7) &* slotStride &+ SIMD8(repeating: key)
                for slot in stride(from: 0, to: Self.capacity, by: 8) {
                    UnsafeMutableRawPointer(table + slot).storeBytes(of: shifted(counter) &* SIMD8(repeating: firstMultiplier), as: SIMD8<UInt32>.self)
                    counter &+= SIMD8(repeating: 8 &* slotStride)
                }
            }

            @inline(__always) subscript(slot: Int) -> UInt32 { table[slot] }
        }

        /// Σ_G sgn(s_G)·#{e < A_G : ρ_e,G < |s_G|} over the stochastic types G of 8 neurons.
        ///
        /// Slot e serves event e of all four types at once: its 32 ρ bytes (8 neurons × 4
        /// types, in the order of `counts`) are compared with |s_G| as byte lanes and the hits
        /// tallied per byte, so the slots run as long as the busiest lane has events, with no
        /// per-type work, and each tally is signed and summed per neuron once. A count
        /// saturated to a byte tells which lanes have an event in slots 0…254 (so the loop
        /// ends by slot 255 on its own); slot 255 is for counts of 256 only, after a flush of
        /// the tallies, which hold at most 255 hits.
        @inline(__always)
        func stochasticSynapses(_ low: SIMD16<Int32>, _ high: SIMD16<Int32>, draws: Draws, shares: SlotShares) -> SIMD8<Int32> {
            var low = low, high = high
            if fixedSynapses { low &= drawnTypes; high &= drawnTypes }
            let limit = joined(saturatedBytes(low), saturatedBytes(high))
            var tally = SIMD32<UInt8>.zero
            var slot = 0, slotBytes = SIMD8<UInt32>.zero  // the slot in every byte
            while true {
                let pending = ByteLanes(bytes(slotBytes), below: limit)
                if pending.isEmpty { break }
                tally = incremented(tally, in: pending.filter(bytes(draws.word(shares[slot])), below: magnitudes), one: one)
                slot &+= 1
                slotBytes &+= SIMD8(repeating: 0x0101_0101)
            }
            guard slot == 255 else { return signedSums(tally, signs) }
            let last = ByteLanes(low, high, equalTo: 256).filter(bytes(draws.word(shares[slot])), below: magnitudes)
            return signedSums(tally, signs) &+ signedSums(incremented(.zero, in: last, one: one), signs)
        }

        // Splats of byte vectors run on 32-bit lanes: the standard library's generic forms for
        // SIMD32<UInt8> go lane by lane.
        @inline(__always) func bytes(_ w: SIMD8<UInt32>) -> SIMD32<UInt8> { unsafeBitCast(w, to: SIMD32<UInt8>.self) }

        /// One tick of 8 neurons given their 4 × 8 axon counts (neuron-major: neurons 0…3 in
        /// `low`, 4…7 in `high`) and the draws of their block.
        @inline(__always)
        func block(_ v: SIMD8<Int32>, _ low: SIMD16<Int32>, _ high: SIMD16<Int32>, draws: Draws, shares: SlotShares)
            -> (v: SIMD8<Int32>, fired: SIMDMask<SIMD8<Int32>>) {
            var u = v
            if fixedSynapses { u &+= weightedSums(low, high, fixedWeights) }
            if stochasticSynapses { u &+= stochasticSynapses(low, high, draws: draws, shares: shares) }
            // One draw serves the leak (top byte) and the threshold (low bits).
            let bits = stochasticLeak || thresholdMask != 0 ? draws.word(shares[Self.leakSlot]) : .zero
            if leak != 0 {
                var step = SIMD8<Int32>(repeating: stochasticLeak ? leak.signum() : leak)
                // ρ (the top byte) < |λ| exactly when the word < |λ|·2^24: no shift needed.
                if stochasticLeak { step &= lanes(bits .< SIMD8(repeating: UInt32(leak.magnitude) << 24)) }
                if reversal { step &*= lanes(u .< .zero) &- lanes(u .> .zero) }  // Ω = sgn(V)
                u &+= step
            }
            let eta = thresholdMask == 0 ? .zero : unsafeBitCast(bits & SIMD8(repeating: thresholdMask), to: SIMD8<Int32>.self)
            let fired = u .>= SIMD8<Int32>(repeating: alpha) &+ eta
            var floor = SIMD8<Int32>(repeating: -beta)
            var addDown = SIMD8<Int32>(repeating: down.add), addUp = SIMD8<Int32>(repeating: up.add)
            if etaBeyondThreshold {
                floor &-= eta & SIMD8(repeating: down.floorEta)
                addDown &+= eta & SIMD8(repeating: down.eta)
                addUp &-= eta & SIMD8(repeating: up.eta)
            }
            let below = u .< floor
            let afterDown = SIMD8<Int32>(repeating: down.keep) & u &+ addDown
            let afterUp = SIMD8<Int32>(repeating: up.keep) & u &+ addUp
            u = u.replacing(with: afterDown, where: below).replacing(with: afterUp, where: fired)
            let lo = SIMD8<Int32>(repeating: membraneRange.lowerBound), hi = SIMD8<Int32>(repeating: membraneRange.upperBound)
            return (u.replacing(with: lo, where: u .< lo).replacing(with: hi, where: u .> hi), fired)
        }

        /// Steps the membranes `v` into `out`, returning how many fired and whether every count
        /// was within 0...256 (checked on the way, so the input is read once).
        func run(_ v: UnsafeBufferPointer<Int32>, into out: UnsafeMutableBufferPointer<Int32>, _ input: UnsafeBufferPointer<Int32>,
                 _ spikes: UnsafeMutableBufferPointer<Int8>, key: UInt32) -> (fired: Int, valid: Bool) {
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: SlotShares.capacity) { table in
                run(v, into: out, input, spikes, shares: SlotShares(table.baseAddress!, key: key))
            }
        }

        private func run(_ v: UnsafeBufferPointer<Int32>, into out: UnsafeMutableBufferPointer<Int32>, _ input: UnsafeBufferPointer<Int32>,
                         _ spikes: UnsafeMutableBufferPointer<Int8>, shares: SlotShares) -> (fired: Int, valid: Bool) {
            let n = v.count, whole = n & ~7
            var fired = 0, range = RangeCheck(upper: axonsPerCore)
            guard n > 0, let vBase = v.baseAddress.map(UnsafeRawPointer.init), let outBase = out.baseAddress.map(UnsafeMutableRawPointer.init),
                  let inBase = input.baseAddress.map(UnsafeRawPointer.init),
                  let spikeBase = spikes.baseAddress.map(UnsafeMutableRawPointer.init) else { return (0, true) }
            var spread = SIMD8<UInt32>(0, 1, 2, 3, 4, 5, 6, 7) &* Self.neuronStride
            let blockStride = SIMD8<UInt32>(repeating: 8 &* Self.neuronStride)
            var j = 0
            while j < whole {
                // The counts as two 16-lane halves: splitting a 32-lane vector goes through the
                // standard library's generic `lowHalf`, which the inliner does not always take.
                let low = inBase.loadUnaligned(fromByteOffset: j &* 16, as: SIMD16<Int32>.self)
                let high = inBase.loadUnaligned(fromByteOffset: j &* 16 &+ 64, as: SIMD16<Int32>.self)
                range.include(low); range.include(high)
                let (u, up) = block(vBase.loadUnaligned(fromByteOffset: j &* 4, as: SIMD8<Int32>.self), low, high,
                                    draws: Draws(spread: spread), shares: shares)
                outBase.storeBytes(of: u, toByteOffset: j &* 4, as: SIMD8<Int32>.self)
                let spiked = ones(up)
                spikeBase.storeBytes(of: spiked, toByteOffset: j, as: SIMD8<Int8>.self)
                fired &+= unsafeBitCast(spiked, to: UInt64.self).nonzeroBitCount  // bytes of 0 or 1: one bit each
                spread &+= blockStride
                j &+= 8
            }
            if whole < n {
                var vv = SIMD8<Int32>.zero, low = SIMD16<Int32>.zero, high = SIMD16<Int32>.zero
                for k in 0..<(n - whole) {
                    vv[k] = v[whole + k]
                    for g in 0..<4 {
                        let c = input[(whole + k) * 4 + g]
                        if k < 4 { low[k * 4 + g] = c } else { high[k * 4 + g - 16] = c }
                    }
                }
                range.include(low); range.include(high)
                let (u, up) = block(vv, low, high, draws: Draws(spread: spread), shares: shares)
                for k in 0..<(n - whole) {
                    out[whole + k] = u[k]
                    spikes[whole + k] = up[k] ? 1 : 0
                    fired &+= up[k] ? 1 : 0
                }
            }
            return (fired, range.allWithin)
        }
    }

    public mutating func reset() {
        for i in 0..<v.count { v[i] = 0 }
        tick = 0
    }
}
