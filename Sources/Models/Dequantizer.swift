/// Bit-exact dequantization of ggml blocks, following ggml-quants.c `dequantize_row_*`:
/// the same float operations in the same order (no fused multiply-add), so results equal
/// llama.cpp's and the gguf package's NumPy implementation bit for bit.
public enum Dequantizer {
    /// Dequantizes `source` (whole blocks of `type`) into `destination`, which must hold
    /// exactly the number of elements the blocks encode.
    public static func dequantize(_ type: GGMLType, _ source: UnsafeRawBufferPointer,
                                  into destination: UnsafeMutableBufferPointer<Float>, tensor: String = "") throws {
        guard type.isDequantizable else { throw ModelError.unsupportedTensorType(tensor: tensor, type: type.name) }
        let blocks = source.count / type.bytesPerBlock
        guard source.count % type.bytesPerBlock == 0, blocks * type.blockSize == destination.count else {
            throw ModelError.malformed("tensor \(tensor): \(source.count) bytes of \(type.name) do not decode to \(destination.count) values")
        }
        guard let src = source.baseAddress, let dst = destination.baseAddress else { return }
        Half.table.withUnsafeBufferPointer { half in
            let h = half.baseAddress!
            switch type {
            case .f32: for i in 0..<blocks { dst[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
            case .f16: for i in 0..<blocks { dst[i] = h[Int(u16(src, 2 * i))] }
            case .bf16: for i in 0..<blocks { dst[i] = Float(bitPattern: UInt32(u16(src, 2 * i)) << 16) }
            case .q8_0: for b in 0..<blocks { q8_0(src + 34 * b, dst + 32 * b, h) }
            case .q4_0: for b in 0..<blocks { q4_0(src + 18 * b, dst + 32 * b, h) }
            case .q4_1: for b in 0..<blocks { q4_1(src + 20 * b, dst + 32 * b, h) }
            case .q4_K: for b in 0..<blocks { q4_K(src + 144 * b, dst + 256 * b, h) }
            case .q5_K: for b in 0..<blocks { q5_K(src + 176 * b, dst + 256 * b, h) }
            case .q6_K: for b in 0..<blocks { q6_K(src + 210 * b, dst + 256 * b, h) }
            default: preconditionFailure("isDequantizable admitted \(type)")
            }
        }
    }

    @inline(__always)
    private static func u16(_ p: UnsafeRawPointer, _ offset: Int) -> UInt16 {
        UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    /// block_q8_0 { half d; int8 qs[32] }: y = q * d.
    private static func q8_0(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, _ h: UnsafePointer<Float>) {
        let d = h[Int(u16(b, 0))]
        for j in 0..<32 { y[j] = Float(Int8(bitPattern: b.load(fromByteOffset: 2 + j, as: UInt8.self))) * d }
    }

    /// block_q4_0 { half d; uint8 qs[16] }: low nibbles are elements 0..15, high nibbles 16..31; y = (q - 8) * d.
    private static func q4_0(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, _ h: UnsafePointer<Float>) {
        let d = h[Int(u16(b, 0))]
        for j in 0..<16 {
            let q = b.load(fromByteOffset: 2 + j, as: UInt8.self)
            y[j] = Float(Int(q & 0x0F) - 8) * d
            y[j + 16] = Float(Int(q >> 4) - 8) * d
        }
    }

    /// block_q4_1 { half d; half m; uint8 qs[16] }: y = q * d + m.
    private static func q4_1(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, _ h: UnsafePointer<Float>) {
        let d = h[Int(u16(b, 0))], m = h[Int(u16(b, 2))]
        for j in 0..<16 {
            let q = b.load(fromByteOffset: 4 + j, as: UInt8.self)
            y[j] = Float(q & 0x0F) * d + m
            y[j + 16] = Float(q >> 4) * d + m
        }
    }

    /// The 6-bit scale and min of sub-block `j` packed in the 12 scale bytes of Q4_K/Q5_K (get_scale_min_k4).
    @inline(__always)
    private static func scaleMin(_ j: Int, _ q: UnsafeRawPointer) -> (Float, Float) {
        let s = { (i: Int) in q.load(fromByteOffset: i, as: UInt8.self) }
        if j < 4 { return (Float(s(j) & 63), Float(s(j + 4) & 63)) }
        return (Float((s(j + 4) & 0x0F) | ((s(j - 4) >> 6) << 4)), Float((s(j + 4) >> 4) | ((s(j) >> 6) << 4)))
    }

    /// block_q4_K { half d; half dmin; uint8 scales[12]; uint8 qs[128] }: eight 32-element
    /// sub-blocks, y = (d * sc) * q - (dmin * m).
    private static func q4_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, _ h: UnsafePointer<Float>) {
        let d = h[Int(u16(b, 0))], dmin = h[Int(u16(b, 2))]
        let scales = b + 4
        var q = b + 16, out = y
        for j in stride(from: 0, to: 8, by: 2) {
            let (sc1, m1) = scaleMin(j, scales), (sc2, m2) = scaleMin(j + 1, scales)
            let d1 = d * sc1, mm1 = dmin * m1, d2 = d * sc2, mm2 = dmin * m2
            for l in 0..<32 {
                let v = q.load(fromByteOffset: l, as: UInt8.self)
                out[l] = d1 * Float(v & 0x0F) - mm1
                out[l + 32] = d2 * Float(v >> 4) - mm2
            }
            q += 32; out += 64
        }
    }

    /// block_q5_K { half d; half dmin; uint8 scales[12]; uint8 qh[32]; uint8 qs[128] }: like
    /// Q4_K with a fifth bit per element from qh.
    private static func q5_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, _ h: UnsafePointer<Float>) {
        let d = h[Int(u16(b, 0))], dmin = h[Int(u16(b, 2))]
        let scales = b + 4, qh = b + 16
        var ql = b + 48, out = y
        var u1: UInt8 = 1, u2: UInt8 = 2
        for j in stride(from: 0, to: 8, by: 2) {
            let (sc1, m1) = scaleMin(j, scales), (sc2, m2) = scaleMin(j + 1, scales)
            let d1 = d * sc1, mm1 = dmin * m1, d2 = d * sc2, mm2 = dmin * m2
            for l in 0..<32 {
                let v = ql.load(fromByteOffset: l, as: UInt8.self), hb = qh.load(fromByteOffset: l, as: UInt8.self)
                out[l] = d1 * Float((v & 0x0F) + (hb & u1 != 0 ? 16 : 0)) - mm1
                out[l + 32] = d2 * Float((v >> 4) + (hb & u2 != 0 ? 16 : 0)) - mm2
            }
            ql += 32; out += 64; u1 <<= 2; u2 <<= 2
        }
    }

    /// block_q6_K { uint8 ql[128]; uint8 qh[64]; int8 scales[16]; half d }: 16 sub-blocks of
    /// 16 elements, y = (d * sc) * (q - 32) with q = 4 low bits from ql, 2 high bits from qh.
    private static func q6_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, _ h: UnsafePointer<Float>) {
        let d = h[Int(u16(b, 208))]
        var ql = b, qh = b + 128, sc = b + 192, out = y
        for _ in 0..<2 {
            for l in 0..<32 {
                let i = l / 16
                let lo = ql.load(fromByteOffset: l, as: UInt8.self), lo2 = ql.load(fromByteOffset: l + 32, as: UInt8.self)
                let hi = qh.load(fromByteOffset: l, as: UInt8.self)
                let q1 = Int((lo & 0x0F) | ((hi & 3) << 4)) - 32
                let q2 = Int((lo2 & 0x0F) | (((hi >> 2) & 3) << 4)) - 32
                let q3 = Int((lo >> 4) | (((hi >> 4) & 3) << 4)) - 32
                let q4 = Int((lo2 >> 4) | (((hi >> 6) & 3) << 4)) - 32
                let s = { (k: Int) in Float(Int8(bitPattern: sc.load(fromByteOffset: k, as: UInt8.self))) }
                out[l] = d * s(i) * Float(q1)
                out[l + 32] = d * s(i + 2) * Float(q2)
                out[l + 64] = d * s(i + 4) * Float(q3)
                out[l + 96] = d * s(i + 6) * Float(q4)
            }
            ql += 64; qh += 32; sc += 8; out += 128
        }
    }
}

/// IEEE half-precision decoding by table: all 65536 bit patterns, decoded exactly once.
enum Half {
    static let table: ContiguousArray<Float> = ContiguousArray((0...UInt16.max).lazy.map(Half.toFloat))

    /// Exact conversion of an IEEE binary16 bit pattern (every half is representable as a Float).
    static func toFloat(_ bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x3FF)
        switch exponent {
        case 0:
            let magnitude = Float(mantissa) * 0x1p-24  // subnormal or zero; exact
            return Float(bitPattern: magnitude.bitPattern | sign)
        case 31:
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        default:
            return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
        }
    }
}
