import Energy
import Foundation
import Mapping
import ModelShapes
import SimKernel
import Topology

/// How the cores of a run are grouped into kernel partitions.
public enum PartitionScheme: String, Sendable, CaseIterable {
    /// One partition: a plain sequential run.
    case single
    /// One partition per chip; the lookahead is the chip-to-chip link latency.
    case chip
    /// One partition per thread, each holding every n-th stripe of `stripeColumns` columns
    /// across the whole board, so that every thread holds a share of whatever stage is running
    /// (a token's layers run one after the other, and the locality placement packs a stage into
    /// a compact region, so whole chips or halves would leave threads idle). The lookahead is the
    /// shortest hop between stripes: an east-west hop, or a chip-to-chip link.
    case stripes

    /// Columns per stripe of `stripes`: narrow enough to split a stage's region, wide enough that
    /// most hops stay inside a stripe.
    public static let stripeColumns = 4
}

/// What a run measured.
public struct RunResult: Sendable {
    public var ledger: EnergyLedger
    public var traffic: TrafficCounters
    /// Per-stage activity of each of the first `TokenTimes.detailLimit` tokens (the database's rows).
    public var activity: [LayerActivity]
    /// Activity of each stage over every token (the spike statistics).
    public var stageActivity: [StageActivity]
    /// When tokens started and ended: statistics of all, times of the first `TokenTimes.detailLimit`.
    public var tokens: TokenTimes
    public var events: UInt64
    public var peakPendingEvents: Int
    public var remoteEvents: UInt64
    public var windows: UInt64
    public var partitions: Int
    public var wallSeconds: Double
    /// True when the run was stopped before it drained (Ctrl-C).
    public var interrupted: Bool
    /// Simulated time of the last event.
    public var finalTime: SimTime
    /// Packets per router port that carried any: the hottest links.
    public var links: [LinkLoad] = []
    /// Threads the partitions ran on.
    public var threads = 1
    /// Events each partition handled (empty for a single partition).
    public var eventsByPartition: [UInt64] = []
    /// Synapses each partition's cores hold, the predicted split (empty for a single partition).
    public var synapsesByPartition: [Int] = []
    /// Events between partitions predicted from the routes (nil for a single partition, or when not predictable).
    public var predictedTraffic: TrafficPrediction?
    /// MPI ranks the partitions ran on (1: one process).
    public var ranks = 1

    /// Tokens that finished.
    public var tokensDone: Int { tokens.count }
    /// Simulated start, end and latency of each of the first `TokenTimes.detailLimit` finished tokens.
    public var tokenStart: [SimTime] { tokens.start }
    public var tokenEnd: [SimTime] { tokens.end }
    public var tokenLatencies: [SimTime] { tokens.latencies }

    /// Time steps per token of the stages that ran (1 when none did).
    public var timeSteps: Int { stageActivity.first { $0.tokens > 0 }?.timeSteps ?? 1 }

    /// Spike statistics measured over every encoder neuron and token: the fraction silent for a whole
    /// token, spikes per activation, and spikes per neuron and step (all 0 without activity).
    public var spikeStatistics: (silentPerToken: Double, spikesPerActivation: Double, firingRatePerStep: Double) {
        let neurons = Double(stageActivity.reduce(0) { $0 + $1.tokens * $1.neurons })
        guard neurons > 0 else { return (0, 0, 0) }
        let spikes = Double(stageActivity.reduce(0) { $0 + $1.spikes }) / neurons
        return (Double(stageActivity.reduce(0) { $0 + $1.silentNeurons }) / neurons, spikes, spikes / Double(max(timeSteps, 1)))
    }
}

/// A simulation of one mapping and workload: builds the chip model, runs the kernel and
/// gathers the results. Generic over the spike source and the energy sink.
///
/// With one partition the kernel is the sequential `Simulator`. With several it is a
/// `ParallelSimulator` on `threads` threads: each partition runs a replica of the model, the
/// replicas' energy records reach the sink after every window in partition order, and their
/// counters are merged at the end. Every total is the sequential run's (fixed-point energy,
/// integer counters), and the record stream does not depend on the number of threads.
public struct ChipRun<Source: SpikeSource, Sink: EnergySink> {
    @usableFromInline var sequential: Simulator<ChipModel<Source, Sink>>?
    @usableFromInline let parallel: ParallelSimulator<ChipModel<Source, Sink>>?
    public let partitions: Int
    /// Threads the partitions run on.
    public let threads: Int
    /// Synapses (weights) each partition's cores hold: the predicted split of the work, since under
    /// statistical counts every synapse is read at the same expected rate.
    public let synapsesByPartition: [Int]
    /// Events between partitions predicted from the mapping's routes (`TrafficPrediction`).
    public let predictedTraffic: TrafficPrediction?

    /// The chip's queue: 1 ns buckets over a 16 µs ring. Its events spread over microseconds
    /// (serialised packet trains, function-unit work), so the kernel's default 4 ps ring, tuned
    /// for PHOLD, would send most of them through the overflow heap.
    public static var queue: QueueKind { .calendar(bucketWidth: SimTime(nanoseconds: 1), bucketsLog2: 14) }

    /// - Parameters:
    ///   - threads: threads for a partitioned run (at most one per partition); a `single` run uses one.
    ///   - ranks: the MPI ranks the partitions are spread over (nil: this process runs them all). Rank 0's
    ///     sink receives every record, in the order of a run in one process; the other ranks' sinks none.
    /// - Throws: `ChipRunError.sourceNotReplicable` when partitions would run a source that keeps state across
    ///   stages; `.ranks` when the ranks cannot share the partitions.
    public init(mapping: ChipMapping, workload: Workload, source: Source, sink: Sink, partitioning: PartitionScheme = .single,
                threads: Int = 1, queue: QueueKind = ChipRun.queue, ranks: (any RankGroup)? = nil) throws {
        // Pipelined stages ask the source for token n+1's first stages before token n's last: only counts
        // drawn from (seed, token, stage) do not depend on that order.
        guard !workload.pipelined || source is StatisticalSpikeSource else { throw ChipRunError.pipelinedSource }
        let model = try ChipModel(mapping: mapping, workload: workload, source: source, sink: sink)
        let t = mapping.topology
        if let ranks, ranks.size > 1 {
            guard partitioning != .single else { throw ChipRunError.ranks("\(ranks.size) ranks need partitions to share: add --partitions stripes (or chip)") }
            // A trace is read in dataflow order by one reader per process; only counts drawn from
            // (seed, token, stage) are the same whichever process asks.
            guard source is StatisticalSpikeSource else {
                throw ChipRunError.ranks("runs over MPI ranks take statistical spike counts only; replay a trace on threads in one process (--threads)")
            }
        }
        guard partitioning != .single else {
            sequential = Simulator(model: model, queue: queue); parallel = nil
            partitions = 1; self.threads = 1
            synapsesByPartition = Self.synapses(of: mapping, count: 1) { _ in 0 }
            predictedTraffic = nil
            return
        }
        guard source.replicable else { throw ChipRunError.sourceNotReplicable(partitioning) }
        // A tile's bit spikes are drawn by its stage's encoder, in the function unit's replica: a tile in
        // another partition would never see them.
        guard mapping.options.partialSums == .graded else { throw ChipRunError.spikeCodedPartialSums(partitioning) }
        let threads = max(1, threads)
        var lookahead = t.chipLookahead
        let partitionOf: [UInt16]
        let count: Int
        switch partitioning {
        case .single, .chip:
            partitionOf = model.state.links.cores.map { UInt16(t.chip(of: $0)) }
            count = t.chipCount
        case .stripes:
            // Column x belongs to stripe x / w, and stripe s to partition s mod n: partition p runs on
            // thread p (of rank p mod ranks), and every thread holds every n-th stripe of the board.
            let w = PartitionScheme.stripeColumns
            let n = min(threads * (ranks?.size ?? 1), (t.width + w - 1) / w)
            count = n
            partitionOf = model.state.links.cores.map { core in UInt16((t.x(of: core) / w) % n) }
            if n > 1 { lookahead = min(lookahead, t.hopEastWest.latency) }
        }
        if case .globalTick(let p) = t.sync, p < lookahead { lookahead = p }
        if let ranks, ranks.size > count {
            throw ChipRunError.ranks("\(ranks.size) ranks but \(count) partition(s) (--partitions \(partitioning.rawValue) on this board): run at most \(count) rank(s), or choose --partitions stripes")
        }
        let base = model.state.links.cores.lowerBound
        synapsesByPartition = Self.synapses(of: mapping, count: count) { Int(partitionOf[$0 - base]) }
        predictedTraffic = TrafficPrediction(mapping: mapping, steps: workload.timeSteps, spikesPerActivation: source.expectedSpikesPerActivation,
                                             pipelined: workload.pipelined) {
            Int(partitionOf[$0 - base])
        }
        let p = try Partitioning(partitionOf: partitionOf, count: count, lookahead: lookahead)
        var replica = model
        replica.flushesItself = false
        replica.tallies = false
        sequential = nil
        parallel = ParallelSimulator(model: replica, partitioning: p, threads: threads, queue: queue, ranks: ranks?.size ?? 1 > 1 ? ranks : nil)
        partitions = count
        self.threads = parallel!.threads
    }

    /// The model: mapping, ledger, counters and the sink (with partitions: the first replica,
    /// holding the sink every record went to).
    public var model: ChipModel<Source, Sink> { sequential?.model ?? parallel!.replica(0) }

    /// Runs to the end (or until `shouldStop` returns true) and flushes the energy stream.
    ///
    /// Inlinable so that the kernel's loop is specialised for the concrete source and sink
    /// in the caller's module; otherwise the event queue would run as unspecialised generic code.
    @inlinable
    public mutating func run(shouldStop: (() -> Bool)? = nil) -> RunResult {
        let started = ContinuousClock.now
        if sequential != nil {
            let outcome = sequential!.run(shouldStop: shouldStop)
            sequential!.model.flush(final: true)
            let s = sequential!
            return Self.result(s.model.state, stopped: outcome == .stopped, wall: ContinuousClock.now - started,
                               events: s.eventsHandled, peak: s.scheduler.peakPending, remote: s.scheduler.remoteEvents,
                               windows: s.windows, partitions: 1, finalTime: s.scheduler.now)
        }
        let kernel = parallel!
        if kernel.ranks != nil { return runOnRanks(kernel, shouldStop: shouldStop, started: started) }
        // Records gathered from the replicas after each window, handed to the sink a batch at a time.
        var sink = kernel.replica(0).sink
        var batch = ContiguousArray<EnergyRecord>()
        batch.reserveCapacity(ChipModel<Source, Sink>.batchSize)
        let outcome = kernel.run(shouldStop: shouldStop) { replicas in
            for p in replicas.indices { replicas[p].gatherRecords(into: &batch) }
            if batch.count >= ChipModel<Source, Sink>.batchSize { Self.hand(&batch, to: &sink) }
        }
        Self.hand(&batch, to: &sink)
        sink.finish()
        let merged = kernel.withReplicas { replicas -> ChipState in
            replicas[0].sink = sink
            return ChipState.merged(replicas.map(\.state))
        }
        var result = Self.result(merged, stopped: outcome == .stopped, wall: ContinuousClock.now - started,
                                 events: kernel.eventsHandled, peak: kernel.peakPending, remote: kernel.remoteEvents,
                                 windows: kernel.windows, partitions: partitions, finalTime: kernel.now)
        result.threads = kernel.threads
        result.eventsByPartition = kernel.eventsByPartition
        result.synapsesByPartition = synapsesByPartition
        result.predictedTraffic = predictedTraffic
        return result
    }

    /// A run over MPI ranks. After each window every rank tags its partitions' records with the window
    /// and partition; when any rank holds a batch's worth, all send theirs to rank 0, which puts them
    /// back in (window, partition) order, the order of a run in one process, and hands them to its sink.
    /// At the end every rank sends rank 0 what its partitions counted, which rank 0 merges as threads'
    /// replicas are merged. Rank 0 returns the run's result; the others their own partitions' share.
    @inlinable
    func runOnRanks(_ kernel: ParallelSimulator<ChipModel<Source, Sink>>, shouldStop: (() -> Bool)?, started: ContinuousClock.Instant) -> RunResult {
        let ranks = kernel.ranks!
        var sink = kernel.replica(0).sink
        var batch = ContiguousArray<EnergyRecord>()
        var tagged = RecordChunks()
        let outcome = kernel.run(shouldStop: shouldStop, afterWindow: { replicas in
            for p in kernel.owned {
                replicas[p].gatherRecords(into: &batch)
                tagged.append(window: kernel.windows, partition: p, batch)
                batch.removeAll(keepingCapacity: true)
            }
        }, wantsCollective: { tagged.records >= ChipModel<Source, Sink>.batchSize }, collective: {
            Self.send(&tagged, over: ranks, to: &sink)
        })
        Self.send(&tagged, over: ranks, to: &sink)
        sink.finish()
        let mine = kernel.owned.map { p in
            PartitionCounts(partition: p, state: kernel.replica(p).state, events: kernel.eventsByPartition[p])
        }
        let encoded = (try? JSONEncoder().encode(PartitionCounts.Message(partitions: mine, remote: kernel.remoteEvents,
                                                                        peak: kernel.peakPending, now: kernel.now.picoseconds))) ?? Data()
        let all = ranks.gather([UInt8](encoded))?.compactMap { try? JSONDecoder().decode(PartitionCounts.Message.self, from: Data($0)) }
        var events = kernel.eventsByPartition, remote = kernel.remoteEvents, peak = kernel.peakPending, now = kernel.now
        let merged = kernel.withReplicas { replicas -> ChipState in
            replicas[0].sink = sink
            if let all {
                precondition(all.count == ranks.size, "rank 0 could not read every rank's counts")
                for message in all.dropFirst() {
                    remote &+= message.remote; peak += message.peak; now = Swift.max(now, SimTime(picoseconds: message.now))
                    for c in message.partitions {
                        c.restore(into: &replicas[c.partition]._state)
                        events[c.partition] = c.events
                    }
                }
            }
            // Replicas of other ranks' partitions never ran here: all zero unless restored above.
            return ChipState.merged(replicas.map(\.state))
        }
        var result = Self.result(merged, stopped: outcome == .stopped, wall: ContinuousClock.now - started,
                                 events: events.reduce(0, &+), peak: peak, remote: remote,
                                 windows: kernel.windows, partitions: partitions, finalTime: now)
        result.threads = kernel.threads
        result.ranks = ranks.size
        result.eventsByPartition = events
        result.synapsesByPartition = synapsesByPartition
        result.predictedTraffic = predictedTraffic
        return result
    }

    /// Every rank's tagged records to rank 0, which hands them to `sink` in (window, partition) order.
    @usableFromInline
    static func send(_ tagged: inout RecordChunks, over ranks: any RankGroup, to sink: inout Sink) {
        let gathered = ranks.gather(tagged.bytes)
        tagged.removeAll()
        guard let gathered else { return }
        var batch = RecordChunks.ordered(gathered)
        hand(&batch, to: &sink)
    }

    @usableFromInline
    static func hand(_ batch: inout ContiguousArray<EnergyRecord>, to sink: inout Sink) {
        guard !batch.isEmpty else { return }
        sink.consume(taking: &batch)
        batch.removeAll(keepingCapacity: true)
    }

    /// Synapses (weights) the tiles hold in each of `count` partitions, `partition` giving a core's.
    static func synapses(of mapping: ChipMapping, count: Int, partition: (Int) -> Int) -> [Int] {
        var synapses = [Int](repeating: 0, count: count)
        for tile in mapping.tiles { synapses[partition(Int(tile.core))] += Int(tile.axonsUsed) * Int(tile.neuronsUsed) }
        return synapses
    }

    @usableFromInline
    static func result(_ state: ChipState, stopped: Bool, wall: Duration, events: UInt64, peak: Int, remote: UInt64, windows: UInt64,
                       partitions: Int, finalTime: SimTime) -> RunResult {
        var m = state
        // Replicas, and stages working on different tokens, record activity as their stages run.
        if partitions > 1 || m.workload.pipelined { m.sortActivity() }
        return RunResult(
            ledger: m.ledger, traffic: m.traffic, activity: m.activity, stageActivity: m.stageActivity, tokens: m.tokens, events: events, peakPendingEvents: peak, remoteEvents: remote, windows: windows, partitions: partitions,
            wallSeconds: wall.inSeconds, interrupted: stopped, finalTime: finalTime, links: m.links.loads())
    }
}

/// Why a partitioned run was refused.
public enum ChipRunError: Error, CustomStringConvertible {
    case sourceNotReplicable(PartitionScheme)
    case ranks(String)
    case pipelinedSource
    case spikeCodedPartialSums(PartitionScheme)

    public var description: String {
        switch self {
        case let .sourceNotReplicable(scheme):
            "--partitions \(scheme.rawValue) runs a copy of the spike source per partition, which only statistical and trace sources allow (closed-loop and recording sources keep state across stages); use --partitions single"
        case let .ranks(message): message
        case let .spikeCodedPartialSums(scheme):
            "--partitions \(scheme.rawValue) with spike-coded partial sums: a tile's bit spikes are drawn where its stage's encoder runs, which a tile in another partition cannot see; use --partial-sums graded, or drop --partitions"
        case .pipelinedSource:
            "a pipelined prefill (--prefill) takes statistical spike counts only: a trace, a closed loop or a recording follows the tokens one after the other; drop --prefill"
        }
    }
}
