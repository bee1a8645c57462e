import ArgumentParser
import ClosedLoop
import Foundation
import Mapping
import ModelShapes
import Models
import Neurons
import Topology

/// `spikechip fidelity`: how far the chip's arithmetic moves a real model from its dense reference.
struct FidelityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fidelity",
        abstract: "Compare spiking configurations of a real model against its dense FP32 reference on a fixed text.",
        discussion: """
            Reads TEXT with teacher forcing (every position sees the true previous tokens) through the
            dense OpenBLAS forward pass and through each configuration, one position at a time:
              weights only   quantized crossbar weights (--weight-bits), exact activations: quantization error alone
              spikes only    each --encoder's spikes through the FP32 weights: encoding error alone
              chip           the encoder's spikes integrated through the quantized crossbars: what the chip computes
            and prints per configuration the top-1 agreement with the dense next-token choice, the mean
            KL(dense ‖ configuration) in nats, the perplexity on TEXT, and the encoders' firing statistics.
            """)

    @Argument(help: "GGUF model file (Llama or Qwen2 family), e.g. SmolLM2-135M from scripts/fetch-models.sh.")
    var model: String

    @Option(help: "English text read with teacher forcing. Default: a fixed paragraph (see docs/fidelity.md).")
    var text = FidelityCommand.paragraph

    @Option(name: .customLong("encoder"), help: "Encoder spec, repeatable. Default: spikingbrain at T = 4 ternary and T = 8 bitwise, sdllm, spikellm.")
    var encoders: [String] = ["spikingbrain:k=3,T=4,coding=ternary", "spikingbrain:k=3,T=8,coding=bitwise", "sdllm:bits=4,gamma=1",
                              "spikellm:levels=4,T=2,salient_T=4,salient_fraction=0.01"]

    @Option(help: "Bits of a signed crossbar weight, 2 to 8. Default: 8.")
    var weightBits = 8

    @Option(help: "Partial sums: graded (exact) or spikes[:BITS] (rounded per tile, tiles of the --topology's core size). Default: graded.")
    var partialSums = "graded"

    @Option(help: "Chip description whose core size cuts the tiles (matters with --partial-sums spikes). Default: spikechip-llm.")
    var topology = "spikechip-llm"

    @Option(help: "Output: markdown or json. Default: markdown.")
    var format: Format = .markdown

    enum Format: String, ExpressibleByArgument, CaseIterable { case markdown, json }

    static let paragraph = "The history of computing is a story of trading one scarce resource for another. Early machines "
        + "were limited by the number of vacuum tubes they could keep alive, later ones by memory, and today the cost "
        + "of moving data often exceeds the cost of computing on it. A careful engineer measures before she optimizes."

    func run() throws {
        var progress = Progress("fidelity", quiet: format == .json)
        progress.update("loading \(model)")
        let lm = try LanguageModel(gguf: try GGUFFile(path: model))
        guard let tokenizer = lm.tokenizer else { throw ValidationErrorMessage("\(model) has no tokenizer in its metadata") }
        let tokens = tokenizer.encodeForModel(text)
        let configured = try encoders.map { try ConfiguredEncoder(parsing: $0) }
        progress.update("quantizing to \(weightBits)-bit crossbars")
        let crossbars = try CrossbarModel(quantizing: lm, bits: weightBits)
        progress.update("dense reference")
        let dense = try FidelityStudy.denseLogits(model: lm, tokens: tokens)
        let topo = try Topology.load(path: try ResourceLocator.topology(topology))
        let reduction = PartialSumReduction(coding: try PartialSumCoding(parsing: partialSums), axons: topo.axons, neurons: topo.neurons)
        let sums = reduction.coding == .graded ? "" : ", partial sums \(reduction.coding) on \(topo.axons)×\(topo.neurons) tiles"
        var results: [FidelityResult] = []
        func measure(_ label: String, _ backend: ChipBackend) throws {
            progress.update("\(label) (\(results.count + 1) of \(1 + 2 * encoders.count))")
            results.append(try FidelityStudy.measure(label: label, model: lm, backend: backend, tokens: tokens, dense: dense))
        }
        let anyEncoder = try configured.first ?? ConfiguredEncoder(parsing: "spikingbrain")
        try measure("int\(weightBits) weights, exact activations", ChipBackend(crossbars: crossbars, encoder: anyEncoder, mode: .quantizedWeights))
        for (spec, encoder) in zip(encoders, configured) {
            try measure("FP32 weights, \(spec)", ChipBackend(crossbars: crossbars, encoder: encoder, mode: .spikeEncoding(dense: lm)))
            try measure("int\(weightBits) weights, \(spec)\(sums)", ChipBackend(crossbars: crossbars, encoder: encoder, mode: .chip, partialSums: reduction))
        }
        progress.done()
        switch format {
        case .json:
            let rows: [[String: Any]] = results.map { r in
                ["configuration": r.label, "positions": r.positions, "top1_agreement": r.top1Agreement, "mean_kl_nats": r.meanKL,
                 "perplexity": r.perplexity, "dense_perplexity": r.densePerplexity, "firing_rate": r.spikes.firingRate,
                 "silent_per_step": r.spikes.silentPerStep, "relative_l2_error": r.spikes.relativeL2Error as Any]
            }
            let data = try JSONSerialization.data(withJSONObject: ["model": lm.spec.name, "tokens": tokens.count, "results": rows],
                                                  options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        case .markdown:
            print("\(lm.spec.name), \(tokens.count) tokens, dense perplexity \(String(format: "%.2f", results.first?.densePerplexity ?? .nan))\n")
            print("| configuration | top-1 agreement | mean KL (nats) | perplexity | firing rate | silent per step | rel. L2 of encoding |")
            print("|---|---|---|---|---|---|---|")
            for r in results {
                let spiking = r.spikes.neurons > 0
                print(String(format: "| %@ | %.3f | %.4f | %.2f | %@ | %@ | %@ |", r.label as NSString, r.top1Agreement, r.meanKL, r.perplexity,
                             (spiking ? String(format: "%.3f", r.spikes.firingRate) : "–") as NSString,
                             (spiking ? String(format: "%.3f", r.spikes.silentPerStep) : "–") as NSString,
                             (r.spikes.relativeL2Error.map { String(format: "%.3f", $0) } ?? "–") as NSString))
            }
        }
    }
}
