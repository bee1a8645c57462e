import Energy
import Mapping
import ModelShapes
import SimKernel
import Topology

/// Everything the chip model knows and changes, except the spike source and the energy
/// sink: one non-generic value, so the per-event handlers compile to concrete code.
///
/// State is struct-of-arrays indexed by core or tile, so a handler touches only the
/// target LP's entries (the rule that lets chips run as separate partitions).
public struct ChipState {
    public let mapping: ChipMapping
    public let workload: Workload
    /// Totals of every record handed to the sink (records are added to it batch by batch, as they are flushed).
    public internal(set) var ledger: EnergyLedger
    public internal(set) var traffic = TrafficCounters()
    /// Per-stage activity of each of the first `TokenTimes.detailLimit` tokens.
    public internal(set) var activity: [LayerActivity] = []
    /// Activity of each stage over every token.
    public internal(set) var stageActivity: [StageActivity]
    public internal(set) var tokens = TokenTimes()
    /// Start of the token in progress (set by the partition of the output unit, which finishes tokens).
    var tokenStart = SimTime.zero

    // Static lookups derived from the mapping and topology.
    /// Chips hosting at least one mapped core, with the static power each draws (mW): the
    /// mapping's silicon budget (a stated figure, or leakage at the node).
    let poweredChips: [(chip: Int, milliwatts: Double)]
    let tileStage: ContiguousArray<Int32>
    let tileGroup: ContiguousArray<Int32>
    let groupLayer: ContiguousArray<Int16>
    let stageLayer: ContiguousArray<Int16>
    let expectedMarkers: ContiguousArray<UInt16>
    let steps: Int
    let tickPeriod: SimTime?
    let valuesPerPacket: Int
    let costs: HardwareCosts

    // Dynamic state.
    var links: MeshLinks
    /// When each core of `mapping.routedCores` is next free (index: core − `coreBase`), in ps.
    var coreFree: ContiguousArray<UInt64>
    let coreBase: Int
    var markerCounts: ContiguousArray<UInt16>
    var stepsDone: ContiguousArray<UInt8>
    var tileToken: ContiguousArray<UInt32>
    var packetsReceived: ContiguousArray<Int32>
    /// Pipelined prefill, per stage (state of the stage's function unit): tokens whose inputs are all in,
    /// tokens started, and credits (tokens the next stage has started, so this stage's tiles are free).
    var inputsComplete: ContiguousArray<Int32>
    var stageStarted: ContiguousArray<Int32>
    var credits: ContiguousArray<Int32>
    /// Spikes each tile sends for its spike-coded partial sums of the current token.
    var partialSpikes: ContiguousArray<Int32>
    /// Bits of a spike-coded partial sum, or nil for graded packets.
    let partialSumBits: Int?
    @usableFromInline var buffer: ContiguousArray<EnergyRecord> = []
    /// Whether the engine tallies its own records (its sink needs no more: `EnergySink.needs`): records
    /// then go to `tally` instead of `buffer`, and the ledger is filled from it at the end.
    @usableFromInline var tallies = false
    @usableFromInline var tally = EnergyTally(layers: 0, chips: 0, cores: 0, allocated: false)
    var scratch: [(neuron: Int32, sign: Int8)] = []
    var fired: [UInt64] = []

    init(mapping: ChipMapping, workload: Workload) throws {
        try workload.validate()
        self.mapping = mapping; self.workload = workload
        let t = mapping.topology
        poweredChips = mapping.siliconBudget().chips.filter(\.powered).map { ($0.index, $0.staticMilliwatts.value) }
        tileStage = ContiguousArray(mapping.tiles.map { Int32(mapping.projections[Int($0.projection)].stage) })
        let groupOfTile = ContiguousArray(mapping.tiles.map { tile in
            Int32(mapping.stages[mapping.projections[Int(tile.projection)].stage].groups.lowerBound + Int(tile.row))
        })
        tileGroup = groupOfTile
        // A tile hears one completion marker per step from each path its spikes take.
        expectedMarkers = t.fanOut == .splitter
            ? ContiguousArray(groupOfTile.map { UInt16(mapping.groups[Int($0)].splitters.count) })
            : ContiguousArray(repeating: 1, count: mapping.tiles.count)
        groupLayer = ContiguousArray(mapping.groups.map { Int16(mapping.stages[$0.stage].layer) })
        stageLayer = ContiguousArray(mapping.stages.map { Int16($0.layer) })
        steps = workload.timeSteps
        if case .globalTick(let p) = t.sync { tickPeriod = p } else { tickPeriod = nil }
        valuesPerPacket = max(1, t.gradedPacketBits / t.gradedValueBits)
        costs = HardwareCosts(t)
        ledger = EnergyLedger(layers: mapping.layers + 1, chips: t.chipCount)
        let routed = mapping.routedCores
        links = MeshLinks(t, costs: costs, cores: routed)
        coreBase = routed.lowerBound
        coreFree = ContiguousArray(repeating: 0, count: routed.count)
        markerCounts = ContiguousArray(repeating: 0, count: mapping.tiles.count * workload.timeSteps)
        stepsDone = ContiguousArray(repeating: 0, count: mapping.tiles.count)
        tileToken = ContiguousArray(repeating: 0, count: mapping.tiles.count)
        packetsReceived = ContiguousArray(repeating: 0, count: mapping.stages.count)
        inputsComplete = ContiguousArray(repeating: 0, count: mapping.stages.count)
        // The prompt's tokens are all there for the first stage from the start.
        if workload.pipelined { inputsComplete[0] = Int32(workload.tokens) }
        stageStarted = ContiguousArray(repeating: 0, count: mapping.stages.count)
        credits = stageStarted
        partialSpikes = ContiguousArray(repeating: 0, count: mapping.tiles.count)
        if case .spikes(let bits) = mapping.options.partialSums { partialSumBits = bits } else { partialSumBits = nil }
        stageActivity = mapping.stages.map { StageActivity(neurons: $0.inputs, timeSteps: workload.timeSteps) }
    }

    // MARK: Energy stream

    /// The one place records enter the energy stream: `count` events of `kind` costing `energy` in
    /// all, on `core` (or, with `core` −1, on the whole of `chip`). `perCore` false: a tallying engine
    /// leaves the record out of its per-core totals, which get it another way (a router hop's come from
    /// the links' counts in `finishTally`); the record itself is the same.
    mutating func emit(_ kind: EnergyKind, count: Int, energy: Energy, core: Int, chip: Int = 0, layer: Int16, token: UInt32, step: UInt16,
                       at time: SimTime, perCore: Bool = true) {
        let r = EnergyRecord(time: time, energy: energy, count: UInt32(truncatingIfNeeded: count), kind: kind,
                             chip: core >= 0 ? links.chip(of: core) : UInt16(chip), core: core >= 0 ? UInt32(core) : EnergyRecord.noCore,
                             layer: layer, token: token, step: step)
        if tallies { tally.add(r, perCore: perCore) } else { buffer.append(r) }
    }

    /// `count` events of `kind` at `cost` each, on `core`.
    @inline(__always)
    mutating func charge(_ kind: EnergyKind, count: Int, cost: OpCost, core: Int, layer: Int16, token: UInt32, step: UInt16, at time: SimTime) {
        emit(kind, count: count, energy: cost.energy * Int64(count), core: core, layer: layer, token: token, step: step, at: time)
    }

    /// Ends the engine's tally: its totals join the ledger; returns its last rows and the per-core totals.
    @usableFromInline
    mutating func finishTally() -> (rows: [EnergyTally.Row], cores: [EnergyTally.CoreTotal]) {
        let links = self.links
        links.hopTotals { core, kind, flits, energy in tally.addCoreTotal(core: core, kind: kind, count: UInt64(flits), energy: energy) }
        let (rows, cores, totals) = tally.finish()
        ledger.merge(totals)
        return (rows, cores)
    }

    /// Adds the buffered records to the ledger, appends them to `batch` and empties the buffer.
    @usableFromInline
    mutating func gather(into batch: inout ContiguousArray<EnergyRecord>) {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBufferPointer { records in
            ledger.add(records)
            batch.append(contentsOf: records)
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// The state of a partitioned run, from the final states of its replicas (in partition
    /// order): each replica holds exact values for its own cores and tiles, zero elsewhere, so
    /// counters and ledgers add up, token times are the output unit's replica's, and activity rows
    /// are joined (`ChipRun.result` sorts them).
    @usableFromInline
    static func merged(_ replicas: [ChipState]) -> ChipState {
        var m = replicas[0]
        for r in replicas.dropFirst() {
            m.ledger.merge(r.ledger)
            m.traffic.add(r.traffic)
            m.links.addPackets(of: r.links)
            m.activity += r.activity
            for s in m.stageActivity.indices { m.stageActivity[s].add(r.stageActivity[s]) }
            m.tokens.merge(r.tokens)
        }
        return m
    }

    /// Puts the activity rows in the order of a sequential token-by-token run: token, then stage (replicas
    /// and pipelined stages record them as their stages run).
    @usableFromInline
    mutating func sortActivity() {
        var stageIndex: [String: Int] = [:]
        for (i, st) in mapping.stages.enumerated() { stageIndex["\(st.layer)/\(st.kind.rawValue)"] = i }
        func order(_ a: LayerActivity) -> (Int, Int) { (a.token, stageIndex["\(a.layer)/\(a.stage)"] ?? Int.max) }
        activity.sort { order($0) < order($1) }
    }

    /// Adds the buffered records to the ledger, hands them to `sink` and empties the buffer.
    @usableFromInline
    mutating func drain<Sink: EnergySink>(into sink: inout Sink) {
        guard !buffer.isEmpty else { return }
        // Take the buffer out so the ledger, also part of the state, can be updated while it is read.
        var batch = ContiguousArray<EnergyRecord>()
        swap(&batch, &buffer)
        batch.withUnsafeBufferPointer { ledger.add($0) }
        sink.consume(taking: &batch)
        batch.removeAll(keepingCapacity: true)
        swap(&batch, &buffer)
    }
}
