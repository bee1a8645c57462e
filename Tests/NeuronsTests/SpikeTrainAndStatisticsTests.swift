import Testing
@testable import Neurons

@Suite struct SpikeTrainAndStatisticsTests {
    /// 3 neurons × 2 steps: neuron 0 fires +1, +1; neuron 1 fires −1 at step 1 only; neuron 2 is silent.
    private func smallTrain() -> SpikeTrain {
        var t = SpikeTrain(neuronCount: 3, steps: 2)
        t[0, 0] = 1; t[1, 0] = 1; t[1, 1] = -1
        t.scale = 0.5
        t.recount()
        return t
    }

    @Test func handComputedStatistics() throws {
        let train = smallTrain()
        #expect(Array(train.counts) == [2, -1, 0])
        let x: [Float] = [1.0, -0.25, 0.1]
        let s = try x.withUnsafeBufferPointer { (p) throws(NeuronParameterError) in try SpikeStatistics(train: train, reference: p) }
        #expect(s.spikes == 3 && s.events == 3 && s.slots == 6)
        #expect(s.firingRate == 0.5)
        #expect(s.silentFraction == 1.0 / 3.0)
        #expect(s.silentPerStep == 0.5)           // step 0: 2 of 3 silent, step 1: 1 of 3
        #expect(s.spikesPerNeuron == 1)
        // Reconstruction 1.0, −0.5, 0: errors 0, 0.25, 0.1.
        #expect(abs(s.maxAbsError - 0.25) < 1e-7)
        let expected = ((0.25 * 0.25 + 0.1 * 0.1) / (1 + 0.0625 + 0.01)).squareRoot()
        #expect(abs(try #require(s.relativeL2Error) - expected) < 1e-7)
    }

    @Test func withoutReferenceThereIsNoError() throws {
        let s = try SpikeStatistics(train: smallTrain())
        #expect(s.relativeL2Error == nil)
        #expect(s.spikes == 3)
        #expect(s.description == "firing 0.5, silent/step 0.5, silent neurons 0.333, spikes/neuron 1.0, clipped 0.0")
    }

    @Test func mergingEqualsMeasuringTheConcatenation() throws {
        var g = try SyntheticActivations(channels: 512, seed: 4)
        var e = try SpikingBrainEncoder(coding: .ternary, steps: 4)
        let a = g.next(), b = g.next()
        var merged = try encodeAndMeasure(&e, a).1
        merged.merge(try encodeAndMeasure(&e, b).1)
        // Concatenation with a shared V_th would differ; compare the additive totals instead.
        let sa = try encodeAndMeasure(&e, a).1, sb = try encodeAndMeasure(&e, b).1
        #expect(merged.spikes == sa.spikes + sb.spikes)
        #expect(merged.silentPerStep == Double(sa.silentNeuronSteps + sb.silentNeuronSteps) / Double(2 * 512 * 4))
        #expect(merged.maxAbsError == max(sa.maxAbsError, sb.maxAbsError))
        let rel = ((sa.squaredError + sb.squaredError) / (sa.squaredReference + sb.squaredReference)).squareRoot()
        #expect(merged.relativeL2Error == rel)
    }

    @Test func eventListAndCountsAgreeWithSpikes() throws {
        var e = try SpikingBrainEncoder(coding: .bitwise(twosComplement: true), steps: 6)
        let x = try heavyTailed(1000, seed: 6)
        var train = try e.encode(x)
        let kept = train.counts
        train.recount()
        #expect(train.counts == kept)
        var events = 0
        var total = [Int32](repeating: train.countOffset, count: 1000)
        for t in 0..<train.steps {
            train.forEachSpike(atStep: t) { i, s in
                events += 1
                total[i] += train.stepWeights[t] * Int32(s)
            }
        }
        #expect(total == Array(train.counts).map { $0 + train.countOffset })
        #expect(events == train.spikes.filter { $0 != 0 }.count)
    }

    @Test func everyEncoderKeepsCountsInStepWithSpikes() throws {
        let x = try heavyTailed(1001, seed: 14)
        let configs = ["spikingbrain:coding=binary,T=12", "spikingbrain:coding=ternary,T=5", "spikingbrain:coding=bitwise,T=7",
                       "spikingbrain:coding=bitwise2c,T=9", "sdllm:bits=5,gamma=0.5", "spikellm:levels=5,T=3,salient_T=7"]
        for config in configs {
            var e = try ConfiguredEncoder(parsing: config)
            var train = try e.encode(x)
            let kept = train.counts
            train.recount()
            #expect(train.counts == kept, "\(config)")
            if case .spikingBrain(let sb) = e {
                #expect(sb.coding.events(in: train) == (try SpikeStatistics(train: train)).events, "\(config)")
            }
        }
    }

    @Test func spikeTotalsMatchANaiveCount() throws {
        var rng = Xoshiro256StarStar(seed: 8)
        for (n, steps) in [(1, 1), (7, 3), (8, 2), (37, 5), (1000, 4)] {
            var train = SpikeTrain(neuronCount: n, steps: steps)
            for k in 0..<train.spikes.count {
                let r = rng.next()
                train.spikes[k] = r % 3 == 0 ? Int8(Int((r >> 8) % 255) - 127) : 0
            }
            let (spikes, events, silent) = train.spikes.withUnsafeBufferPointer {
                SpikeStatistics.spikeTotals($0, neurons: n, steps: steps)
            }
            #expect(spikes == train.spikes.reduce(0) { $0 + Int($1.magnitude) })
            #expect(events == train.spikes.filter { $0 != 0 }.count)
            let naiveSilent = (0..<n).filter { i in (0..<steps).allSatisfy { train[$0, i] == 0 } }.count
            #expect(silent == naiveSilent, "n=\(n) T=\(steps)")
        }
    }

    @Test func countTotalsMatchANaiveComputation() throws {
        // 16-lane blocks of 64 neurons plus a scalar tail, with and without a reference.
        var rng = Xoshiro256StarStar(seed: 9)
        for n in [5, 64, 200, 1000] {
            let counts = (0..<n).map { _ in Int32(rng.next() % 41) - 20 }
            let reference = (0..<n).map { _ in Float(Int(rng.next() % 2001) - 1000) / 97 }
            let offset: Int32 = -3, scale: Float = 0.37
            var low = 0, e2 = 0.0, r2 = 0.0, largest: Float = 0
            for i in 0..<n {
                let c = counts[i] + offset
                low += c.magnitude <= 7 ? 1 : 0
                let e = scale * Float(c) - reference[i]
                e2 += Double(e) * Double(e)
                r2 += Double(reference[i]) * Double(reference[i])
                largest = max(largest, abs(e))
            }
            let (l, se, sr, m) = counts.withUnsafeBufferPointer { c in
                reference.withUnsafeBufferPointer { SpikeStatistics.countTotals(c, offset: offset, scale: scale, reference: $0) }
            }
            #expect(l == low && m == largest, "n = \(n)")
            #expect(abs(se - e2) <= 1e-6 * e2 && abs(sr - r2) <= 1e-6 * r2, "n = \(n): \(se) vs \(e2), \(sr) vs \(r2)")
            let bare = counts.withUnsafeBufferPointer { SpikeStatistics.countTotals($0, offset: offset, scale: scale, reference: nil) }
            #expect(bare.0 == low && bare.1 == 0 && bare.2 == 0 && bare.3 == 0, "n = \(n)")
        }
    }

    @Test func decodeChecksTheBufferLength() throws {
        let train = smallTrain()
        var out = [Float](repeating: 0, count: 2)
        let error = #expect(throws: NeuronParameterError.self) {
            try out.withUnsafeMutableBufferPointer { (p) throws(NeuronParameterError) in try train.decode(into: p) }
        }
        #expect(error?.parameter == "output.count")
    }

    @Test func encodersReuseTheTrainStorage() throws {
        var e = try SDLLMEncoder()
        var train = SpikeTrain(neuronCount: 256, steps: e.steps)
        let before = train.spikes.withUnsafeBufferPointer { $0.baseAddress }
        let x = try heavyTailed(256, seed: 1)
        try x.withUnsafeBufferPointer { (p) throws(NeuronParameterError) in try e.encode(p, into: &train) }
        #expect(train.spikes.withUnsafeBufferPointer { $0.baseAddress } == before)
    }
}
