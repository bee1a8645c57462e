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
        (lowCountNeurons, squaredError, squaredReference, maxAbsError) = train.counts.withUnsafeBufferPointer {
            Self.countTotals($0, offset: train.countOffset, scale: train.scale, reference: reference)
        }
    }

    /// The neurons with |count| ≤ 7 and, against `reference`, Σ (x̂ − x)², Σ x² and max |x̂ − x|,
    /// x̂ = scale·(count + offset).
    ///
    /// Sixteen lanes at a time; the squares are summed in Float over blocks of 64 neurons
    /// (exact enough for a relative error, and free of a serial dependency per element) and
    /// the blocks in Double. A NaN error is passed over by the maximum, as `Swift.max` does.
    /// The last partial block runs on a padded copy (counts −offset, references 0: x̂ = x = 0,
    /// no error, and a low count that is taken back), so there is no scalar twin.
    static func countTotals(_ counts: UnsafeBufferPointer<Int32>, offset: Int32, scale: Float,
                            reference: UnsafeBufferPointer<Float>?) -> (Int, Double, Double, Float) {
        let n = counts.count, whole = n & ~63
        let seven = SIMD16<Int32>(repeating: 7), shift = SIMD16<Int32>(repeating: offset), s = SIMD16<Float>(repeating: scale)
        var low = SIMD16<Int32>.zero, largest = SIMD16<Float>.zero
        var sqErr = 0.0, sqRef = 0.0
        // 64 neurons from c (and x): counts, and with a reference the block's squares.
        @inline(__always) func block(_ c: UnsafeRawPointer, _ x: UnsafeRawPointer?) {
            var e2 = SIMD16<Float>.zero, r2 = SIMD16<Float>.zero
            for k in 0..<4 {
                let count = c.loadUnaligned(fromByteOffset: 64 &* k, as: SIMD16<Int32>.self) &+ shift
                low &-= lanes(magnitudes(count) .<= seven)
                guard let x else { continue }
                let value = x.loadUnaligned(fromByteOffset: 64 &* k, as: SIMD16<Float>.self)
                let e = s * floats(count) - value
                e2 += e * e
                r2 += value * value
                let size = Neurons.magnitudes(e)
                largest = largest.replacing(with: size, where: size .> largest)
            }
            sqErr += Double(e2.sum())
            sqRef += Double(r2.sum())
        }
        if let c = counts.baseAddress.map(UnsafeRawPointer.init) {
            let x = reference?.baseAddress.map(UnsafeRawPointer.init)
            var i = 0
            while i < whole {
                block(c + i &* 4, x.map { $0 + i &* 4 })
                i &+= 64
            }
        }
        let rest = n - whole
        if rest > 0 {
            withUnsafeTemporaryAllocation(byteCount: 2 * 64 * 4, alignment: 64) { padded in
                let c = padded.baseAddress!.bindMemory(to: Int32.self, capacity: 64)
                let x = (padded.baseAddress! + 64 * 4).bindMemory(to: Float.self, capacity: 64)
                for j in 0..<64 {
                    c[j] = j < rest ? counts[whole + j] : 0 &- offset
                    x[j] = j < rest ? reference?[whole + j] ?? 0 : 0
                }
                block(UnsafeRawPointer(c), reference == nil ? nil : UnsafeRawPointer(x))
            }
        }
        return (Int(low.wrappedSum()) - (rest > 0 ? 64 - rest : 0), sqErr, sqRef, largest.max())
    }

    /// Σ|s|, non-zero entries and neurons without any event (spikes are T rows of n bytes).
    static func spikeTotals(_ all: UnsafeBufferPointer<Int8>, neurons n: Int, steps: Int) -> (Int, Int, Int) {
        let (spikes, events) = byteTotals(all)
        return (spikes, events, n - activeColumns(all, rows: steps, columns: n))
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
