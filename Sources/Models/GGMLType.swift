/// A ggml tensor element type: its id in GGUF files, its name, and its block geometry.
/// Every type llama.cpp defines is known so that any file can be inspected; only
/// `dequantizable` types can be turned into Floats.
public struct GGMLType: Sendable, Hashable, CustomStringConvertible {
    /// The id GGUF tensor infos store.
    public let id: UInt32
    /// ggml's name, e.g. "Q4_K".
    public let name: String
    /// Elements per block (1 for plain floats and ints).
    public let blockSize: Int
    /// Bytes per block.
    public let bytesPerBlock: Int

    /// The dequantizable types, named as in ggml.
    public static let f32 = GGMLType(id: 0, name: "F32", blockSize: 1, bytesPerBlock: 4)
    public static let f16 = GGMLType(id: 1, name: "F16", blockSize: 1, bytesPerBlock: 2)
    public static let q4_0 = GGMLType(id: 2, name: "Q4_0", blockSize: 32, bytesPerBlock: 18)
    public static let q4_1 = GGMLType(id: 3, name: "Q4_1", blockSize: 32, bytesPerBlock: 20)
    public static let q8_0 = GGMLType(id: 8, name: "Q8_0", blockSize: 32, bytesPerBlock: 34)
    public static let q4_K = GGMLType(id: 12, name: "Q4_K", blockSize: 256, bytesPerBlock: 144)
    public static let q5_K = GGMLType(id: 13, name: "Q5_K", blockSize: 256, bytesPerBlock: 176)
    public static let q6_K = GGMLType(id: 14, name: "Q6_K", blockSize: 256, bytesPerBlock: 210)
    public static let bf16 = GGMLType(id: 30, name: "BF16", blockSize: 1, bytesPerBlock: 2)

    /// The types `Dequantizer` implements (what real Llama/Qwen2 GGUF files use).
    public static let dequantizable: [GGMLType] = [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q4_K, .q5_K, .q6_K]

    /// Every type of ggml's table (ggml.c `type_traits`), for sizing tensors of any file.
    public static let all: [GGMLType] = dequantizable + [
        GGMLType(id: 6, name: "Q5_0", blockSize: 32, bytesPerBlock: 22),
        GGMLType(id: 7, name: "Q5_1", blockSize: 32, bytesPerBlock: 24),
        GGMLType(id: 9, name: "Q8_1", blockSize: 32, bytesPerBlock: 40),
        GGMLType(id: 10, name: "Q2_K", blockSize: 256, bytesPerBlock: 84),
        GGMLType(id: 11, name: "Q3_K", blockSize: 256, bytesPerBlock: 110),
        GGMLType(id: 15, name: "Q8_K", blockSize: 256, bytesPerBlock: 292),
        GGMLType(id: 16, name: "IQ2_XXS", blockSize: 256, bytesPerBlock: 66),
        GGMLType(id: 17, name: "IQ2_XS", blockSize: 256, bytesPerBlock: 74),
        GGMLType(id: 18, name: "IQ3_XXS", blockSize: 256, bytesPerBlock: 98),
        GGMLType(id: 19, name: "IQ1_S", blockSize: 256, bytesPerBlock: 50),
        GGMLType(id: 20, name: "IQ4_NL", blockSize: 32, bytesPerBlock: 18),
        GGMLType(id: 21, name: "IQ3_S", blockSize: 256, bytesPerBlock: 110),
        GGMLType(id: 22, name: "IQ2_S", blockSize: 256, bytesPerBlock: 82),
        GGMLType(id: 23, name: "IQ4_XS", blockSize: 256, bytesPerBlock: 136),
        GGMLType(id: 24, name: "I8", blockSize: 1, bytesPerBlock: 1),
        GGMLType(id: 25, name: "I16", blockSize: 1, bytesPerBlock: 2),
        GGMLType(id: 26, name: "I32", blockSize: 1, bytesPerBlock: 4),
        GGMLType(id: 27, name: "I64", blockSize: 1, bytesPerBlock: 8),
        GGMLType(id: 28, name: "F64", blockSize: 1, bytesPerBlock: 8),
        GGMLType(id: 29, name: "IQ1_M", blockSize: 256, bytesPerBlock: 56),
        GGMLType(id: 34, name: "TQ1_0", blockSize: 256, bytesPerBlock: 54),
        GGMLType(id: 35, name: "TQ2_0", blockSize: 256, bytesPerBlock: 66),
        GGMLType(id: 39, name: "MXFP4", blockSize: 32, bytesPerBlock: 17),
    ]

    /// The type with this GGUF id, or nil for an id ggml does not define.
    public init?(id: UInt32) {
        guard let known = GGMLType.all.first(where: { $0.id == id }) else { return nil }
        self = known
    }

    init(id: UInt32, name: String, blockSize: Int, bytesPerBlock: Int) {
        self.id = id; self.name = name; self.blockSize = blockSize; self.bytesPerBlock = bytesPerBlock
    }

    /// ggml's name.
    public var description: String { name }
    /// Whether `Dequantizer` can decode this type.
    public var isDequantizable: Bool { GGMLType.dequantizable.contains(self) }
}
