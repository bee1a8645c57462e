/// Errors of the baseline tables and calculations, each saying what to fix.
public enum BaselineError: Error, CustomStringConvertible, Equatable {
    /// The YAML could not be parsed into a table.
    case malformedTable(source: String, detail: String)
    /// A value is missing, negative or inconsistent.
    case invalidTable(source: String, detail: String)
    /// A caller argument is out of range.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .malformedTable(source, detail):
            "\(source): not a baseline table (\(detail)); see topologies/baselines.yaml for the expected layout"
        case let .invalidTable(source, detail):
            "\(source): \(detail); fix the table (topologies/baselines.yaml documents every field)"
        case let .invalidArgument(m):
            m
        }
    }
}
