/// SpikeLLM's encoder (Xing et al., ICLR 2025, arXiv 2407.04752): generalized
/// integrate-and-fire (GIF) neurons that emit up to `maxSpikesPerStep` spikes in one step
/// (L = maxSpikesPerStep + 1 levels, log2 L bits per step instead of L binary steps), and
/// per-channel salient-outlier expansion: salient channels get `salientSteps` steps while
/// the rest get `normalSteps`, so the threshold can follow the bulk of the channels.
///
/// The paper finds salient channels with first/second-order saliency on calibration data;
/// without gradients this encoder either takes the salient channels from calibration
/// (`.channels`) or uses the largest magnitudes of each vector (`.topMagnitude`).
public struct SpikeLLMEncoder: SpikeEncoder, Sendable {
    /// Which channels are salient.
    public enum Salience: Equatable, Sendable {
        /// The `fraction` of channels with the largest |x| in each vector.
        case topMagnitude(fraction: Float)
        /// A fixed set (e.g. from a calibration pass).
        case channels([Int])
    }

    // Read-only after validation in `init`.
    public let maxSpikesPerStep: Int
    public let normalSteps: Int
    public let salientSteps: Int
    public let salience: Salience
    public var steps: Int { salientSteps }

    private var scratch = ContiguousArray<Float>()
    private var mask = ContiguousArray<Bool>()

    /// Defaults: 4-level GIF (3 spikes per step, 2 bits), 2 normal steps, 4 salient steps,
    /// 1% salient channels by magnitude.
    public init(maxSpikesPerStep: Int = 3, normalSteps: Int = 2, salientSteps: Int = 4,
                salience: Salience = .topMagnitude(fraction: 0.01)) throws(NeuronParameterError) {
        try SpikeCoding.multiLevel(maxAmplitude: maxSpikesPerStep).validate(steps: salientSteps)
        try NeuronParameterError.require((1...salientSteps).contains(normalSteps), "normal_steps", normalSteps, "1...salient_steps (\(salientSteps))")
        switch salience {
        case .topMagnitude(let f):
            try NeuronParameterError.require(f.isFinite && f >= 0 && f < 1, "salient_fraction", f, "0 ≤ fraction < 1")
        case .channels(let list):
            let bad = list.first { $0 < 0 }
            try NeuronParameterError.require(bad == nil, "salient_channels", bad ?? 0, "non-negative channel indices")
        }
        self.maxSpikesPerStep = maxSpikesPerStep
        self.normalSteps = normalSteps
        self.salientSteps = salientSteps
        self.salience = salience
    }

    public mutating func encode(_ x: UnsafeBufferPointer<Float>, into train: inout SpikeTrain) throws(NeuronParameterError) {
        let n = x.count
        var salientCount = 0
        var normalMax: Float = 0
        switch salience {
        case .topMagnitude(let fraction):
            let m = Int(fraction * Float(n))
            if m == 0 {
                normalMax = try ActivationSummary(x).maxAbs
            } else {
                if scratch.count != n { scratch = ContiguousArray(repeating: 0, count: n) }
                // The largest magnitude that is not among the top m; the salient channels exceed it.
                let top = scratch.withUnsafeMutableBufferPointer { largestMagnitude(afterTop: m, of: x, scratch: $0) }
                // The selection's pass checks finiteness; the summary names the offending value.
                if !top.finite { _ = try ActivationSummary(x, extremes: false) }
                (normalMax, salientCount) = (top.value, top.above)
            }
        case .channels(let list):
            _ = try ActivationSummary(x, extremes: false)
            if mask.count != n { mask = ContiguousArray(repeating: false, count: n) }
            for i in 0..<n { mask[i] = false }
            for c in list {
                try NeuronParameterError.require(c < n, "salient_channels", c, "an index below the vector length \(n)")
                if !mask[c] { mask[c] = true; salientCount += 1 }
            }
            for i in 0..<n where !mask[i] { normalMax = max(normalMax, abs(x[i])) }
        }
        let a = maxSpikesPerStep
        let vth = max(normalMax / Float(a * normalSteps), SpikingBrainEncoder.thresholdRange.lowerBound)
        train.reshape(neuronCount: n, steps: salientSteps)
        train.scale = vth
        let coding = SpikeCoding.multiLevel(maxAmplitude: a)
        let salientRange = coding.countRange(steps: salientSteps)
        // V_th is set from the largest non-salient magnitude, so non-salient counts stay within
        // ±a·normalSteps and, front-loaded, occupy only their first `normalSteps` steps;
        // only salient channels can exceed their (longer) range and be clipped.
        train.clippedCount = encodeCounts(x, scale: vth, offset: 0, nearest: true, range: salientRange, coding: coding, into: &train)
        train.slotCount = salientCount * salientSteps + (n - salientCount) * normalSteps
    }
}
