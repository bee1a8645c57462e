import Yams

/// One key of a chip description set from outside the file: `core.axons=256`,
/// `router.hop.east_west.energy_pj=10` (`--set` on the command line, an axis of a sweep).
///
/// The value replaces the key's YAML node before the description is read, so it passes every
/// check a value written in the file passes (unknown keys with "did you mean", documented ranges),
/// and a figure set this way cites the override instead of the file's comment.
public struct TopologyOverride: Sendable, Hashable, CustomStringConvertible {
    /// Dotted path from the top of the description.
    public var key: String
    /// The value as YAML text: a scalar (`256`, `1e-3`, `completion_markers`) or a flow
    /// collection (`{value: 3, low: 1, high: 5}`).
    public var value: String

    public init(key: String, value: String) throws {
        let parts = key.split(separator: ".", omittingEmptySubsequences: false)
        guard !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty && !$0.contains(where: \.isWhitespace) }) else {
            throw TopologyError(file: "--set", line: nil, key: key, message: "a key is a dotted path such as core.axons or router.hop.east_west.energy_pj")
        }
        guard !value.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw TopologyError(file: "--set", line: nil, key: key, message: "give a value: --set \(key)=VALUE")
        }
        self.key = key
        self.value = value
    }

    /// Reads `KEY=VALUE`.
    public init(parsing text: String) throws {
        guard let eq = text.firstIndex(of: "=") else {
            throw TopologyError(file: "--set", line: nil, key: text, message: "write KEY=VALUE, e.g. --set core.axons=256")
        }
        try self.init(key: String(text[..<eq]).trimmingCharacters(in: .whitespaces),
                      value: String(text[text.index(after: eq)...]).trimmingCharacters(in: .whitespaces))
    }

    public var description: String { "\(key)=\(value)" }

    var path: [String] { key.split(separator: ".").map(String.init) }

    /// The value's node: a flow collection or a plain scalar, resolved as YAML resolves it.
    func node() throws -> Node {
        do {
            if let n = try Yams.compose(yaml: value), n.scalar == nil || !value.contains("\n") { return n }
        } catch {}
        throw TopologyError(file: "--set", line: nil, key: key, message: "the value '\(value)' is not one YAML value")
    }

    /// `root` with this key set, creating the mappings on the way when the file leaves them out.
    func apply(to root: Node) throws -> Node {
        let value = try node()
        func set(_ node: Node, _ rest: ArraySlice<String>, at prefix: String) throws -> Node {
            guard var mapping = node.mapping else {
                throw TopologyError(file: "--set", line: node.mark?.line, key: prefix,
                                    message: "\(key) goes inside \(prefix), which holds \(YAMLCursor.describe(node)) rather than keys")
            }
            let head = rest.first!
            let here = YAMLCursor.join(prefix, head)
            if rest.count == 1 {
                mapping[head] = value
            } else {
                mapping[head] = try set(mapping[head] ?? Node([(Node, Node)]()), rest.dropFirst(), at: here)
            }
            return .mapping(mapping)
        }
        return try set(root, path[...], at: "")
    }
}

extension Array where Element == TopologyOverride {
    /// The comment lines appended to a description's stored text, so that a stored run says what was set.
    var sourceNote: String {
        isEmpty ? "" : "\n# Set on top of this file (--set, sweeps):\n" + map { "#   \($0)" }.joined(separator: "\n") + "\n"
    }

    /// The override that sets `key` or a mapping holding it.
    func setting(_ key: String) -> TopologyOverride? {
        last { key == $0.key || key.hasPrefix($0.key + ".") }
    }
}
