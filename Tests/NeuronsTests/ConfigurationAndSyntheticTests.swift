import SimKernel
import Testing
@testable import Neurons

@Suite struct EncoderConfigurationTests {
    @Test func parsesEachFamilyWithParameters() throws {
        guard case .spikingBrain(let sb) = try ConfiguredEncoder(parsing: "spikingbrain:k=2.5,T=4,coding=ternary") else {
            Issue.record("wrong family"); return
        }
        #expect(sb.threshold == .meanAbs(k: 2.5) && sb.steps == 4 && sb.coding == .ternary && sb.rounding == .nearest)
        #expect(!sb.adaptiveSteps)
        guard case .spikingBrain(let auto) = try ConfiguredEncoder(parsing: "spikingbrain:T=21,adaptive_T=true") else {
            Issue.record("wrong family"); return
        }
        #expect(auto.adaptiveSteps && auto.steps == 21 && auto.coding == .bitwise(twosComplement: false))

        guard case .spikingBrain(let seed) = try ConfiguredEncoder(parsing: "spikingbrain:alpha=0.3,v_rest=0,rounding=floor,coding=binary,T=8") else {
            Issue.record("wrong family"); return
        }
        #expect(seed.threshold == .affine(vRest: 0, alpha: 0.3, iRest: 0) && seed.rounding == .towardZero && seed.controller == nil)
        guard case .spikingBrain(let adaptive) = try ConfiguredEncoder(parsing: "spikingbrain:alpha=0.3,target_rate=0.31,gain=0.2") else {
            Issue.record("wrong family"); return
        }
        #expect(adaptive.controller == (try FiringRateController(targetRate: 0.31, gain: 0.2)))

        guard case .sdllm(let sd) = try ConfiguredEncoder(parsing: "SDLLM:bits=5, gamma=0.8, clip=6") else {
            Issue.record("wrong family"); return
        }
        #expect(sd.bits == 5 && sd.gamma == 0.8 && sd.steps == 6)

        let sl = try ConfiguredEncoder(parsing: "spikellm:levels=4,T=2,salient_T=8,salient_fraction=0.02")
        #expect(sl.kind == .spikellm && sl.steps == 8)
        #expect(try ConfiguredEncoder(parsing: "spikingbrain").steps == 8)
    }

    @Test func configuredEncoderEncodesLikeTheConcreteOne() throws {
        let x = try heavyTailed(1024, seed: 19)
        var configured = try ConfiguredEncoder(parsing: "spikingbrain:k=3,T=4,coding=ternary")
        var concrete = try SpikingBrainEncoder(coding: .ternary, steps: 4)
        #expect(try configured.encode(x) == concrete.encode(x))
    }

    @Test func badStringsGiveClearErrors() throws {
        let unknown = #expect(throws: NeuronParameterError.self) { try ConfiguredEncoder(parsing: "loihi") }
        #expect(unknown?.allowed.contains("spikingbrain, sdllm, spikellm") == true)
        let key = #expect(throws: NeuronParameterError.self) { try ConfiguredEncoder(parsing: "sdllm:k=3") }
        #expect(key?.parameter == "k" && key?.allowed.contains("bits, gamma, clip") == true)
        let number = #expect(throws: NeuronParameterError.self) { try ConfiguredEncoder(parsing: "spikingbrain:T=four") }
        #expect(number?.parameter == "T")
        #expect(throws: NeuronParameterError.self) { try ConfiguredEncoder(parsing: "spikingbrain:k=3,alpha=0.3") }
        #expect(throws: NeuronParameterError.self) { try ConfiguredEncoder(parsing: "spikingbrain:alpha=0.3,gain=0.1") }
        let orphan = #expect(throws: NeuronParameterError.self) { try ConfiguredEncoder(parsing: "spikingbrain:v_rest=0.1") }
        #expect(orphan?.parameter == "v_rest")
        #expect(throws: NeuronParameterError.self) { try ConfiguredEncoder(parsing: "spikingbrain:coding=quaternary") }
        #expect(throws: NeuronParameterError.self) { try ConfiguredEncoder(parsing: "spikellm:levels=1") }
        // A key given twice is refused, not settled by the last one.
        let twice = #expect(throws: NeuronParameterError.self) { try ConfiguredEncoder(parsing: "spikingbrain:k=3,k=5") }
        #expect(twice?.parameter == "k" && twice?.allowed.contains("appears twice") == true)
    }

    @Test func parametersFromATopologyDictionary() throws {
        let e = try ConfiguredEncoder(kind: .sdllm, parameters: ["bits": "4", "clip": "3"])
        #expect(e.steps == 3)
    }
}

@Suite struct SyntheticSourcesTests {
    @Test func splitMixAndXoshiroMatchAPythonReference() {
        var s = SplitMix64(seed: 0)
        #expect([s.next(), s.next(), s.next()] == [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F])
        var x = Xoshiro256StarStar(seed: 42)
        #expect([x.next(), x.next(), x.next()] == [0x1578_0B2E_0C2E_C716, 0x6104_D986_6D11_3A7E, 0xAE17_5332_39E4_99A1])
    }

    @Test func syntheticSpikesHitTheRequestedSilenceAndAreReproducible() throws {
        var a = try SyntheticSpikeSource(seed: 5)
        var b = try SyntheticSpikeSource(seed: 5)
        var ta = SpikeTrain(neuronCount: 0, steps: 0), tb = SpikeTrain(neuronCount: 0, steps: 0)
        a.fill(&ta, neuronCount: 18944, steps: 4)
        b.fill(&tb, neuronCount: 18944, steps: 4)
        #expect(ta == tb)
        let s = try SpikeStatistics(train: ta)
        // 75,776 Bernoulli slots: σ of the silent fraction ≈ 0.0017.
        print("synthetic source: silent per step \(s.silentPerStep) (target 0.6915)")
        #expect(abs(s.silentPerStep - 0.6915) < 5 * 0.0017)
        let positive = ta.spikes.filter { $0 == 1 }.count, negative = ta.spikes.filter { $0 == -1 }.count
        #expect(abs(positive - negative) < 5 * 153)   // σ of the difference ≈ √(23,376) ≈ 153
        #expect(throws: NeuronParameterError.self) { try SyntheticSpikeSource(silentFraction: 1.5, seed: 0) }
    }

    @Test func syntheticSpikeExtremesAreExact() throws {
        var train = SpikeTrain(neuronCount: 0, steps: 0)
        var silent = try SyntheticSpikeSource(silentFraction: 1, seed: 2)
        silent.fill(&train, neuronCount: 999, steps: 3)
        #expect(train.spikes.allSatisfy { $0 == 0 })
        var busy = try SyntheticSpikeSource(silentFraction: 0, seed: 2)
        busy.fill(&train, neuronCount: 999, steps: 3)
        #expect(train.spikes.allSatisfy { $0 == 1 || $0 == -1 })
        var copy = train
        copy.recount()
        #expect(copy.counts == train.counts)
    }

    @Test func syntheticActivationsAreHeavyTailedAndSeeded() throws {
        var g1 = try SyntheticActivations(channels: 20000, outlierFraction: 0, seed: 3)
        var g2 = try SyntheticActivations(channels: 20000, outlierFraction: 0, seed: 3)
        let x = g1.next()
        #expect(x == g2.next())
        let mean = x.reduce(0, +) / Float(x.count)
        let m2 = x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(x.count)
        let m4 = x.map { pow4($0 - mean) }.reduce(0, +) / Float(x.count)
        // Student-t with 4 dof has infinite kurtosis; a sample's exceeds the Gaussian 3 by far.
        #expect(m4 / (m2 * m2) > 5)
        let withOutliers = try SyntheticActivations(channels: 1000, outlierFraction: 0.01, seed: 3)
        #expect(withOutliers.outlierChannels.count == 10)
    }

    private func pow4(_ v: Float) -> Float { v * v * v * v }
}
