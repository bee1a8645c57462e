import Mapping
import ModelShapes
import Models

/// One projection's weights as crossbars hold them: signed integers of the mapped
/// precision, stored axon-major (row `i` holds the weights from input `i` to every output,
/// the crossbar row a spike on axon `i` reads), with one scale per output neuron that the
/// function unit applies when it decodes the integrated sums.
///
/// Integration is exact integer arithmetic, so `integrate` computes the very sums the
/// crossbar tiles accumulate spike by spike, whatever order the spikes arrive in.
public struct CrossbarWeights: Sendable {
    public let inputs: Int
    public let outputs: Int
    /// Bits of a signed weight (2: ternary, 8: int8).
    public let bits: Int
    /// `inputs × outputs` levels in −(2^(bits−1)−1) … 2^(bits−1)−1, axon-major.
    public let levels: ContiguousArray<Int8>
    /// Weight of one level, per output.
    public let scales: ContiguousArray<Float>

    /// Largest level magnitude of a `bits`-bit symmetric weight.
    public static func maxLevel(bits: Int) -> Int { (1 << (bits - 1)) - 1 }

    /// Quantizes dense weights symmetrically per output row: scale = max|w| / maxLevel.
    /// - Throws: `MappingError.invalidOption` unless `bits` is 2...8 (levels are stored as Int8).
    public init(quantizing w: WeightMatrix, bits: Int) throws {
        try Self.validate(bits: bits)
        let m = Float(Self.maxLevel(bits: bits))
        let inputs = w.inputs, outputs = w.outputs
        var scales = ContiguousArray<Float>(repeating: 0, count: outputs)
        var levels = ContiguousArray<Int8>(repeating: 0, count: inputs * outputs)
        w.values.withUnsafeBufferPointer { v in
            levels.withUnsafeMutableBufferPointer { q in
                for o in 0..<outputs {
                    let row = v.baseAddress! + o * inputs
                    var top: Float = 0
                    for i in 0..<inputs { top = max(top, abs(row[i])) }
                    let scale = top / m
                    scales[o] = scale
                    guard scale > 0 else { continue }
                    let inverse = 1 / scale
                    for i in 0..<inputs { q[i * outputs + o] = Int8(max(-m, min(m, (row[i] * inverse).rounded()))) }
                }
            }
        }
        self.init(inputs: inputs, outputs: outputs, bits: bits, levels: levels, scales: scales)
    }

    /// Seeded synthetic weights at a given standard deviation: levels uniform over the
    /// whole symmetric range (one 64-bit draw per eight weights, so a 7B model takes seconds),
    /// one common scale chosen so that level × scale has standard deviation `std`.
    public init(syntheticInputs inputs: Int, outputs: Int, bits: Int, std: Float, seed: UInt64) throws {
        try Self.validate(bits: bits)
        let m = Self.maxLevel(bits: bits)
        var state = seed
        let levels = ContiguousArray<Int8>(unsafeUninitializedCapacity: inputs * outputs) { buffer, initialized in
            let count = inputs * outputs
            let raw = UnsafeMutableRawPointer(buffer.baseAddress!)
            let span = SIMD8<UInt16>(repeating: UInt16(2 * m + 1)), offset = SIMD8<Int16>(repeating: Int16(m))
            var i = 0
            // Each byte b of a draw becomes the level ⌊b·(2m+1)/256⌋ − m, eight at a time.
            while i < count {
                let bytes = unsafeBitCast(SeededUniform.splitMix(&state), to: SIMD8<UInt8>.self)
                let scaled = (SIMD8<UInt16>(truncatingIfNeeded: bytes) &* span) &>> 8
                let eight = SIMD8<Int8>(truncatingIfNeeded: SIMD8<Int16>(truncatingIfNeeded: scaled) &- offset)
                if i + 8 <= count {
                    raw.storeBytes(of: eight, toByteOffset: i, as: SIMD8<Int8>.self)
                } else {
                    for k in 0..<(count - i) { buffer[i + k] = eight[k] }
                }
                i += 8
            }
            initialized = count
        }
        // Uniform levels on −m…m have variance m(m+1)/3.
        let levelStd = (Float(m * (m + 1)) / 3).squareRoot()
        self.init(inputs: inputs, outputs: outputs, bits: bits, levels: levels,
                  scales: ContiguousArray(repeating: std / levelStd, count: outputs))
    }

    private init(inputs: Int, outputs: Int, bits: Int, levels: ContiguousArray<Int8>, scales: ContiguousArray<Float>) {
        self.inputs = inputs; self.outputs = outputs; self.bits = bits; self.levels = levels; self.scales = scales
    }

    private static func validate(bits: Int) throws {
        guard (2...8).contains(bits) else {
            throw MappingError.invalidOption("crossbar weights of \(bits) bits: closed-loop runs store 2- to 8-bit signed weights "
                + "(pass --weight-bits 2...8)")
        }
    }

    /// `acc[j] += Σ_i counts[i] · level[i][j]` over `rows` of the inputs with a non-zero count:
    /// what the tiles of those rows accumulate from the spikes of one token.
    public func integrate(_ counts: UnsafeBufferPointer<Int32>, rows: Range<Int>, into acc: UnsafeMutableBufferPointer<Int32>) {
        precondition(counts.count == inputs && acc.count == outputs && rows.clamped(to: 0..<inputs) == rows)
        let n = outputs, whole = n & ~15
        levels.withUnsafeBufferPointer { q in
            let out = UnsafeMutableRawPointer(acc.baseAddress!)
            for i in rows {
                let c = counts[i]
                guard c != 0 else { continue }
                let row = UnsafeRawPointer(q.baseAddress! + i * n)
                let splat = SIMD16<Int32>(repeating: c)
                var j = 0
                while j < whole {
                    let w = SIMD16<Int32>(truncatingIfNeeded: row.loadUnaligned(fromByteOffset: j, as: SIMD16<Int8>.self))
                    let a = out.loadUnaligned(fromByteOffset: 4 * j, as: SIMD16<Int32>.self)
                    out.storeBytes(of: a &+ w &* splat, toByteOffset: 4 * j, as: SIMD16<Int32>.self)
                    j += 16
                }
                while j < n { acc[j] &+= c &* Int32(q[i * n + j]); j += 1 }
            }
        }
    }

    /// `out[j] = scales[j] · Σ_i x[i] · level[i][j]`: the quantized weights applied to exact
    /// activations (the quantization-only reference of a fidelity study).
    public func multiply(_ x: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>) {
        precondition(x.count == inputs && out.count == outputs)
        let n = outputs, whole = n & ~15
        out.update(repeating: 0)
        levels.withUnsafeBufferPointer { q in
            let o = UnsafeMutableRawPointer(out.baseAddress!)
            for i in 0..<inputs {
                let v = x[i]
                guard v != 0 else { continue }
                let row = UnsafeRawPointer(q.baseAddress! + i * n)
                let splat = SIMD16<Float>(repeating: v)
                var j = 0
                while j < whole {
                    let w = SIMD16<Float>(SIMD16<Int32>(truncatingIfNeeded: row.loadUnaligned(fromByteOffset: j, as: SIMD16<Int8>.self)))
                    let a = o.loadUnaligned(fromByteOffset: 4 * j, as: SIMD16<Float>.self)
                    o.storeBytes(of: a + w * splat, toByteOffset: 4 * j, as: SIMD16<Float>.self)
                    j += 16
                }
                while j < n { out[j] += v * Float(q[i * n + j]); j += 1 }
            }
        }
        for j in 0..<n { out[j] *= scales[j] }
    }
}
