import Foundation
import Store
import Topology
import Yams

/// A sweep file (`topologies/sweeps/*.yaml`, docs/design-exploration.md): a base topology, the run
/// options every point shares, the axes, how points are chosen from them, and which points to skip.
///
///     name: core-size                # default: the file's name
///     topology: spikechip-llm        # shipped name, or a path relative to this file
///     run: {layers: 2, tokens: 1}    # options of `spikechip run`, underscores for dashes
///     axes:                          # run options or topology keys by path
///       weight_bits: [1, 2, 4, 8]
///       core_size: {keys: [core.axons, core.neurons], values: [128, 256, 512]}
///       router.hop.east_west.energy_pj: {from: 1, to: 30, steps: 5, scale: log}
///     sample: grid                   # or {random: 50, seed: 1}, {latin_hypercube: 50, seed: 1}
///     skip_when:
///       - {if: "weight_bits > 4 and core_size < 256", reason: "too many slices"}
public struct SweepSpec: Sendable {
    public var name: String
    /// The base topology as written (a shipped name or a path).
    public var topology: String
    /// Options every point passes to `spikechip run`, in the file's order.
    public var run: [(key: String, value: SweepValue)]
    public var axes: [SweepAxis]
    public var sampling: SweepSampling
    public var constraints: [SweepConstraint]
    /// The file and its text (stored with the sweep: a resume must read the same file).
    public var file: String
    public var text: String

    /// Keys a sweep file may not set: the sweep owns the database and the output; the base topology is `topology:`.
    static let reserved: [String: String] = [
        "db": "the sweep's --db", "no_db": "the sweep's --db", "format": "the sweep", "quiet": "the sweep",
        "topology": "the file's `topology:` key", "set": "topology keys by path in `axes:` or `set:`",
    ]

    /// Reads a sweep file.
    public static func load(path: String) throws -> SweepSpec {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SweepError.invalid("cannot read the sweep file \(path); check the path (shipped sweeps are in topologies/sweeps/)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw SweepError.invalid("\(path) is not UTF-8 text; save it as UTF-8") }
        return try parse(yaml: text, file: path)
    }

    public static func parse(yaml text: String, file: String) throws -> SweepSpec {
        var top = try YAMLCursor.document(text, file: file, empty: "a sweep needs topology and axes (docs/design-exploration.md)")
        let fileName = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        let name = try top.optionalString("name") ?? fileName
        guard !name.isEmpty else { throw top.error("name", "give the sweep a name") }
        let topology = try top.string("topology", what: "the base topology: a shipped name or a path relative to this file")

        // `run:` holds run options, `set:` topology keys; both become fixed arguments of every point.
        var run: [(String, SweepValue)] = []
        for (section, what) in [("run", "options of spikechip run shared by every point, e.g. {layers: 2, tokens: 1}"),
                                ("set", "topology keys every point sets, by path, e.g. {core.axons: 256}")] where top.has(section) {
            let c = try top.cursor(section, what: what)
            for key in c.keys {
                let node = try c.valueNode(key)
                guard let v = Self.value(node) else { throw c.error(key, "expected one value, found \(YAMLCursor.describe(node))") }
                if section == "run" {
                    try Self.checkKey(key, cursor: c, topologyKeyAllowed: false)
                } else if !key.contains(".") {
                    throw c.error(key, "`set:` holds topology keys by dotted path (core.axons); run options go in `run:`")
                }
                run.append((key, v))
            }
        }

        var axesCursor = try top.cursor("axes", what: "the parameters to vary, e.g. {weight_bits: [1, 2, 4, 8]}")
        var axes: [SweepAxis] = []
        for key in axesCursor.keys {
            axes.append(try Self.axis(key, &axesCursor))
        }
        guard !axes.isEmpty else { throw top.error("axes", "no axes: give at least one parameter to vary") }
        for axis in axes {
            for k in axis.keys {
                if let other = axes.first(where: { $0.name != axis.name && $0.keys.contains(k) }) {
                    throw axesCursor.error(axis.name, "\(k) is set by axis \(other.name) too; an axis per key")
                }
                if run.contains(where: { $0.0 == k }) { throw axesCursor.error(axis.name, "\(k) is fixed in `run:`/`set:` and varied here; keep one") }
            }
        }

        var sampling = SweepSampling.grid
        if let node = top.optionalNode("sample") {
            if node.string == "grid" {
                sampling = .grid
            } else {
                var c = try YAMLCursor(node: node, file: file, path: "sample")
                let seed = UInt64(try c.optionalInt("seed", what: "the seed of the draws", in: 0...Int.max) ?? 1)
                if c.has("random") {
                    sampling = .random(count: try c.int("random", what: "how many points", in: 1...SweepAxis.maxPoints), seed: seed)
                } else if c.has("latin_hypercube") {
                    sampling = .latinHypercube(count: try c.int("latin_hypercube", what: "how many points", in: 1...SweepAxis.maxPoints), seed: seed)
                } else {
                    throw c.error("", "write `sample: grid`, `sample: {random: N, seed: S}` or `sample: {latin_hypercube: N, seed: S}`")
                }
                try c.finish(allowed: ["random", "latin_hypercube", "seed"])
            }
        }

        var names = Set(axes.map(\.name))
        for a in axes { names.formUnion(a.keys) }
        var constraints: [SweepConstraint] = []
        if let node = top.optionalNode("skip_when") {
            guard let items = node.sequence else { throw top.error("skip_when", "expected a list of conditions, e.g. [\"core.neurons < core.axons\"]") }
            for item in items {
                do {
                    if let s = item.string {
                        constraints.append(try SweepConstraint(s, reason: nil, names: names))
                    } else {
                        var c = try YAMLCursor(node: item, file: file, path: "skip_when")
                        let condition = try c.string("if", what: "the condition, e.g. \"core.neurons < core.axons\"")
                        let reason = try c.optionalString("reason")
                        try c.finish(allowed: ["if", "reason"])
                        constraints.append(try SweepConstraint(condition, reason: reason, names: names))
                    }
                } catch let e as SweepError {
                    throw TopologyError(file: file, line: item.mark?.line, key: "skip_when", message: e.description)
                }
            }
        }
        try top.finish(allowed: ["name", "topology", "run", "set", "axes", "sample", "skip_when"])
        return SweepSpec(name: name, topology: topology, run: run, axes: axes, sampling: sampling, constraints: constraints, file: file, text: text)
    }

    /// One axis: a list, a range, or `{keys: [...], values: ...}` setting several keys together.
    static func axis(_ key: String, _ parent: inout YAMLCursor) throws -> SweepAxis {
        let node = try parent.valueNode(key)
        if let list = node.sequence {
            try checkKey(key, cursor: parent, topologyKeyAllowed: true)
            return SweepAxis(name: key, keys: [key], values: .list(try listValues(list, key, parent)))
        }
        var c = try YAMLCursor(node: node, file: parent.file, path: YAMLCursor.join(parent.path, key), line: parent.line(of: key))
        var keys = [key]
        if c.has("keys") {
            let k = try c.node("keys", what: "the keys this axis sets together")
            guard let seq = k.sequence, !seq.isEmpty, let names = Optional(seq.compactMap(\.string)), names.count == seq.count else {
                throw c.error("keys", "expected a list of keys, e.g. [core.axons, core.neurons]")
            }
            keys = names
        }
        for k in keys { try checkKey(k, cursor: parent, topologyKeyAllowed: true, at: key) }
        if c.has("values") {
            let v = try c.node("values", what: "the values")
            guard let list = v.sequence, !list.isEmpty else { throw c.error("values", "expected a list of values") }
            try c.finish(allowed: ["keys", "values"])
            // Rows of one value per key: [[1, 0.26], [8, 1.35]] sets the keys to different values together.
            guard list.contains(where: { $0.sequence != nil }) else {
                return SweepAxis(name: key, keys: keys, values: .list(try listValues(list, key, c)))
            }
            var tuples: [SweepValue: [SweepValue]] = [:]
            var labels: [SweepValue] = []
            for row in list {
                guard let items = row.sequence, items.count == keys.count else {
                    throw TopologyError(file: c.file, line: row.mark?.line, key: YAMLCursor.join(c.path, "values"),
                                        message: "each row gives one value per key (\(keys.count): \(keys.joined(separator: ", ")))")
                }
                let values = try listValues(items, key, c)
                guard tuples.updateValue(values, forKey: values[0]) == nil else {
                    throw TopologyError(file: c.file, line: row.mark?.line, key: YAMLCursor.join(c.path, "values"),
                                        message: "\(keys[0]) = \(values[0]) appears in two rows; the first key's value names the row")
                }
                labels.append(values[0])
            }
            var axis = SweepAxis(name: key, keys: keys, values: .list(labels))
            axis.tuples = tuples
            return axis
        }
        let from = try c.double("from", what: "the first value of the range", in: -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude)
        let to = try c.double("to", what: "the last value of the range", in: -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude)
        let steps = try c.optionalInt("steps", what: "how many values from `from` to `to`", in: 1...SweepAxis.maxPoints)
        let step = try c.optionalDouble("step", what: "the distance between values", in: Double.leastNormalMagnitude...Double.greatestFiniteMagnitude)
        let scale = try c.optionalString("scale") ?? "linear"
        let integer = try c.optionalBool("integer", what: "whether values are rounded to whole numbers") ?? keys.allSatisfy { RunOption.named($0)?.kind == .integer }
        try c.finish(allowed: ["keys", "from", "to", "steps", "step", "scale", "integer"])
        guard scale == "linear" || scale == "log" else { throw c.error("scale", "linear or log, got '\(scale)'") }
        guard steps == nil || step == nil else { throw c.error("step", "give steps (a count) or step (a distance), not both") }
        guard from <= to else { throw c.error("to", "the range runs from \(from) up to \(to): put the smaller value in `from`") }
        if scale == "log" {
            guard from > 0 else { throw c.error("from", "a log scale needs a positive `from`") }
            guard step == nil else { throw c.error("step", "a log scale divides by `steps`, not `step`") }
        }
        return SweepAxis(name: key, keys: keys, values: .range(from: from, to: to, steps: steps, step: step, logarithmic: scale == "log", integer: integer))
    }

    static func listValues(_ list: Node.Sequence, _ key: String, _ c: YAMLCursor) throws -> [SweepValue] {
        guard !list.isEmpty else { throw c.error(key, "the list is empty: give at least one value") }
        guard list.count <= SweepAxis.maxPoints else { throw c.error(key, "\(list.count) values; at most \(SweepAxis.maxPoints)") }
        return try list.map { n in
            guard let v = value(n) else { throw c.error(key, "expected single values in the list, found \(YAMLCursor.describe(n))") }
            return v
        }
    }

    /// A scalar as a number when it reads as one, else as text; nil for a collection.
    static func value(_ node: Node) -> SweepValue? {
        guard let s = node.scalar?.string else { return nil }
        if let x = Double(s), x.isFinite { return .number(x) }
        return .text(s)
    }

    /// A key must be a run option, or (where allowed) a topology key path; reserved keys and near misses are named.
    static func checkKey(_ key: String, cursor c: YAMLCursor, topologyKeyAllowed: Bool, at place: String? = nil) throws {
        let where_ = place ?? key
        if let owner = reserved[key] { throw c.error(where_, "\(key) is set by \(owner), not per point") }
        if RunOption.named(key) != nil { return }
        if topologyKeyAllowed && key.contains(".") { return } // checked against the topology when the points are built
        let candidates = RunOption.all.map(\.key)
        let near = candidates.min { YAMLCursor.distance($0, key) < YAMLCursor.distance($1, key) }
        let hint = near.flatMap { YAMLCursor.distance($0, key) <= 3 ? " (did you mean '\($0)'?)" : nil } ?? ""
        throw c.error(where_, "unknown key\(hint): an option of spikechip run (\(candidates.joined(separator: ", ")))"
                      + (topologyKeyAllowed ? " or a topology key by its dotted path (core.axons, router.hop.east_west.energy_pj)" : ""))
    }
}
