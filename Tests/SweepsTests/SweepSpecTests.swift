import Foundation
import Store
import Testing
@testable import Sweeps

// Sweep files as users write them: the points they define (values worked out by hand), and the
// errors for what they get wrong, each naming the key.

private func spec(_ yaml: String) throws -> SweepSpec { try SweepSpec.parse(yaml: yaml, file: "/sweeps/test.yaml") }

private func plan(_ yaml: String) throws -> SweepPlan {
    try spec(yaml).plan(topologyPath: "/t/base.yaml", topologyYAML: "name: base\n", toolVersion: "test")
}

@Suite("sweep files")
struct SweepSpecTests {
    @Test("a grid is every combination, the last axis fastest, with run options and --set for topology keys")
    func grid() throws {
        let p = try plan("""
            topology: spikechip-llm
            run: {layers: 2, tokens: 1}
            axes:
              weight_bits: [4, 8]
              core.axons: {from: 128, to: 512, steps: 3}
            """)
        #expect(p.name == "test")
        #expect(p.points.count == 6)
        // from 128 to 512 in 3 steps: 128, 320, 512.
        let expected: [(Double, Double)] = [(4, 128), (4, 320), (4, 512), (8, 128), (8, 320), (8, 512)]
        for (point, (bits, axons)) in zip(p.points, expected) {
            #expect(point.parameters.map(\.key) == ["weight_bits", "core.axons"])
            #expect(point.parameters[0].value == .number(bits) && point.parameters[1].value == .number(axons))
            #expect(point.arguments == ["--topology", "/t/base.yaml", "--layers", "2", "--tokens", "1", "--weight-bits", String(Int(bits)),
                                        "--set", "core.axons=\(Int(axons))"])
            #expect(point.skipped == nil)
        }
    }

    @Test("ranges: log steps, fixed steps, integers, and exponents YAML reads back")
    func ranges() throws {
        let log = try SweepAxis(name: "x", keys: ["x"], values: .range(from: 1, to: 100, steps: 3, step: nil, logarithmic: true, integer: false)).gridValues()
        #expect(log.count == 3)
        for (v, e) in zip(log, [1.0, 10, 100]) { #expect(abs(v.number! - e) < 1e-9) }
        let stepped = try SweepAxis(name: "x", keys: ["x"], values: .range(from: 0.5, to: 0.8, steps: nil, step: 0.1, logarithmic: false, integer: false)).gridValues()
        #expect(stepped.count == 4)
        for (v, e) in zip(stepped, [0.5, 0.6, 0.7, 0.8]) { #expect(abs(v.number! - e) < 1e-12) }
        // 1…2 in 5 steps rounded: 1, 1.25→1, 1.5→2, 1.75→2, 2: duplicates dropped.
        let rounded = try SweepAxis(name: "x", keys: ["x"], values: .range(from: 1, to: 2, steps: 5, step: nil, logarithmic: false, integer: true)).gridValues()
        #expect(rounded == [.number(1), .number(2)])
        #expect(SweepSpec.yamlText(.number(1e-5)) == "1.0e-05")
        #expect(SweepSpec.yamlText(.number(0.25)) == "0.25")
        #expect(SweepSpec.yamlText(.number(256)) == "256")
    }

    @Test("Latin hypercube: each axis has exactly one point in each of its N strata; the seed fixes the points")
    func latinHypercube() throws {
        let axes = [
            SweepAxis(name: "a", keys: ["a"], values: .range(from: 10, to: 20, steps: nil, step: nil, logarithmic: false, integer: false)),
            SweepAxis(name: "b", keys: ["b"], values: .range(from: 1, to: 1000, steps: nil, step: nil, logarithmic: true, integer: false)),
            SweepAxis(name: "c", keys: ["c"], values: .list((0..<5).map { .number(Double($0)) })),
        ]
        let n = 10
        let points = try SweepSampling.latinHypercube(count: n, seed: 42).points(axes)
        #expect(points.count == n)
        // Stratum of a on its linear scale, of b on its log scale: each 0…9 exactly once.
        let sa = points.map { Int((($0[0].number! - 10) / 10 * Double(n)).rounded(.down)) }.sorted()
        let sb = points.map { Int((log10($0[1].number!) / 3 * Double(n)).rounded(.down)) }.sorted()
        #expect(sa == Array(0..<n))
        #expect(sb == Array(0..<n))
        // A list of 5 under 10 strata: every value exactly twice.
        let counts = Dictionary(grouping: points.map { $0[2] }, by: { $0 }).mapValues(\.count)
        #expect(counts.count == 5 && counts.values.allSatisfy { $0 == 2 })
        #expect(try SweepSampling.latinHypercube(count: n, seed: 42).points(axes) == points)
        #expect(try SweepSampling.latinHypercube(count: n, seed: 43).points(axes) != points)
    }

    @Test("random sampling stays inside ranges and lists, and repeats with its seed")
    func random() throws {
        let axes = [
            SweepAxis(name: "a", keys: ["a"], values: .range(from: 128, to: 1024, steps: nil, step: nil, logarithmic: false, integer: true)),
            SweepAxis(name: "b", keys: ["b"], values: .list([.text("graded"), .text("spikes:4")])),
        ]
        let points = try SweepSampling.random(count: 200, seed: 7).points(axes)
        #expect(points.allSatisfy { p in p[0].number.map { $0 >= 128 && $0 <= 1024 && $0 == $0.rounded() } == true })
        #expect(Set(points.map { $0[1] }) == [.text("graded"), .text("spikes:4")])
        #expect(try SweepSampling.random(count: 200, seed: 7).points(axes) == points)
    }

    @Test("an axis setting several keys together, and constraints that skip points with their reason")
    func tuplesAndConstraints() throws {
        let p = try plan("""
            topology: spikechip-llm
            axes:
              precision:
                keys: [weight_bits, core.weights.bits, core.synaptic_op.energy_pj]
                values: [[2, 2, 0.41], [8, 8, 1.35]]
              core_size: {keys: [core.axons, core.neurons], values: [128, 1024]}
              partial_sums: [graded, "spikes:4"]
            skip_when:
              - {if: "core.axons > 512 and partial_sums == spikes:4", reason: "spike-coded sums need small tiles here"}
              - "precision < 4 and core_size == 128"
            """)
        #expect(p.points.count == 8)
        let first = p.points[0] // precision 2, core 128, graded
        #expect(first.arguments.suffix(12) == ["--weight-bits", "2", "--set", "core.weights.bits=2", "--set", "core.synaptic_op.energy_pj=0.41",
                                              "--set", "core.axons=128", "--set", "core.neurons=128", "--partial-sums", "graded"])
        #expect(first.parameters.map(\.key) == ["precision", "core_size", "partial_sums"])
        #expect(first.skipped == "skip_when: precision < 4 and core_size == 128")
        let skipped = p.points.map { $0.skipped != nil }
        // Points in grid order: (2,128,g) (2,128,s) (2,1024,g) (2,1024,s) (8,128,g) (8,128,s) (8,1024,g) (8,1024,s).
        #expect(skipped == [true, true, false, true, false, false, false, true])
        #expect(p.points[3].skipped == "spike-coded sums need small tiles here")
    }

    @Test("mistakes are refused with the file, line and key", arguments: [
        ("topology: x\naxes:\n  weight_bitz: [2, 4]\n", "did you mean 'weight_bits'"),
        ("topology: x\naxes:\n  db: [a.sqlite]\n", "the sweep's --db"),
        ("topology: x\naxes:\n  weight_bits: []\n", "the list is empty"),
        ("topology: x\naxes: {}\n", "no axes"),
        ("topology: x\naxes:\n  core.axons: {from: 1, to: 9}\n", "needs `steps: N`"),
        ("topology: x\naxes:\n  core.axons: {from: 1, to: 9, steps: 3, step: 2}\n", "not both"),
        ("topology: x\naxes:\n  core.axons: {from: 9, to: 1, steps: 3}\n", "smaller value"),
        ("topology: x\naxes:\n  a: {keys: [core.axons], values: [1]}\n  core.axons: [2]\n", "set by axis"),
        ("topology: x\nrun: {layers: 2}\naxes:\n  layers: [1, 2]\n", "fixed in `run:`"),
        ("topology: x\naxes:\n  weight_bits: [2]\nsample: {random: 0}\n", "how many points"),
        ("topology: x\naxes:\n  weight_bits: [2]\nskip_when: [\"core.axonz < 3\"]\n", "no axis or key"),
        ("topology: x\naxes:\n  weight_bits: [2]\nextra: 1\n", "unknown key"),
        ("axes:\n  weight_bits: [2]\n", "topology"),
        ("topology: x\naxes:\n  p: {keys: [weight_bits, core.axons], values: [[2, 128], [2, 256]]}\n", "appears in two rows"),
    ])
    func mistakes(yaml: String, expected: String) throws {
        do {
            _ = try plan(yaml)
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
        }
    }

    @Test("a grid past the point limit is refused before anything is built")
    func tooLarge() throws {
        let axes = (0..<3).map { SweepAxis(name: "a\($0)", keys: ["a\($0)"], values: .range(from: 0, to: 1, steps: 100, step: nil, logarithmic: false, integer: false)) }
        #expect(throws: SweepError.self) { try SweepSampling.grid.points(axes) }
    }
}
