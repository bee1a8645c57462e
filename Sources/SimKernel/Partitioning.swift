/// How the LPs of a model are grouped into partitions.
///
/// Partitions only exchange events whose delay is at least `lookahead`, so each one can
/// advance through a window of `lookahead` simulated time without hearing from the
/// others (the conservative YAWNS scheme). The kernel runs the windows one after the
/// other in one process; the same windows are what an MPI back-end would run in parallel.
public struct Partitioning: Sendable, Equatable {
    /// Partition of each LP, from the model's first LP.
    public let partitionOf: [UInt16]
    /// Number of partitions.
    public let count: Int
    /// The smallest delay of any event sent from one partition to another.
    public let lookahead: SimTime

    /// One partition holding every LP: a plain sequential run.
    public static func single(lpCount: Int) -> Partitioning {
        Partitioning(unchecked: Array(repeating: 0, count: lpCount), count: 1, lookahead: .never)
    }

    /// Groups LPs as `partitionOf` says.
    /// - Throws: `PartitioningError` when a partition index is out of range or the lookahead is zero.
    public init(partitionOf: [UInt16], count: Int, lookahead: SimTime) throws {
        guard count >= 1 else { throw PartitioningError.noPartitions }
        if let bad = partitionOf.firstIndex(where: { Int($0) >= count }) {
            throw PartitioningError.partitionOutOfRange(lp: bad, partition: Int(partitionOf[bad]), count: count)
        }
        guard count == 1 || lookahead > .zero else { throw PartitioningError.zeroLookahead }
        self.init(unchecked: partitionOf, count: count, lookahead: lookahead)
    }

    private init(unchecked partitionOf: [UInt16], count: Int, lookahead: SimTime) {
        self.partitionOf = partitionOf; self.count = count; self.lookahead = lookahead
    }
}

/// Why a partitioning was refused.
public enum PartitioningError: Error, Equatable, CustomStringConvertible {
    case noPartitions
    case partitionOutOfRange(lp: Int, partition: Int, count: Int)
    case zeroLookahead

    public var description: String {
        switch self {
        case .noPartitions: "a partitioning needs at least one partition"
        case let .partitionOutOfRange(lp, p, n): "LP \(lp) is assigned to partition \(p), but there are only \(n) partitions"
        case .zeroLookahead: "partitions need a lookahead greater than zero (the smallest latency of any message between partitions)"
        }
    }
}
