import ModelShapes
import Foundation

/// A Hugging Face checkpoint directory: `config.json` plus `model.safetensors` or the shards
/// listed in `model.safetensors.index.json`. Opening it maps the files and validates their
/// headers; no tensor is read until asked for.
public struct SafetensorsCheckpoint: Sendable {
    /// The checkpoint directory.
    public let directory: String
    /// Shape from config.json.
    public let spec: ModelSpec
    /// Norm epsilon and RoPE details from config.json.
    public let config: TransformerConfig
    /// Shard file name -> mapped file.
    public let files: [String: SafetensorsFile]
    /// Tensor name -> shard file name.
    public let location: [String: String]

    /// Reads config.json and maps every shard; fails for unsupported `model_type`s.
    public init(directory: String) throws {
        self.directory = directory
        let dir = URL(fileURLWithPath: directory)
        let configURL = dir.appendingPathComponent("config.json")
        guard let configData = try? Data(contentsOf: configURL),
              let json = try? JSONSerialization.jsonObject(with: configData) as? [String: Any] else {
            throw ModelError.cannotOpen(path: configURL.path, reason: "no readable JSON config.json")
        }
        func int(_ key: String) throws -> Int {
            guard let v = json[key] as? Int else { throw ModelError.missingMetadata("config.json \(key)") }
            return v
        }
        let arch = json["model_type"] as? String ?? "unknown"
        guard ModelSpec.supportedArchitectures.contains(arch) else {
            throw ModelError.unsupportedArchitecture(arch, supported: ModelSpec.supportedArchitectures)
        }

        var files: [String: SafetensorsFile] = [:]
        var location: [String: String] = [:]
        let index = dir.appendingPathComponent("model.safetensors.index.json")
        if FileManager.default.fileExists(atPath: index.path) {
            guard let indexJSON = try? JSONSerialization.jsonObject(with: Data(contentsOf: index)) as? [String: Any],
                  let map = indexJSON["weight_map"] as? [String: String] else {
                throw ModelError.malformed("\(index.path) has no weight_map")
            }
            location = map
        } else {
            let single = try SafetensorsFile(path: dir.appendingPathComponent("model.safetensors").path)
            files["model.safetensors"] = single
            for name in single.tensors.keys { location[name] = "model.safetensors" }
        }
        for name in Set(location.values) where files[name] == nil {
            guard !name.contains("/") else { throw ModelError.malformed("shard name \(name) leaves the directory") }
            files[name] = try SafetensorsFile(path: dir.appendingPathComponent(name).path)
        }
        for (tensor, file) in location where files[file]?.tensors[tensor] == nil {
            throw ModelError.malformed("the index places \(tensor) in \(file), which does not hold it")
        }
        self.files = files
        self.location = location

        let heads = try int("num_attention_heads")
        spec = ModelSpec(
            name: json["_name_or_path"] as? String ?? arch, architecture: arch, layers: try int("num_hidden_layers"),
            hidden: try int("hidden_size"), ffn: try int("intermediate_size"), heads: heads,
            kvHeads: json["num_key_value_heads"] as? Int ?? heads, vocabulary: try int("vocab_size"),
            contextLength: try int("max_position_embeddings"),
            tiedEmbeddings: (json["tie_word_embeddings"] as? Bool ?? false) || location["lm_head.weight"] == nil)
        // Hugging Face Q/K rows are in rotate-half order for Llama and Qwen2 alike.
        config = TransformerConfig(rmsEpsilon: Float(json["rms_norm_eps"] as? Double ?? 1e-6),
                                   ropeBase: json["rope_theta"] as? Double ?? 10000, ropeStyle: .halves)
    }

    /// Every tensor of every shard, by name.
    public var tensors: [SafetensorsFile.Tensor] {
        location.keys.sorted().compactMap { files[location[$0]!]?.tensors[$0] }
    }

    /// A floating-point tensor's values, row-major.
    public func floats(_ name: String) throws -> ContiguousArray<Float> {
        guard let file = location[name].flatMap({ files[$0] }) else { throw ModelError.missingTensor(name) }
        return try file.floats(name)
    }

    /// The Hugging Face name of a tensor given its GGUF name (llama.cpp's convert table, inverted).
    static func huggingFaceName(_ gguf: String) -> String {
        switch gguf {
        case "token_embd.weight": return "model.embed_tokens.weight"
        case "output_norm.weight": return "model.norm.weight"
        case "output.weight": return "lm_head.weight"
        default: break
        }
        let parts = gguf.split(separator: ".")  // blk, L, role, weight|bias
        guard parts.count == 4, parts[0] == "blk" else { return gguf }
        let role: String = switch parts[2] {
        case "attn_norm": "input_layernorm"
        case "ffn_norm": "post_attention_layernorm"
        case "attn_q": "self_attn.q_proj"
        case "attn_k": "self_attn.k_proj"
        case "attn_v": "self_attn.v_proj"
        case "attn_output": "self_attn.o_proj"
        case "ffn_gate": "mlp.gate_proj"
        case "ffn_up": "mlp.up_proj"
        case "ffn_down": "mlp.down_proj"
        default: String(parts[2])
        }
        return "model.layers.\(parts[1]).\(role).\(parts[3])"
    }
}

extension LanguageModel {
    /// Loads a Hugging Face checkpoint. Weights keep Hugging Face's Q/K row order, so RoPE
    /// uses rotate-half pairing. No tokenizer is loaded (`tokenizer` is nil).
    public init(safetensors checkpoint: SafetensorsCheckpoint) throws {
        try self.init(spec: checkpoint.spec, config: checkpoint.config, tokenizer: nil) { ggufName, ggmlShape in
            let name = SafetensorsCheckpoint.huggingFaceName(ggufName)
            guard let fileName = checkpoint.location[name], let tensor = checkpoint.files[fileName]?.tensors[name] else {
                return nil
            }
            guard tensor.shape == ggmlShape.reversed() else {
                throw ModelError.shapeMismatch(tensor: name, expected: ggmlShape.reversed(), found: tensor.shape)
            }
            return try checkpoint.floats(name)
        }
    }

    /// Loads a Hugging Face checkpoint directory.
    public init(safetensorsDirectory directory: String) throws {
        try self.init(safetensors: SafetensorsCheckpoint(directory: directory))
    }
}
