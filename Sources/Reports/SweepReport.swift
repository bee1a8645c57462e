import Energy
import Foundation
import Store
import Sweeps

/// A sweep's points side by side: the Pareto fronts, each parameter's effect, where the chip beats
/// same-memory dense hardware, and every point (HTML, CSV or JSON).
public enum SweepReport {
    /// The objectives a design is judged on, all minimised: energy per token, latency per token, silicon area.
    public static func objectives(_ r: SweepResult) -> [Double]? {
        guard r.status == .complete, let e = r.picojoulesPerToken, let l = r.latencyNanosecondsPerToken, let a = r.squareMillimetres else { return nil }
        return [e, l, a]
    }

    /// The complete points no other complete point beats on energy, latency and area at once.
    public static func paretoOptimal(_ results: [SweepResult]) -> [SweepResult] {
        let complete = results.compactMap { r in objectives(r).map { (r, $0) } }
        return ParetoFront.indices(complete.map(\.1)).map { complete[$0].0 }
    }

    static let columns = ["pj_per_token", "latency_ns_per_token", "area_mm2", "chips", "static_mw", "fp16_over_spiking", "int8_over_spiking",
                          "top1_agreement", "mean_kl"]

    static func values(_ r: SweepResult) -> [Double?] {
        [r.picojoulesPerToken, r.latencyNanosecondsPerToken, r.squareMillimetres, r.chips.map(Double.init), r.staticMilliwatts,
         r.fp16OverSpiking, r.int8OverSpiking, r.top1Agreement, r.meanKL]
    }

    /// Closed-loop points measured against the dense model that no other beats on both energy per
    /// token and KL divergence from the dense model's logits.
    public static func fidelityFront(_ results: [SweepResult]) -> [SweepResult] {
        let measured = results.filter { $0.status == .complete && $0.meanKL != nil && $0.picojoulesPerToken != nil }
        return ParetoFront.indices(measured.map { [$0.picojoulesPerToken!, $0.meanKL!] }).map { measured[$0] }
    }

    /// One line per point: point, parameters, status, run, the answers, message.
    public static func csv(keys: [String], _ results: [SweepResult]) -> String {
        func field(_ s: String) -> String { s.contains(where: { ",\"\n".contains($0) }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s }
        var out = (["point"] + keys + ["status", "run"] + columns + ["pareto", "message"]).map(field).joined(separator: ",") + "\n"
        let front = Set(paretoOptimal(results).map(\.point))
        for r in results {
            var cells: [String] = [String(r.point)]
            cells += keys.map { r.parameters[$0]?.description ?? "" }
            cells += [r.status.rawValue, r.run.map { "\($0.rawValue)" } ?? ""]
            cells += values(r).map { v -> String in v.map { String($0) } ?? "" }
            cells += [front.contains(r.point) ? "1" : "0", r.message ?? ""]
            out += cells.map(field).joined(separator: ",") + "\n"
        }
        return out
    }

    /// The points as a JSON array of objects.
    public static func json(keys: [String], _ results: [SweepResult]) throws -> String {
        let front = Set(paretoOptimal(results).map(\.point))
        let objects: [[String: Any]] = results.map { r in
            var o: [String: Any] = ["point": r.point, "status": r.status.rawValue, "run": r.run.map { Int($0.rawValue) } as Any? ?? NSNull(),
                                    "pareto": front.contains(r.point), "message": r.message as Any? ?? NSNull()]
            var p: [String: Any] = [:]
            for k in keys { if let v = r.parameters[k] { p[k] = v.number.map { $0 as Any } ?? v.description } }
            o["parameters"] = p
            for (c, v) in zip(columns, values(r)) { o[c] = v as Any? ?? NSNull() }
            return o
        }
        return String(decoding: try JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self)
    }

    /// The report's HTML text.
    public static func html(sweep: SweepSummary, keys: [String], _ results: [SweepResult], database: String) -> String {
        let e = SVGChart.escape
        let pj = { (v: Double) in Energy.format(picojoules: v) }
        let front = paretoOptimal(results)
        let onFront = Set(front.map(\.point))
        let complete = results.filter { $0.status == .complete }
        func label(_ r: SweepResult) -> String {
            "point \(r.point): " + keys.map { "\($0)=\(r.parameters[$0]?.description ?? "?")" }.joined(separator: ", ")
        }
        let counts = SweepPointStatus.allCases.map { "\(sweep.counts[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
        var h = """
        <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>SpikeChip sweep \(e(sweep.name))</title>
        <style>body{font-family:sans-serif;margin:2em;max-width:1100px;color:#222}table{border-collapse:collapse;margin:.5em 0}
        td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}td.l,th.l{text-align:left}
        h2{border-bottom:1px solid #ddd;margin-top:1.6em}.note{color:#666;font-size:.9em}.win{background:#dff0d8}.lose{background:#f8d7da}</style></head><body>
        <h1>SpikeChip sweep \(e(sweep.name))</h1>
        <p>\(e(database)): base topology <code>\(e(sweep.baseTopology))</code>, \(e(sweep.sampling)), \(results.count) points (\(counts)), started \(e(sweep.createdAt)).
        Energy and latency are per token; the ratios are same-memory dense energy over the chip's, whole system (level 3 of docs/energy-study.md):
        above 1 the chip uses less energy.</p>
        <h2>Pareto front: energy, latency and area per token</h2>
        <p class="note">Orange: the \(front.count) point(s) no other point beats on all three at once. Hover a point for its parameters.</p>
        """
        let energyLatency = complete.map { (x: $0.latencyNanosecondsPerToken ?? 0, y: $0.picojoulesPerToken ?? 0, label: label($0), highlight: onFront.contains($0.point)) }
        h += SVGChart.scatter(energyLatency, xLabel: "latency per token, ns", yLabel: "energy per token", format: pj)
        let energyArea = complete.map { (x: $0.squareMillimetres ?? 0, y: $0.picojoulesPerToken ?? 0, label: label($0), highlight: onFront.contains($0.point)) }
        h += SVGChart.scatter(energyArea, xLabel: "silicon area, mm²", yLabel: "energy per token", format: pj)
        h += "<table><tr><th>point</th>" + keys.map { "<th>\(e($0))</th>" }.joined()
            + "<th>energy / token</th><th>latency / token</th><th>area</th><th>INT8 / chip</th><th>FP16 / chip</th></tr>"
        for r in front {
            h += "<tr><td>\(r.point)</td>" + keys.map { "<td>\(e(r.parameters[$0]?.description ?? ""))</td>" }.joined()
                + "<td>\(pj(r.picojoulesPerToken ?? 0))</td><td>\(format(r.latencyNanosecondsPerToken, "%.4g ns"))</td><td>\(format(r.squareMillimetres, "%.4g mm²"))</td>"
                + "<td>\(format(r.int8OverSpiking, "%.3g"))</td><td>\(format(r.fp16OverSpiking, "%.3g"))</td></tr>"
        }
        h += "</table>"

        let fidelity = fidelityFront(results)
        if !fidelity.isEmpty {
            let onFidelityFront = Set(fidelity.map(\.point))
            h += "<h2>Energy against fidelity (closed loop)</h2><p class=\"note\">Points run with <code>fidelity: true</code>: mean KL divergence of the chip's next-token distribution from the dense model's, per position (0: identical). Orange: no other point has both less energy and less divergence.</p>"
            h += SVGChart.scatter(complete.filter { $0.meanKL != nil }.map {
                (x: max($0.meanKL ?? 0, 1e-9), y: $0.picojoulesPerToken ?? 0,
                 label: label($0) + String(format: ", top-1 agreement %.3f", $0.top1Agreement ?? 0), highlight: onFidelityFront.contains($0.point))
            }, xLabel: "mean KL(dense ‖ chip), nats", yLabel: "energy per token", format: pj)
        }
        h += "<h2>Sensitivity: each parameter's effect</h2><p class=\"note\">Per value of a parameter: the mean over the complete points that have it (the other parameters vary across those points).</p>"
        func mean(_ xs: [Double]) -> Double? { xs.isEmpty ? nil : xs.reduce(0, +) / Double(xs.count) }
        for key in keys {
            let groups = Dictionary(grouping: complete.filter { $0.parameters[key] != nil }) { $0.parameters[key]! }
            let values = groups.keys.sorted(by: Self.order)
            guard values.count > 1 else { continue }
            h += "<h3>\(e(key))</h3><table><tr><th class=\"l\">value</th><th>points</th><th>mean energy / token</th><th>range</th><th>mean latency / token</th><th>mean area</th><th>mean INT8 / chip</th></tr>"
            var bars: [(label: String, value: Double, color: String)] = []
            for (i, value) in values.enumerated() {
                let g = groups[value] ?? []
                let energies = g.compactMap(\.picojoulesPerToken)
                let meanEnergy = mean(energies) ?? 0
                h += "<tr><td class=\"l\">\(e(value.description))</td><td>\(g.count)</td><td>\(pj(meanEnergy))</td>"
                    + "<td>\(pj(energies.min() ?? 0)) – \(pj(energies.max() ?? 0))</td>"
                    + "<td>\(format(mean(g.compactMap(\.latencyNanosecondsPerToken)), "%.4g ns"))</td><td>\(format(mean(g.compactMap(\.squareMillimetres)), "%.4g mm²"))</td>"
                    + "<td>\(format(mean(g.compactMap(\.int8OverSpiking)), "%.3g"))</td></tr>"
                bars.append((label: "\(key) = \(value)", value: meanEnergy, color: SVGChart.palette[i % SVGChart.palette.count]))
            }
            h += "</table>" + SVGChart.horizontalBars(bars, format: pj)
        }

        if keys.count >= 2 {
            let (rowKey, colKey) = (keys[0], keys[1])
            let rows = Array(Set(complete.compactMap { $0.parameters[rowKey] })).sorted(by: Self.order)
            let cols = Array(Set(complete.compactMap { $0.parameters[colKey] })).sorted(by: Self.order)
            h += "<h2>Break-even: \(e(rowKey)) × \(e(colKey))</h2>"
            h += "<p class=\"note\">Same-memory dense energy over the chip's, whole system (geometric mean over the other parameters where there are any). Green: the chip uses less energy; red: the dense accelerator does.</p>"
            for (name, ratio) in [("INT8", \SweepResult.int8OverSpiking), ("FP16", \SweepResult.fp16OverSpiking)] {
                h += "<h3>\(name) / chip</h3><table><tr><th class=\"l\">\(e(rowKey)) \\ \(e(colKey))</th>" + cols.map { "<th>\(e($0.description))</th>" }.joined() + "</tr>"
                for rv in rows {
                    h += "<tr><th class=\"l\">\(e(rv.description))</th>"
                    for cv in cols {
                        let ratios = complete.filter { $0.parameters[rowKey] == rv && $0.parameters[colKey] == cv }.compactMap { $0[keyPath: ratio] }.filter { $0 > 0 }
                        if ratios.isEmpty { h += "<td>—</td>"; continue }
                        let g = exp(ratios.map(log).reduce(0, +) / Double(ratios.count))
                        h += "<td class=\"\(g >= 1 ? "win" : "lose")\">\(String(format: "%.3g", g))</td>"
                    }
                    h += "</tr>"
                }
                h += "</table>"
            }
        }

        h += "<h2>Every point</h2><table><tr><th>point</th>" + keys.map { "<th>\(e($0))</th>" }.joined()
            + "<th class=\"l\">status</th><th>run</th><th>energy / token</th><th>latency / token</th><th>area</th><th>chips</th><th>INT8 / chip</th><th>FP16 / chip</th><th>top-1</th><th>KL</th><th class=\"l\">message</th></tr>"
        for r in results {
            h += "<tr><td>\(r.point)\(onFront.contains(r.point) ? " ★" : "")</td>" + keys.map { "<td>\(e(r.parameters[$0]?.description ?? ""))</td>" }.joined()
                + "<td class=\"l\">\(r.status.rawValue)</td><td>\(r.run.map { "\($0.rawValue)" } ?? "")</td>"
                + "<td>\(r.picojoulesPerToken.map(pj) ?? "")</td><td>\(format(r.latencyNanosecondsPerToken, "%.4g ns"))</td>"
                + "<td>\(format(r.squareMillimetres, "%.4g mm²"))</td><td>\(r.chips.map(String.init) ?? "")</td>"
                + "<td>\(format(r.int8OverSpiking, "%.3g"))</td><td>\(format(r.fp16OverSpiking, "%.3g"))</td>"
                + "<td>\(format(r.top1Agreement, "%.3f"))</td><td>\(format(r.meanKL, "%.3g"))</td><td class=\"l\">\(e(r.message ?? ""))</td></tr>"
        }
        return h + "</table><p class=\"note\">Each point's run: <code>spikechip report \(e(database)) --run N</code>. The same data: <code>spikechip sweep report \(e(database)) --format csv</code>, or SQL on the <code>sweep_result</code> view.</p></body></html>\n"
    }

    static func format(_ v: Double?, _ f: String) -> String { v.map { String(format: f, $0) } ?? "" }

    /// Numbers by value, then words by text.
    static func order(_ a: SweepValue, _ b: SweepValue) -> Bool {
        switch (a.number, b.number) {
        case let (x?, y?): x < y
        case (.some, nil): true
        case (nil, .some): false
        default: a.description < b.description
        }
    }
}
