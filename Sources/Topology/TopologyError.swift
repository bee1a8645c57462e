/// A chip description that cannot be used, with where and why.
public struct TopologyError: Error, CustomStringConvertible, Equatable {
    /// The file (or "<string>") the description came from.
    public var file: String
    /// 1-based line of the offending key or value, when known.
    public var line: Int?
    /// Dotted path of the key, e.g. "core.synaptic_op.energy_pj".
    public var key: String
    /// What is wrong and what to do.
    public var message: String

    public init(file: String, line: Int?, key: String, message: String) {
        self.file = file; self.line = line; self.key = key; self.message = message
    }

    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        return key.isEmpty ? "\(place): \(message)" : "\(place): \(key): \(message)"
    }
}
