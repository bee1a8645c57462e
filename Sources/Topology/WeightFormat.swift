/// How a crossbar stores a synaptic weight.
public enum WeightFormat: Sendable, Hashable, CustomStringConvertible {
    /// One bit per synapse (connected or not); the weight comes from one of `axonTypes`
    /// per-neuron values selected by the axon's type, as in TrueNorth.
    case binary(axonTypes: Int)
    /// −1, 0 or +1 per synapse.
    case ternary
    /// A signed integer of `bits` bits per synapse.
    case integer(bits: Int)

    /// Storage bits per synapse.
    public var bits: Int {
        switch self {
        case .binary: 1
        case .ternary: 2
        case .integer(let b): b
        }
    }

    /// Signed levels a single synapse can represent (the magnitude range per slice).
    public var magnitudeBits: Int {
        switch self {
        case .binary: 1
        case .ternary: 1
        case .integer(let b): b - 1
        }
    }

    /// Crossbars needed side by side to hold a signed weight of `weightBits` bits:
    /// the weight's magnitude is split into slices of `magnitudeBits` (bit slicing),
    /// the sign coming from the axon type or the signed synapse.
    public func slices(forWeightBits weightBits: Int) -> Int {
        let magnitude = max(weightBits - 1, 1)
        return (magnitude + magnitudeBits - 1) / magnitudeBits
    }

    public var description: String {
        switch self {
        case .binary(let t): "binary (\(t) axon types)"
        case .ternary: "ternary"
        case .integer(let b): "int\(b)"
        }
    }
}
