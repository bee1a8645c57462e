import SimKernel

/// Seeded mutations of a seed input (AFL-style havoc): bit flips, interesting bytes and integers,
/// insertions, deletions, truncation, chunk copies; for text also numbers swapped for extreme values
/// and lines duplicated or dropped. Deterministic for a seed, so every finding can be replayed.
public struct Mutator {
    var rng: SplitMix64

    public init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(rng.next() % UInt64(n)) }

    static let interestingBytes: [UInt8] = [0, 1, 0x7f, 0x80, 0xff, 0x20, 0x0a, 0x22, 0x7b]
    static let interestingIntegers: [UInt64] = [0, 1, 0xff, 0xffff, 0x7fff_ffff, 0xffff_ffff, 0x8000_0000_0000_0000, .max, 1 << 40]
    static let interestingNumbers = ["0", "-1", "1e300", "-1e300", "nan", ".inf", "1e-320", "4294967296", "9223372036854775807", "0.5", "65537", "\"x\""]

    /// A mutant of `seed`, 1–8 stacked changes.
    public mutating func mutate(_ seed: [UInt8], text: Bool) -> [UInt8] {
        var b = seed
        for _ in 0...below(8) {
            if text, below(2) == 0 { mutateText(&b) } else { mutateBytes(&b) }
        }
        return b
    }

    mutating func mutateBytes(_ b: inout [UInt8]) {
        if b.isEmpty { b = [UInt8(truncatingIfNeeded: rng.next())]; return }
        let i = below(b.count)
        switch below(7) {
        case 0: b[i] ^= UInt8(1 << below(8))
        case 1: b[i] = Self.interestingBytes[below(Self.interestingBytes.count)]
        case 2: // an interesting little-endian integer of 4 or 8 bytes
            let v = Self.interestingIntegers[below(Self.interestingIntegers.count)]
            let width = below(2) == 0 ? 4 : 8
            for k in 0..<width where i + k < b.count { b[i + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(k))) }
        case 3: b.insert(contentsOf: (0...below(16)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: i)
        case 4: b.removeSubrange(i..<min(b.count, i + 1 + below(64)))
        case 5: b.removeSubrange(i..<b.count) // truncation
        default: // copy a chunk elsewhere
            let n = 1 + below(min(256, b.count - i))
            let chunk = Array(b[i..<(i + n)])
            b.insert(contentsOf: chunk, at: below(b.count))
        }
    }

    mutating func mutateText(_ b: inout [UInt8]) {
        var lines = b.split(separator: 0x0a, omittingEmptySubsequences: false).map(Array.init)
        guard !lines.isEmpty else { return }
        let i = below(lines.count)
        switch below(4) {
        case 0: // a number on the line becomes an extreme value
            let line = lines[i]
            if let start = line.firstIndex(where: { (0x30...0x39).contains($0) }) {
                var end = start
                while end < line.count, (0x30...0x39).contains(line[end]) || line[end] == 0x2e || line[end] == 0x65 { end += 1 }
                lines[i].replaceSubrange(start..<end, with: Array(Self.interestingNumbers[below(Self.interestingNumbers.count)].utf8))
            }
        case 1: lines.insert(lines[i], at: i)          // a key twice
        case 2: lines.remove(at: i)                    // a key missing
        default: lines.swapAt(i, below(lines.count))   // structure shuffled
        }
        b = Array(lines.joined(separator: [0x0a]))
    }
}
