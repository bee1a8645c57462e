import Foundation
import Reports
@testable import Store
import Testing

private func result(_ point: Int, x: Double, energy: Double, latency: Double, area: Double, int8: Double, fp16: Double) -> SweepResult {
    SweepResult(point: point, status: .complete, parameters: ["x": .number(x), "mode": .text("graded")], run: RunID(rawValue: Int64(point + 1)),
                message: nil, picojoulesPerToken: energy, latencyNanosecondsPerToken: latency, squareMillimetres: area, chips: 1,
                staticMilliwatts: 1, fp16OverSpiking: fp16, int8OverSpiking: int8, top1Agreement: nil, meanKL: nil)
}

@Suite("sweep reports")
struct SweepReportTests {
    // Point 1 is beaten by point 0 on all three objectives; 0 and 2 trade energy for latency.
    let results = [
        result(0, x: 1, energy: 10, latency: 5, area: 2, int8: 0.5, fp16: 2),
        result(1, x: 2, energy: 20, latency: 6, area: 3, int8: 0.25, fp16: 1),
        result(2, x: 3, energy: 30, latency: 1, area: 2, int8: 1.5, fp16: 3),
        SweepResult(point: 3, status: .failed, parameters: ["x": .number(4), "mode": .text("spikes:4")], run: nil,
                    message: "does not fit, \"really\"", picojoulesPerToken: nil, latencyNanosecondsPerToken: nil, squareMillimetres: nil,
                    chips: nil, staticMilliwatts: nil, fp16OverSpiking: nil, int8OverSpiking: nil, top1Agreement: nil, meanKL: nil),
    ]

    @Test("Pareto-optimal points, worked out by hand")
    func pareto() {
        #expect(SweepReport.paretoOptimal(results).map(\.point) == [0, 2])
    }

    @Test("CSV: one line per point with its parameters, answers and Pareto flag; text with commas and quotes is quoted")
    func csv() {
        let lines = SweepReport.csv(keys: ["x", "mode"], results).split(separator: "\n").map(String.init)
        #expect(lines.count == 5)
        #expect(lines[0] == "point,x,mode,status,run,pj_per_token,latency_ns_per_token,area_mm2,chips,static_mw,fp16_over_spiking,int8_over_spiking,top1_agreement,mean_kl,pareto,message")
        #expect(lines[1] == "0,1,graded,complete,1,10.0,5.0,2.0,1.0,1.0,2.0,0.5,,,1,")
        #expect(lines[2].hasSuffix(",0,"))
        #expect(lines[4] == "3,4,spikes:4,failed,,,,,,,,,,,0,\"does not fit, \"\"really\"\"\"")
    }

    @Test("HTML: break-even tables against INT8 and FP16 over the first two axes, coloured by who wins")
    func html() {
        let summary = SweepSummary(id: 1, name: "t", sampling: "grid", baseTopology: "b.yaml", createdAt: "now", counts: [.complete: 3, .failed: 1])
        let h = SweepReport.html(sweep: summary, keys: ["x", "mode"], results, database: "d.sqlite")
        #expect(h.contains("<h3>INT8 / chip</h3>") && h.contains("<h3>FP16 / chip</h3>"))
        // x = 3 beats INT8 (1.5: green); x = 1 does not (0.5: red).
        #expect(h.contains("<td class=\"win\">1.5</td>") && h.contains("<td class=\"lose\">0.5</td>"))
        #expect(h.contains("does not fit, &quot;really&quot;"))
    }
}
