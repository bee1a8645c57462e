import Testing
@testable import Neurons

@Suite struct SDLLMEncoderTests {
    @Test func handComputedSymmetricGrid() throws {
        // 3 bits: Q = 3, γ = 1 → Δ = max|x|/3 = 0.25; x/Δ = 1, −2, 3, 0.
        var e = try SDLLMEncoder(bits: 3)
        let x: [Float] = [0.25, -0.5, 0.75, 0.0625]
        let (train, stats) = try encodeAndMeasure(&e, x)
        #expect(e.steps == 3 && train.scale == 0.25)
        #expect(Array(train.counts) == [1, -2, 3, 0])
        #expect(spikes(of: 1, in: train) == [-1, -1, 0])
        #expect(spikes(of: 2, in: train) == [1, 1, 1])
        #expect(stats.maxAbsError == 0.0625)
    }

    @Test func gammaShrinksTheRangeAndClipsOutliers() throws {
        // γ = 0.5: Δ = 0.125; x/Δ = 2, −4, 6, 0.5 → clamp to ±3, ties to even → 2, −3, 3, 0.
        var e = try SDLLMEncoder(bits: 3, gamma: 0.5)
        let (train, stats) = try encodeAndMeasure(&e, [0.25, -0.5, 0.75, 0.0625])
        #expect(train.scale == 0.125)
        #expect(Array(train.counts) == [2, -3, 3, 0])
        #expect(stats.clippedNeurons == 2)
    }

    @Test func membraneClipSetsTheStepsAndBoundsTheCounts() throws {
        var e = try SDLLMEncoder(bits: 4, clip: 2)
        let x = try heavyTailed(4096, seed: 2)
        let (train, _) = try encodeAndMeasure(&e, x)
        #expect(train.steps == 2)
        #expect(train.counts.allSatisfy { abs($0) <= 2 })
        #expect(train.spikes.allSatisfy { abs($0) <= 1 })
    }

    @Test func bidirectionalCodingHalvesTheSteps() throws {
        for bits in 2...8 {
            let e = try SDLLMEncoder(bits: bits)
            // Q = 2^(b−1) − 1 steps against 2^b − 1 for an unsigned train of the same grid.
            #expect(e.steps * 2 + 1 == e.asymmetricSteps)
        }
    }

    @Test func errorShrinksAsBitsAndStepsGrow() throws {
        let x = try heavyTailed(8192, seed: 4)
        var errors: [Double] = []
        for bits in 2...8 {
            var e = try SDLLMEncoder(bits: bits, gamma: 0.25)
            errors.append(try #require(encodeAndMeasure(&e, x).1.relativeL2Error))
        }
        print("SDLLM γ=0.25 relative L2 error for b = 2…8 (T = 1, 3, 7, …, 127):", errors)
        for (a, b) in zip(errors, errors.dropFirst()) { #expect(b < a) }
    }

    @Test func zeroAndLowCountsDominate() throws {
        var e = try SDLLMEncoder(bits: 4, gamma: 1)
        let x = try heavyTailed(18944, seed: 8)
        let (train, stats) = try encodeAndMeasure(&e, x)
        let low = train.counts.filter { abs($0) <= 1 }.count
        print("SDLLM 4-bit γ=1 on synthetic data: |count| ≤ 1 for \(Double(low) / 18944), silent per step \(stats.silentPerStep)")
        #expect(Double(low) / 18944 > 0.5)
        #expect(stats.silentPerStep > 0.8)
    }

    @Test func signSymmetric() throws {
        let x = try heavyTailed(4096, seed: 12)
        var e = try SDLLMEncoder(bits: 5, gamma: 0.5, clip: 6)
        let a = try e.encode(x), b = try e.encode(x.map { -$0 })
        #expect(b.spikes == ContiguousArray(a.spikes.map { -$0 }))
    }

    @Test func validation() throws {
        #expect(throws: NeuronParameterError.self) { try SDLLMEncoder(bits: 1) }
        #expect(throws: NeuronParameterError.self) { try SDLLMEncoder(gamma: 0) }
        let e = #expect(throws: NeuronParameterError.self) { try SDLLMEncoder(bits: 4, clip: 8) }
        #expect(e?.parameter == "clip" && e?.allowed.hasPrefix("1...7") == true)
    }
}
