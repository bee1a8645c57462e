import Foundation
import Synchronization
import Benchmarks
import Testing
@testable import SimKernel

/// A model that records, per LP, the times and senders of the events it handles.
private struct Recorder: SimulationModel {
    typealias Payload = UInt32
    let lpCount: Int
    var seen: [[(UInt64, UInt64)]]
    var rng: [SplitMix64]
    let lookahead: UInt64

    init(lps: Int, lookahead: UInt64) {
        lpCount = lps; self.lookahead = lookahead
        seen = Array(repeating: [], count: lps)
        rng = (0..<lps).map { SplitMix64(seed: 9, stream: UInt64($0)) }
    }

    mutating func initialize(lp: LPID, scheduler: inout Scheduler<UInt32>) {
        for i in 0..<4 { scheduler.schedule(0, to: lp, after: SimTime(picoseconds: UInt64(lp) * 7 + UInt64(i) * 3)) }
    }

    mutating func handle(_ e: Event<UInt32>, scheduler: inout Scheduler<UInt32>) {
        let i = Int(e.target)
        seen[i].append((e.time.picoseconds, e.order))
        // One follow-up per event, 200 generations deep: 16 LPs × 4 × 200 events in all.
        guard e.payload < 200 else { return }
        let target = LPID(rng[i].next() % UInt64(lpCount))
        scheduler.schedule(e.payload + 1, to: target, after: SimTime(picoseconds: lookahead + rng[i].next() % 5000))
    }
}

@Suite("Simulator")
struct SimulatorTests {
    @Test("time never runs backwards at any LP, and sequential runs never go back globally")
    func monotonicTime() {
        var sim = Simulator(model: Recorder(lps: 16, lookahead: 100))
        #expect(sim.run() == .drained)
        #expect(sim.eventsHandled > 1000)
        for lp in sim.model.seen {
            #expect(zip(lp, lp.dropFirst()).allSatisfy { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) })
        }
    }

    @Test("partitions on threads see exactly the sequential run's events per LP, in order, whatever the thread count",
          arguments: [(2, 1), (4, 1), (4, 2), (4, 3), (16, 1), (16, 2)])
    func parallelMatchesSequential(partitions: Int, threads: Int) throws {
        var seq = Simulator(model: Recorder(lps: 16, lookahead: 100))
        _ = seq.run()
        let p = try Partitioning(partitionOf: (0..<16).map { UInt16($0 % partitions) }, count: partitions, lookahead: SimTime(picoseconds: 100))
        let par = ParallelSimulator(model: Recorder(lps: 16, lookahead: 100), partitioning: p, threads: threads)
        var windows = 0
        #expect(par.run { _ in windows += 1 } == .drained)
        #expect(par.threads == min(threads, partitions))
        #expect(par.eventsHandled == seq.eventsHandled)
        #expect(par.remoteEvents > 0)
        #expect(UInt64(windows) == par.windows && windows > 1)
        // Each LP's history is in the replica of its partition; the other replicas never saw it.
        for lp in 0..<16 {
            let mine = par.replica(lp % partitions).seen[lp]
            #expect(mine.map(\.0) == seq.model.seen[lp].map(\.0))
            #expect(mine.map(\.1) == seq.model.seen[lp].map(\.1))
            for other in 0..<partitions where other != lp % partitions { #expect(par.replica(other).seen[lp].isEmpty) }
        }
        #expect(par.now == seq.scheduler.now)
    }

    @Test("partitions spread over ranks (threads standing in for MPI processes) see the sequential run's events per LP",
          arguments: [(2, 1), (2, 2), (3, 1)])
    func ranksMatchSequential(ranks size: Int, threads: Int) throws {
        var seq = Simulator(model: Recorder(lps: 16, lookahead: 100))
        _ = seq.run()
        let p = try Partitioning(partitionOf: (0..<16).map { UInt16($0 % 4) }, count: 4, lookahead: SimTime(picoseconds: 100))
        let group = ThreadRanks.group(size: size)
        let sims = group.map { ParallelSimulator(model: Recorder(lps: 16, lookahead: 100), partitioning: p, threads: threads, ranks: $0) }
        // Collectives asked for every 8th window by rank 1 alone must still run on every rank.
        let collectives = sims.map { _ in Counter() }
        let done = DispatchGroup()
        for r in 1..<size {
            done.enter()
            Thread { [sims, collectives] in
                _ = sims[r].run(afterWindow: { _ in }, wantsCollective: { r == 1 && sims[r].windows % 8 == 0 }, collective: { collectives[r].add() })
                done.leave()
            }.start()
        }
        #expect(sims[0].run(afterWindow: { _ in }, collective: { collectives[0].add() }) == .drained)
        done.wait()
        #expect(sims.map(\.owned) == (0..<size).map { r in (0..<4).filter { $0 % size == r } })
        #expect(sims.reduce(0) { $0 + $1.eventsHandled } == seq.eventsHandled)
        #expect(Set(sims.map(\.windows)).count == 1 && sims[0].windows > 1)
        #expect(Set(collectives.map(\.value)).count == 1 && collectives[0].value > 0)
        for lp in 0..<16 {
            let owner = sims[(lp % 4) % size].replica(lp % 4).seen[lp]
            #expect(owner.map(\.0) == seq.model.seen[lp].map(\.0))
            #expect(owner.map(\.1) == seq.model.seen[lp].map(\.1))
        }
    }

    @Test("a parallel run stopped between windows resumes to the same result")
    func parallelStopAndResume() throws {
        // 128 LPs × 4 × 201 events: past the first poll at 65,536 events.
        let lps = 128
        let p = try Partitioning(partitionOf: (0..<lps).map { UInt16($0 % 4) }, count: 4, lookahead: SimTime(picoseconds: 100))
        let whole = ParallelSimulator(model: Recorder(lps: lps, lookahead: 100), partitioning: p, threads: 2)
        #expect(whole.run { _ in } == .drained)
        let parts = ParallelSimulator(model: Recorder(lps: lps, lookahead: 100), partitioning: p, threads: 2)
        #expect(parts.run(shouldStop: { true }) { _ in } == .stopped)
        #expect(parts.eventsHandled >= 65_536 && parts.eventsHandled < whole.eventsHandled)
        #expect(parts.run { _ in } == .drained)
        #expect(parts.eventsHandled == whole.eventsHandled)
        for lp in 0..<lps { #expect(parts.replica(lp % 4).seen[lp].map(\.1) == whole.replica(lp % 4).seen[lp].map(\.1)) }
    }

    @Test("PHOLD on 2 threads, stopped at a time, handles the sequential run's events per LP", arguments: [1, 2])
    func pholdParallelUntil(threads: Int) throws {
        let until = SimTime(nanoseconds: 3_000)
        var seq = Simulator(model: PHOLD(lps: 64, population: 4))
        #expect(seq.run(until: until) == .reachedLimit)
        let phold = PHOLD(lps: 64, population: 4)
        let par = ParallelSimulator(model: phold, partitioning: try phold.blockPartitioning(count: 4), threads: threads)
        #expect(par.run(until: until) { _ in } == .reachedLimit)
        // LP i lives in block i / 16: its replica alone counted its events.
        let handled = (0..<64).map { par.replica($0 / 16).handled[$0] }
        #expect(handled == seq.model.handled)
        #expect(par.eventsHandled == seq.eventsHandled && par.eventsHandled > 10_000)
    }

    @Test("PHOLD is bit-identical across queue kinds and partitionings")
    func pholdDeterminism() throws {
        let until = SimTime(nanoseconds: 5_000)
        var a = Simulator(model: PHOLD(lps: 64, population: 4), queue: .heap)
        _ = a.run(until: until)
        var b = Simulator(model: PHOLD(lps: 64, population: 4), queue: .standard)
        _ = b.run(until: until)
        let phold = PHOLD(lps: 64, population: 4)
        let c = ParallelSimulator(model: phold, partitioning: try phold.blockPartitioning(count: 4), threads: 1)
        #expect(c.run(until: until) { _ in } == .reachedLimit)
        #expect(a.eventsHandled > 10_000)
        #expect(a.model.handled == b.model.handled)
        #expect(a.model.handled == (0..<64).map { c.replica($0 / 16).handled[$0] })
        var d = Simulator(model: PHOLD(lps: 64, population: 4, seed: 2), queue: .heap)
        _ = d.run(until: until)
        #expect(d.model.handled != a.model.handled)
    }

    @Test("a stopped run resumes to the same result")
    func stopAndResume() {
        var full = Simulator(model: PHOLD(lps: 32, population: 8))
        _ = full.run(until: SimTime(nanoseconds: 30_000))
        var parts = Simulator(model: PHOLD(lps: 32, population: 8))
        var calls = 0
        #expect(parts.run(until: SimTime(nanoseconds: 30_000), shouldStop: { calls += 1; return calls == 1 }) == .stopped)
        #expect(parts.run(until: SimTime(nanoseconds: 30_000)) == .reachedLimit)
        #expect(parts.model.handled == full.model.handled)
    }

    @Test("bad partitionings are refused with a reason")
    func partitioningErrors() {
        #expect(throws: PartitioningError.partitionOutOfRange(lp: 1, partition: 3, count: 2)) {
            try Partitioning(partitionOf: [0, 3], count: 2, lookahead: SimTime(nanoseconds: 1))
        }
        #expect(throws: PartitioningError.zeroLookahead) {
            try Partitioning(partitionOf: [0, 1], count: 2, lookahead: .zero)
        }
    }

    @Test("SplitMix64 streams are reproducible and distinct")
    func rngStreams() {
        var a = SplitMix64(seed: 1, stream: 2, 3), b = SplitMix64(seed: 1, stream: 2, 3), c = SplitMix64(seed: 1, stream: 3, 2)
        let xa = (0..<8).map { _ in a.next() }, xb = (0..<8).map { _ in b.next() }, xc = (0..<8).map { _ in c.next() }
        #expect(xa == xb)
        #expect(xa != xc)
        var u = SplitMix64(seed: 5)
        #expect((0..<1000).allSatisfy { _ in (0..<1).contains(u.nextUnit()) })
    }

    @Test("SimTime rounds nanoseconds to picoseconds")
    func simTime() {
        #expect(SimTime(nanoseconds: 4.1).picoseconds == 4100)
        #expect(SimTime(nanoseconds: 0.015625).picoseconds == 16)
        #expect((SimTime(nanoseconds: 2) + SimTime(nanoseconds: 3)).nanoseconds == 5)
    }
}

/// A count shared with another thread (the collectives a rank ran).
private final class Counter: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
