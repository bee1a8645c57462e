import ClosedLoop
import Mapping
import ModelShapes
import Models
import Testing

@Suite("Crossbar weights")
struct CrossbarWeightsTests {
    @Test("quantization per output row, stored axon-major, by hand")
    func quantizeByHand() throws {
        // 2 outputs × 3 inputs; row 0 max |w| = 2 → scale 2/127; row 1 max 0.5 → scale 0.5/127.
        let w = try WeightMatrix(outputs: 2, inputs: 3, values: [2, -1, 0.5, 0.25, -0.5, 0])
        let c = try CrossbarWeights(quantizing: w, bits: 8)
        #expect(c.scales == [2 / 127, 0.5 / 127])
        // Axon-major: levels[i * 2 + o].
        #expect(Array(c.levels) == [127, 64, -64, -127, 32, 0])
        let ternary = try CrossbarWeights(quantizing: w, bits: 2)
        #expect(Array(ternary.levels) == [1, 1, -1, -1, 0, 0])
        #expect(throws: MappingError.self) { try CrossbarWeights(quantizing: w, bits: 9) }
    }

    @Test("integer integration equals a scalar reference, tails included", arguments: [1, 15, 16, 37, 64])
    func integrate(outputs: Int) throws {
        let inputs = 29
        let c = try CrossbarWeights(syntheticInputs: inputs, outputs: outputs, bits: 8, std: 0.02, seed: UInt64(outputs))
        var counts = [Int32](repeating: 0, count: inputs)
        var state: UInt64 = 7
        for i in 0..<inputs { counts[i] = Int32(truncatingIfNeeded: Int(SeededUniform.splitMix(&state) % 31) - 15) }
        counts[3] = 0
        var sums = [Int32](repeating: 5, count: outputs)
        counts.withUnsafeBufferPointer { cb in sums.withUnsafeMutableBufferPointer { c.integrate(cb, rows: 2..<inputs, into: $0) } }
        for j in 0..<outputs {
            var expected: Int32 = 5
            for i in 2..<inputs { expected += counts[i] * Int32(c.levels[i * outputs + j]) }
            #expect(sums[j] == expected)
        }
        // Float path: scales · Σ x · level.
        let x = (0..<inputs).map { Float($0 % 5) - 2.5 }
        var y = [Float](repeating: 0, count: outputs)
        x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { c.multiply(xb, into: $0) } }
        for j in 0..<outputs {
            var expected: Double = 0
            for i in 0..<inputs { expected += Double(x[i]) * Double(c.levels[i * outputs + j]) }
            #expect(abs(Double(y[j]) - expected * Double(c.scales[j])) <= 1e-4 * max(1, abs(expected * Double(c.scales[j]))))
        }
    }

    @Test("synthetic weights: in range, reproducible from the seed, at the requested spread")
    func synthetic() throws {
        let a = try CrossbarWeights(syntheticInputs: 256, outputs: 300, bits: 4, std: 0.05, seed: 11)
        let b = try CrossbarWeights(syntheticInputs: 256, outputs: 300, bits: 4, std: 0.05, seed: 11)
        let c = try CrossbarWeights(syntheticInputs: 256, outputs: 300, bits: 4, std: 0.05, seed: 12)
        #expect(a.levels == b.levels && a.levels != c.levels)
        #expect(a.levels.allSatisfy { (-7...7).contains($0) })
        #expect(Set(a.levels).count == 15)
        let values = a.levels.map { Double($0) * Double(a.scales[0]) }
        let std = (values.reduce(0) { $0 + $1 * $1 } / Double(values.count)).squareRoot()
        print("synthetic 4-bit weights: std \(std) for 0.05 requested")
        #expect(abs(std - 0.05) < 0.002)
    }
}
