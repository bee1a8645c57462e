#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Parameters of NIR's IF and LIF neurons (Pedersen et al., "Neuromorphic intermediate
/// representation", Nat. Commun. 2024): `τ dv/dt = (v_leak − v) + R·I` (LIF) or
/// `dv/dt = R·I` (IF, `tau == nil`), spike when v ≥ v_threshold, then reset.
public struct LIFParameters: Equatable, Sendable {
    /// What happens to v after a spike.
    public enum Reset: String, Equatable, Sendable {
        /// v ← v_reset (NIR's default).
        case toValue
        /// v ← v − v_threshold (soft reset; keeps the residue, as SpikingBrain's IF neuron).
        case subtract
    }

    /// Membrane time constant in time units, or nil for a non-leaky IF neuron.
    public let tau: Float?
    public let r: Float
    public let vLeak: Float
    public let vThreshold: Float
    public let vReset: Float
    public let reset: Reset
    /// Integration step in the same time unit as `tau`.
    public let dt: Float

    public init(tau: Float? = nil, r: Float = 1, vLeak: Float = 0, vThreshold: Float = 1, vReset: Float = 0,
                reset: Reset = .toValue, dt: Float = 1) throws(NeuronParameterError) {
        if let tau { try NeuronParameterError.require(tau.isFinite && tau > 0, "tau", tau, "a finite value > 0") }
        try NeuronParameterError.require(r.isFinite, "r", r, "a finite value")
        try NeuronParameterError.require(vLeak.isFinite, "v_leak", vLeak, "a finite value")
        try NeuronParameterError.require(vThreshold.isFinite, "v_threshold", vThreshold, "a finite value")
        try NeuronParameterError.require(vReset.isFinite && vReset < vThreshold, "v_reset", vReset, "a finite value below v_threshold (\(vThreshold))")
        try NeuronParameterError.require(dt.isFinite && dt > 0, "dt", dt, "a finite value > 0")
        if reset == .subtract {
            try NeuronParameterError.require(vThreshold > 0, "v_threshold", vThreshold, "> 0 with subtractive reset")
        }
        self.tau = tau; self.r = r; self.vLeak = vLeak; self.vThreshold = vThreshold
        self.vReset = vReset; self.reset = reset; self.dt = dt
    }
}

/// The membrane update shared by the LIF family: v ← a·v + b·I + c, one multiply-add per neuron.
@usableFromInline
struct LinearMembrane: Sendable {
    @usableFromInline var a: Float
    @usableFromInline var b: Float
    @usableFromInline var c: Float
}

/// A population of NIR IF/LIF neurons, so that generic SNNs (not only spiking LLM layers)
/// map onto the chip. The leak is integrated exactly for input held constant over a step
/// (v∞ + (v − v∞)·e^(−dt/τ)), so results do not depend on an Euler step-size choice.
public struct LIFPopulation: NeuronPopulation, Sendable {
    public typealias Input = Float
    public static var inputsPerNeuron: Int { 1 }
    public let parameters: LIFParameters
    /// Membrane potentials, one per neuron.
    public private(set) var v: ContiguousArray<Float>
    @usableFromInline let membrane: LinearMembrane

    public var count: Int { v.count }

    public init(count: Int, parameters: LIFParameters) throws(NeuronParameterError) {
        try NeuronParameterError.require(count >= 0, "count", count, "≥ 0")
        self.parameters = parameters
        v = ContiguousArray(repeating: parameters.vLeak, count: count)
        if let tau = parameters.tau {
            let decay = Float(exp(-Double(parameters.dt) / Double(tau)))
            membrane = LinearMembrane(a: decay, b: (1 - decay) * parameters.r, c: (1 - decay) * parameters.vLeak)
        } else {
            membrane = LinearMembrane(a: 1, b: parameters.dt * parameters.r, c: 0)
        }
    }

    public mutating func step(_ input: UnsafeBufferPointer<Float>, spikes: UnsafeMutableBufferPointer<Int8>) throws(NeuronParameterError) -> Int {
        try checkShapes(input: input.count, spikes: spikes.count)
        let m = membrane
        let th = parameters.vThreshold
        // Soft reset subtracts the threshold; hard reset is the same select with a different
        // value. Written branch-free (hoisted mode, selects) so the loop vectorizes.
        let subtract: Float = parameters.reset == .subtract ? 1 : 0
        let hard: Float = 1 - subtract
        let vr = parameters.vReset
        // Locals only inside the loop (no captured vars), so the compiler can vectorize it.
        return v.withUnsafeMutableBufferPointer { v in
            var fired = 0
            for i in 0..<v.count {
                let u = m.a * v[i] + m.b * input[i] + m.c
                let spike = u >= th
                let after = subtract * (u - th) + hard * vr
                v[i] = spike ? after : u
                let s: Int8 = spike ? 1 : 0
                spikes[i] = s
                fired &+= Int(s)
            }
            return fired
        }
    }

    public mutating func reset() {
        for i in 0..<v.count { v[i] = parameters.vLeak }
    }
}
