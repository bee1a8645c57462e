import Testing
@testable import Neurons

/// The fused SIMD pass behind every encoder (`encodeCounts`) against a scalar transcription of
/// the documented rules, for every coding, both roundings, lengths that leave every possible
/// partial block, and step counts on both sides of the byte boundaries of the bitwise and
/// multi-level layouts.
@Suite struct SpikeCodingKernelTests {
    /// count = clamp(round(x / V_th) − offset, range); the spikes of step t per coding.
    private func reference(_ x: [Float], _ train: SpikeTrain, coding: SpikeCoding, nearest: Bool)
        -> (counts: [Int32], spikes: [[Int8]], clipped: Int) {
        let steps = train.steps, range = coding.countRange(steps: steps)
        var counts: [Int32] = [], rows = [[Int8]](repeating: [], count: steps), clipped = 0
        for v in x {
            let q = min(max(v / train.scale, -4_194_304), 4_194_304)
            let r = Int32(q.rounded(nearest ? .toNearestOrEven : .towardZero)) - train.countOffset
            let c = min(max(r, range.lowerBound), range.upperBound)
            clipped += c == r ? 0 : 1
            counts.append(c)
            for t in 0..<steps {
                let s: Int32
                switch coding {
                case .binary, .ternary: s = c > t ? 1 : (c < -Int32(t) ? -1 : 0)
                case .multiLevel(let a): s = c.signum() * min(max(abs(c) - Int32(a * t), 0), Int32(a))
                case .bitwise(twosComplement: false): s = c.signum() * ((abs(c) >> (steps - 1 - t)) & 1)
                case .bitwise(twosComplement: true): s = Int32((UInt32(bitPattern: c) >> (steps - 1 - t)) & 1)
                }
                rows[t].append(Int8(s))
            }
        }
        return (counts, rows, clipped)
    }

    @Test(arguments: [SpikeCoding.binary, .ternary, .multiLevel(maxAmplitude: 3), .bitwise(twosComplement: false), .bitwise(twosComplement: true)])
    func fusedPassMatchesScalarRules(coding: SpikeCoding) throws {
        let stepChoices: [Int]
        switch coding {
        case .bitwise: stepChoices = [2, 4, 8, 9, 15, 16, 17, 21]
        // Up to 3 spikes per step fit byte lanes while 3·T ≤ 127 (T = 42), wider from T = 43.
        case .multiLevel: stepChoices = [1, 4, 42, 43, 64]
        default: stepChoices = [1, 4, 7, 64]
        }
        // Lengths on both sides of the 16-lane quantizer and the 64-neuron row blocks.
        let lengths = [1, 15, 16, 17, 33, 63, 64, 65, 127, 2013]
        var compared = 0
        for n in lengths {
            // Heavy tails plus zeros, signed zeros and exact multiples of the threshold's scale.
            var x = try heavyTailed(n, seed: UInt64(n))
            for i in stride(from: 0, to: n, by: 7) { x[i] = i % 2 == 0 ? 0 : -0.0 }
            for i in stride(from: 3, to: n, by: 11) { x[i] = Float(i % 9) - 4 }
            for steps in stepChoices {
                for rounding in [SpikingBrainEncoder.Rounding.nearest, .towardZero] {
                    for k: Float in [0.5, 3, 50] {
                        var e = try SpikingBrainEncoder(threshold: .meanAbs(k: k), rounding: rounding, coding: coding, steps: steps)
                        let train = try e.encode(x)
                        let ref = reference(x, train, coding: coding, nearest: rounding == .nearest)
                        let label = "\(coding) n=\(n) T=\(steps) \(rounding) k=\(k)"
                        #expect(Array(train.counts) == ref.counts, "\(label)")
                        #expect(train.clippedCount == ref.clipped, "\(label)")
                        for t in 0..<steps where (0..<n).map({ train[t, $0] }) != ref.spikes[t] {
                            Issue.record("\(label): step \(t) differs")
                            return
                        }
                        compared += 1
                    }
                }
            }
        }
        #expect(compared == lengths.count * stepChoices.count * 6)
    }
}
