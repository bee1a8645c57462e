/// The TrueNorth neuron (Cassidy et al., "Cognitive computing building block", IJCNN 2013;
/// Merolla et al., Science 2014), with per-neuron parameters named as in Cassidy et al.
///
/// The membrane V is an integer in the hardware's 20-bit signed register, held in the chip's
/// Double membranes (where every such integer is exact). Per step, neuron j with input I (the
/// sum of the integer weights of the synapses that received a spike, plus integer biases):
///
///     V ← V + I
///     V ← V + Ω·λ,  Ω = 1 − ε + ε·sgn(V)          (stochastic leak, c = 1: Ω·sgn(λ)·[ρ < |λ|])
///     η = ρ′ & (2^TM − 1)
///     spike if V ≥ α + η, then reset by γ:  0: V ← R;   1: V ← V − (α + η);   2: V unchanged
///     else if V < −(β·κ + (β + η)(1 − κ)):  κ = 1: V ← −β;  else γ mirrored:
///                                            0: V ← −R;  1: V ← V + (β + η);  2: V unchanged
///     V saturates to −2^19 … 2^19 − 1
///
/// ρ (the top byte) and ρ′ (the low 17 bits) come from one 32-bit draw per neuron and step: a
/// hash of (seed, step, neuron index in its population), counter-based as Random123's Philox
/// or JAX's keys are, so a neuron's draws do not depend on the core it is placed on, on the
/// other neurons of its core or on the order neurons are stepped in. The chip draws from an
/// LFSR per core; the statistics, not the bit stream, are what this reproduces.
///
/// Stochastic synapses (b_G = 1 for every axon type: `stochastic_synapses`): a spike through a
/// synapse of weight s adds sgn(s) with probability |s|/256 instead of s. Its 8-bit ρ is the top
/// byte of a draw keyed by the synapse as well (`synapseDraw`), so it too does not depend on the
/// core that reads the row: partial cores draw the same numbers as a home core would.
///
/// The four axon types shape the mapping, not the arithmetic: `NetworkMapping` places a core's
/// axons so that each neuron sees one weight per type (`AxonTypes`). The stochastic bit b_G is one
/// flag per neuron here, where the chip has one per type.
struct TrueNorthNeurons: Sendable {
    /// One neuron's parameters.
    struct Neuron: Sendable {
        var alpha: Int32, beta: Int32, leak: Int32, resetValue: Int32
        /// 2^TM − 1.
        var thresholdMask: UInt32, seed: UInt32
        /// γ: 0 to R, 1 linear, 2 none.
        var resetMode: UInt8
        var leakReversal: Bool, stochasticLeak: Bool, negativeSaturation: Bool, stochasticSynapses: Bool
    }

    /// One entry per neuron, or one for all when they are the same (see `NeuronDynamics.coefficients`).
    let neurons: ContiguousArray<Neuron>
    let spread: Int

    /// Parameters as `NetworkGraph.checkRanges` accepted them (whole numbers in the registers' ranges).
    init(_ p: [String: ContiguousArray<Float>]) {
        let all = ContiguousArray(p["alpha"]!.indices.lazy.map { i in
            Neuron(alpha: Int32(p["alpha"]![i]), beta: Int32(p["beta"]![i]), leak: Int32(p["leak"]![i]),
                   resetValue: Int32(p["reset_value"]![i]), thresholdMask: UInt32((1 << Int(p["threshold_mask_bits"]![i])) - 1),
                   seed: UInt32(p["seed"]![i]), resetMode: UInt8(p["reset"]![i]), leakReversal: p["leak_reversal"]![i] != 0,
                   stochasticLeak: p["stochastic_leak"]![i] != 0, negativeSaturation: p["negative_saturation"]![i] != 0,
                   stochasticSynapses: p["stochastic_synapses"]![i] != 0)
        })
        let uniform = all.allSatisfy { sameBytes($0, all[0]) }
        neurons = uniform ? [all[0]] : all
        spread = uniform ? 0 : -1
    }

    /// One step of neurons `range` (see `NeuronDynamics.step`). A neuron is idle when it has no
    /// input, V = 0 and the leak leaves it there.
    @inline(__always)
    func step(_ range: Range<Int>, tick: Int, v: UnsafeMutablePointer<Double>, input: UnsafePointer<Double>,
              fired: UnsafeMutablePointer<Int32>) -> (fired: Int, active: Int) {
        let base = range.lowerBound, low = NeuronDynamics.trueNorthMembrane.lowerBound, high = NeuronDynamics.trueNorthMembrane.upperBound
        var active = 0, count = 0
        let spread = spread
        return neurons.withUnsafeBufferPointer { neurons in
            for i in range {
                let n = neurons[i & spread]
                let x = input[i - base]
                // Inputs are sums of integer weights (checked when the network was built), so the
                // conversion is exact; the register bound keeps the arithmetic below in Int64.
                var u = Int64(v[i]) &+ Int64(x)
                let draw = n.stochasticLeak || n.thresholdMask != 0 ? Self.draw(seed: n.seed, tick: tick, neuron: i) : 0
                let lambda = Int64(n.leak)
                if lambda != 0 {
                    var step = n.stochasticLeak ? (draw >> 24 < UInt32(lambda.magnitude) ? lambda.signum() : 0) : lambda
                    if n.leakReversal { step &*= u.signum() }
                    u &+= step
                }
                active &+= x != 0 || v[i] != 0 || u != 0 ? 1 : 0
                let eta = Int64(draw & n.thresholdMask)
                let a = Int64(n.alpha), b = Int64(n.beta)
                if u >= a &+ eta {
                    fired[count] = Int32(truncatingIfNeeded: i)
                    count &+= 1
                    switch n.resetMode {
                    case 0: u = Int64(n.resetValue)
                    case 1: u &-= a &+ eta
                    default: break
                    }
                } else if n.negativeSaturation {
                    if u < -b { u = -b }
                } else if u < -(b &+ eta) {
                    switch n.resetMode {
                    case 0: u = -Int64(n.resetValue)
                    case 1: u &+= b &+ eta
                    default: break
                    }
                }
                v[i] = Double(min(max(u, Int64(low)), Int64(high)))
            }
            return (count, active)
        }
    }

    /// Whether any neuron's synapses are stochastic (the chip then reads their rows one synapse at a time).
    var hasStochasticSynapses: Bool { neurons.contains { $0.stochasticSynapses } }

    /// What a spike through the synapse of weight `weight` from network neuron `source` (through
    /// `projection`) adds to neuron `neuron` (index in its population) integrating at step `tick`:
    /// the weight, or with stochastic synapses sgn(weight) when ρ < |weight| (probability |w|/256).
    @inline(__always)
    func synapticInput(_ weight: Double, neuron: Int, tick: Int, source: Int, projection: Int) -> Double {
        let n = neurons[neuron & spread]
        guard n.stochasticSynapses else { return weight }
        let rho = Self.synapseDraw(seed: n.seed, tick: tick, neuron: neuron, source: source, projection: projection) >> 24
        return Double(rho) < weight.magnitude ? (weight < 0 ? -1 : 1) : 0
    }

    /// The 32 random bits of one synaptic event: the neuron's draw of that step, mixed with the
    /// synapse's source neuron and projection (two synapses from one source differ by projection).
    @inline(__always)
    static func synapseDraw(seed: UInt32, tick: Int, neuron: Int, source: Int, projection: Int) -> UInt32 {
        mix(draw(seed: seed, tick: tick, neuron: neuron)
            ^ mix(UInt32(truncatingIfNeeded: source) &* 0x85EB_CA77 ^ UInt32(truncatingIfNeeded: projection) &* 0xC2B2_AE3D))
    }

    /// The 32 random bits of neuron `neuron` at step `tick`: Chris Wellons' lowbias32 (a
    /// bijection whose output bits each depend on every input bit) chained over the three counters.
    @inline(__always)
    static func draw(seed: UInt32, tick: Int, neuron: Int) -> UInt32 {
        mix(mix(mix(seed) ^ UInt32(truncatingIfNeeded: tick)) ^ (UInt32(truncatingIfNeeded: neuron) &* 0x9E37_79B1))
    }

    @inline(__always)
    static func mix(_ x: UInt32) -> UInt32 {
        var x = x ^ (x >> 16)
        x &*= 0x7FEB_352D
        x ^= x >> 15
        x &*= 0x846C_A68B
        return x ^ (x >> 16)
    }
}
