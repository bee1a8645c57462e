/// The points no other point beats on every objective at once (all objectives minimised).
public enum ParetoFront {
    /// Indices into `objectives` of the non-dominated points, in their original order. A point is
    /// dominated when another is no worse on every objective and better on one; equal points both stay.
    public static func indices(_ objectives: [[Double]]) -> [Int] {
        objectives.indices.filter { i in
            !objectives.indices.contains { j in
                j != i && zip(objectives[j], objectives[i]).allSatisfy { $0 <= $1 } && zip(objectives[j], objectives[i]).contains { $0 < $1 }
            }
        }
    }
}
