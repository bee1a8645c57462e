/// A matrix stored by column (compressed sparse column): for source neuron `c`, its non-zero
/// weights onto target neurons `row[start[c]..<start[c + 1]]` (ascending) are
/// `value[start[c]..<start[c + 1]]`. Projections keep their weights this way, so memory and
/// the mapper's work follow the synapses, not sources × targets.
public struct SparseMatrix: Sendable {
    public let rows: Int
    public let columns: Int
    public let start: ContiguousArray<Int>
    public let row: ContiguousArray<Int32>
    public let value: ContiguousArray<Double>

    public var nonzeros: Int { row.count }

    /// From (row, column, value) triplets in any order; duplicates are summed and zeros dropped.
    init(rows: Int, columns: Int, triplets: [(row: Int32, column: Int32, value: Double)]) {
        var counts = [Int](repeating: 0, count: columns + 1)
        for t in triplets { counts[Int(t.column) + 1] += 1 }
        for c in 0..<columns { counts[c + 1] += counts[c] }
        var next = counts
        var r = [Int32](repeating: 0, count: triplets.count), v = [Double](repeating: 0, count: triplets.count)
        for t in triplets {
            let k = next[Int(t.column)]
            r[k] = t.row; v[k] = t.value
            next[Int(t.column)] += 1
        }
        var start = ContiguousArray<Int>([0]), row = ContiguousArray<Int32>(), value = ContiguousArray<Double>()
        row.reserveCapacity(triplets.count); value.reserveCapacity(triplets.count)
        for c in 0..<columns {
            let order = (counts[c]..<counts[c + 1]).sorted { r[$0] < r[$1] }
            var k = 0
            while k < order.count {
                let target = r[order[k]]
                var sum = 0.0
                while k < order.count, r[order[k]] == target { sum += v[order[k]]; k += 1 }
                if sum != 0 { row.append(target); value.append(sum) }
            }
            start.append(row.count)
        }
        self.rows = rows; self.columns = columns; self.start = start; self.row = row; self.value = value
    }

    /// From a dense row-major [rows × columns] matrix.
    init(dense m: ContiguousArray<Double>, rows: Int, columns: Int) {
        var start = ContiguousArray<Int>([0]), row = ContiguousArray<Int32>(), value = ContiguousArray<Double>()
        for c in 0..<columns {
            for r in 0..<rows where m[r * columns + c] != 0 {
                row.append(Int32(r)); value.append(m[r * columns + c])
            }
            start.append(row.count)
        }
        self.rows = rows; self.columns = columns; self.start = start; self.row = row; self.value = value
    }

    /// The dense row-major [rows × columns] matrix.
    func dense() -> ContiguousArray<Double> {
        var m = ContiguousArray<Double>(repeating: 0, count: rows * columns)
        for c in 0..<columns { for k in start[c]..<start[c + 1] { m[Int(row[k]) * columns + c] += value[k] } }
        return m
    }

    /// The same matrix with row `r` multiplied by `s[r]`.
    func scaled(byRow s: ContiguousArray<Float>) -> SparseMatrix {
        var t: [(row: Int32, column: Int32, value: Double)] = []
        t.reserveCapacity(nonzeros)
        for c in 0..<columns { for k in start[c]..<start[c + 1] { t.append((row[k], Int32(c), value[k] * Double(s[Int(row[k])]))) } }
        return SparseMatrix(rows: rows, columns: columns, triplets: t)
    }

    /// The sum of two matrices of the same shape.
    func adding(_ o: SparseMatrix) -> SparseMatrix {
        var t: [(row: Int32, column: Int32, value: Double)] = []
        t.reserveCapacity(nonzeros + o.nonzeros)
        for m in [self, o] { for c in 0..<columns { for k in m.start[c]..<m.start[c + 1] { t.append((m.row[k], Int32(c), m.value[k])) } } }
        return SparseMatrix(rows: rows, columns: columns, triplets: t)
    }
}
