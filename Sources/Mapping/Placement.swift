import Topology

/// The order in which the mapper fills the cores of a system.
public enum Placement: String, Sendable, CaseIterable {
    /// Row-major over the whole system, as a naive compiler would.
    case sequential
    /// Chips in serpentine order and a Hilbert curve inside each chip, so that cores
    /// allocated one after the other are mesh neighbours and a stage's tiles form a
    /// compact region around its function unit.
    case locality

    /// Core ids of `topology` in fill order.
    public func order(for t: Topology) -> [Int] {
        switch self {
        case .sequential:
            return Array(0..<t.coreCount)
        case .locality:
            var out: [Int] = []
            out.reserveCapacity(t.coreCount)
            let local = Placement.chipOrder(meshX: t.meshX, meshY: t.meshY)
            for cy in 0..<t.chipsY {
                for i in 0..<t.chipsX {
                    let cx = cy % 2 == 0 ? i : t.chipsX - 1 - i
                    for (lx, ly) in local { out.append(t.core(x: cx * t.meshX + lx, y: cy * t.meshY + ly)) }
                }
            }
            return out
        }
    }

    /// Local (x, y) order inside one chip: a Hilbert curve on square power-of-two meshes,
    /// serpentine rows otherwise.
    static func chipOrder(meshX: Int, meshY: Int) -> [(Int, Int)] {
        if meshX == meshY, meshX > 0, meshX & (meshX - 1) == 0 {
            return (0..<(meshX * meshX)).map { hilbert(n: meshX, d: $0) }
        }
        var out: [(Int, Int)] = []
        for y in 0..<meshY {
            for i in 0..<meshX { out.append((y % 2 == 0 ? i : meshX - 1 - i, y)) }
        }
        return out
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
