import Foundation
@testable import SimKernel

/// Ranks played by threads of one process: a `RankGroup` for testing the kernel's rank seam without
/// MPI. Every collective waits for all ranks, then each reads what all of them passed.
final class ThreadRanks: RankGroup, @unchecked Sendable {
    let rank: Int
    let size: Int
    private let shared: Collectives

    /// `size` ranks sharing one set of collectives.
    static func group(size: Int) -> [ThreadRanks] {
        let shared = Collectives(size: size)
        return (0..<size).map { ThreadRanks(rank: $0, size: size, shared: shared) }
    }

    private init(rank: Int, size: Int, shared: Collectives) { self.rank = rank; self.size = size; self.shared = shared }

    func exchange(_ outgoing: [[UInt8]]) -> [[UInt8]] {
        let all = shared.collect(rank, outgoing)
        return (0..<size).map { $0 == rank ? [] : (all[$0] as! [[UInt8]])[rank] }
    }

    func minimum(_ values: [UInt64]) -> [UInt64] {
        let all = shared.collect(rank, values).map { $0 as! [UInt64] }
        return values.indices.map { i in all.map { $0[i] }.min()! }
    }

    func gather(_ bytes: [UInt8]) -> [[UInt8]]? {
        let all = shared.collect(rank, bytes).map { $0 as! [UInt8] }
        return rank == 0 ? all : nil
    }

    func broadcast(_ bytes: [UInt8]) -> [UInt8] { shared.collect(rank, bytes)[0] as! [UInt8] }

    /// A barrier that also swaps values: the last rank to arrive publishes everyone's, the others wait for it.
    private final class Collectives: @unchecked Sendable {
        let size: Int
        let condition = NSCondition()
        var inputs: [Any?]
        var published: [Any] = []
        var arrived = 0
        var generation = 0

        init(size: Int) { self.size = size; inputs = Array(repeating: nil, count: size) }

        func collect(_ rank: Int, _ value: Any) -> [Any] {
            condition.lock(); defer { condition.unlock() }
            let mine = generation
            inputs[rank] = value
            arrived += 1
            if arrived == size {
                // No rank can publish the next generation before this one's readers have all arrived there.
                published = inputs.map { $0! }
                arrived = 0
                generation += 1
                condition.broadcast()
            } else {
                while generation == mine { condition.wait() }
            }
            return published
        }
    }
}
