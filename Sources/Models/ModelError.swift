/// Everything that can go wrong reading or running a model. Each case renders a message
/// that says what is wrong and, where there is one, what the user can do about it.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    /// The file could not be opened or mapped.
    case cannotOpen(path: String, reason: String)
    /// The file does not start with the magic of the format it was opened as.
    case badMagic(path: String, found: String)
    case unsupportedVersion(UInt32)
    /// The file ends before a structure it announces; `offset` is where reading stopped.
    case truncated(what: String, offset: Int, fileSize: Int)
    /// A count, size or offset no well-formed file of this size can have; rejected before allocating.
    case implausible(String)
    /// A structurally valid file whose content contradicts itself or the format.
    case malformed(String)
    case unsupportedArchitecture(String, supported: [String])
    case unsupportedTensorType(tensor: String, type: String)
    case missingTensor(String)
    case missingMetadata(String)
    /// The tensor's bytes lie (partly) past the end of the file, e.g. one part of a split download.
    case missingTensorData(tensor: String, end: Int, fileSize: Int)
    case shapeMismatch(tensor: String, expected: [Int], found: [Int])
    /// A token id outside the vocabulary, or a position past the KV cache.
    case outOfRange(String)

    /// A message saying what is wrong and, where possible, what to do.
    public var description: String {
        switch self {
        case let .cannotOpen(path, reason): "cannot open \(path): \(reason)"
        case let .badMagic(path, found): "\(path) is not a model file of this format (magic \(found))"
        case let .unsupportedVersion(v): "GGUF version \(v) is not supported (versions 2 and 3 are)"
        case let .truncated(what, offset, size):
            "file is truncated: \(what) at byte \(offset) runs past the end (\(size) bytes); re-download it"
        case let .implausible(what): "implausible file, rejected before allocating: \(what)"
        case let .malformed(what): "malformed model file: \(what)"
        case let .unsupportedArchitecture(arch, supported):
            "unsupported architecture \(arch); supported: \(supported.joined(separator: ", "))"
        case let .unsupportedTensorType(tensor, type):
            "tensor \(tensor) has type \(type), which cannot be dequantized (supported: "
                + GGMLType.dequantizable.map(\.name).joined(separator: ", ") + ")"
        case let .missingTensor(name): "the model has no tensor \(name)"
        case let .missingMetadata(key): "the model has no metadata key \(key)"
        case let .missingTensorData(tensor, end, size):
            "tensor \(tensor) needs bytes up to \(end) but the file has \(size): tensor data past the file's end is missing (a partial download or one part of a split model)"
        case let .shapeMismatch(tensor, expected, found):
            "tensor \(tensor) has shape \(found), expected \(expected)"
        case let .outOfRange(what): what
        }
    }
}
