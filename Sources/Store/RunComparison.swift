import Foundation

/// `spikechip compare`: two runs side by side, one metric per line, with B / A.
public struct RunComparison: Sendable {
    /// One compared figure; text-only metrics (status) have no numbers.
    public struct Metric: Sendable, Equatable {
        public var name: String
        public var a: String
        public var b: String
        /// B / A for numeric metrics with A ≠ 0.
        public var ratio: Double?
    }

    public enum Format: String, Sendable, CaseIterable { case table, csv, json }

    public let runA: RunID
    public let runB: RunID
    public let metrics: [Metric]

    public init(store: RunStore, _ a: RunID, _ b: RunID) throws {
        let da = try store.reportData(run: a), db = try store.reportData(run: b)
        runA = a; runB = b
        var m: [Metric] = []
        func text(_ name: String, _ f: (RunReportData) -> String) { m.append(Metric(name: name, a: f(da), b: f(db), ratio: nil)) }
        func number(_ name: String, _ format: String, _ f: (RunReportData) -> Double?) {
            let (x, y) = (f(da), f(db))
            m.append(Metric(name: name, a: x.map { String(format: format, $0) } ?? "—", b: y.map { String(format: format, $0) } ?? "—",
                            ratio: x.flatMap { x in y.flatMap { x != 0 ? $0 / x : nil } }))
        }
        func tokens(_ d: RunReportData) -> Double { Double(max(d.run.tokens ?? d.tokenCount, 1)) }
        text("status") { $0.run.status.rawValue }
        text("model") { $0.run.modelName }
        text("topology") { $0.run.topologyName }
        text("encoder, T") { "\($0.run.encoder), \($0.run.timeSteps)" }
        number("tokens", "%.0f") { $0.run.tokens.map(Double.init) ?? Double($0.tokenCount) }
        number("energy per token (pJ)", "%.3f") { $0.totalPicojoules / tokens($0) }
        for kind in Set(da.byKind.map(\.kind) + db.byKind.map(\.kind)).sorted() {
            number("  \(kind) per token (pJ)", "%.3f") { d in (d.byKind.first { $0.kind == kind }?.picojoules ?? 0) / tokens(d) }
        }
        number("simulated time per token (ns)", "%.1f") { d in d.run.simulatedTime.map { $0.nanoseconds / tokens(d) } }
        number("wall time (s)", "%.3f") { $0.run.wallSeconds }
        for level in 1...3 {
            number("level \(level) % less than FP16", "%.2f") { d in d.comparison.first { $0.level == level }?.percentLessThanFP16 }
            number("level \(level) % less than INT8", "%.2f") { d in d.comparison.first { $0.level == level }?.percentLessThanINT8 }
        }
        metrics = m
    }

    public func render(_ format: Format) -> String {
        switch format {
        case .table:
            let width = max(metrics.map(\.name.count).max() ?? 0, 6)
            let col = max(metrics.map { max($0.a.count, $0.b.count) }.max() ?? 0, 8)
            func pad(_ s: String, _ n: Int, left: Bool = false) -> String {
                let fill = String(repeating: " ", count: max(0, n - s.count)); return left ? s + fill : fill + s
            }
            var out = pad("metric", width, left: true) + "  " + pad("run \(runA)", col) + "  " + pad("run \(runB)", col) + "     B/A\n"
            for x in metrics {
                out += pad(x.name, width, left: true) + "  " + pad(x.a, col) + "  " + pad(x.b, col) + "  "
                    + (x.ratio.map { String(format: "%6.3f", $0) } ?? "     —") + "\n"
            }
            return out
        case .csv:
            func quote(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
            return "metric,run_\(runA),run_\(runB),ratio\n" + metrics.map {
                [quote($0.name.trimmingCharacters(in: .whitespaces)), quote($0.a), quote($0.b), $0.ratio.map { String($0) } ?? ""]
                    .joined(separator: ",")
            }.joined(separator: "\n") + "\n"
        case .json:
            let objects = metrics.map { x -> [String: Any] in
                var o: [String: Any] = ["metric": x.name.trimmingCharacters(in: .whitespaces), "a": x.a, "b": x.b]
                if let r = x.ratio, r.isFinite { o["ratio"] = r }
                return o
            }
            let root: [String: Any] = ["run_a": runA.rawValue, "run_b": runB.rawValue, "metrics": objects]
            let data = (try? JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys])) ?? Data()
            return String(decoding: data, as: UTF8.self) + "\n"
        }
    }
}
