import Energy
import Foundation
import Store

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

    /// A network run: its populations (neurons, cores, spikes, firing rate) and the simulated duration of each step.
    static func networkSection(_ n: RunReportData.Network, steps: Int) -> String {
        let e = SVGChart.escape
        var h = "<h2>Network</h2><table><tr><th class=\"l\">population</th><th class=\"l\">model</th><th>neurons</th><th>cores</th><th>spikes</th><th>spikes per neuron and step</th></tr>"
        for p in n.populations {
            h += "<tr><td class=\"l\">\(e(p.name))\(p.isOutput ? " (output)" : "")</td><td class=\"l\">\(e(p.kind))</td><td>\(p.neurons)</td><td>\(p.cores)</td><td>\(p.spikes)</td>"
            h += String(format: "<td>%.4f</td></tr>", Double(p.spikes) / Double(max(p.neurons * steps, 1)))
        }
        h += "</table><h3>Simulated time per step</h3>"
        let durations = n.stepEnds.indices.map { (x: Double($0), y: n.stepEnds[$0] - ($0 > 0 ? n.stepEnds[$0 - 1] : 0)) }
        h += durations.count < 2 ? durations.map { String(format: "<p>Step %.0f: %.4g ns.</p>", $0.x, $0.y) }.joined()
            : SVGChart.line(durations, yLabel: "ns", format: { String(format: "%.1f ns", $0) })
        h += "<p class=\"note\">From the end of the previous step's work (its barrier or tick included) to the end of this step's. No dense baseline is stored for network runs.</p>"
        return h
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
        if let net = d.network {
            h += networkSection(net, steps: run.timeSteps)
        } else {
            h += "<h2>Spiking versus dense FP16 and INT8</h2>"
        }
        if let st = d.study {
            h += "<table><tr><th class=\"l\">technology</th><td class=\"l\">\(st.technologyNanometres) nm, \(st.voltage) V (every figure of both sides scaled here; topologies/technology.yaml)</td></tr>"
            h += String(format: "<tr><th class=\"l\">silicon</th><td class=\"l\">%.0f mm² in all, largest chip %.0f mm²%@</td></tr>", st.squareMillimetres,
                        st.largestChipSquareMillimetres, (st.largestChipSquareMillimetres > st.reticleSquareMillimetres
                            ? String(format: " — <span class=\"bad\">%.1f× the %.0f mm² reticle: wafer-scale or stitched silicon</span>",
                                     st.largestChipSquareMillimetres / st.reticleSquareMillimetres, st.reticleSquareMillimetres) : "") as NSString)
            h += String(format: "<tr><th class=\"l\">static power</th><td class=\"l\">%.4g mW (range %.4g – %.4g mW)</td></tr>", st.staticMilliwatts.value,
                        st.staticMilliwatts.low, st.staticMilliwatts.high)
            h += String(format: "<tr><th class=\"l\">latency, power</th><td class=\"l\">%.4g ns per token, %.4g W average, energy × delay %.4g pJ·ns</td></tr>",
                        st.latencyNanoseconds, st.averagePowerWatts, st.energyDelay)
            h += String(format: "<tr><th class=\"l\">spike statistics</th><td class=\"l\">%.3f silent per token, %.3f spikes per activation, %.4f per neuron and step — backed by %@</td></tr></table>",
                        st.silentPerToken, st.spikesPerActivation, st.firingRatePerStep, e(st.statistics) as NSString)
        }
        if d.network != nil {
            // A network run has no dense counterpart stored (docs/networks.md).
        } else if d.scenarioLevels.isEmpty && d.comparison.isEmpty {
            h += "<p class=\"note\">No baseline was stored for this run.</p>"
        } else if d.scenarioLevels.isEmpty {
            h += "<table><tr><th class=\"l\">level</th><th>spiking / token</th><th>FP16 / token</th><th>INT8 / token</th><th>% less than FP16</th><th>% less than INT8</th></tr>"
            for c in d.comparison {
                h += "<tr><td class=\"l\">\(c.level). \(e(c.name))</td><td>\(pj(c.spikingPicojoules / Double(tokens)))</td>"
                h += "<td>\(pj(c.fp16Picojoules / Double(tokens)))</td><td>\(pj(c.int8Picojoules / Double(tokens)))</td>"
                h += String(format: "<td>%.1f%% (%.2f×)</td><td>%.1f%% (%.2f×)</td></tr>", c.percentLessThanFP16,
                            c.fp16Picojoules / c.spikingPicojoules, c.percentLessThanINT8, c.int8Picojoules / c.spikingPicojoules)
            }
            h += "</table><p class=\"note\">A run stored before dense scenarios existed: one memory hierarchy, no ranges.</p>"
        } else {
            let t = Double(tokens)
            func ranged(_ v: RangedValue) -> String {
                v.low == v.high ? pj(v.value / t) : "\(pj(v.value / t))<br><span class=\"note\">\(pj(v.low / t)) – \(pj(v.high / t))</span>"
            }
            func factor(_ v: Double, _ r: ClosedRange<Double>) -> String {
                String(format: "<b>%.3g×</b><br><span class=\"note\">%.3g – %.3g</span>", v, r.lowerBound, r.upperBound)
            }
            var scenarios: [String] = []
            for l in d.scenarioLevels where !scenarios.contains(l.scenario) { scenarios.append(l.scenario) }
            for sc in scenarios {
                let rows = d.scenarioLevels.filter { $0.scenario == sc }
                h += "<h3>Scenario \(e(sc))</h3><p class=\"note\">\(e(rows.first?.assumption ?? ""))</p>"
                h += "<table><tr><th class=\"l\">level</th><th>spiking / token</th><th>FP16 / token</th><th>FP16 / spiking</th><th>INT8 / token</th><th>INT8 / spiking</th><th class=\"l\">break-even spikes per activation (per step)</th></tr>"
                for l in rows {
                    let even = d.breakEven.filter { $0.scenario == sc && $0.level == l.level }.map { b in
                        "\(b.versus.uppercased()): " + (b.spikesPerActivation.map { String(format: "%.3g (%.3g)", $0, b.firingRatePerStep ?? 0) } ?? "never")
                    }.joined(separator: "; ")
                    h += "<tr><td class=\"l\">\(l.level). \(e(l.name))</td><td>\(ranged(l.spiking))</td><td>\(ranged(l.fp16))</td>"
                    h += "<td>\(factor(l.fp16.value / l.spiking.value, l.fp16Factor))</td><td>\(ranged(l.int8))</td>"
                    h += "<td>\(factor(l.int8.value / l.spiking.value, l.int8Factor))</td><td class=\"l\">\(even)</td></tr>"
                }
                h += "</table>"
                // Tornado: level 3 against INT8, one bar per figure moved alone over its range.
                if let l3 = rows.first(where: { $0.level == 3 }) {
                    let bars = d.sensitivity.filter { $0.scenario == sc && $0.level == 3 && $0.versus == "int8" }
                    if !bars.isEmpty {
                        h += "<p class=\"note\">Sensitivity of INT8 / spiking at level 3 (nominal \(String(format: "%.3g", l3.int8.value / l3.spiking.value))×) to each figure alone, over its range (blue: at its low end, orange: at its high end; dashed red: 1×, where the sides are even):</p>"
                        h += SVGChart.tornado(bars.prefix(10).map { (label: $0.figure, low: $0.ratioAtLow, high: $0.ratioAtHigh) },
                                              nominal: l3.int8.value / l3.spiking.value)
                    }
                }
            }
            h += "<p class=\"note\">Level 1 counts only synaptic accumulates against MACs, as published spiking-LLM claims do; level 2 adds the weight, membrane, activation and KV-cache memory of both sides; level 3 is the whole system (routing, chip crossings, function units, control, static power over each side's own token time). Ranges move every cost figure over its cited range; figures both sides share (SRAM read, function units, leakage) move together. docs/energy-study.md derives each number.</p>"
        }
        if !d.baseline.isEmpty {
            h += "<h3>Dense baselines by component, per token</h3><table><tr><th class=\"l\">scenario</th><th class=\"l\">precision</th><th class=\"l\">component</th><th>operations</th><th>energy</th></tr>"
            for b in d.baseline {
                h += "<tr><td class=\"l\">\(e(b.scenario))</td><td class=\"l\">\(e(b.precision))</td><td class=\"l\">\(e(b.component))</td>"
                h += String(format: "<td>%.4g</td>", b.operations / Double(tokens)) + "<td>\(pj(b.picojoules / Double(tokens)))</td></tr>"
            }
            h += "</table><p class=\"note\">The dense accelerator: MAC arithmetic from Horowitz (ISSCC 2014, 45 nm, scaled to the run's node), a TPU v1-class array of 65,536 MACs (Jouppi et al., ISCA 2017) for its time and area, DRAM energy and background power from Horowitz and Micron's DDR4 datasheet; everything else from the chip's own topology (topologies/baselines.yaml, docs/baselines.md).</p>"
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
        h += "</table><h2>Energy by \(d.network == nil ? "layer" : "population")</h2>"
        let kinds = EnergyKind.allCases.map(\.name)
        var layers: [Int?] = []
        for row in d.byLayerAndKind where !layers.contains(row.layer) { layers.append(row.layer) }
        // Records of no layer (static power, system traffic) dwarf every layer: they get a line of their own, not a bar.
        let inLayers = layers.compactMap { $0 }
        let values = inLayers.map { layer in
            kinds.map { kind in d.byLayerAndKind.first { $0.layer == layer && $0.kind == kind }?.picojoules ?? 0 }
        }
        let names = d.network.map { n in inLayers.map { $0 < n.populations.count ? n.populations[$0].name : String($0) } } ?? inLayers.map(String.init)
        h += SVGChart.stackedBars(categories: names, series: kinds, values: values, format: pj)
        let outside = d.byLayerAndKind.filter { $0.layer == nil }
        if !outside.isEmpty {
            h += "<p class=\"note\">Outside the layers (not drawn): " + outside.map { "\(e($0.kind)) \(pj($0.picojoules))" }.joined(separator: ", ") + ".</p>"
        }
        h += "<h2>Energy per core</h2>"
        if d.cores.isEmpty {
            h += "<p class=\"note\">No per-core totals: the run stopped before the end of its energy stream.</p>"
        } else {
            h += SVGChart.heatMap(chips: run.chips, chipsX: d.study?.chipsX ?? run.chips, meshX: run.meshX, meshY: run.meshY,
                                  energy: Dictionary(d.cores.map { ($0.core, $0.picojoules) }, uniquingKeysWith: +), format: pj)
            if run.chips > 16 { h += "<p class=\"note\">First 16 of \(run.chips) chips shown.</p>" }
        }
        if d.network != nil {
            // Populations' spikes and step latency are in the network section.
        } else {
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
        if d.tokens.count < 2 {
            h += d.tokens.map { String(format: "<p>Token %d: %.4g ns (simulated).</p>", $0.token, $0.nanoseconds) }.joined()
        } else {
            h += SVGChart.line(d.tokens.map { (x: Double($0.token), y: $0.nanoseconds) }, yLabel: "ns", format: { String(format: "%.1f ns", $0) })
        }
        }
        if !d.hottestLinks.isEmpty {
            h += "<h2>Hottest links</h2><table><tr><th>chip</th><th>router</th><th class=\"l\">direction</th><th>packets</th></tr>"
            for l in d.hottestLinks { h += "<tr><td>\(l.chip)</td><td>\(l.router)</td><td class=\"l\">\(e(l.direction))</td><td>\(l.packets)</td></tr>" }
            h += "</table>"
        }
        if !d.energyTable.isEmpty {
            h += "<h2>Assumptions: the chip's figures</h2><table><tr><th class=\"l\">figure</th><th>value</th><th>low</th><th>high</th><th class=\"l\">unit</th><th class=\"l\">source, node, basis (as the topology cites it)</th></tr>"
            for c in d.energyTable {
                h += "<tr><td class=\"l\">\(e(c.name))</td><td>\(String(format: "%.4g", c.picojoules))</td><td>\(String(format: "%.4g", c.lowPicojoules))</td>"
                h += "<td>\(String(format: "%.4g", c.highPicojoules))</td><td class=\"l\">\(e(c.unit))</td><td class=\"l\">\(e(c.source))</td></tr>"
            }
            h += "</table>"
        }
        return h + "</body></html>\n"
    }
}
