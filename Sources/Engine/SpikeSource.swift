import Mapping
import SimKernel

/// Supplies the spikes an encoder emits: for one token, stage and time step, the signed
/// spikes of the stage's input neurons, in increasing neuron order.
///
/// Statistical runs draw them from firing statistics; closed-loop runs encode real
/// activations; trace replay reads them from a file. The engine is generic over the
/// source so the call is direct.
public protocol SpikeSource {
    /// Appends `(neuron, sign)` for every input neuron of `stage` that fires at `step` of `token`.
    /// `inputs` is the stage's input width.
    mutating func spikes(token: Int, stage: Int, layer: Int, step: Int, inputs: Int, into out: inout [(neuron: Int32, sign: Int8)])

    /// Spikes tile `tile` sends to carry its partial sums of `token` when they are spike-coded
    /// with `bits`-bit bitwise coding (asked once per tile, when the stage feeding it starts).
    mutating func partialSumSpikes(token: Int, tile: Tile, projection: MappedProjection, bits: Int) -> Int

    /// Whether a partitioned run may give each partition a copy of the source: true when a copy
    /// answers every call as the original would, whatever it was asked before.
    var replicable: Bool { get }

    /// Spikes an input neuron is expected to emit per token, silent ones included, when the source
    /// knows it before the run (statistical counts); nil otherwise. Predicts a partitioned run's traffic.
    var expectedSpikesPerActivation: Double? { get }
}

extension SpikeSource {
    /// Sources keep state across stages unless they say otherwise.
    public var replicable: Bool { false }

    public var expectedSpikesPerActivation: Double? { nil }

    /// Without the sums themselves: half of each sum's `bits − 1` magnitude bits set.
    public mutating func partialSumSpikes(token: Int, tile: Tile, projection: MappedProjection, bits: Int) -> Int {
        Int(tile.neuronsUsed) * (bits - 1) / 2
    }
}

/// How a statistical run's spike counts are laid into the T steps of a token.
public enum CountCoding: String, Sendable, Hashable, CaseIterable {
    /// One spike of the count's sign per step until |count| is spent (SpikingBrain's ternary
    /// coding): carries |count| ≤ T, emits |count| spikes.
    case ternary
    /// One bit of |count| per step, most significant first (SpikingBrain's bitwise coding):
    /// carries |count| ≤ 2^T − 1, emits popcount(|count|) spikes.
    case bitwise
}

/// The signed spike count of one encoder neuron over one token, as SpikingBrain reports its
/// statistics (s_INT = round(x / V_th)): a fraction of zeros, and a tail of magnitudes.
///
/// Non-zero magnitudes follow a geometric law P(|c| = k) ∝ q^(k−1) on 1…capacity (the most the
/// coding carries in T steps), with q fitted so that the spikes the coding emits average
/// `spikesPerActivation` over all activations. SpikingBrain-7B (Table 11, k = 3; Sec. 5.5):
/// 69.2% zeros and 1.13 spikes per activation; at T = 8 ternary the fit gives q ≈ 0.846 and
/// 98.0% of counts within |c| ≤ 7 (Table 11: 0.877–0.989), 2.0% at the coding's limit of 8.
public struct SpikeCountDistribution: Sendable, Hashable {
    public let silentFraction: Double
    public let spikesPerActivation: Double
    public let coding: CountCoding
    public let timeSteps: Int
    /// The fitted ratio of the geometric tail (above 1: a rising tail, most counts at the coding's limit,
    /// a sign that T is too small for the statistics).
    public let ratio: Double
    /// Cumulative probabilities of magnitudes 1…(cdf.count) given a non-zero count.
    let cdf: [Double]

    /// Magnitudes tabulated: the coding's capacity, at most 2^16 (a bitwise T > 16 tail is cut there).
    static func capacity(_ coding: CountCoding, _ t: Int) -> Int {
        coding == .ternary ? t : (t >= 16 ? 65535 : (1 << t) - 1)
    }

    static func spikes(_ coding: CountCoding, _ magnitude: Int) -> Int {
        coding == .ternary ? magnitude : magnitude.nonzeroBitCount
    }

    public init(silentFraction: Double = 0.69, spikesPerActivation: Double = 1.13, coding: CountCoding = .ternary, timeSteps: Int = 8) throws {
        guard silentFraction.isFinite, (0...1).contains(silentFraction) else {
            throw EngineError.invalidWorkload("--silent must be a fraction between 0 and 1 (of zero spike counts per token), got \(silentFraction)")
        }
        guard (1...64).contains(timeSteps) else {
            throw EngineError.invalidWorkload("--time-steps (T) must be between 1 and 64, got \(timeSteps)")
        }
        let cap = Self.capacity(coding, timeSteps)
        let mags = Array(1...cap)
        func meanSpikes(_ q: Double) -> Double { // E[spikes | c ≠ 0] under ratio q
            let lq = log(q), top = q > 1 ? Double(cap - 1) * lq : 0
            var sw = 0.0, sws = 0.0
            for k in mags {
                let w = exp(Double(k - 1) * lq - top)
                sw += w; sws += w * Double(Self.spikes(coding, k))
            }
            return sws / sw
        }
        let firing = 1 - silentFraction
        guard spikesPerActivation.isFinite, spikesPerActivation >= 0 else {
            throw EngineError.invalidWorkload("--spikes-per-activation must be zero or more, got \(spikesPerActivation)")
        }
        guard firing > 0 else {
            guard spikesPerActivation == 0 else {
                throw EngineError.invalidWorkload("--silent 1 leaves no neuron to fire; --spikes-per-activation must then be 0")
            }
            self.silentFraction = silentFraction; self.spikesPerActivation = 0; self.coding = coding; self.timeSteps = timeSteps
            ratio = 0; cdf = [1]
            return
        }
        let target = spikesPerActivation / firing
        let most = Double(Self.spikes(coding, cap))
        guard target >= 1 - 1e-12 else {
            throw EngineError.invalidWorkload(String(format: "--spikes-per-activation %.4g is below the firing fraction %.4g (1 − --silent): a neuron that fires emits at least one spike", spikesPerActivation, firing))
        }
        guard target <= most + 1e-12 else {
            throw EngineError.invalidWorkload(String(format: "%.4g spikes per activation with %.3g silent means %.3g spikes per firing neuron; %@ coding at T = %d emits at most %.3g: raise --time-steps or lower --spikes-per-activation",
                                                     spikesPerActivation, silentFraction, target, coding.rawValue, timeSteps, most))
        }
        // meanSpikes rises with q from 1 spike (q → 0) to the coding's most (q → ∞): bisect on q / (1 + q).
        var lo = 0.0, hi = 1.0
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if meanSpikes(mid / (1 - mid)) < target { lo = mid } else { hi = mid }
        }
        let x = (lo + hi) / 2
        let q = x >= 1 ? Double.greatestFiniteMagnitude : x / (1 - x)
        // Weights q^(k−1) relative to the largest, so that a rising tail (q > 1) does not overflow.
        let top = Double(cap - 1) * log(q)
        let weights = mags.map { exp(Double($0 - 1) * log(q) - (q > 1 ? top : 0)) }
        var cdf: [Double] = [], total = 0.0
        for w in weights { total += w; cdf.append(total) }
        self.silentFraction = silentFraction; self.spikesPerActivation = spikesPerActivation; self.coding = coding
        self.timeSteps = timeSteps; ratio = q; self.cdf = cdf.map { $0 / total }
    }

    /// P(|c| = k) for k ≥ 0.
    public func probability(ofMagnitude k: Int) -> Double {
        if k == 0 { return silentFraction }
        guard k <= cdf.count else { return 0 }
        return (1 - silentFraction) * (cdf[k - 1] - (k > 1 ? cdf[k - 2] : 0))
    }

    /// A magnitude ≥ 1 for a uniform draw `u` in [0, 1).
    func magnitude(_ u: Double) -> Int {
        var lo = 0, hi = cdf.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cdf[mid] > u { hi = mid } else { lo = mid + 1 }
        }
        return lo + 1
    }

    /// Whether a count of `magnitude` fires at `step` under the coding.
    @inlinable func fires(_ magnitude: Int, step: Int) -> Bool {
        switch coding {
        case .ternary: step < magnitude
        case .bitwise: step < timeSteps && (magnitude >> (timeSteps - 1 - step)) & 1 == 1
        }
    }
}

/// Spikes drawn from token-level count statistics: each encoder neuron's signed count for the
/// token comes from a `SpikeCountDistribution`, then the coding lays it into the T steps.
///
/// A neuron silent for the token is silent at every step, as in SpikingBrain's s_INT = 0 (a
/// per-step draw would leave 1 − 0.69^T of neurons active at least once). Counts come from a
/// generator seeded by (seed, token, stage), so they do not depend on event order.
public struct StatisticalSpikeSource: SpikeSource, Sendable {
    public let distribution: SpikeCountDistribution
    public let seed: UInt64
    /// The counts of the (token, stage) last drawn, per stage: non-zero neurons with signed magnitudes.
    private var drawn: [(token: Int, counts: [(neuron: Int32, count: Int32)])] = []

    public init(distribution: SpikeCountDistribution, seed: UInt64 = 1) {
        self.distribution = distribution; self.seed = seed
    }

    /// A source of `SpikeCountDistribution(silentFraction:spikesPerActivation:coding:timeSteps:)`;
    /// `timeSteps` must be the workload's T.
    public init(silentFraction: Double = 0.69, spikesPerActivation: Double = 1.13, coding: CountCoding = .ternary,
                timeSteps: Int = 8, seed: UInt64 = 1) throws {
        self.init(distribution: try SpikeCountDistribution(silentFraction: silentFraction, spikesPerActivation: spikesPerActivation,
                                                           coding: coding, timeSteps: timeSteps), seed: seed)
    }

    /// Counts depend on (seed, token, stage) alone; a copy's cache is only a cache.
    public var replicable: Bool { true }

    public var expectedSpikesPerActivation: Double? { distribution.spikesPerActivation }

    public mutating func spikes(token: Int, stage: Int, layer: Int, step: Int, inputs: Int, into out: inout [(neuron: Int32, sign: Int8)]) {
        while drawn.count <= stage { drawn.append((-1, [])) }
        if drawn[stage].token != token { drawn[stage] = (token, counts(token: token, stage: stage, inputs: inputs)) }
        for (neuron, count) in drawn[stage].counts where distribution.fires(Int(count.magnitude), step: step) {
            out.append((neuron, count > 0 ? 1 : -1))
        }
    }

    /// The non-zero counts of one stage's inputs for one token.
    func counts(token: Int, stage: Int, inputs: Int) -> [(neuron: Int32, count: Int32)] {
        let p = 1 - distribution.silentFraction
        guard p > 0, inputs > 0 else { return [] }
        var rng = SplitMix64(seed: seed, stream: UInt64(token), UInt64(stage))
        var out: [(neuron: Int32, count: Int32)] = []
        out.reserveCapacity(Int(Double(inputs) * p * 1.1) + 16)
        func draw(_ i: Int) {
            let m = Int32(distribution.magnitude(rng.nextUnit()))
            out.append((Int32(i), rng.next() & 1 == 0 ? m : -m))
        }
        if p >= 1 {
            for i in 0..<inputs { draw(i) }
            return out
        }
        // Geometric gaps between firing neurons: one draw per firing neuron, not per neuron.
        let logq = log(1 - p)
        var i = -1
        while true {
            let gap = log(1 - rng.nextUnit()) / logq
            if gap >= Double(inputs) { break }
            i += Int(gap) + 1
            if i >= inputs { break }
            draw(i)
        }
        return out
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension SpikeCountDistribution {
    /// How runs label their spike source.
    public var label: String {
        String(format: "statistical %@: %.3g silent per token, %.3g spikes per activation (tail ratio %.3f)",
               coding.rawValue, silentFraction, spikesPerActivation, ratio)
    }
}
