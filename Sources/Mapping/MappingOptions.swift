/// Choices the mapper leaves to the user.
public struct MappingOptions: Sendable, Hashable {
    public var placement: Placement
    /// Bits of a (signed) model weight; crossbars of fewer bits take several slices.
    public var weightBits: Int
    /// Whether the LM head is mapped onto crossbars too.
    public var includeLMHead: Bool
    /// Map only the first `layers` layers (nil: all), e.g. to fit a small topology.
    public var layers: Int?

    public init(placement: Placement = .locality, weightBits: Int = 8, includeLMHead: Bool = true, layers: Int? = nil) {
        self.placement = placement; self.weightBits = weightBits; self.includeLMHead = includeLMHead; self.layers = layers
    }
}
