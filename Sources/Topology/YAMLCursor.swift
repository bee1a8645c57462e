import Foundation
import Yams

/// Reads one YAML mapping of a chip description, remembering which keys were read so
/// that a misspelt or unknown key is reported with its line instead of being ignored.
package struct YAMLCursor {
    package let file: String
    package let path: String
    package let line: Int?
    private var entries: [(key: String, value: Node, line: Int?)]
    private var used: Set<String> = []

    /// `line` is where the mapping's key stands (its first entry's line when omitted).
    package init(node: Node, file: String, path: String, line: Int? = nil) throws {
        self.file = file; self.path = path; self.line = line ?? node.mark?.line
        guard let mapping = node.mapping else {
            throw TopologyError(file: file, line: node.mark?.line, key: path, message: "expected a mapping of keys, found \(YAMLCursor.describe(node))")
        }
        var seen: Set<String> = []
        var entries: [(String, Node, Int?)] = []
        for (k, v) in mapping {
            guard let name = k.string else {
                throw TopologyError(file: file, line: k.mark?.line, key: path, message: "keys must be plain strings")
            }
            if !seen.insert(name).inserted {
                throw TopologyError(file: file, line: k.mark?.line, key: YAMLCursor.join(path, name), message: "key appears twice")
            }
            entries.append((name, v, k.mark?.line))
        }
        self.entries = entries
    }

    /// The comment a file writes for the key at `line` (1-based): on that line, or the nearest comment
    /// block above it (within six lines, skipping sibling keys, never past a parent key), joined into one line; nil if none.
    package static func comment(at line: Int, in text: String) -> String? {
        let lines = text.components(separatedBy: "\n")
        guard line >= 1, line <= lines.count else { return nil }
        func comment(_ l: String) -> String? {
            let t = l.trimmingCharacters(in: .whitespaces)
            return t.hasPrefix("#") ? String(t.dropFirst()).trimmingCharacters(in: .whitespaces) : nil
        }
        func indent(_ l: String) -> Int { l.prefix { $0 == " " }.count }
        let own = lines[line - 1]
        var block: [String] = []
        var i = line - 2
        while i >= 0, line - 2 - i < 6 {
            if let c = comment(lines[i]) {
                block.insert(c, at: 0)
            } else if !block.isEmpty || indent(lines[i]) < indent(own) {
                break // the block ended, or a parent key: comments above it are not this key's
            }
            i -= 1
        }
        if let hash = own.firstIndex(of: "#") { block.append(String(own[own.index(after: hash)...]).trimmingCharacters(in: .whitespaces)) }
        return block.isEmpty ? nil : block.joined(separator: " ")
    }

    /// The top-level mapping of a YAML document; `empty` says what the file should hold.
    /// - Parameter overrides: keys set on top of the file (`--set`), applied to the parsed tree.
    package static func document(_ text: String, file: String, empty: String, overrides: [TopologyOverride] = []) throws -> YAMLCursor {
        var root: Node
        do {
            guard let r = try Yams.compose(yaml: text) else {
                throw TopologyError(file: file, line: nil, key: "", message: "the file is empty; \(empty)")
            }
            root = r
        } catch let e as TopologyError { throw e } catch let e as YamlError {
            throw TopologyError(file: file, line: YAMLErrorLine.line(of: e), key: "", message: "not valid YAML: \(YAMLErrorLine.problem(of: e))")
        }
        for o in overrides { root = try o.apply(to: root) }
        return try YAMLCursor(node: root, file: file, path: "")
    }

    package static func join(_ a: String, _ b: String) -> String { a.isEmpty ? b : "\(a).\(b)" }
    package static func describe(_ n: Node) -> String {
        switch n {
        case .scalar(let s): "the value '\(s.string)'"
        case .sequence: "a list"
        case .mapping: "a mapping"
        case .alias: "an alias"
        }
    }

    package func error(_ key: String, _ message: String, line: Int? = nil) -> TopologyError {
        TopologyError(file: file, line: line ?? entry(key)?.line ?? self.line, key: YAMLCursor.join(path, key), message: message)
    }

    private func entry(_ key: String) -> (key: String, value: Node, line: Int?)? { entries.first { $0.key == key } }

    /// The value of `key` without marking it read (for mappings whose keys are data, such as a sweep's axes).
    package func valueNode(_ key: String) throws -> Node {
        guard let e = entry(key) else { throw error(key, "missing") }
        return e.value
    }

    package func has(_ key: String) -> Bool { entry(key) != nil }

    /// The line of `key` in this mapping (the mapping's own line when the key is absent).
    package func line(of key: String) -> Int? { entry(key)?.line ?? line }

    package mutating func node(_ key: String, what: String) throws -> Node {
        guard let e = entry(key) else {
            // A figure written without the unit its key carries (`weight_read: 1.25` for `weight_read_pj_per_byte`).
            if let bare = entries.first(where: { !used.contains($0.key) && key.hasPrefix($0.key + "_") }) {
                throw TopologyError(file: file, line: bare.line, key: YAMLCursor.join(path, bare.key),
                                    message: "a figure without its unit; write '\(key)' (\(what))")
            }
            // A missing key is most often a misspelt one: point at the typo instead.
            if let typo = entries.first(where: { !used.contains($0.key) && YAMLCursor.distance($0.key, key) <= 2 }) {
                throw TopologyError(file: file, line: typo.line, key: YAMLCursor.join(path, typo.key),
                                    message: "unknown key (did you mean '\(key)'?); expected \(what)")
            }
            throw TopologyError(file: file, line: line, key: YAMLCursor.join(path, key), message: "missing; expected \(what)")
        }
        used.insert(key)
        return e.value
    }

    package mutating func optionalNode(_ key: String) -> Node? {
        guard let e = entry(key) else { return nil }
        used.insert(key)
        return e.value
    }

    package mutating func cursor(_ key: String, what: String) throws -> YAMLCursor {
        let n = try node(key, what: what)
        return try YAMLCursor(node: n, file: file, path: YAMLCursor.join(path, key), line: entry(key)?.line)
    }

    package mutating func string(_ key: String, what: String) throws -> String {
        let n = try node(key, what: what)
        guard case .scalar(let s) = n else { throw error(key, "expected \(what), found \(YAMLCursor.describe(n))") }
        return s.string
    }

    package mutating func optionalString(_ key: String) throws -> String? {
        guard has(key) else { return nil }
        return try string(key, what: "a string")
    }

    /// A number in `range`; `what` names its meaning and unit for the error message.
    package mutating func double(_ key: String, what: String, in range: ClosedRange<Double> = 0...Double.greatestFiniteMagnitude) throws -> Double {
        let n = try node(key, what: what)
        guard let v = n.float, v.isFinite else {
            throw error(key, "expected \(what), found \(YAMLCursor.describe(n))")
        }
        guard range.contains(v) else {
            throw error(key, "\(YAMLCursor.format(v)) is out of range: \(what) must be \(YAMLCursor.describe(range))")
        }
        return v
    }

    package mutating func optionalDouble(_ key: String, what: String, in range: ClosedRange<Double> = 0...Double.greatestFiniteMagnitude) throws -> Double? {
        guard has(key) else { return nil }
        return try double(key, what: what, in: range)
    }

    /// A cost figure: a number, or `{value, low, high}` with `low ≤ value ≤ high`, all in `range`.
    package mutating func figure(_ key: String, what: String, in range: ClosedRange<Double> = 0...Double.greatestFiniteMagnitude) throws -> Figure {
        let n = try node(key, what: what)
        guard n.mapping != nil else { return Figure(try double(key, what: what, in: range)) }
        var c = try YAMLCursor(node: n, file: file, path: YAMLCursor.join(path, key), line: entry(key)?.line)
        let value = try c.double("value", what: what, in: range)
        let low = try c.double("low", what: "the lowest plausible \(what)", in: range)
        let high = try c.double("high", what: "the highest plausible \(what)", in: range)
        try c.finish(allowed: ["value", "low", "high"])
        guard low <= value, value <= high else {
            throw error(key, "low \(YAMLCursor.format(low)) ≤ value \(YAMLCursor.format(value)) ≤ high \(YAMLCursor.format(high)) does not hold; a range must hold its value")
        }
        return Figure(value: value, low: low, high: high)
    }

    package mutating func optionalFigure(_ key: String, what: String, in range: ClosedRange<Double> = 0...Double.greatestFiniteMagnitude) throws -> Figure? {
        guard has(key) else { return nil }
        return try figure(key, what: what, in: range)
    }

    /// Keys of the mapping, in file order.
    package var keys: [String] { entries.map(\.key) }

    package mutating func int(_ key: String, what: String, in range: ClosedRange<Int>) throws -> Int {
        let n = try node(key, what: what)
        guard let v = n.int else { throw error(key, "expected \(what) (a whole number), found \(YAMLCursor.describe(n))") }
        guard range.contains(v) else {
            throw error(key, "\(v) is out of range: \(what) must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return v
    }

    package mutating func optionalInt(_ key: String, what: String, in range: ClosedRange<Int>) throws -> Int? {
        guard has(key) else { return nil }
        return try int(key, what: what, in: range)
    }

    package mutating func bool(_ key: String, what: String) throws -> Bool {
        let n = try node(key, what: what)
        guard let v = n.bool else { throw error(key, "expected true or false (\(what)), found \(YAMLCursor.describe(n))") }
        return v
    }

    package mutating func optionalBool(_ key: String, what: String) throws -> Bool? {
        guard has(key) else { return nil }
        return try bool(key, what: what)
    }

    /// Throws for the first key that was never read, listing the keys that are allowed here.
    package func finish(allowed: [String]) throws {
        for e in entries where !used.contains(e.key) {
            let near = allowed.min { YAMLCursor.distance($0, e.key) < YAMLCursor.distance($1, e.key) }
            var msg = "unknown key; allowed here: \(allowed.joined(separator: ", "))"
            if let near, YAMLCursor.distance(near, e.key) <= 3 { msg = "unknown key (did you mean '\(near)'?); allowed here: \(allowed.joined(separator: ", "))" }
            throw TopologyError(file: file, line: e.line, key: YAMLCursor.join(path, e.key), message: msg)
        }
    }

    package static func format(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v) }
    package static func describe(_ r: ClosedRange<Double>) -> String {
        if r.upperBound == .greatestFiniteMagnitude { return r.lowerBound == 0 ? "zero or more" : "at least \(format(r.lowerBound))" }
        return "between \(format(r.lowerBound)) and \(format(r.upperBound))"
    }

    /// Levenshtein distance, for "did you mean" hints.
    package static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        var prev = Array(0...b.count)
        for i in 1...a.count {
            var cur = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                cur[j] = Swift.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            prev = cur
        }
        return prev[b.count]
    }
}
