/// Why a trace could not be written, read or replayed. Every message says where (path,
/// block and byte offset) and what to do about it.
public enum TraceError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The file could not be opened, read or written.
    case io(path: String, message: String)
    /// The file is not a trace of a version this build reads, or its header is invalid.
    case invalidHeader(path: String, message: String)
    /// A block is damaged or malformed: `block` is its number (the end block counts after
    /// the data blocks), `offset` its first byte.
    case corrupt(block: Int, offset: Int64, message: String)
    /// The file ends inside a block or lacks its end block; `offset` is where the
    /// incomplete data starts, `blocks` and `tokens` what is complete before it.
    case truncated(offset: Int64, blocks: Int, tokens: Int)
    /// The trace does not fit the mapping or workload of a replay.
    case mismatch(String)
    /// A writer or source was used against its contract (wrong order, bad values).
    case invalidUse(String)

    public var description: String {
        switch self {
        case let .io(path, message): "\(path): \(message)"
        case let .invalidHeader(path, message): "\(path): \(message)"
        case let .corrupt(block, offset, message): "block \(block) at byte \(offset): \(message)"
        case let .truncated(offset, blocks, tokens):
            "the trace is truncated at byte \(offset) (no end block: the writer did not finish); "
                + "\(blocks) complete blocks, \(tokens) complete tokens are readable before it"
        case let .mismatch(message), let .invalidUse(message): message
        }
    }
}
