/// A sweep file or request that cannot be run, with what to do.
public enum SweepError: Error, CustomStringConvertible, Equatable {
    /// `key` given `value`, which is not `expected`.
    case value(String, String, String)
    /// Anything else, the whole message.
    case invalid(String)

    public var description: String {
        switch self {
        case let .value(key, value, expected): "\(key): '\(value)' is not \(expected)"
        case let .invalid(message): message
        }
    }
}
