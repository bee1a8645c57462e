/// How a tile hands its partial sums (one per output neuron, for its row block of the
/// input) to the reduction at the next stage's function unit, when a projection is wider
/// than a core's axons.
public enum PartialSumCoding: Sendable, Hashable, CustomStringConvertible {
    /// Graded packets carrying the integer sums, several per packet (`graded_packet_bits / graded_value_bits`).
    case graded
    /// Each sum re-encoded as `bits`-bit bitwise spikes (a power-of-two scale per tile), one
    /// packet per spike, integrated by reduction neurons at the function unit; a marker per
    /// tile closes the token. Fewer bits: less traffic, more rounding error.
    case spikes(bits: Int)

    /// Parses `graded` or `spikes[:BITS]` (default 8 bits).
    public init(parsing text: String) throws {
        let parts = text.lowercased().split(separator: ":", maxSplits: 1).map(String.init)
        switch parts.first {
        case "graded" where parts.count == 1: self = .graded
        case "spikes":
            let bits = parts.count == 2 ? Int(parts[1]) : 8
            guard let bits, (2...16).contains(bits) else {
                throw MappingError.invalidOption("--partial-sums spikes:BITS takes 2 to 16 bits, got '\(parts.count == 2 ? parts[1] : "")'")
            }
            self = .spikes(bits: bits)
        default:
            throw MappingError.invalidOption("--partial-sums must be graded or spikes[:BITS], got '\(text)'")
        }
    }

    public var description: String {
        switch self {
        case .graded: "graded"
        case .spikes(let bits): "spikes:\(bits)"
        }
    }
}

/// Choices the mapper leaves to the user.
public struct MappingOptions: Sendable, Hashable {
    public var placement: Placement
    /// Bits of a (signed) model weight; crossbars of fewer bits take several slices.
    public var weightBits: Int
    /// Whether the LM head is mapped onto crossbars too.
    public var includeLMHead: Bool
    /// Map only the first `layers` layers (nil: all), e.g. to fit a small topology.
    public var layers: Int?
    /// How partial sums travel from the tiles to the reduction.
    public var partialSums: PartialSumCoding

    public init(placement: Placement = .locality, weightBits: Int = 8, includeLMHead: Bool = true, layers: Int? = nil,
                partialSums: PartialSumCoding = .graded) {
        self.placement = placement; self.weightBits = weightBits; self.includeLMHead = includeLMHead; self.layers = layers
        self.partialSums = partialSums
    }
}
