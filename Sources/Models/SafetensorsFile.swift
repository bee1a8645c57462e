import Foundation

/// A memory-mapped safetensors file: an 8-byte little-endian header length, a JSON header
/// naming each tensor's dtype, shape and byte range, then the raw data. The header is
/// validated (size bound, ranges inside the data, sizes matching shapes, no overlaps)
/// before any tensor is read.
public struct SafetensorsFile: Sendable {
    /// The reference implementation's limit on the JSON header.
    public static let maxHeaderBytes = 100_000_000

    /// One entry of the header: a tensor's dtype, shape and bytes.
    public struct Tensor: Sendable, Hashable {
        /// Tensor name, e.g. "model.layers.0.mlp.up_proj.weight".
        public let name: String
        /// safetensors dtype name, e.g. "F32", "BF16".
        public let dtype: String
        /// Row-major (PyTorch) shape: for a linear layer, [outputs, inputs].
        public let shape: [Int]
        /// Absolute byte offset in the file.
        public let offset: Int
        /// Size of the data in bytes.
        public let byteCount: Int
        /// Number of scalar elements.
        public var elementCount: Int { shape.reduce(1, *) }
    }

    static let dtypeSizes: [String: Int] = [
        "F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1,
        "F8_E4M3": 1, "F8_E5M2": 1, "U16": 2, "U32": 4, "U64": 8,
    ]

    /// The mapping tensor data is read from.
    public let file: MappedFile
    /// Header entries by tensor name.
    public let tensors: [String: Tensor]
    /// The `__metadata__` strings.
    public let metadata: [String: String]

    /// Maps the file and validates its header.
    public init(path: String) throws {
        file = try MappedFile(path: path)
        var reader = ByteReader(file.bytes)
        let length = try reader.read(UInt64.self, "safetensors header length")
        guard length <= UInt64(min(SafetensorsFile.maxHeaderBytes, reader.remaining)) else {
            throw ModelError.implausible("safetensors header of \(length) bytes in a \(file.bytes.count)-byte file")
        }
        let headerBytes = Data(file.bytes[8..<(8 + Int(length))])
        guard let header = try? JSONSerialization.jsonObject(with: headerBytes) as? [String: Any] else {
            throw ModelError.malformed("\(path): safetensors header is not a JSON object")
        }
        let dataStart = 8 + Int(length), dataSize = file.bytes.count - dataStart
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        for (name, entry) in header {
            if name == "__metadata__" {
                metadata = (entry as? [String: String]) ?? [:]
                continue
            }
            guard let fields = entry as? [String: Any], let dtype = fields["dtype"] as? String,
                  let shape = fields["shape"] as? [Int], let range = fields["data_offsets"] as? [Int], range.count == 2
            else { throw ModelError.malformed("\(path): tensor \(name) lacks dtype, shape or data_offsets") }
            guard let size = SafetensorsFile.dtypeSizes[dtype] else {
                throw ModelError.malformed("\(path): tensor \(name) has unknown dtype \(dtype)")
            }
            var elements = 1
            for dim in shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: dim)
                guard dim >= 0, !overflow, product <= 1 << 40 else {
                    throw ModelError.implausible("tensor \(name) has shape \(shape)")
                }
                elements = product
            }
            guard range[0] >= 0, range[0] <= range[1], range[1] - range[0] == elements * size else {
                throw ModelError.malformed("\(path): tensor \(name) byte range \(range) does not hold \(shape) of \(dtype)")
            }
            guard range[1] <= dataSize else {
                throw ModelError.missingTensorData(tensor: name, end: dataStart + range[1], fileSize: file.bytes.count)
            }
            tensors[name] = Tensor(name: name, dtype: dtype, shape: shape, offset: dataStart + range[0],
                                   byteCount: range[1] - range[0])
        }
        let sorted = tensors.values.sorted { $0.offset < $1.offset }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.offset + a.byteCount > b.offset {
            throw ModelError.malformed("\(path): tensors \(a.name) and \(b.name) overlap")
        }
        self.tensors = tensors
        self.metadata = metadata
    }

    /// A floating-point tensor (F32, F16 or BF16) as Float values in row-major order.
    public func floats(_ name: String) throws -> ContiguousArray<Float> {
        guard let tensor = tensors[name] else { throw ModelError.missingTensor(name) }
        let type: GGMLType
        switch tensor.dtype {
        case "F32": type = .f32
        case "F16": type = .f16
        case "BF16": type = .bf16
        default: throw ModelError.unsupportedTensorType(tensor: name, type: tensor.dtype)
        }
        var out = ContiguousArray<Float>(repeating: 0, count: tensor.elementCount)
        try out.withUnsafeMutableBufferPointer { dst in
            try Dequantizer.dequantize(type, UnsafeRawBufferPointer(rebasing: file.bytes[tensor.offset..<(tensor.offset + tensor.byteCount)]),
                                       into: dst, tensor: name)
        }
        return out
    }

    /// An integer tensor (I32, or I64 within Int32's range) in row-major order.
    public func int32s(_ name: String) throws -> ContiguousArray<Int32> {
        guard let tensor = tensors[name] else { throw ModelError.missingTensor(name) }
        let bytes = UnsafeRawBufferPointer(rebasing: file.bytes[tensor.offset..<(tensor.offset + tensor.byteCount)])
        switch tensor.dtype {
        case "I32":
            return ContiguousArray((0..<tensor.elementCount).map { Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self)) })
        case "I64":
            return try ContiguousArray((0..<tensor.elementCount).map { i -> Int32 in
                let v = Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 8, as: Int64.self))
                guard let x = Int32(exactly: v) else { throw ModelError.implausible("\(name)[\(i)] = \(v) does not fit in 32 bits") }
                return x
            })
        default:
            throw ModelError.unsupportedTensorType(tensor: name, type: tensor.dtype)
        }
    }
}
