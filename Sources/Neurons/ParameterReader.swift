/// Splits `name[:key=value,...]` into the name and its parameters (names are checked by the caller).
func parseConfiguration(_ text: String, what: String, names: [String]) throws(NeuronParameterError) -> (String, [String: String]) {
    let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
    guard let name = parts.first, !name.isEmpty else {
        throw NeuronParameterError(parameter: what, value: "'\(text)'", allowed: names.joined(separator: ", ") + " (optionally followed by :key=value,...)")
    }
    var parameters: [String: String] = [:]
    if parts.count == 2 {
        for item in parts[1].split(separator: ",") {
            let kv = item.split(separator: "=", maxSplits: 1).map { $0.trimmingWhitespace() }
            guard kv.count == 2, !kv[0].isEmpty else {
                throw NeuronParameterError(parameter: "\(what) parameter", value: "'\(item)'", allowed: "key=value")
            }
            guard parameters[kv[0]] == nil else {
                throw NeuronParameterError(parameter: kv[0], value: "'\(parameters[kv[0]]!)' and '\(kv[1])'", allowed: "one value: the key appears twice")
            }
            parameters[kv[0]] = kv[1]
        }
    }
    return (name, parameters)
}

/// Typed access to string parameters with errors that name the key and the expected type.
struct ParameterReader {
    let parameters: [String: String]
    let allowed: [String]
    let family: String

    init(_ parameters: [String: String], allowed: [String], family: String) {
        self.parameters = parameters
        self.allowed = allowed
        self.family = family
    }

    func rejectUnknownKeys() throws(NeuronParameterError) {
        for key in parameters.keys.sorted() where !allowed.contains(key) {
            throw NeuronParameterError(parameter: key, value: "'\(parameters[key]!)'",
                                       allowed: "one of the \(family) parameters: \(allowed.joined(separator: ", "))")
        }
    }

    func text(_ key: String) -> String? { parameters[key] }

    func value<V: LosslessStringConvertible>(_ key: String) throws(NeuronParameterError) -> V? {
        guard let raw = parameters[key] else { return nil }
        guard let v = V(raw) else {
            throw NeuronParameterError(parameter: key, value: "'\(raw)'", allowed: "a number of type \(V.self)")
        }
        return v
    }
}

extension Substring {
    func trimmingWhitespace() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
