import Testing
@testable import Neurons

@Suite struct SpikeLLMEncoderTests {
    /// Two spikes per step, 1 normal step, 2 salient steps; channel 2 salient.
    /// Non-salient max |x| = 1 → V_th = 1/(2·1) = 0.5; x/V_th = 1, −2, 6 (clipped to 4), 0.5 (→ 0, ties to even).
    private let x: [Float] = [0.5, -1.0, 3.0, 0.25]

    @Test func handComputedGIFTrainWithFixedSalientChannel() throws {
        var e = try SpikeLLMEncoder(maxSpikesPerStep: 2, normalSteps: 1, salientSteps: 2, salience: .channels([2]))
        let (train, stats) = try encodeAndMeasure(&e, x)
        #expect(train.scale == 0.5)
        #expect(Array(train.counts) == [1, -2, 4, 0])
        #expect(spikes(of: 0, in: train) == [1, 0])
        #expect(spikes(of: 1, in: train) == [-2, 0])
        #expect(spikes(of: 2, in: train) == [2, 2])
        #expect(train.slotCount == 1 * 2 + 3 * 1)
        #expect(stats.spikes == 7 && stats.events == 4)
        #expect(stats.firingRate == 7.0 / 5.0)
        #expect(stats.clippedNeurons == 1)
    }

    @Test func magnitudeSalienceFindsTheSameChannel() throws {
        var fixed = try SpikeLLMEncoder(maxSpikesPerStep: 2, normalSteps: 1, salientSteps: 2, salience: .channels([2]))
        var byMagnitude = try SpikeLLMEncoder(maxSpikesPerStep: 2, normalSteps: 1, salientSteps: 2, salience: .topMagnitude(fraction: 0.25))
        #expect(try fixed.encode(x) == byMagnitude.encode(x))
    }

    @Test func nonSalientChannelsUseOnlyTheirSteps() throws {
        let data = try heavyTailed(4096, seed: 31)
        var e = try SpikeLLMEncoder(maxSpikesPerStep: 3, normalSteps: 2, salientSteps: 6, salience: .topMagnitude(fraction: 0.01))
        let train = try e.encode(data)
        // Only salient channels (the 40 = 1% largest magnitudes) may fire after step 2.
        let lateFiring = (0..<4096).filter { spikes(of: $0, in: train)[2...].contains { $0 != 0 } }
        let fortiethLargest = data.map { abs($0) }.sorted(by: >)[39]
        #expect(lateFiring.count <= 40)
        #expect(lateFiring.allSatisfy { abs(data[$0]) >= fortiethLargest })
        #expect(train.slotCount <= 40 * 6 + 4096 * 2 && train.slotCount >= 4096 * 2)
    }

    @Test func salientExpansionReducesErrorOnOutlierData() throws {
        let data = try heavyTailed(18944, seed: 17)
        var plain = try SpikeLLMEncoder(maxSpikesPerStep: 3, normalSteps: 2, salientSteps: 2, salience: .topMagnitude(fraction: 0))
        var expanded = try SpikeLLMEncoder(maxSpikesPerStep: 3, normalSteps: 2, salientSteps: 32, salience: .topMagnitude(fraction: 0.01))
        let a = try #require(encodeAndMeasure(&plain, data).1.relativeL2Error)
        let b = try #require(encodeAndMeasure(&expanded, data).1.relativeL2Error)
        print("SpikeLLM GIF(3/step, T=2): relative L2 error without salient expansion \(a), with 1% channels at T=32 \(b)")
        #expect(b < a / 2)
    }

    @Test func moreLevelsPerStepMeanFewerStepsForTheSameError() throws {
        // A GIF neuron with A spikes per step represents ±A·T; ternary IF (A = 1) needs A× the steps.
        let data = try heavyTailed(4096, seed: 23)
        var gif = try SpikeLLMEncoder(maxSpikesPerStep: 4, normalSteps: 2, salientSteps: 2, salience: .topMagnitude(fraction: 0))
        var ternaryLike = try SpikeLLMEncoder(maxSpikesPerStep: 1, normalSteps: 8, salientSteps: 8, salience: .topMagnitude(fraction: 0))
        let a = try gif.encode(data), b = try ternaryLike.encode(data)
        #expect(a.counts == b.counts)
        #expect(a.steps * 4 == b.steps)
    }

    @Test func quickselectMatchesSorting() throws {
        var rng = Xoshiro256StarStar(seed: 99)
        for trial in 0..<80 {
            let n = 1 + Int(rng.next() % (trial < 40 ? 300 : 3000))
            var v = (0..<n).map { _ in Float(Int(rng.next() % (trial % 3 == 0 ? 4 : 40))) - 20 }  // many ties
            let k = Int(rng.next() % UInt64(n))
            let expected = v.sorted()[k], above = v.filter { $0 > expected }.count
            let got = v.withUnsafeMutableBufferPointer { select(rank: k, in: $0) }
            #expect(got.value == expected && got.above == above, "trial \(trial): n = \(n), k = \(k)")
        }
    }

    @Test func sampledMagnitudeSelectionIsExact() throws {
        // The sampled bound must never change the answer: heavy tails, ties, a constant vector
        // (every sample equals the bound) and sizes below and above the sampling threshold.
        var rng = Xoshiro256StarStar(seed: 7)
        for trial in 0..<60 {
            let n = [5, 1023, 1024, 2049, 18944][trial % 5]
            var x = try heavyTailed(n, seed: UInt64(trial))
            if trial % 3 == 1 { x = x.map { ($0 * 4).rounded() } }          // many ties
            if trial % 7 == 2 { x = [Float](repeating: -1.5, count: n) }    // all equal
            let m = [0, 1, n / 100, n / 2, n - 1][Int(rng.next() % 5)]
            let expected = x.map(abs).sorted(by: >)[m]
            var scratch = [Float](repeating: 0, count: n)
            let got = x.withUnsafeBufferPointer { xs in
                scratch.withUnsafeMutableBufferPointer { largestMagnitude(afterTop: m, of: xs, scratch: $0) }
            }
            #expect(got.value == expected && got.finite, "trial \(trial): n = \(n), m = \(m)")
            #expect(got.above == x.filter { abs($0) > got.value }.count && got.above <= m)
        }
    }

    @Test func nonFiniteInputIsAnErrorOnEverySelectionPath() throws {
        // The salient-channel selection checks finiteness itself (no separate summary pass): a NaN
        // or infinity in a vector block, in the tail, in a sampled position, or in a vector too
        // short to sample must still be named.
        var e = try SpikeLLMEncoder()
        for (n, index, bad) in [(18944, 5000, Float.nan), (18950, 18948, .infinity), (18944, 18 * 7, -.infinity), (500, 3, .nan)] {
            var x = try heavyTailed(n, seed: UInt64(index))
            x[index] = bad
            var train = SpikeTrain(neuronCount: n, steps: e.steps)
            let error = #expect(throws: NeuronParameterError.self) {
                try x.withUnsafeBufferPointer { (p) throws(NeuronParameterError) in try e.encode(p, into: &train) }
            }
            #expect(error?.parameter == "activation[\(index)]", "n = \(n)")
        }
    }

    @Test func signSymmetric() throws {
        let data = try heavyTailed(4096, seed: 13)
        var e = try SpikeLLMEncoder()
        let a = try e.encode(data), b = try e.encode(data.map { -$0 })
        #expect(b.spikes == ContiguousArray(a.spikes.map { -$0 }))
    }

    @Test func validation() throws {
        #expect(throws: NeuronParameterError.self) { try SpikeLLMEncoder(normalSteps: 5, salientSteps: 4) }
        #expect(throws: NeuronParameterError.self) { try SpikeLLMEncoder(maxSpikesPerStep: 0) }
        #expect(throws: NeuronParameterError.self) { try SpikeLLMEncoder(salience: .topMagnitude(fraction: 1)) }
        var e = try SpikeLLMEncoder(salience: .channels([10]))
        let error = #expect(throws: NeuronParameterError.self) { _ = try e.encode([1, 2, 3]) }
        #expect(error?.parameter == "salient_channels")
    }
}
