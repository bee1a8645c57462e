/// Where a data block sits and what it holds; its payload stays in the reader until the
/// next block is read.
public struct TraceBlock: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case spikes
        case activations(ActivationPrecision)
        /// float64 membranes of a network trace's membrane stream.
        case membranes

        /// "spike", "activation" or "membrane", as messages name a block.
        public var name: String {
            switch self {
            case .spikes: "spike"
            case .activations: "activation"
            case .membranes: "membrane"
            }
        }
    }

    public var kind: Kind
    /// Position among the data blocks (0 for the first).
    public var index: Int
    public var token: Int
    /// Index into the header's `stages`.
    public var stage: Int
    /// Byte offset of the block's first byte in the file.
    public var offset: Int64
    /// Framed size in the file: type, token, stage, length, payload and checksum.
    public var byteCount: Int
}

/// How reading a trace ended.
public enum TraceCompletion: Codable, Hashable, Sendable {
    /// The end block was read and agrees with the blocks before it.
    case complete(tokens: Int, blocks: Int)
    /// The file ends without an end block; the data from `offset` on is incomplete.
    case truncated(offset: Int64, blocks: Int, tokens: Int)

    /// Tokens whose every stage block was read.
    public var tokens: Int {
        switch self {
        case .complete(let t, _), .truncated(_, _, let t): t
        }
    }
}
