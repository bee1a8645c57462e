/// A neuron or encoder parameter (or an input buffer) outside what the model accepts.
///
/// Every model validates at construction so that a bad topology or run configuration
/// fails before the simulation starts, with a message that names the parameter, the
/// value given and the range that would have been accepted.
public struct NeuronParameterError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The parameter's name as it is spelled in topology files and `--encoder` strings.
    public var parameter: String
    /// The offending value, rendered as text.
    public var value: String
    /// What would have been accepted, e.g. "1...16" or "finite".
    public var allowed: String

    public init(parameter: String, value: String, allowed: String) {
        self.parameter = parameter
        self.value = value
        self.allowed = allowed
    }

    public var description: String {
        "invalid neuron parameter '\(parameter)': got \(value), expected \(allowed)"
    }

    /// Throws unless `condition` holds; keeps the many range checks to one line each. The
    /// message is only built on failure, so checks in per-step paths cost one comparison.
    @inlinable
    static func require(_ condition: Bool, _ parameter: @autoclosure () -> String,
                        _ value: @autoclosure () -> some CustomStringConvertible,
                        _ allowed: @autoclosure () -> String) throws(NeuronParameterError) {
        if !condition { throw NeuronParameterError(parameter: parameter(), value: value().description, allowed: allowed()) }
    }
}
