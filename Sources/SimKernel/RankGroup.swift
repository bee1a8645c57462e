/// The processes a partitioned run is spread over (MPI ranks), and the collective operations its
/// windows need. SimKernel knows nothing of MPI: `ParallelSimulator` runs the partitions it owns
/// (partition p belongs to rank p mod `size`) and meets the other ranks through this seam at every
/// window boundary; the MPI implementation lives in the `Ranks` module.
///
/// Every call is collective: each rank makes the same calls in the same order, as MPI requires.
/// A failure (a rank gone, a transport error) does not return: the implementation reports it and
/// ends the job, because a window can be neither completed nor undone without every rank.
public protocol RankGroup: AnyObject, Sendable {
    /// This process's rank, 0 ..< size.
    var rank: Int { get }
    /// Processes in the group.
    var size: Int { get }
    /// Sends `outgoing[r]` to rank r (the own entry is ignored) and returns what each rank sent
    /// here, indexed by sender.
    func exchange(_ outgoing: [[UInt8]]) -> [[UInt8]]
    /// Element-wise minimum of `values` over ranks.
    func minimum(_ values: [UInt64]) -> [UInt64]
    /// Every rank's bytes at rank 0, indexed by sender; nil on the other ranks.
    func gather(_ bytes: [UInt8]) -> [[UInt8]]?
    /// Rank 0's bytes on every rank (the argument is ignored elsewhere).
    func broadcast(_ bytes: [UInt8]) -> [UInt8]
}

extension RankGroup {
    /// The rank that owns partition `p`.
    @inlinable public func owner(ofPartition p: Int) -> Int { p % size }

    /// Element-wise maximum of `values` over ranks (the minimum of their complements).
    public func maximum(_ values: [UInt64]) -> [UInt64] { minimum(values.map { .max - $0 }).map { .max - $0 } }

    /// True on every rank when every rank passes true.
    public func all(_ value: Bool) -> Bool { minimum([value ? 1 : 0])[0] == 1 }

    /// Whether every rank holds rank 0's `bytes` (the same answer on every rank).
    public func agree(on bytes: [UInt8]) -> Bool { all(broadcast(bytes) == bytes) }
}
