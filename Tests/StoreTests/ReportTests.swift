import Reports
import Benchmarks
import Energy
import Foundation
import Testing
@testable import Store

/// Writes a finished run with side tables and returns the store, its id and the ledger.
func finishedRun(_ path: String, seed: UInt64, level: LogLevel = .summary) throws -> (RunStore, RunID, EnergyLedger) {
    let stream = SyntheticEnergyStream(chips: 2, coresPerChip: 16, layers: 3, timeSteps: 4, seed: seed)
    let store = try RunStore(path: path)
    var info = runInfo(level: level, stream: stream, seed: seed)
    info.meshX = 4; info.meshY = 4
    let run = try store.beginRun(info)
    let sink = try store.makeSink(run: run)
    let records = stream.records(6_000)
    feed(sink, records)
    try sink.close()
    let l = ledger(of: records, layers: stream.layers, chips: stream.chips)
    try store.insertLayerActivity(run: run, [
        LayerActivityRow(token: 0, layer: 0, stage: "q", neurons: 100, timeSteps: 4, spikes: 40, silentFraction: 0.5),
        LayerActivityRow(token: 1, layer: 0, stage: "q", neurons: 300, timeSteps: 4, spikes: 0, silentFraction: 1),
        LayerActivityRow(token: 0, layer: 1, stage: "gate", neurons: 50, timeSteps: 2, spikes: 100, silentFraction: 0),
    ])
    try store.insertLinkTraffic(run: run, [LinkTrafficRow(chip: 0, router: 1, direction: "east", packets: 5),
                                           LinkTrafficRow(chip: 0, router: 2, direction: "north", packets: 9),
                                           LinkTrafficRow(chip: 0, router: 1, direction: "east", packets: 7)])
    try store.insertComparison(run: run, [
        ComparisonRow(level: 1, name: "arithmetic only", spikingPicojoules: 34, fp16Picojoules: 1500, int8Picojoules: 230),
        ComparisonRow(level: 3, name: "whole system", spikingPicojoules: 300, fp16Picojoules: 200, int8Picojoules: 100),
    ])
    try store.insertBaseline(run: run, [
        BaselineRow(precision: "fp16", layer: 0, component: "weight_fetch", operations: 10, picojoules: 700),
        BaselineRow(precision: "fp16", layer: 1, component: "weight_fetch", operations: 30, picojoules: 2100),
    ])
    try store.finishRun(run, status: .complete, totals: RunTotals(ledger: l, simulatedTime: records.last!.time,
                                                                  tokens: Int(records.last!.token) + 1, wallSeconds: 2))
    return (store, run, l)
}

@Suite struct ReportTests {
    @Test func reportDataAgreesWithTheLedger() throws {
        let (store, run, l) = try finishedRun(temporaryDatabase(), seed: 3)
        let d = try store.reportData(run: run)
        #expect(d.byKind.map { Energy(picojoules: $0.picojoules) } == EnergyKind.allCases.compactMap { l.energy($0) == .zero ? nil : l.energy($0) })
        #expect(Energy(picojoules: d.byLayerAndKind.filter { $0.layer == 1 }.reduce(0) { $0 + $1.picojoules }) == l.byLayer[1])
        #expect(Energy(picojoules: d.cores.reduce(0) { $0 + $1.picojoules }) + l.energy(.staticIdle) == l.total)
        // Layer 0: (40 + 0) spikes / (100×4 + 300×4) = 0.025; silent (0.5×100 + 1×300) / 400 = 0.875.
        #expect(d.firing.map(\.layer) == [0, 1])
        #expect(abs(d.firing[0].firingRate - 0.025) < 1e-12)
        #expect(abs(d.firing[0].silentFraction - 0.875) < 1e-12)
        #expect(abs(d.firing[1].firingRate - 1) < 1e-12)
        #expect(d.hottestLinks.first == RunReportData.Link(chip: 0, router: 1, direction: "east", packets: 12))
        #expect(d.baseline == [RunReportData.BaselineComponent(scenario: "(one hierarchy)", precision: "fp16", component: "weight_fetch", operations: 40, picojoules: 2800)])
        #expect(d.tokens.count == d.run.tokens)
        #expect(d.tokens.allSatisfy { $0.nanoseconds >= 0 })
    }

    @Test func htmlIsSelfContainedAndCarriesTheFigures() throws {
        let path = temporaryDatabase()
        let (_, run, l) = try finishedRun(path, seed: 4)
        let out = URL(fileURLWithPath: path + ".html")
        let written = try HTMLReport.write(database: path, run: nil, to: out)
        #expect(written == run)
        let html = try String(contentsOf: out, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</html>\n"))
        #expect(!html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http"),
                "no network references besides the SVG namespace")
        #expect(!html.contains("<script"))
        #expect(html.components(separatedBy: "<svg").count - 1 == 5, "kind bars, layer stacks, heat map, firing rate, latency")
        #expect(html.contains("97.7%"), "level 1: 1 − 34/1500")
        #expect(html.contains("-50.0%"), "level 3 spends more than FP16: 1 − 300/200")
        #expect(html.contains(Energy.format(picojoules: l.total.picojoules)))
        let tokens = Double(try RunStore(path: path).run(run).tokens!)
        #expect(html.contains("<td class=\"l\">weight_fetch</td><td>\(String(format: "%.4g", 40 / tokens))</td><td>\(Energy.format(picojoules: 2800 / tokens))</td>"))
        // The heat map has one cell per core of both chips (2 × 4 × 4): small meshes are drawn core by core.
        #expect(html.components(separatedBy: "<title>cores x ").count - 1 == 32)
    }

    @Test func comparisonTableComputesRatios() throws {
        let path = temporaryDatabase()
        let (store, a, la) = try finishedRun(path, seed: 5)
        let (_, b, lb) = try finishedRun(path, seed: 6)
        let c = try RunComparison(store: store, a, b)
        let perToken = try #require(c.metrics.first { $0.name == "energy per token (pJ)" })
        let ta = Double(try store.run(a).tokens!), tb = Double(try store.run(b).tokens!)
        let expected = (lb.total.picojoules / tb) / (la.total.picojoules / ta)
        #expect(abs(try #require(perToken.ratio) - expected) < 1e-9)
        #expect(c.metrics.first { $0.name == "level 1 % less than FP16" }?.a == String(format: "%.2f", 100 * (1 - 34.0 / 1500)))
        let table = c.render(.table)
        #expect(table.split(separator: "\n").count == c.metrics.count + 1)
        let csv = c.render(.csv)
        #expect(csv.hasPrefix("metric,run_\(a),run_\(b),ratio\n"))
        let json = try JSONSerialization.jsonObject(with: Data(c.render(.json).utf8)) as? [String: Any]
        #expect((json?["metrics"] as? [Any])?.count == c.metrics.count)
        #expect(throws: StoreError.self) { _ = try RunComparison(store: store, a, RunID(rawValue: 77)) }
    }

    @Test func reportOfAnEmptyDatabaseIsAnError() throws {
        let path = temporaryDatabase()
        _ = try RunStore(path: path)
        #expect(throws: StoreError.self) { try HTMLReport.write(database: path, to: URL(fileURLWithPath: path + ".html")) }
    }
}

@Test func interruptedRunStillReports() throws {
    let path = temporaryDatabase()
    let stream = SyntheticEnergyStream(chips: 1, coresPerChip: 4, layers: 2, timeSteps: 2, seed: 9)
    var run = RunID(rawValue: 0)
    do {
        let store = try RunStore(path: path)
        run = try store.beginRun(runInfo(level: .events, stream: stream))
        let sink = try store.makeSink(run: run, options: .init(batchRows: 100, queueCapacity: 1))
        feed(sink, stream.records(3 * stream.recordsPerToken + 10))
        sink.finish()
        // A killed process never writes its per-core totals (they come at the end of the stream).
        try store.database.write { try $0.execute(sql: "DELETE FROM core_energy") }
    }
    let html = HTMLReport.render(try RunStore(path: path).reportData(run: run))
    #expect(html.contains("interrupted"))
    #expect(html.contains("No per-core totals"))
    #expect(html.contains("No baseline was stored"))
}
