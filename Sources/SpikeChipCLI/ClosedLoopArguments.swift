import SimKernel
import ArgumentParser
import ClosedLoop
import Foundation
import Mapping
import ModelShapes
import Models
import Neurons

/// Options of a closed-loop run: real tokens through the chip instead of statistical spikes.
struct ClosedLoopArguments: ParsableArguments {
    @Option(help: "Closed loop: prompt text, tokenized with the --model file's vocabulary; the chip generates --tokens tokens after it.")
    var prompt: String?

    @Option(help: "Closed loop: prompt as comma-separated token ids (for the built-in spec, whose synthetic weights have no vocabulary).")
    var promptIds: String?

    @Option(name: .customLong("encoder"), help: "Closed loop: encoder in front of every spiking stage, name[:key=value,...] (see `spikechip encode --help`). Default: spikingbrain:k=8,T=14,coding=bitwise (top-1 agreement 0.88 with dense SmolLM2-135M, docs/fidelity.md).")
    var encoderOption: String?

    @Option(name: .customLong("weight-std"), parsing: .unconditional, help: "Closed loop without --model: standard deviation of the seeded synthetic weights, > 0. Default: 0.02 (Llama/Qwen2 initialisation).")
    var weightStdOption: Float?

    @Flag(help: "Closed loop: also run the dense model on the same tokens and compare every position's logits with the chip's (top-1 agreement, KL divergence; stored with the run, a sweep's energy-fidelity front). Doubles the host's work.")
    var fidelity = false

    var isRequested: Bool { prompt != nil || promptIds != nil }
    /// The encoder of a closed loop.
    var encoder: String { encoderOption ?? "spikingbrain:k=8,T=14,coding=bitwise" }
    var weightStd: Float { weightStdOption ?? 0.02 }

    /// Refuses closed-loop options on a run that is not one, and checks every option a closed loop
    /// uses before anything is loaded or allocated (`modelPath`: the run's --model).
    func validate(modelPath: String?, vocabulary: Int) throws {
        guard isRequested else {
            for (name, given) in [("--encoder", encoderOption != nil), ("--weight-std", weightStdOption != nil), ("--fidelity", fidelity)] where given {
                throw ValidationError("\(name) applies to a closed loop (--prompt or --prompt-ids); a statistical run draws its spikes from --silent, --spikes-per-activation and --coding")
            }
            return
        }
        if fidelity && modelPath == nil {
            throw ValidationError("--fidelity compares the chip with the dense model of --model; the built-in spec's synthetic weights exist only as crossbars, so give --model")
        }
        if let std = weightStdOption {
            guard modelPath == nil else { throw ValidationError("--weight-std sets synthetic weights; with --model the weights come from the file, so drop --weight-std") }
            guard std.isFinite, std > 0 else { throw ValidationError("--weight-std must be a positive number, got \(std)") }
        }
        _ = try ConfiguredEncoder(parsing: encoder)
        if let ids = try promptIDs() {
            if let bad = ids.first(where: { $0 < 0 || Int($0) >= vocabulary }) {
                throw ValidationError("--prompt-ids: token id \(bad) is outside the model's vocabulary of \(vocabulary) (0…\(vocabulary - 1))")
            }
        }
    }

    /// A closed-loop source ready to run, and what the report needs about it.
    struct Prepared {
        var source: ClosedLoopSource
        var model: LanguageModel
        var encoder: ConfiguredEncoder
        var loadSeconds: Double
        var weightsLabel: String
    }

    /// Loads (or synthesizes) the weights, quantizes them to the mapping's precision and builds the source.
    /// `onEncode` sees every stage input the encoders encode (see `ChipBackend.onEncode`).
    func prepare(mapping m: ChipMapping, modelPath: String?, tokens: Int, seed: UInt64, quiet: Bool,
                 onEncode: ((Int, UnsafeBufferPointer<Float>, SpikeTrain) -> Void)? = nil) throws -> Prepared {
        let configured = try ConfiguredEncoder(parsing: encoder)
        let clock = ContinuousClock()
        let started = clock.now
        var progress = Progress("loading", quiet: quiet)
        let model: LanguageModel, crossbars: CrossbarModel, label: String
        if let modelPath {
            progress.update("dequantizing \(modelPath)")
            model = try LanguageModel(gguf: try GGUFFile(path: modelPath))
            progress.update("quantizing to \(m.options.weightBits)-bit crossbars")
            crossbars = try CrossbarModel(quantizing: model, bits: m.options.weightBits)
            label = "\(m.options.weightBits)-bit crossbars quantized from \((modelPath as NSString).lastPathComponent)"
        } else {
            model = try LanguageModel.synthetic(spec: m.spec, seed: seed)
            crossbars = try CrossbarModel(synthetic: m.spec, bits: m.options.weightBits, std: weightStd, seed: seed) { done, total in
                progress.update("synthetic \(m.options.weightBits)-bit weights, matrix \(done) of \(total)")
            }
            label = "seeded synthetic \(m.options.weightBits)-bit weights (std \(weightStd), seed \(seed))"
        }
        progress.done()
        let ids = try promptTokens(model)
        var backend = ChipBackend(crossbars: crossbars, encoder: configured, partialSums: PartialSumReduction(mapping: m))
        backend.onEncode = onEncode
        let source = try ClosedLoopSource(model: model, backend: backend,
                                          mapping: m, prompt: ids, newTokens: tokens, measureFidelity: fidelity)
        return Prepared(source: source, model: model, encoder: configured,
                        loadSeconds: (clock.now - started).inSeconds, weightsLabel: label)
    }

    /// The ids of --prompt-ids, or nil when the prompt is text.
    private func promptIDs() throws -> [Int32]? {
        guard let promptIds else { return nil }
        guard prompt == nil else { throw ValidationError("give --prompt or --prompt-ids, not both") }
        let parts = promptIds.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return try parts.map { part in
            guard let id = Int32(part) else { throw ValidationError("--prompt-ids: '\(part)' is not a token id (comma-separated integers)") }
            return id
        }
    }

    private func promptTokens(_ model: LanguageModel) throws -> [Int32] {
        if let ids = try promptIDs() { return ids }
        guard let tokenizer = model.tokenizer else {
            throw ValidationError("this model has no vocabulary to tokenize --prompt with; give --prompt-ids, or a GGUF --model with a tokenizer")
        }
        return tokenizer.encodeForModel(prompt ?? "")
    }
}
