import Store

/// A condition that skips the points it holds for, with the reason stored on each: `core.neurons < core.axons`,
/// `partial_sums == graded and weight_bits < 4`. Operands are axis names, keys an axis sets, or literals.
public struct SweepConstraint: Sendable {
    struct Comparison: Sendable {
        var left: String, op: String, right: String
    }

    public var text: String
    public var reason: String
    var terms: [Comparison]

    static let operators = ["<=", ">=", "==", "!=", "<", ">"]

    /// Reads `A OP B [and C OP D …]`; `names` are the axis names and keys a point has values for.
    public init(_ text: String, reason: String?, names: Set<String>) throws {
        self.text = text
        self.reason = reason ?? "skip_when: \(text)"
        terms = try text.components(separatedBy: " and ").map { part in
            let t = part.trimmingCharacters(in: .whitespaces)
            guard let op = Self.operators.first(where: { t.contains($0) }),
                  let r = t.range(of: op) else {
                throw SweepError.invalid("skip_when '\(text)': write A OP B with OP one of \(Self.operators.joined(separator: " ")), joined by `and`")
            }
            let c = Comparison(left: t[..<r.lowerBound].trimmingCharacters(in: .whitespaces), op: op,
                               right: t[r.upperBound...].trimmingCharacters(in: .whitespaces))
            for side in [c.left, c.right] where !names.contains(side) && Double(side) == nil && side.contains(".") {
                throw SweepError.invalid("skip_when '\(text)': '\(side)' is no axis or key of the sweep (axes and keys: \(names.sorted().joined(separator: ", ")))")
            }
            guard names.contains(c.left) || names.contains(c.right) else {
                throw SweepError.invalid("skip_when '\(text)': neither side of '\(t)' names an axis (\(names.sorted().joined(separator: ", ")))")
            }
            return c
        }
    }

    /// Whether the point with `values` (by axis name and key) is skipped.
    public func holds(_ values: [String: SweepValue]) -> Bool {
        terms.allSatisfy { c in
            let a = values[c.left] ?? Self.literal(c.left), b = values[c.right] ?? Self.literal(c.right)
            if let x = a.number, let y = b.number {
                switch c.op {
                case "<": return x < y
                case "<=": return x <= y
                case ">": return x > y
                case ">=": return x >= y
                case "==": return x == y
                default: return x != y
                }
            }
            switch c.op {
            case "==": return a.description == b.description
            case "!=": return a.description != b.description
            default: return false // words have no order
            }
        }
    }

    static func literal(_ s: String) -> SweepValue { Double(s).map(SweepValue.number) ?? .text(s) }
}
