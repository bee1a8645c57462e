@testable import Benchmarks
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SimKernel

@Suite("Benchmark models")
struct KernelModelTests {
    @Test("the ziggurat's layers all have the same area, ending at x = 0")
    func zigguratLayers() {
        let z = ExponentialZiggurat()
        #expect(z.x[1] == ExponentialZiggurat.r)
        #expect((0..<256).allSatisfy { z.x[$0] > z.x[$0 + 1] })
        // Layer i ≥ 1 is the rectangle [0, x_i] × [e^−x_i, e^−x_(i+1)].
        for i in 1..<256 {
            let area = z.x[i] * (z.f[i + 1] - z.f[i])
            #expect(abs(area / ExponentialZiggurat.v - 1) < 1e-6, "layer \(i) has area \(area)")
        }
        // The base layer: the rectangle [0, r] × [0, e^−r] plus the tail beyond r.
        let base = ExponentialZiggurat.r * z.f[1] + z.f[1]
        #expect(abs(base / ExponentialZiggurat.v - 1) < 1e-9)
    }

    @Test("ziggurat draws follow the exponential distribution, tail included")
    func zigguratDistribution() {
        let z = ExponentialZiggurat()
        var g = SplitMix64(seed: 11)
        let n = 1_000_000
        let edges: [Double] = [0.1, 0.5, 1, 2, 4, ExponentialZiggurat.r, 10]
        var below = [Int](repeating: 0, count: edges.count)
        var sum = 0.0
        for _ in 0..<n {
            let x = z.next(&g)
            sum += x
            for (k, e) in edges.enumerated() where x < e { below[k] += 1 }
        }
        // Standard errors: 0.001 for the mean, at most 0.0005 for a CDF value.
        #expect(abs(sum / Double(n) - 1) < 0.005)
        for (k, e) in edges.enumerated() {
            let expected = 1 - exp(-e)
            #expect(abs(Double(below[k]) / Double(n) - expected) < 0.0025, "P(X < \(e))")
        }
        // About 450 of a million draws land in the tail beyond r; the fallback must produce them.
        let tail = n - below[5]
        #expect((300...600).contains(tail))
        #expect(n - below[6] > 0)
    }

    @Test("torus neighbours match the modulo formula", arguments: [1, 2, 3, 5, 64])
    func meshNeighbours(side: Int) {
        for i in 0..<(side * side) {
            let x = i % side, y = i / side
            let reference = [
                y * side + (x + 1) % side,
                y * side + (x + side - 1) % side,
                ((y + 1) % side) * side + x,
                ((y + side - 1) % side) * side + x,
            ]
            for d in 0..<4 {
                #expect(MeshSpikeRouting.neighbour(of: i, direction: UInt64(d), side: side) == reference[d], "router \(i) direction \(d)")
            }
        }
    }

    @Test("mesh routing handles the same hops per router on every queue kind")
    func meshAcrossQueues() {
        let until = SimTime(nanoseconds: 3_000)
        let kinds: [QueueKind] = [.heap, .standard, .calendar(bucketWidth: SimTime(nanoseconds: 1), bucketsLog2: 14)]
        let runs = kinds.map { kind -> [UInt64] in
            var sim = Simulator(model: MeshSpikeRouting(side: 8, spikesPerRouter: 2, hops: 8, seed: 3), queue: kind)
            #expect(sim.run(until: until) == .reachedLimit)
            return Array(sim.model.handled)
        }
        #expect(runs[0].reduce(0, +) > 20_000)
        #expect(runs[1] == runs[0])
        #expect(runs[2] == runs[0])
    }
}
