import Topology

/// The order in which the mapper fills the cores of a system.
public enum Placement: String, Sendable, CaseIterable {
    /// Row-major over the whole system, as a naive compiler would.
    case sequential
    /// Chips in serpentine order and a Hilbert curve inside each chip, so that cores
    /// allocated one after the other are mesh neighbours and a stage's tiles form a
    /// compact region around its function unit.
    case locality

    /// The first `count` core ids of `topology` in fill order (default: all of them). Each is
    /// computed from its position, so a mapping needing a few cores of a huge mesh lists only those.
    public func order(for t: Topology, count: Int? = nil) -> [Int] {
        let n = Swift.min(count ?? t.coreCount, t.coreCount)
        switch self {
        case .sequential:
            return Array(0..<n)
        case .locality:
            let perChip = t.coresPerChip
            return (0..<n).map { i in
                let chip = i / perChip
                let cy = chip / t.chipsX, column = chip % t.chipsX
                let cx = cy % 2 == 0 ? column : t.chipsX - 1 - column
                let (lx, ly) = Placement.chipPoint(meshX: t.meshX, meshY: t.meshY, d: i % perChip)
                return t.core(x: cx * t.meshX + lx, y: cy * t.meshY + ly)
            }
        }
    }

    /// The d-th local (x, y) inside one chip: a Hilbert curve on square power-of-two meshes,
    /// serpentine rows otherwise.
    static func chipPoint(meshX: Int, meshY: Int, d: Int) -> (Int, Int) {
        if meshX == meshY, meshX > 0, meshX & (meshX - 1) == 0 { return hilbert(n: meshX, d: d) }
        let y = d / meshX, i = d % meshX
        return (y % 2 == 0 ? i : meshX - 1 - i, y)
    }

    /// The d-th point of the Hilbert curve filling an n×n grid (n a power of two).
    static func hilbert(n: Int, d: Int) -> (Int, Int) {
        var x = 0, y = 0, t = d, s = 1
        while s < n {
            let rx = 1 & (t / 2)
            let ry = 1 & (t ^ rx)
            if ry == 0 {
                if rx == 1 { x = s - 1 - x; y = s - 1 - y }
                swap(&x, &y)
            }
            x += s * rx; y += s * ry
            t /= 4; s *= 2
        }
        return (x, y)
    }
}
