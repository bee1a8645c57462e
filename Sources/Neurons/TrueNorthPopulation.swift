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
/// and threshold modes drawn from a seeded xoshiro256** (the chip uses an LFSR per core;
/// the statistics, not the bit stream, are what the simulator reproduces).
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
    private var rng: Xoshiro256StarStar
    /// The tuple parameters as arrays, built once so a step indexes them without allocating.
    private let weightTable: ContiguousArray<Int32>
    private let stochasticTable: ContiguousArray<Bool>

    public var count: Int { v.count }

    public init(count: Int, parameters: TrueNorthParameters, seed: UInt64 = 0) throws(NeuronParameterError) {
        try NeuronParameterError.require(count >= 0, "count", count, "≥ 0")
        self.parameters = parameters
        self.seed = seed
        v = ContiguousArray(repeating: 0, count: count)
        rng = Xoshiro256StarStar(seed: seed)
        let p = parameters
        weightTable = [p.weights.0, p.weights.1, p.weights.2, p.weights.3]
        stochasticTable = [p.stochasticSynapse.0, p.stochasticSynapse.1, p.stochasticSynapse.2, p.stochasticSynapse.3]
    }

    public mutating func step(_ input: UnsafeBufferPointer<Int32>, spikes: UnsafeMutableBufferPointer<Int8>) throws(NeuronParameterError) -> Int {
        try checkShapes(input: input.count, spikes: spikes.count)
        if let bad = input.firstIndex(where: { $0 < 0 || $0 > Self.axonsPerCore }) {
            throw NeuronParameterError(parameter: "input[\(bad)]", value: "\(input[bad])",
                                       allowed: "a count of active axons in 0...\(Self.axonsPerCore) (one core's crossbar)")
        }
        let p = parameters
        let rule = ResetRule(p)
        if !p.stochasticLeak && p.thresholdMaskBits == 0 && !stochasticTable.contains(true) {
            // Deterministic neurons: no PRNG draws, no branches, 32-bit arithmetic (bounded above),
            // so the loop stays tight.
            let (w0, w1, w2, w3) = (weightTable[0], weightTable[1], weightTable[2], weightTable[3])
            let reversal: Int32 = p.leakReversal ? 1 : 0
            let leak32 = p.leak, alpha32 = p.positiveThreshold, beta32 = p.negativeThreshold
            let rule32 = (Int32(rule.positiveKeep), Int32(rule.positiveAdd), Int32(rule.negativeKeep), Int32(rule.negativeAdd))
            let (lo32, hi32) = (Self.membraneRange.lowerBound, Self.membraneRange.upperBound)
            return v.withUnsafeMutableBufferPointer { v in
                var fired = 0
                for j in 0..<v.count {
                    let k = j &* 4
                    var u = v[j] &+ input[k] &* w0 &+ input[k + 1] &* w1 &+ input[k + 2] &* w2 &+ input[k + 3] &* w3
                    let sign: Int32 = u > 0 ? 1 : (u < 0 ? -1 : 0)
                    let omega = reversal &* sign &+ (1 &- reversal)
                    u &+= omega &* leak32
                    let up = u >= alpha32
                    let down = u < 0 &- beta32
                    let afterUp = rule32.0 &* u &+ rule32.1
                    let afterDown = rule32.2 &* u &+ rule32.3
                    u = up ? afterUp : (down ? afterDown : u)
                    v[j] = Swift.min(Swift.max(u, lo32), hi32)
                    spikes[j] = up ? 1 : 0
                    fired &+= up ? 1 : 0
                }
                return fired
            }
        }
        let alpha = Int64(p.positiveThreshold), beta = Int64(p.negativeThreshold)
        let lo = Int64(Self.membraneRange.lowerBound), hi = Int64(Self.membraneRange.upperBound)
        let leak = Int64(p.leak)
        let w = weightTable, stochastic = stochasticTable
        let mask = Int32((1 << p.thresholdMaskBits) - 1)
        var rng = self.rng
        let fired = v.withUnsafeMutableBufferPointer { v in
            var fired = 0
            for j in 0..<v.count {
                var u = Int64(v[j])
                // Synaptic integration.
                for g in 0..<4 {
                    let a = Int64(input[j * 4 + g])
                    let s = w[g]
                    if a == 0 || s == 0 { continue }
                    if stochastic[g] {
                        let sign: Int64 = s < 0 ? -1 : 1
                        for _ in 0..<a where Int32(rng.next() & 0xFF) < s.magnitude { u += sign }
                    } else {
                        u += a * Int64(s)
                    }
                }
                // Leak.
                if p.leak != 0 {
                    let omega: Int64 = p.leakReversal ? (u > 0 ? 1 : (u < 0 ? -1 : 0)) : 1
                    if p.stochasticLeak {
                        let hit = Int32(rng.next() & 0xFF) < p.leak.magnitude
                        u += hit ? omega * (p.leak < 0 ? -1 : 1) : 0
                    } else {
                        u += omega * leak
                    }
                }
                // Threshold, fire, reset.
                let eta = Int64(mask == 0 ? 0 : Int32(truncatingIfNeeded: rng.next()) & mask)
                let up = u >= alpha + eta
                if up {
                    u = rule.afterPositive(u, eta: eta)
                } else if u < -(p.negativeSaturation ? beta : beta + eta) {
                    u = rule.afterNegative(u, eta: eta)
                }
                v[j] = Int32(min(max(u, lo), hi))
                spikes[j] = up ? 1 : 0
                fired &+= up ? 1 : 0
            }
            return fired
        }
        self.rng = rng
        return fired
    }

    /// The reset modes as V ← keep·V + add + etaSign·η, so both step paths share one rule.
    struct ResetRule {
        let positiveKeep: Int64, positiveAdd: Int64, positiveEta: Int64
        let negativeKeep: Int64, negativeAdd: Int64, negativeEta: Int64

        init(_ p: TrueNorthParameters) {
            let alpha = Int64(p.positiveThreshold), beta = Int64(p.negativeThreshold)
            switch p.reset {
            case .toValue(let r): (positiveKeep, positiveAdd, positiveEta) = (0, Int64(r), 0)
            case .linear: (positiveKeep, positiveAdd, positiveEta) = (1, -alpha, -1)
            case .none: (positiveKeep, positiveAdd, positiveEta) = (1, 0, 0)
            }
            if p.negativeSaturation {
                (negativeKeep, negativeAdd, negativeEta) = (0, -beta, 0)
            } else {
                switch p.reset {
                case .toValue(let r): (negativeKeep, negativeAdd, negativeEta) = (0, -Int64(r), 0)
                case .linear: (negativeKeep, negativeAdd, negativeEta) = (1, beta, 1)
                case .none: (negativeKeep, negativeAdd, negativeEta) = (1, 0, 0)
                }
            }
        }

        @inline(__always) func afterPositive(_ u: Int64, eta: Int64) -> Int64 {
            positiveKeep &* u &+ positiveAdd &+ positiveEta &* eta
        }

        @inline(__always) func afterNegative(_ u: Int64, eta: Int64) -> Int64 {
            negativeKeep &* u &+ negativeAdd &+ negativeEta &* eta
        }
    }

    public mutating func reset() {
        for i in 0..<v.count { v[i] = 0 }
        rng = Xoshiro256StarStar(seed: seed)
    }
}
