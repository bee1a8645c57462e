import ArgumentParser
import Foundation
import ModelShapes
import Models
import Neurons

/// `spikechip encode`: the encoders' error and sparsity on a real model's activations.
struct EncodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Measure spike encoders on the inputs of every linear projection of a real model (dense forward pass).",
        discussion: """
            Runs the dense OpenBLAS forward pass of MODEL over TEXT, hands the input vector of every
            projection (RMSNorm output for q/k/v and gate/up, attention output for o, SiLU(gate)·up for
            down) to each encoder, and prints a Markdown table per site: relative L2 error, firing
            rate (spikes per neuron per step), silent fraction per step and over the token, spikes per neuron.
            """)

    @Argument(help: "GGUF model file (Llama or Qwen2 family), e.g. SmolLM2-135M from scripts/fetch-models.sh.")
    var model: String

    @Option(help: "English text whose tokens are run through the model.")
    var text = "The quick brown fox jumps over the lazy dog. Energy per token on a neuromorphic chip depends on routing, memory and idle power, not only on arithmetic. The capital of France is"

    @Option(name: .customLong("encoder"), help: "Encoder spec, repeatable (e.g. spikingbrain:k=3,T=4,coding=ternary; sdllm:bits=4,gamma=1; spikellm:levels=4,T=2,salient_T=4). Default: a representative set.")
    var encoders: [String] = ["spikingbrain:k=3,T=4,coding=ternary", "spikingbrain:k=3,T=8,coding=bitwise", "spikingbrain:k=3,T=21,adaptive_T=true,coding=bitwise",
                              "sdllm:bits=4,gamma=1", "spikellm:levels=4,T=2,salient_T=4,salient_fraction=0.01"]

    func run() throws {
        let lm = try LanguageModel(gguf: try GGUFFile(path: model))
        guard let tokenizer = lm.tokenizer else { throw ValidationErrorMessage("\(model) has no tokenizer in its metadata") }
        let tokens = tokenizer.encodeForModel(text)
        var configured = try encoders.map { try ConfiguredEncoder(parsing: $0) }
        let sites: [(String, ModelSpec.Projection)] = [("attn_in (q/k/v)", .q), ("o_in", .o), ("ffn_in (gate/up)", .gate), ("down_in", .down)]
        var stats = [[SpikeStatistics]](repeating: [SpikeStatistics](repeating: SpikeStatistics(), count: encoders.count), count: sites.count)
        var failure: Error?
        var session = try lm.makeSession(capacity: tokens.count)
        _ = try session.forward(tokens, observe: { _, projection, _, input in
            guard let s = sites.firstIndex(where: { $0.1 == projection }), failure == nil else { return }
            for e in configured.indices {
                var train = SpikeTrain(neuronCount: input.count, steps: configured[e].steps)
                do { stats[s][e].merge(try configured[e].measure(input, train: &train)) } catch { failure = error }
            }
        })
        if let failure { throw failure }
        print("\(lm.spec.name): \(tokens.count) tokens × \(lm.spec.layers) layers per site\n")
        for (s, site) in sites.enumerated() {
            print("#### \(site.0)\n")
            print("| encoder | T | rel. L2 error | firing rate | silent per step | silent over T | spikes per neuron |")
            print("|---|---|---|---|---|---|---|")
            for (e, spec) in encoders.enumerated() {
                let t = stats[s][e]
                print(String(format: "| `%@` | %d | %.3f | %.3f | %.3f | %.3f | %.3f |", spec as NSString, configured[e].steps,
                             t.relativeL2Error ?? .nan, t.firingRate, t.silentPerStep, t.silentFraction, t.spikesPerNeuron))
            }
            print("")
        }
    }
}
