/// Sparsity and reconstruction quality of encoded spike trains, kept as raw totals so that
/// the simulator can merge them over tokens and report one line per layer.
///
/// Rates are derived from the totals, so merging then reading gives exactly the rate of
/// the concatenated data (not an average of averages).
public struct SpikeStatistics: Equatable, Sendable, CustomStringConvertible {
    /// Σ|s|: unit spikes (a GIF amplitude-3 entry counts 3).
    public var spikes: Int = 0
    /// Non-zero entries: events the engine turns into weight-row fetches.
    public var events: Int = 0
    /// Neuron-step slots the coding used (denominator of the rates).
    public var slots: Int = 0
    /// Neurons encoded.
    public var neurons: Int = 0
    /// Neurons that emitted no event over all steps.
    public var silentNeurons: Int = 0
    /// Σ over steps of the neurons not firing at that step.
    public var silentNeuronSteps: Int = 0
    /// Σ over steps of the neurons present at that step (`neurons * steps`).
    public var neuronSteps: Int = 0
    /// Neurons whose signed count had |count| ≤ 7 (SpikingBrain Table 11's statistic).
    public var lowCountNeurons: Int = 0
    /// Neurons whose count was clipped to the coding's range.
    public var clippedNeurons: Int = 0
    /// Σ (x̂ - x)², Σ x², and max |x̂ - x| against the reference; absent without one.
    public var squaredError: Double = 0
    public var squaredReference: Double = 0
    public var maxAbsError: Float = 0
    /// Whether a reference was given, i.e. whether the error fields mean anything.
    public var hasReference = false

    public init() {}

    /// Measures `train`; with `reference` (the encoded activations) also the reconstruction error.
    ///
    /// Spike totals and silence come from `spikes`; the per-neuron counts (low-count fraction,
    /// reconstruction) from `counts`, which encoders keep in step (call `recount()` after
    /// editing `spikes` by hand).
    public init(train: SpikeTrain, reference: UnsafeBufferPointer<Float>? = nil) throws(NeuronParameterError) {
        let n = train.neuronCount, steps = train.steps
        if let reference {
            try NeuronParameterError.require(reference.count == n, "reference.count", reference.count, "== \(n)")
        }
        neurons = n
        slots = train.slotCount
        neuronSteps = n * steps
        clippedNeurons = train.clippedCount
        hasReference = reference != nil
        let (spikes, events, silent) = train.spikes.withUnsafeBufferPointer { Self.spikeTotals($0, neurons: n, steps: steps) }
        self.spikes = spikes
        self.events = events
        silentNeurons = silent
        silentNeuronSteps = neuronSteps - events
        let scale = train.scale, offset = train.countOffset
        var low = 0, sqErr = 0.0, sqRef = 0.0
        var maxErr: Float = 0
        train.counts.withUnsafeBufferPointer { counts in
            for i in 0..<n {
                let c = counts[i] &+ offset
                low &+= c.magnitude <= 7 ? 1 : 0
            }
            guard let reference else { return }
            // Float partial sums over blocks of 64, accumulated in Double: exact enough for a
            // relative error and free of a serial dependency per element.
            var i = 0
            while i < n {
                let end = Swift.min(i + 64, n)
                var e2: Float = 0, r2: Float = 0
                for j in i..<end {
                    let x = reference[j]
                    let e = scale * Float(counts[j] &+ offset) - x
                    e2 += e * e
                    r2 += x * x
                    maxErr = Swift.max(maxErr, abs(e))
                }
                sqErr += Double(e2)
                sqRef += Double(r2)
                i = end
            }
        }
        lowCountNeurons = low
        squaredError = sqErr
        squaredReference = sqRef
        maxAbsError = maxErr
    }

    /// Σ|s|, non-zero entries and neurons without any event, eight entries per 64-bit word
    /// (SWAR; the compiler does not vectorize the byte-wise loop on its own):
    /// - a byte b is non-zero iff `((b & 0x7F) + 0x7F | b) & 0x80` is set;
    /// - |b| is `(b ^ m) + (m & 1)` with m = 0xFF for negative bytes, which cannot carry into
    ///   the next byte because amplitudes are at least −127;
    /// - silence ORs the T rows of 8 neurons and counts the non-zero bytes of the result.
    static func spikeTotals(_ all: UnsafeBufferPointer<Int8>, neurons n: Int, steps: Int) -> (Int, Int, Int) {
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F, high: UInt64 = 0x8080_8080_8080_8080
        let ones: UInt64 = 0x0101_0101_0101_0101, evenBytes: UInt64 = 0x00FF_00FF_00FF_00FF
        @inline(__always) func nonzeroBytes(_ w: UInt64) -> Int { ((((w & low7) &+ low7) | w) & high).nonzeroBitCount }
        var spikes = 0, events = 0, active = 0
        let words = all.count / 8, neuronWords = n / 8
        if let base = all.baseAddress.map(UnsafeRawPointer.init) {
            for k in 0..<words {
                let w = base.loadUnaligned(fromByteOffset: k * 8, as: UInt64.self)
                let sign = (w >> 7) & ones
                let magnitude = (w ^ (sign &* 0xFF)) &+ sign
                let pairs = (magnitude & evenBytes) &+ ((magnitude >> 8) & evenBytes)
                spikes &+= Int((pairs &* 0x0001_0001_0001_0001) >> 48)
                events &+= nonzeroBytes(w)
            }
            for k in 0..<neuronWords {
                var any: UInt64 = 0
                for t in 0..<steps { any |= base.loadUnaligned(fromByteOffset: t * n + k * 8, as: UInt64.self) }
                active &+= nonzeroBytes(any)
            }
        }
        for i in (words * 8)..<all.count {
            spikes &+= Int(all[i].magnitude)
            events &+= all[i] != 0 ? 1 : 0
        }
        for i in (neuronWords * 8)..<n {
            var any: Int8 = 0
            for t in 0..<steps { any |= all[t * n + i] }
            active &+= any != 0 ? 1 : 0
        }
        return (spikes, events, n - active)
    }

    /// Adds another measurement (e.g. the next token at the same layer).
    public mutating func merge(_ other: SpikeStatistics) {
        spikes += other.spikes
        events += other.events
        slots += other.slots
        neurons += other.neurons
        silentNeurons += other.silentNeurons
        silentNeuronSteps += other.silentNeuronSteps
        neuronSteps += other.neuronSteps
        lowCountNeurons += other.lowCountNeurons
        clippedNeurons += other.clippedNeurons
        squaredError += other.squaredError
        squaredReference += other.squaredReference
        maxAbsError = max(maxAbsError, other.maxAbsError)
        hasReference = hasReference || other.hasReference
    }

    /// Unit spikes per used neuron-step slot.
    public var firingRate: Double { ratio(spikes, slots) }
    /// Non-zero entries per used slot (differs from `firingRate` only for multi-spike steps).
    public var eventRate: Double { ratio(events, slots) }
    /// Fraction of neurons silent over the whole window (their weight rows are never fetched).
    public var silentFraction: Double { ratio(silentNeurons, neurons) }
    /// Mean over steps of the fraction of neurons not firing at that step: SpikingBrain's "sparsity".
    public var silentPerStep: Double { ratio(silentNeuronSteps, neuronSteps) }
    /// Average unit spikes per neuron over the window (SpikingBrain reports 1.13).
    public var spikesPerNeuron: Double { ratio(spikes, neurons) }
    /// Fraction of neurons whose count fits in |count| ≤ 7.
    public var lowCountFraction: Double { ratio(lowCountNeurons, neurons) }
    /// Fraction of neurons clipped by the coding's range.
    public var clippedFraction: Double { ratio(clippedNeurons, neurons) }
    /// ‖x̂ − x‖₂ / ‖x‖₂ (0 when both are zero; nil without a reference).
    public var relativeL2Error: Double? {
        guard hasReference else { return nil }
        if squaredReference == 0 { return squaredError == 0 ? 0 : .infinity }
        return (squaredError / squaredReference).squareRoot()
    }

    /// One log line per layer, e.g.
    /// `firing 0.152, silent/step 0.848, silent neurons 0.135, spikes/neuron 1.214, clipped 0.0001, relL2 0.270, max|err| 12.3`.
    public var description: String {
        var parts = ["firing \(fixed(firingRate))", "silent/step \(fixed(silentPerStep))",
                     "silent neurons \(fixed(silentFraction))", "spikes/neuron \(fixed(spikesPerNeuron))",
                     "clipped \(fixed(clippedFraction, digits: 4))"]
        if let rel = relativeL2Error {
            parts.append("relL2 \(fixed(rel))")
            parts.append("max|err| \(fixed(Double(maxAbsError)))")
        }
        return parts.joined(separator: ", ")
    }

    private func fixed(_ v: Double, digits: Int = 3) -> String {
        guard v.isFinite else { return "\(v)" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        return "\((v * scale).rounded() / scale)"
    }

    private func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }
}
