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
    /// One partition per chip; the lookahead is the chip-to-chip link latency. Results are
    /// bit-identical to `single` (tested); this is the grouping an MPI back-end would distribute.
    case chip
}

/// What a run measured.
public struct RunResult: Sendable {
    public var ledger: EnergyLedger
    public var traffic: TrafficCounters
    public var activity: [LayerActivity]
    /// Simulated start and end of each token.
    public var tokenStart: [SimTime]
    public var tokenEnd: [SimTime]
    /// Tokens that finished.
    public var tokensDone: Int
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

    /// Simulated latency of each finished token.
    public var tokenLatencies: [SimTime] { (0..<tokensDone).map { tokenEnd[$0] - tokenStart[$0] } }

    /// Spike statistics measured over every encoder neuron and token: the fraction silent for a whole
    /// token, spikes per activation, and spikes per neuron and step (all 0 without activity).
    public var spikeStatistics: (silentPerToken: Double, spikesPerActivation: Double, firingRatePerStep: Double) {
        let neurons = Double(activity.reduce(0) { $0 + $1.neurons })
        guard neurons > 0 else { return (0, 0, 0) }
        let spikes = Double(activity.reduce(0) { $0 + $1.spikes }) / neurons
        return (Double(activity.reduce(0) { $0 + $1.silentNeurons }) / neurons, spikes,
                spikes / Double(max(activity.first?.timeSteps ?? 1, 1)))
    }
}

/// A simulation of one mapping and workload: builds the chip model, runs the kernel and
/// gathers the results. Generic over the spike source and the energy sink.
public struct ChipRun<Source: SpikeSource, Sink: EnergySink> {
    @usableFromInline var simulator: Simulator<ChipModel<Source, Sink>>
    public let partitions: Int

    /// The chip's queue: 1 ns buckets over a 16 µs ring. Its events spread over microseconds
    /// (serialised packet trains, function-unit work), so the kernel's default 4 ps ring, tuned
    /// for PHOLD, would send most of them through the overflow heap.
    public static var queue: QueueKind { .calendar(bucketWidth: SimTime(nanoseconds: 1), bucketsLog2: 14) }

    public init(mapping: ChipMapping, workload: Workload, source: Source, sink: Sink, partitioning: PartitionScheme = .single,
                queue: QueueKind = ChipRun.queue) throws {
        let model = try ChipModel(mapping: mapping, workload: workload, source: source, sink: sink)
        let t = mapping.topology
        switch partitioning {
        case .single:
            simulator = Simulator(model: model, queue: queue)
            partitions = 1
        case .chip:
            var lookahead = t.chipLookahead
            if case .globalTick(let p) = t.sync, p < lookahead { lookahead = p }
            let p = try Partitioning(partitionOf: (0..<t.coreCount).map { UInt16(t.chip(of: $0)) }, count: t.chipCount, lookahead: lookahead)
            simulator = Simulator(model: model, partitioning: p, queue: queue)
            partitions = t.chipCount
        }
    }

    /// The model: mapping, ledger, counters and the sink.
    public var model: ChipModel<Source, Sink> { simulator.model }

    /// Runs to the end (or until `shouldStop` returns true) and flushes the energy stream.
    ///
    /// Inlinable so that the kernel's loop is specialised for the concrete source and sink
    /// in the caller's module; otherwise the event queue would run as unspecialised generic code.
    @inlinable
    public mutating func run(shouldStop: (() -> Bool)? = nil) -> RunResult {
        let started = ContinuousClock.now
        let outcome = simulator.run(shouldStop: shouldStop)
        simulator.model.flush(final: true)
        return result(stopped: outcome == .stopped, wall: ContinuousClock.now - started)
    }

    @usableFromInline
    func result(stopped: Bool, wall: Duration) -> RunResult {
        let m = simulator.model.state
        let done = m.tokenEnd.indices.filter { m.tokenEnd[$0] > .zero }.count
        return RunResult(
            ledger: m.ledger, traffic: m.traffic, activity: m.activity, tokenStart: m.tokenStart, tokenEnd: m.tokenEnd,
            tokensDone: done, events: simulator.eventsHandled, peakPendingEvents: simulator.scheduler.peakPending,
            remoteEvents: simulator.scheduler.remoteEvents, windows: simulator.windows, partitions: partitions,
            wallSeconds: wall.inSeconds,
            interrupted: stopped, finalTime: simulator.scheduler.now, links: m.links.loads())
    }
}
