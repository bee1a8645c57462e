/// Why a closed-loop run cannot start or go on.
public enum ClosedLoopError: Error, Equatable, CustomStringConvertible {
    /// The mapping does not cover what the closed loop needs (every layer and the LM head).
    case incompleteMapping(String)
    /// A prompt or token request the model cannot take.
    case invalidRequest(String)
    /// An integer sum of the crossbars would not fit 32 bits.
    case overflow(String)

    public var description: String {
        switch self {
        case .incompleteMapping(let s), .invalidRequest(let s), .overflow(let s): s
        }
    }
}
