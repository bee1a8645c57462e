/// Where one tensor lives in a GGUF file and what it holds.
public struct GGUFTensorInfo: Sendable, Hashable {
    /// Tensor name, e.g. "blk.0.attn_q.weight".
    public let name: String
    /// Dimensions in ggml order: `shape[0]` is the contiguous (input) dimension, so a
    /// projection with `n` inputs and `m` outputs has shape `[n, m]`.
    public let shape: [Int]
    /// Element type (block format) of the data.
    public let type: GGMLType
    /// Absolute byte offset of the data in the file.
    public let offset: Int
    /// Size of the data in bytes.
    public let byteCount: Int

    /// Number of scalar elements.
    public var elementCount: Int { shape.reduce(1, *) }
    /// Number of rows (all dimensions but the first).
    public var rows: Int { elementCount / shape[0] }
    /// Absolute offset one past the last byte of the data.
    public var end: Int { offset + byteCount }
}
