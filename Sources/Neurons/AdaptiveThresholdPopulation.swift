/// The seed text's SpikingBrain neuron (seed 000): a LIF membrane
/// `dV/dt = −(V − V_rest)/τ + I_in/C` (τ 2–5 steps, C = 1), an adaptive threshold
/// `V_th = V_rest + α·(I_in − I_rest)` shared by the population, with I_in the mean |I| of the
/// step, ternary spikes (+1 excitatory at V ≥ V_th, −1 inhibitory at V ≤ 2·V_rest − V_th)
/// and reset to V_reset (mirrored about V_rest for −1 spikes).
///
/// The report's IF neuron (Eq. 20) is the special case τ → ∞ with soft reset; its encoder
/// form is `SpikingBrainEncoder`. The membrane is stepped with forward Euler as the seed's
/// "steps" suggest, which requires dt ≤ τ to stay monotone.
public struct AdaptiveThresholdPopulation: NeuronPopulation, Sendable {
    public typealias Input = Float
    public static var inputsPerNeuron: Int { 1 }

    public struct Parameters: Equatable, Sendable {
        public let vRest: Float
        public let iRest: Float
        public let tau: Float
        public let capacitance: Float
        public let vReset: Float
        public let dt: Float
        /// Emit −1 spikes as well as +1.
        public let ternary: Bool

        /// Defaults from the seed: V_rest = 0, τ = 2 steps, C = 1, V_reset = 0, ternary spikes.
        public init(vRest: Float = 0, iRest: Float = 0, tau: Float = 2, capacitance: Float = 1, vReset: Float = 0,
                    dt: Float = 1, ternary: Bool = true) throws(NeuronParameterError) {
            try NeuronParameterError.require(vRest.isFinite, "v_rest", vRest, "a finite value")
            try NeuronParameterError.require(iRest.isFinite, "i_rest", iRest, "a finite value")
            try NeuronParameterError.require(dt.isFinite && dt > 0, "dt", dt, "a finite value > 0")
            try NeuronParameterError.require(tau.isFinite && tau >= dt, "tau", tau, "a finite value ≥ dt (\(dt)); the seed uses 2–5 steps")
            try NeuronParameterError.require(capacitance.isFinite && capacitance > 0, "C", capacitance, "a finite value > 0 (seed: 1)")
            try NeuronParameterError.require(vReset.isFinite && vReset <= vRest && vReset >= vRest - 1, "v_reset", vReset,
                                             "V_rest − 1 ≤ v_reset ≤ V_rest (seed: −0.1…0)")
            self.vRest = vRest; self.iRest = iRest; self.tau = tau; self.capacitance = capacitance
            self.vReset = vReset; self.dt = dt; self.ternary = ternary
        }
    }

    public let parameters: Parameters
    /// Adaptive coefficient α; changes every step when a controller is set.
    public private(set) var alpha: Float
    public let controller: FiringRateController?
    /// Threshold used by the last step.
    public private(set) var lastThreshold: Float = 0
    public private(set) var v: ContiguousArray<Float>
    private let initialAlpha: Float
    @usableFromInline let membrane: LinearMembrane

    public var count: Int { v.count }

    public init(count: Int, parameters: Parameters, alpha: Float = 0.3, controller: FiringRateController? = nil) throws(NeuronParameterError) {
        try NeuronParameterError.require(count >= 0, "count", count, "≥ 0")
        try Self.validate(alpha: alpha, controller: controller)
        self.parameters = parameters
        self.alpha = alpha
        self.initialAlpha = alpha
        self.controller = controller
        v = ContiguousArray(repeating: parameters.vRest, count: count)
        let k = parameters.dt / parameters.tau
        membrane = LinearMembrane(a: 1 - k, b: parameters.dt / parameters.capacitance, c: k * parameters.vRest)
    }

    /// Checks an initial α (and that it lies within the controller's bounds, if any).
    public static func validate(alpha: Float, controller: FiringRateController?) throws(NeuronParameterError) {
        try NeuronParameterError.require(alpha.isFinite && alpha > 0, "alpha", alpha, "a finite value > 0 (seed: 0.1–0.5)")
        if let controller {
            try NeuronParameterError.require(controller.bounds.contains(alpha), "alpha", alpha, "within the controller's bounds \(controller.bounds)")
        }
    }

    public mutating func step(_ input: UnsafeBufferPointer<Float>, spikes: UnsafeMutableBufferPointer<Int8>) throws(NeuronParameterError) -> Int {
        try checkShapes(input: input.count, spikes: spikes.count)
        let n = count
        guard n > 0 else { return 0 }
        let meanAbs = try ActivationSummary(input, extremes: false).meanAbs(count: n)
        let p = parameters
        let vth = max(p.vRest + alpha * (meanAbs - p.iRest), p.vRest + SpikingBrainEncoder.thresholdRange.lowerBound)
        let negTh = 2 * p.vRest - vth
        let negReset = 2 * p.vRest - p.vReset
        let m = membrane
        let down: Float = p.ternary ? negTh : -.infinity
        // Locals only inside the loop (no captured vars, selects instead of branches) so it vectorizes.
        let fired = v.withUnsafeMutableBufferPointer { v in
            var fired = 0
            for i in 0..<n {
                let u = m.a * v[i] + m.b * input[i] + m.c
                let isUp = u >= vth
                let isDown = u <= down
                v[i] = isUp ? p.vReset : (isDown ? negReset : u)
                let s: Int8 = isUp ? 1 : (isDown ? -1 : 0)
                spikes[i] = s
                fired &+= Int(s & 1)
            }
            return fired
        }
        lastThreshold = vth
        if let controller {
            alpha = controller.adjusted(alpha, observedRate: Double(fired) / Double(n))
        }
        return fired
    }

    public mutating func reset() {
        for i in 0..<v.count { v[i] = parameters.vRest }
        alpha = initialAlpha
        lastThreshold = 0
    }
}
