import Energy
import Foundation

/// `spikechip report`: one self-contained HTML file per run (inline CSS and SVG, no script,
/// no network), readable offline and attachable to a paper's supplementary material.
public enum HTMLReport {
    /// Writes the report of `run` (nil: the newest run) of the database at `database` to `url`.
    @discardableResult
    public static func write(database: String, run: RunID? = nil, to url: URL) throws -> RunID {
        let store = try RunStore(path: database, readOnly: true)
        guard let id = try run ?? store.runs().last?.id else {
            throw StoreError.invalidArgument("\(database) holds no runs; write one with `spikechip run --db \(database)`")
        }
        let html = render(try store.reportData(run: id))
        do { try html.write(to: url, atomically: true, encoding: .utf8) } catch {
            throw StoreError.invalidArgument("cannot write the report to \(url.path): \(error.localizedDescription)")
        }
        return id
    }

    /// The report's HTML text.
    public static func render(_ d: RunReportData) -> String {
        let e = SVGChart.escape
        let pj = { (v: Double) in Energy.format(picojoules: v) }
        let run = d.run
        let tokens = max(run.tokens ?? d.tokenCount, 1)
        var h = """
        <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>SpikeChip run \(run.id): \(e(run.modelName))</title>
        <style>body{font-family:sans-serif;margin:2em;max-width:1100px;color:#222}table{border-collapse:collapse;margin:.5em 0}
        td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}td.l,th.l{text-align:left}
        h2{border-bottom:1px solid #ddd;margin-top:1.6em}.note{color:#666;font-size:.9em}.bad{color:#b00}</style></head><body>
        <h1>SpikeChip run \(run.id): \(e(run.modelName)) on \(e(run.topologyName))</h1>
        <table><tr><th class="l">status</th><td class="l\(run.status == .complete ? "" : " bad")">\(run.status.rawValue)\(run.statusDetail.map { " — " + e($0) } ?? "")</td></tr>
        <tr><th class="l">command</th><td class="l"><code>\(e(run.commandLine.joined(separator: " ")))</code></td></tr>
        <tr><th class="l">version, seed</th><td class="l">\(e(run.toolVersion)), \(run.seed)</td></tr>
        <tr><th class="l">started / finished</th><td class="l">\(e(run.startedAt)) / \(e(run.finishedAt ?? "—"))</td></tr>
        <tr><th class="l">system</th><td class="l">\(run.chips) chip(s) × \(run.meshX)×\(run.meshY) cores; encoder \(e(run.encoder)), T = \(run.timeSteps); log \(run.logLevel.rawValue)</td></tr>
        <tr><th class="l">tokens</th><td class="l">\(run.tokens.map(String.init) ?? "\(d.tokenCount) (so far)")</td></tr>
        <tr><th class="l">simulated time</th><td class="l">\(run.simulatedTime.map { String(format: "%.1f ns", $0.nanoseconds) } ?? "—")</td></tr>
        <tr><th class="l">energy</th><td class="l">\(pj(d.totalPicojoules)) in all, <b>\(pj(d.totalPicojoules / Double(tokens))) per token</b></td></tr>
        </table>
        """
        h += "<h2>Spiking versus dense FP16 and INT8</h2>"
        if d.comparison.isEmpty {
            h += "<p class=\"note\">No baseline was stored for this run.</p>"
        } else {
            h += "<table><tr><th class=\"l\">level</th><th>spiking / token</th><th>FP16 / token</th><th>INT8 / token</th><th>% less than FP16</th><th>% less than INT8</th></tr>"
            for c in d.comparison {
                h += "<tr><td class=\"l\">\(c.level). \(e(c.name))</td><td>\(pj(c.spikingPicojoules / Double(tokens)))</td>"
                h += "<td>\(pj(c.fp16Picojoules / Double(tokens)))</td><td>\(pj(c.int8Picojoules / Double(tokens)))</td>"
                h += String(format: "<td>%.1f%% (%.2f×)</td><td>%.1f%% (%.2f×)</td></tr>", c.percentLessThanFP16,
                            c.fp16Picojoules / c.spikingPicojoules, c.percentLessThanINT8, c.int8Picojoules / c.spikingPicojoules)
            }
            h += "</table><p class=\"note\">Level 1 counts only synaptic accumulates against MACs, as published spiking-LLM claims do; level 2 adds memory traffic; level 3 is the whole system (routing, chip crossings, neuron updates, function units, static power). docs/baselines.md derives each level.</p>"
        }
        if !d.baseline.isEmpty {
            h += "<h3>Dense baselines by component, per token</h3><table><tr><th class=\"l\">precision</th><th class=\"l\">component</th><th>operations</th><th>energy</th></tr>"
            for b in d.baseline {
                h += "<tr><td class=\"l\">\(e(b.precision))</td><td class=\"l\">\(e(b.component))</td>"
                h += String(format: "<td>%.4g</td>", b.operations / Double(tokens)) + "<td>\(pj(b.picojoules / Double(tokens)))</td></tr>"
            }
            h += "</table>"
        }
        h += "<h2>Energy by kind</h2>"
        h += SVGChart.horizontalBars(d.byKind.enumerated().map { (i, k) in
            (label: k.kind, value: k.picojoules, color: SVGChart.palette[(EnergyKind(name: k.kind).map { Int($0.rawValue) } ?? i) % SVGChart.palette.count])
        }, format: pj)
        h += "<table><tr><th class=\"l\">kind</th><th>operations</th><th>energy</th><th>per token</th><th>share</th></tr>"
        for k in d.byKind {
            h += "<tr><td class=\"l\">\(e(k.kind))</td><td>\(k.operations)</td><td>\(pj(k.picojoules))</td><td>\(pj(k.picojoules / Double(tokens)))</td>"
            h += String(format: "<td>%.1f%%</td></tr>", 100 * k.picojoules / max(d.totalPicojoules, 1e-300))
        }
        h += "</table><h2>Energy by layer</h2>"
        let kinds = EnergyKind.allCases.map(\.name)
        var layers: [Int?] = []
        for row in d.byLayerAndKind where !layers.contains(row.layer) { layers.append(row.layer) }
        let values = layers.map { layer in
            kinds.map { kind in d.byLayerAndKind.first { $0.layer == layer && $0.kind == kind }?.picojoules ?? 0 }
        }
        h += SVGChart.stackedBars(categories: layers.map { $0.map(String.init) ?? "none" }, series: kinds, values: values, format: pj)
        h += "<p class=\"note\">\"none\": records of no layer (static power, system-wide traffic).</p>"
        h += "<h2>Energy per core</h2>"
        if d.cores.isEmpty {
            h += "<p class=\"note\">No per-core totals: the run stopped before the end of its energy stream.</p>"
        } else {
            h += SVGChart.heatMap(chips: run.chips, meshX: run.meshX, meshY: run.meshY,
                                  energy: Dictionary(d.cores.map { ($0.core, $0.picojoules) }, uniquingKeysWith: +), format: pj)
            if run.chips > 16 { h += "<p class=\"note\">First 16 of \(run.chips) chips shown.</p>" }
        }
        h += "<h2>Firing rate per layer</h2>"
        if d.firing.isEmpty {
            h += "<p class=\"note\">No spike statistics were stored for this run.</p>"
        } else {
            h += SVGChart.horizontalBars(d.firing.map { (label: "layer \($0.layer)", value: $0.firingRate, color: SVGChart.palette[0]) },
                                         format: { String(format: "%.4f spikes/neuron/step", $0) })
            h += "<table><tr><th>layer</th><th>firing rate</th><th>silent neurons</th></tr>"
            for f in d.firing { h += String(format: "<tr><td>%d</td><td>%.4f</td><td>%.1f%%</td></tr>", f.layer, f.firingRate, 100 * f.silentFraction) }
            h += "</table>"
        }
        h += "<h2>Latency per token</h2>"
        h += SVGChart.line(d.tokens.map { (x: Double($0.token), y: $0.nanoseconds) }, yLabel: "ns", format: { String(format: "%.1f ns", $0) })
        if !d.hottestLinks.isEmpty {
            h += "<h2>Hottest links</h2><table><tr><th>chip</th><th>router</th><th class=\"l\">direction</th><th>packets</th></tr>"
            for l in d.hottestLinks { h += "<tr><td>\(l.chip)</td><td>\(l.router)</td><td class=\"l\">\(e(l.direction))</td><td>\(l.packets)</td></tr>" }
            h += "</table>"
        }
        if !d.energyTable.isEmpty {
            h += "<h2>Energy table of the topology</h2><table><tr><th class=\"l\">cost</th><th>pJ</th><th class=\"l\">unit</th><th class=\"l\">source</th></tr>"
            for c in d.energyTable {
                h += "<tr><td class=\"l\">\(e(c.name))</td><td>\(c.picojoules)</td><td class=\"l\">\(e(c.unit))</td><td class=\"l\">\(e(c.source))</td></tr>"
            }
            h += "</table>"
        }
        return h + "</body></html>\n"
    }
}
