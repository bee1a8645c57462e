/// SpikingBrain's adaptive-threshold spike encoder (arXiv 2509.05276, Section 3.3, Eq. 19–22;
/// reference code `W8ASpike/quant_linear.py::dynamic_spikes` and `W8ASpike/neuron.py`).
///
/// Step 1 derives one threshold per activation vector and turns every activation into a
/// signed integer count; step 2 lays the count over T steps with a `SpikeCoding`. The
/// report's form is `V_th = mean(|x|)/k`, `count = round(x/V_th)`; the Chinese seed summary
/// writes `V_th = V_rest + α(I_in − I_rest)` and `S = floor(x/V_th)`. Both are offered: with
/// I_in = mean|x| and V_rest = I_rest = 0 the seed's rule is the report's with α = 1/k.
public struct SpikingBrainEncoder: SpikeEncoder, Equatable, Sendable {
    /// How the firing threshold follows the input.
    public enum Threshold: Equatable, Sendable {
        /// Report Eq. 19: V_th = mean(|x|)/k (default k = 3, Table 11 sweeps 2–4).
        case meanAbs(k: Float)
        /// Seed text: V_th = V_rest + α·(I_in − I_rest) with I_in = mean(|x|).
        case affine(vRest: Float, alpha: Float, iRest: Float)
    }

    /// How x/V_th becomes an integer count.
    public enum Rounding: Equatable, Sendable {
        /// Report (`torch.round`): nearest, ties to even.
        case nearest
        /// Seed text's floor, applied to the magnitude so that the coding stays sign-symmetric.
        case towardZero
    }

    // Read-only after validation in `init`.
    /// The threshold rule; with a `controller`, α changes after every vector.
    public private(set) var threshold: Threshold
    public let rounding: Rounding
    public let coding: SpikeCoding
    /// T, or with `adaptiveSteps` the largest T a vector may use.
    public let steps: Int
    /// Use per vector the fewest steps that hold its largest count (W8ASpike's `T = None`),
    /// up to `steps`; trains then vary in length and no count is clipped below the cap.
    public let adaptiveSteps: Bool
    /// Adjusts the seed form's α from each vector's event rate (the seed's "α adjusted from the
    /// firing rate"); only with `.affine` thresholds.
    public let controller: FiringRateController?

    /// The reference code clamps V_th to this range so that an all-zero vector stays silent.
    public static let thresholdRange: ClosedRange<Float> = 1e-5...1e4

    /// Defaults follow the report: k = 3, nearest rounding, bitwise sign-magnitude coding as
    /// `dynamic_spikes` uses it, T = 8 (a count of up to 255, as in the report's example).
    public init(threshold: Threshold = .meanAbs(k: 3), rounding: Rounding = .nearest,
                coding: SpikeCoding = .bitwise(twosComplement: false), steps: Int = 8,
                adaptiveSteps: Bool = false, controller: FiringRateController? = nil) throws(NeuronParameterError) {
        switch threshold {
        case .meanAbs(let k):
            try NeuronParameterError.require(k.isFinite && k > 0 && k <= 1000, "k", k, "0 < k ≤ 1000 (report uses 2–4)")
        case .affine(let vRest, let alpha, let iRest):
            try NeuronParameterError.require(vRest.isFinite, "v_rest", vRest, "a finite value")
            try NeuronParameterError.require(iRest.isFinite, "i_rest", iRest, "a finite value")
            try NeuronParameterError.require(alpha.isFinite && alpha > 0 && alpha <= 10, "alpha", alpha, "0 < α ≤ 10 (seed uses 0.1–0.5)")
            if let controller {
                try NeuronParameterError.require(controller.bounds.contains(alpha), "alpha", alpha, "within the controller's bounds \(controller.bounds)")
            }
        }
        if case .meanAbs = threshold, controller != nil {
            throw NeuronParameterError(parameter: "target_rate", value: "set with k", allowed: "only with the seed form (alpha), whose α it adapts")
        }
        try coding.validate(steps: steps)
        self.threshold = threshold
        self.rounding = rounding
        self.coding = coding
        self.steps = steps
        self.adaptiveSteps = adaptiveSteps
        self.controller = controller
    }

    /// The threshold this encoder would use for activations with the given mean |x|.
    public func thresholdValue(meanAbs: Float) -> Float {
        let raw: Float
        switch threshold {
        case .meanAbs(let k): raw = meanAbs / k
        case .affine(let vRest, let alpha, let iRest): raw = vRest + alpha * (meanAbs - iRest)
        }
        return min(max(raw, Self.thresholdRange.lowerBound), Self.thresholdRange.upperBound)
    }

    public mutating func encode(_ x: UnsafeBufferPointer<Float>, into train: inout SpikeTrain) throws(NeuronParameterError) {
        // The extremes serve only the zero point of binary coding and the adaptive T.
        let summary = try ActivationSummary(x, extremes: coding == .binary || adaptiveSteps)
        let vth = thresholdValue(meanAbs: summary.meanAbs(count: x.count))
        let nearest = rounding == .nearest
        let rule: FloatingPointRoundingRule = nearest ? .toNearestOrEven : .towardZero
        // Counts are monotone in x, so the extremes follow from the summary (pre-clamped to 2^22
        // like every count).
        @inline(__always) func count(_ v: Float) -> Int32 { Int32(min(max(v / vth, -4_194_304), 4_194_304).rounded(rule)) }
        // Binary coding carries signed data on a zero point, as W8ASpike's spike_quant does.
        let offset: Int32 = coding.isSigned ? 0 : min(0, count(summary.minimum))
        var t = steps
        if adaptiveSteps {
            let top = count(summary.maxAbs)
            t = min(steps, coding.isSigned ? coding.stepsToHold(lowest: -top, highest: top)
                                           : coding.stepsToHold(lowest: 0, highest: top &- offset))
        }
        train.reshape(neuronCount: x.count, steps: t)
        train.scale = vth
        train.countOffset = offset
        let range = coding.countRange(steps: t)
        train.clippedCount = encodeCounts(x, scale: vth, offset: offset, nearest: nearest, range: range, coding: coding, into: &train)
        if let controller, case .affine(let vRest, let alpha, let iRest) = threshold {
            let rate = Double(coding.events(in: train)) / Double(max(1, train.slotCount))
            threshold = .affine(vRest: vRest, alpha: controller.adjusted(alpha, observedRate: rate), iRest: iRest)
        }
    }
}
