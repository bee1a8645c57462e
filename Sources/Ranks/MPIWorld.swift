import CMPI
import Foundation
import SimKernel
import Synchronization

/// The ranks of an `mpirun` job (Open MPI's MPI_COMM_WORLD) as a `RankGroup`.
///
/// `current()` starts MPI only in a process that `mpirun` (or `srun` with PMIx) launched, so a plain
/// `spikechip run` never touches MPI. One world per process, created and used on the simulation thread
/// only (MPI_THREAD_FUNNELED); worker threads never call MPI.
public final class MPIWorld: RankGroup, @unchecked Sendable {
    public let rank: Int
    public let size: Int

    private nonisolated(unsafe) static var shared: MPIWorld?
    /// When the MPI call in progress began (`DispatchTime` nanoseconds), 0 between calls: another thread
    /// reads it to tell a rank waiting for peers that are gone from one that is working.
    private let enteredAt = Atomic<UInt64>(0)

    private init() {
        rank = Int(spikechip_mpi_rank())
        size = Int(spikechip_mpi_size())
    }

    /// True when `mpirun` started this process (it sets OMPI_COMM_WORLD_SIZE; PMIx launchers set PMIX_RANK).
    public static var launchedByMPI: Bool {
        let environment = ProcessInfo.processInfo.environment
        return environment["OMPI_COMM_WORLD_SIZE"] != nil || environment["PMIX_RANK"] != nil
    }

    /// Ranks mpirun started on this machine (1 outside MPI): threads are shared among them.
    public static var ranksOnThisNode: Int {
        max(1, Int(ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_LOCAL_SIZE"] ?? "") ?? 1)
    }

    /// The job's world, started on first use; nil outside an MPI launch.
    /// - Throws: `RanksError.initFailed` when MPI does not start.
    public static func current() throws -> MPIWorld? {
        if let shared { return shared }
        guard launchedByMPI else { return nil }
        let code = spikechip_mpi_init()
        guard code == 0 else { throw RanksError.initFailed(code: Int(code)) }
        _ = spikechip_mpi_errors_return()
        let world = MPIWorld()
        shared = world
        // MPI must be finalized before the process exits, or mpirun reports the rank as failed.
        atexit { if spikechip_mpi_initialized() != 0 { _ = spikechip_mpi_finalize() } }
        return world
    }

    /// Seconds the simulation thread has been waiting inside the current collective, 0 outside one.
    /// Collectives take microseconds while every rank runs; a long wait means a peer is slow or gone.
    public var secondsInCollective: Double {
        let since = enteredAt.load(ordering: .relaxed)
        return since == 0 ? 0 : Double(DispatchTime.now().uptimeNanoseconds &- since) / 1e9
    }

    /// Runs `call`, one collective MPI call, timed for `secondsInCollective`.
    private func collective(_ call: () -> Int32) -> Int32 {
        enteredAt.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
        defer { enteredAt.store(0, ordering: .relaxed) }
        return call()
    }

    /// Ends the job on every rank with `message` (a collective could not complete: a rank is gone).
    private func fail(_ what: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("error: rank \(rank) of \(size): \(what) failed (MPI error \(code)); another rank has probably stopped. Ending the job.\n".utf8))
        spikechip_mpi_abort(1)
        exit(1)
    }

    public func exchange(_ outgoing: [[UInt8]]) -> [[UInt8]] {
        precondition(outgoing.count == size, "one buffer per rank")
        var sendCounts = outgoing.enumerated().map { Int32($0.offset == rank ? 0 : $0.element.count) }
        // Every rank learns every count, so all of them skip the exchange of bytes together when
        // nothing crosses (most windows).
        var matrix = [Int32](repeating: 0, count: size * size)
        let c = collective { spikechip_mpi_allgather_int(&sendCounts, Int32(size), &matrix) }
        guard c == 0 else { fail("the exchange of event counts", code: c) }
        guard matrix.contains(where: { $0 > 0 }) else { return [] }
        let receiveCounts = (0..<size).map { matrix[$0 * size + rank] }
        let sendOffsets = offsets(sendCounts), receiveOffsets = offsets(receiveCounts)
        let total = Int(receiveCounts.reduce(0, +))
        var send = [UInt8](); send.reserveCapacity(Int(sendCounts.reduce(0, +)))
        for (r, bytes) in outgoing.enumerated() where r != rank { send.append(contentsOf: bytes) }
        var receive = [UInt8](repeating: 0, count: max(total, 1))
        let code = send.withUnsafeBytes { s in
            receive.withUnsafeMutableBytes { r in
                collective { spikechip_mpi_alltoallv_bytes(s.baseAddress, sendCounts, sendOffsets, r.baseAddress, receiveCounts, receiveOffsets) }
            }
        }
        guard code == 0 else { fail("the exchange of events", code: code) }
        return (0..<size).map { r in Array(receive[Int(receiveOffsets[r])..<Int(receiveOffsets[r] + receiveCounts[r])]) }
    }

    public func minimum(_ values: [UInt64]) -> [UInt64] {
        var v = values.map { CUnsignedLongLong($0) }
        let code = collective { spikechip_mpi_allreduce_min_u64(&v, Int32(v.count)) }
        guard code == 0 else { fail("the window reduction", code: code) }
        return v.map { UInt64($0) }
    }

    public func gather(_ bytes: [UInt8]) -> [[UInt8]]? {
        precondition(bytes.count <= Int(Int32.max), "at most 2 GiB per gather")
        var counts = [Int32](repeating: 0, count: size)
        let c = collective { spikechip_mpi_gather_int(Int32(bytes.count), &counts, 0) }
        guard c == 0 else { fail("the gather of sizes", code: c) }
        let offs = offsets(counts)
        let total = rank == 0 ? Int(counts.reduce(0, +)) : 0
        precondition(total <= Int(Int32.max), "at most 2 GiB per gather")
        var receive = [UInt8](repeating: 0, count: max(total, 1))
        let code = bytes.withUnsafeBytes { s in
            receive.withUnsafeMutableBytes { r in collective { spikechip_mpi_gatherv_bytes(s.baseAddress, Int32(bytes.count), r.baseAddress, counts, offs, 0) } }
        }
        guard code == 0 else { fail("the gather of results", code: code) }
        guard rank == 0 else { return nil }
        return (0..<size).map { r in Array(receive[Int(offs[r])..<Int(offs[r] + counts[r])]) }
    }

    public func broadcast(_ bytes: [UInt8]) -> [UInt8] {
        precondition(bytes.count <= Int(Int32.max), "at most 2 GiB per broadcast")
        // The size first, then the bytes.
        var count = UInt64(rank == 0 ? bytes.count : 0)
        let c = withUnsafeMutableBytes(of: &count) { b in collective { spikechip_mpi_bcast_bytes(b.baseAddress, Int32(b.count), 0) } }
        guard c == 0 else { fail("the broadcast of a size", code: c) }
        var buffer = rank == 0 ? bytes : [UInt8](repeating: 0, count: Int(count))
        if buffer.isEmpty { return [] }
        let code = buffer.withUnsafeMutableBytes { b in collective { spikechip_mpi_bcast_bytes(b.baseAddress, Int32(b.count), 0) } }
        guard code == 0 else { fail("the broadcast", code: code) }
        return buffer
    }

    private func offsets(_ counts: [Int32]) -> [Int32] {
        var o = [Int32](repeating: 0, count: counts.count)
        for i in counts.indices.dropFirst() { o[i] = o[i - 1] + counts[i - 1] }
        return o
    }
}

/// Why the ranks of a job could not run it.
public enum RanksError: Error, CustomStringConvertible {
    case initFailed(code: Int)

    public var description: String {
        switch self {
        case let .initFailed(code): "MPI_Init_thread failed (error \(code)): start the job with mpirun from Debian's openmpi-bin (scripts/setup.sh installs it)"
        }
    }
}
