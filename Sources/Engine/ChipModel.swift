import Energy
import Mapping
import SimKernel

/// The chip as a discrete-event model: one logical process per core slot, holding the
/// slot's router and whatever the mapping put on it (a crossbar tile, a splitter core,
/// or a function unit with its encoder).
///
/// The spike source and the energy sink are generic parameters, called once per stage
/// and once per batch of records; everything per event happens in the non-generic
/// `ChipState`.
public struct ChipModel<Source: SpikeSource, Sink: EnergySink>: SimulationModel {
    public typealias Payload = ChipMessage

    @usableFromInline var _state: ChipState
    /// Mapping, ledger, counters and all per-core state.
    public var state: ChipState { _state }
    public var source: Source
    public var sink: Sink
    /// Whether `handle` hands full batches of records to the sink itself. A partition's replica
    /// does not: its records wait for the end of the window, when the run gathers them in order.
    public var flushesItself = true

    /// Records buffered before a batch goes to the sink.
    public static var batchSize: Int { 1 << 16 }

    public init(mapping: ChipMapping, workload: Workload, source: Source, sink: Sink) throws {
        _state = try ChipState(mapping: mapping, workload: workload)
        self.source = source; self.sink = sink
        switch sink.needs {
        case .records: _state.buffer.reserveCapacity(Self.batchSize)
        case .summary: tallies = true
        }
    }

    /// Whether the engine tallies its records itself (its sink needs only the summary) instead of handing
    /// them over. A partitioned run's replicas hand theirs over, to be gathered in order.
    public var tallies: Bool {
        get { _state.tallies }
        set {
            let m = _state.mapping
            _state.tallies = newValue
            let cores = _state.links.cores
            _state.tally = EnergyTally(layers: m.layers + 1, chips: m.topology.chipCount, cores: cores.upperBound,
                                       chipOfCore: newValue ? (0..<cores.upperBound).map { cores.contains($0) ? _state.links.chip(of: $0) : 0 } : nil,
                                       allocated: newValue)
            if !newValue { _state.buffer.reserveCapacity(Self.batchSize) }
        }
    }

    /// One LP per core of the rows the mapping uses (`ChipMapping.routedCores`), numbered by core id.
    public var lpCount: Int { _state.links.cores.count }
    public var firstLP: Int { _state.links.cores.lowerBound }

    public mutating func initialize(lp: LPID, scheduler: inout Scheduler<ChipMessage>) {
        guard Int(lp) == _state.mapping.stages[0].functionUnit else { return }
        if _state.workload.pipelined { _state.advance(0, &scheduler) } else { _state.startStage(0, token: 0, at: .zero, &scheduler) }
    }

    @inlinable
    public mutating func handle(_ e: Event<ChipMessage>, scheduler s: inout Scheduler<ChipMessage>) {
        if e.payload.kind == .stageReady {
            _state.emitStage(e.payload.stage, token: Int(e.payload.token), at: s.now, source: &source, &s)
        } else {
            _state.handle(e.payload, &s)
        }
        if flushesItself, _state.buffer.count >= Self.batchSize || _state.tally.hasRows { flush(final: false) }
    }

    /// Moves the buffered records to `batch`, adding them to this replica's ledger.
    @inlinable
    public mutating func gatherRecords(into batch: inout ContiguousArray<EnergyRecord>) {
        _state.gather(into: &batch)
    }

    /// Hands the buffered records (or the tally's finished rows) to the sink; `final` also ends the tally,
    /// whose totals become the ledger, and lets the sink finish.
    @inlinable
    public mutating func flush(final: Bool) {
        _state.drain(into: &sink)
        if _state.tallies {
            if final {
                let (rows, cores) = _state.finishTally()
                sink.consume(summary: rows, cores: cores)
            } else if _state.tally.hasRows {
                sink.consume(summary: _state.tally.takeRows(), cores: nil)
            }
        }
        if final { sink.finish() }
    }
}
