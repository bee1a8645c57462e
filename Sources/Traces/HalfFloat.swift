/// IEEE-754 binary16 ⇄ binary32 conversion by bit manipulation, so that float16 traces read
/// the same on every platform (Swift's `Float16` is missing on Intel macOS).
enum HalfFloat {
    /// Exact widening of a binary16 bit pattern.
    @inline(__always)
    static func float(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = Int(h >> 10) & 0x1F
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
        if exponent == 0 {
            // Zero or subnormal: mantissa · 2^-24, exact in binary32.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        }
        return Float(bitPattern: sign | UInt32(exponent + 112) << 23 | (mantissa << 13))
    }

    /// Rounds a binary32 to the nearest binary16 (ties to even), as numpy's `astype(float16)`.
    static func bits(_ f: Float) -> UInt16 {
        let x = f.bitPattern
        let sign = UInt16((x >> 16) & 0x8000)
        let exponent = Int((x >> 23) & 0xFF)
        var mantissa = x & 0x7F_FFFF
        if exponent == 0xFF { return sign | 0x7C00 | (mantissa != 0 ? 0x200 : 0) }
        var e = exponent - 127 + 15
        if e >= 0x1F { return sign | 0x7C00 }
        if e <= 0 {
            // Subnormal half (or zero): shift the implicit bit in, round to nearest even.
            if e < -10 { return sign }
            mantissa |= 0x80_0000
            let shift = UInt32(14 - e)
            let half = UInt32(1) << (shift - 1)
            var m = mantissa >> shift
            let rest = mantissa & ((UInt32(1) << shift) - 1)
            if rest > half || (rest == half && m & 1 == 1) { m += 1 }
            return sign | UInt16(m)
        }
        var m = mantissa >> 13
        let rest = mantissa & 0x1FFF
        if rest > 0x1000 || (rest == 0x1000 && m & 1 == 1) {
            m += 1
            if m == 0x400 { m = 0; e += 1; if e >= 0x1F { return sign | 0x7C00 } }
        }
        return sign | UInt16(e) << 10 | UInt16(m)
    }
}
