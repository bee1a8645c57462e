import Foundation
import Store

extension SweepSpec {
    /// The points of the sweep as `spikechip run` arguments, with their parameters and the constraints'
    /// verdicts. `topologyPath` and `topologyYAML` are the resolved base topology (stored, compared on resume).
    public func plan(topologyPath: String, topologyYAML: String, toolVersion: String, name: String? = nil) throws -> SweepPlan {
        let folder = (file as NSString).deletingLastPathComponent
        let fixed = try run.flatMap { try Self.arguments($0.key, $0.value, folder: folder) }
        let points = try sampling.points(axes).enumerated().map { index, values -> SweepPlan.Point in
            var byName: [String: SweepValue] = [:]
            var arguments = ["--topology", topologyPath] + fixed
            for (axis, v) in zip(axes, values) {
                byName[axis.name] = v
                for (k, kv) in axis.settings(v) {
                    byName[k] = kv
                    arguments += try Self.arguments(k, kv, folder: folder)
                }
            }
            let skipped = constraints.first { $0.holds(byName) }?.reason
            return SweepPlan.Point(index: index, parameters: zip(axes, values).map { ($0.name, $1) }, arguments: arguments, skipped: skipped)
        }
        return SweepPlan(name: name ?? self.name, specFile: file, specYAML: text, baseTopology: topologyPath, baseTopologyYAML: topologyYAML,
                         sampling: sampling.description, points: points, toolVersion: toolVersion)
    }

    /// The arguments that set `key` to `value`: a run option's flag, or `--set` for a topology key.
    static func arguments(_ key: String, _ value: SweepValue, folder: String) throws -> [String] {
        if let option = RunOption.named(key) { return try option.arguments(value, relativeTo: folder).get() }
        return ["--set", "\(key)=\(yamlText(value))"]
    }

    /// A value as YAML reads it back: numbers keep a decimal point before an exponent (`1.0e-05`), which YAML 1.1 requires.
    static func yamlText(_ value: SweepValue) -> String {
        guard case .number = value else { return value.description }
        let s = value.description
        if s.contains("e"), !s.contains(".") { return s.replacingOccurrences(of: "e", with: ".0e") }
        return s
    }
}
