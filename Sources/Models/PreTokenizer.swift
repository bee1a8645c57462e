/// The regex splitting that byte-level BPE applies before merging, keyed by GGUF's
/// `tokenizer.ggml.pre` (the same table as llama.cpp's llama-vocab.cpp). Each stage splits
/// every piece of the previous stage; matches and the gaps between them both become pieces.
public struct PreTokenizer: Sendable {
    /// The `tokenizer.ggml.pre` name it was built from.
    public let name: String
    /// Patterns rather than compiled `Regex` values, which are not Sendable.
    private let stages: [String]

    /// GPT-2's pattern.
    static let gpt2 = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    /// Qwen2's pattern (also DeepSeek-R1-Distill-Qwen).
    static let qwen2 = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    /// Llama 3's pattern.
    static let llama3 = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    static let known: [String: [String]] = [
        "gpt2": [gpt2], "default": [gpt2],
        // StarCoder-style vocabularies (SmolLM) isolate every digit first.
        "smollm": [#"\p{N}"#, gpt2], "starcoder": [#"\p{N}"#, gpt2], "refact": [#"\p{N}"#, gpt2],
        "qwen2": [qwen2], "deepseek-r1-qwen": [qwen2],
        "llama3": [llama3], "llama-bpe": [llama3], "smaug-bpe": [llama3],
    ]

    /// The pre-tokenizer GGUF calls `name`; unknown names are an error naming the known ones.
    public init(name: String) throws {
        guard let stages = PreTokenizer.known[name] else {
            throw ModelError.malformed("unknown tokenizer.ggml.pre \(name); known: \(PreTokenizer.known.keys.sorted().joined(separator: ", "))")
        }
        self.name = name
        for pattern in stages { _ = try Regex(pattern) }  // so that `split` cannot meet a bad pattern
        self.stages = stages
    }

    /// Splits `text` into the pieces BPE merges independently.
    public func split(_ text: Substring) -> [Substring] {
        var pieces = [text]
        for pattern in stages {
            // Validated in init; compiling per call is cheap next to matching.
            let regex = try! Regex(pattern).matchingSemantics(.unicodeScalar)
            var next: [Substring] = []
            for piece in pieces {
                var cursor = piece.startIndex
                for match in piece.matches(of: regex) where !match.range.isEmpty {
                    if cursor < match.range.lowerBound { next.append(piece[cursor..<match.range.lowerBound]) }
                    next.append(piece[match.range])
                    cursor = match.range.upperBound
                }
                if cursor < piece.endIndex { next.append(piece[cursor...]) }
            }
            pieces = next
        }
        return pieces
    }
}
