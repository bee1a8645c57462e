/// GPT-2 style byte-level BPE built from GGUF tokenizer metadata (`tokenizer.ggml.*`):
/// special tokens are matched first, the rest is split by the model's pre-tokenizer regex,
/// mapped to GPT-2's byte alphabet and merged by rank. Gives the same ids as the model's
/// Hugging Face tokenizer (tested against `tokenizers` on the real vocabularies).
public struct BPETokenizer: Sendable {
    /// Token strings by id, in GPT-2 byte-alphabet form.
    public let tokens: [String]
    /// Beginning-of-sequence token (`tokenizer.ggml.bos_token_id`).
    public let bosID: Int32?
    /// End-of-sequence token; generation stops there.
    public let eosID: Int32?
    /// Whether the model expects BOS before a prompt (`tokenizer.ggml.add_bos_token`).
    public let addBOS: Bool
    /// The regex split named by `tokenizer.ggml.pre`.
    public let preTokenizer: PreTokenizer
    private let ids: [String: Int32]
    /// (left id << 32 | right id) -> (rank, merged id).
    private let merges: [UInt64: (rank: Int32, merged: Int32)]
    /// Control and user-defined tokens by first UTF-8 byte, longest first, matched verbatim in the input.
    private let specials: [UInt8: [(bytes: [UInt8], id: Int32)]]
    /// Token id of each byte's GPT-2 character; nil for bytes the vocabulary lacks (SmolLM2
    /// has no token for bytes that never occur in UTF-8 text and a few control characters).
    private let byteTokens: [Int32?]
    /// GPT-2 character (as a scalar value) -> byte.
    private let unicodeToByte: [UInt32: UInt8]

    /// GPT-2's reversible byte -> printable character map (bytes_to_unicode).
    static let byteToUnicode: [Unicode.Scalar] = {
        var printable = Array(33...126) + Array(161...172) + Array(174...255)
        var scalars = printable.map { UInt32($0) }
        var extra: UInt32 = 0
        for b in 0..<256 where !printable.contains(b) {
            printable.append(b); scalars.append(256 + extra); extra += 1
        }
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        for (b, s) in zip(printable, scalars) { table[b] = Unicode.Scalar(s)! }
        return table
    }()

    /// Reads `tokenizer.ggml.*`; fails for non-BPE tokenizers, unknown pre-tokenizers and merges naming absent tokens.
    public init(gguf: GGUFFile) throws {
        let model = try gguf.string("tokenizer.ggml.model")
        guard model == "gpt2" else {
            throw ModelError.malformed("tokenizer model \(model) is not supported (only byte-level BPE, \"gpt2\")")
        }
        guard let tokens = try gguf.value("tokenizer.ggml.tokens").array?.strings,
              let mergeStrings = try gguf.value("tokenizer.ggml.merges").array?.strings else {
            throw ModelError.malformed("tokenizer.ggml.tokens and tokenizer.ggml.merges must be string arrays")
        }
        let types = gguf.metadata["tokenizer.ggml.token_type"]?.array?.ints ?? []
        guard types.isEmpty || types.count == tokens.count else {
            throw ModelError.malformed("tokenizer.ggml.token_type has \(types.count) entries for \(tokens.count) tokens")
        }
        func tokenID(_ key: String) throws -> Int32? {
            guard let v = gguf.metadata[key]?.int else { return nil }
            guard v >= 0, v < tokens.count else { throw ModelError.malformed("\(key) = \(v) is outside the vocabulary") }
            return Int32(v)
        }
        try self.init(tokens: tokens, merges: mergeStrings, tokenTypes: types,
                      preTokenizer: PreTokenizer(name: gguf.metadata["tokenizer.ggml.pre"]?.string ?? "default"),
                      bosID: tokenID("tokenizer.ggml.bos_token_id"), eosID: tokenID("tokenizer.ggml.eos_token_id"),
                      addBOS: gguf.metadata["tokenizer.ggml.add_bos_token"]?.bool ?? false)
    }

    /// Builds a tokenizer from its parts; `tokenTypes` uses GGUF's codes (3 control, 4 user-defined).
    public init(tokens: [String], merges mergeStrings: [String], tokenTypes: [Int], preTokenizer: PreTokenizer,
                bosID: Int32?, eosID: Int32?, addBOS: Bool) throws {
        guard tokens.count < Int(Int32.max) else { throw ModelError.implausible("\(tokens.count) tokens") }
        self.tokens = tokens
        self.bosID = bosID; self.eosID = eosID; self.addBOS = addBOS
        self.preTokenizer = preTokenizer
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(tokens.count)
        for (i, t) in tokens.enumerated() where ids[t] == nil { ids[t] = Int32(i) }
        self.ids = ids
        var merges: [UInt64: (rank: Int32, merged: Int32)] = [:]
        merges.reserveCapacity(mergeStrings.count)
        for (rank, merge) in mergeStrings.enumerated() {
            let parts = merge.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, let a = ids[String(parts[0])], let b = ids[String(parts[1])],
                  let merged = ids[String(parts[0]) + String(parts[1])] else {
                throw ModelError.malformed("merge \(rank) \"\(merge)\" names tokens missing from the vocabulary")
            }
            let key = UInt64(UInt32(a)) << 32 | UInt64(UInt32(b))
            if merges[key] == nil { merges[key] = (Int32(rank), merged) }
        }
        self.merges = merges
        var specials: [UInt8: [(bytes: [UInt8], id: Int32)]] = [:]
        for (i, type) in tokenTypes.enumerated() where (type == 3 || type == 4) && !tokens[i].isEmpty {
            let bytes = Array(tokens[i].utf8)
            specials[bytes[0], default: []].append((bytes, Int32(i)))
        }
        self.specials = specials.mapValues { $0.sorted { $0.bytes.count > $1.bytes.count } }
        byteTokens = BPETokenizer.byteToUnicode.map { ids[String(Character($0))] }
        unicodeToByte = Dictionary(uniqueKeysWithValues: BPETokenizer.byteToUnicode.enumerated().map { ($1.value, UInt8($0)) })
    }

    /// Token ids of `text`, without BOS; special tokens written in the text become their ids.
    public func encode(_ text: String) -> [Int32] {
        var out: [Int32] = []
        let bytes = Array(text.utf8)
        var plainStart = 0, i = 0
        while i < bytes.count {
            guard let candidates = specials[bytes[i]],
                  let hit = candidates.first(where: { $0.bytes.count <= bytes.count - i && bytes[i..<i + $0.bytes.count].elementsEqual($0.bytes) })
            else { i += 1; continue }
            encodePlain(bytes[plainStart..<i], into: &out)
            out.append(hit.id)
            i += hit.bytes.count
            plainStart = i
        }
        encodePlain(bytes[plainStart...], into: &out)
        return out
    }

    /// Pre-tokenizes and merges text containing no special token. Specials start with a UTF-8
    /// lead byte, so the slice boundaries are scalar boundaries and decoding is lossless.
    private func encodePlain(_ bytes: ArraySlice<UInt8>, into out: inout [Int32]) {
        guard !bytes.isEmpty else { return }
        let text = String(decoding: bytes, as: UTF8.self)
        for piece in preTokenizer.split(text[...]) { merge(piece, into: &out) }
    }

    /// `encode` with BOS prepended when the model asks for it: what the model is fed.
    public func encodeForModel(_ text: String) -> [Int32] {
        (addBOS ? bosID.map { [$0] } ?? [] : []) + encode(text)
    }

    /// The text of `ids`; special tokens are rendered verbatim.
    public func decode(_ ids: [Int32]) -> String {
        var bytes: [UInt8] = []
        for id in ids where id >= 0 && Int(id) < tokens.count {
            for scalar in tokens[Int(id)].unicodeScalars {
                if let byte = unicodeToByte[scalar.value] { bytes.append(byte) } else { bytes.append(contentsOf: String(scalar).utf8) }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Byte-level BPE of one pre-token: start from byte tokens, repeatedly apply the
    /// lowest-ranked merge among adjacent pairs. A byte without a token is dropped, as both
    /// Hugging Face `tokenizers` (no unk token) and llama.cpp do.
    private func merge(_ piece: Substring, into out: inout [Int32]) {
        var symbols = piece.utf8.compactMap { byteTokens[Int($0)] }
        while symbols.count > 1 {
            var bestRank = Int32.max, bestIndex = -1, bestMerged: Int32 = 0
            for i in 0..<(symbols.count - 1) {
                let key = UInt64(UInt32(symbols[i])) << 32 | UInt64(UInt32(symbols[i + 1]))
                if let m = merges[key], m.rank < bestRank { bestRank = m.rank; bestIndex = i; bestMerged = m.merged }
            }
            guard bestIndex >= 0 else { break }
            symbols[bestIndex] = bestMerged
            symbols.remove(at: bestIndex + 1)
        }
        out.append(contentsOf: symbols)
    }
}
