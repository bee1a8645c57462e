import Energy
import Engine
import Mapping
import SimKernel
import Topology

/// A spiking network running on the chip, as a discrete-event model: one logical process per
/// core. Per time step:
///
/// 1. At the step's start every core may begin. An input core relays the step's spikes from the
///    input file; a home core waits for the completion markers of the cores that feed it without
///    delay (the previous layers of this step) and for its partial cores' currents, then updates
///    its neurons (`neuron_update` for an active neuron, `neuron_idle` for one with no input at
///    rest, `neuron_fire` more for one that fires), and sends each spike as one packet per
///    destination core (unicast) or one multicast tree; a partial core waits for its markers and sends its
///    currents to its home core as graded packets. Every source then sends a completion marker
///    to the cores it feeds without delay.
/// 2. A spike reaching a core reads its crossbar rows: one synaptic operation per non-zero
///    weight, added into the current of the step `delay` later.
/// 3. When the step's last packet has landed, the step ends after a barrier (completion-marker
///    sync: a gather and a broadcast over a spanning tree of the mapped cores, one control
///    packet per core each way) or at the next tick (global tick: a step that overruns its tick
///    is counted late and the next starts when it ends).
///
/// Functional results (which neuron fires when) do not depend on the topology: only time and
/// energy do.
///
/// The sink is an existential, called once per batch of 65,536 records: the model is a concrete type, so the
/// kernel's loop is specialised for it inside this module, whichever sink the caller passes.
public struct NetworkChip: SimulationModel {
    public typealias Payload = NetworkMessage

    public let mapping: NetworkMapping
    public let steps: Int
    public var sink: any EnergySink
    let costs: HardwareCosts
    var links: MeshLinks
    let ring: Int
    let valuesPerPacket: Int
    let tick: SimTime?
    /// The barrier between steps on completion-marker topologies with more than one core (nil: none, or the tick).
    let barrier: SimTime?
    let poweredChips: [(chip: Int, milliwatts: Double)]
    /// Input spikes: global neuron ids per step.
    let input: SpikeRaster
    /// Per population, whether any of its TrueNorth neurons has stochastic synapses: their rows are
    /// read one synapse at a time, each with its own draw.
    let stochasticSynapses: [Bool]

    // Neuron and core state.
    var v: ContiguousArray<Double>
    var synaptic: ContiguousArray<Double>
    /// Each neuron's next step out of its refractory period (allocated when a population has one).
    var readyAt: ContiguousArray<Double>
    /// Per core, `ring` slots of the block's currents.
    var current: [ContiguousArray<Double>]
    /// Per partial core, the currents it sent its home core this step.
    var sent: [ContiguousArray<Double>]
    var markers: ContiguousArray<Int32>
    var partials: ContiguousArray<Int32>
    let expectedPartials: ContiguousArray<Int32>
    var started: ContiguousArray<Bool>
    var coreFree: ContiguousArray<UInt64>
    var firedCores = 0
    var step = 0
    var scratch: ContiguousArray<Int32> = []
    /// A home core's input currents for the step being updated (reused).
    var inputCurrent: ContiguousArray<Double> = []

    // What the run measured.
    public internal(set) var ledger: EnergyLedger
    public internal(set) var traffic = TrafficCounters()
    public internal(set) var spikes: SpikeRecord
    /// Neuron-steps in which the neuron was active (had input, or state off rest); the others were idle.
    public internal(set) var activeNeuronSteps = 0
    /// Membrane potentials of the recorded populations after each step's update (and reset), in the order produced.
    public internal(set) var membranes: ContiguousArray<(step: UInt32, neuron: UInt32, v: Double)> = []
    let recorded: [Bool]
    public internal(set) var stepEnd: [SimTime] = []
    public internal(set) var lateSteps = 0
    /// End of the last step (after its barrier or tick).
    public internal(set) var finished = SimTime.zero
    /// Set when a step cannot finish (a packet was dropped): the run stops with this message.
    public internal(set) var stall: String?
    var buffer: ContiguousArray<EnergyRecord> = []

    /// Most membrane values a run records (8 GiB of records).
    public static let maxRecordedValues = 1 << 28

    /// The checks a run makes before it allocates anything: the input's steps, what is recorded.
    public static func validate(mapping: NetworkMapping, input: SpikeRaster, record: Set<Int>) throws {
        let net = mapping.network
        guard input.steps >= 1 else { throw NetworkError.invalidInput("the input has no time steps") }
        guard input.steps < Int(EnergyRecord.noStep) else {
            throw NetworkError.invalidInput("\(input.steps) time steps; a run holds at most \(Int(EnergyRecord.noStep) - 1)")
        }
        let recordedNeurons = record.reduce(0) { $0 + net.populations[$1].size }
        guard recordedNeurons.multipliedReportingOverflow(by: input.steps).partialValue <= Self.maxRecordedValues else {
            throw NetworkError.invalidInput("recording \(recordedNeurons) membranes over \(input.steps) steps is more than \(Self.maxRecordedValues) values; record fewer populations or steps")
        }
        if let bad = record.first(where: { net.populations[$0].isInput }) {
            throw NetworkError.invalidInput("'\(net.populations[bad].name)' is an input population: it has no membrane to record")
        }
    }

    public init(mapping: NetworkMapping, input: SpikeRaster, sink: any EnergySink, record: Set<Int> = []) throws {
        try Self.validate(mapping: mapping, input: input, record: record)
        let net = mapping.network, t = mapping.topology
        recorded = net.populations.indices.map { record.contains($0) }
        self.mapping = mapping; self.input = input; self.sink = sink
        steps = input.steps
        costs = HardwareCosts(t)
        // Mapped cores are 0..<n; dimension-order routes among them stay in their rows.
        links = MeshLinks(t, costs: costs, cores: 0..<((mapping.cores.count + t.width - 1) / t.width * t.width))
        ring = net.maxDelay + 1
        valuesPerPacket = max(1, t.gradedPacketBits / t.gradedValueBits)
        if case .globalTick(let p) = t.sync { tick = p } else { tick = nil }
        if tick == nil, mapping.cores.count > 1 {
            // A gather and a broadcast over a spanning tree of the mapped cores: twice the diameter of their bounding box.
            let xs = mapping.cores.indices.map { t.x(of: $0) }, ys = mapping.cores.indices.map { t.y(of: $0) }
            let diameter = (xs.max()! - xs.min()!) + (ys.max()! - ys.min()!)
            let slowest = max(costs.hopEastWest.latency, costs.hopNorthSouth.latency)
            barrier = SimTime(picoseconds: 2 &* UInt64(diameter) &* slowest.picoseconds)
        } else {
            barrier = nil
        }
        poweredChips = mapping.siliconBudget().chips.filter(\.powered).map { ($0.index, $0.staticMilliwatts.value) }
        v = ContiguousArray(repeating: 0, count: mapping.neurons)
        for (p, pop) in net.populations.enumerated() { if let d = pop.dynamics { for i in 0..<pop.size { v[mapping.populationStart[p] + i] = d.initial(i) } } }
        synaptic = ContiguousArray(repeating: 0, count: mapping.neurons)
        stochasticSynapses = net.populations.map { $0.dynamics?.trueNorth?.hasStochasticSynapses == true }
        readyAt = ContiguousArray(repeating: 0, count: net.populations.contains { $0.dynamics?.hasRefractoryPeriod == true } ? mapping.neurons : 0)
        current = mapping.cores.map { c in
            c.role == .input || c.role == .splitter ? [] : ContiguousArray(repeating: 0, count: (net.maxDelay + 1) * mapping.blocks[c.block].neurons.count)
        }
        sent = mapping.cores.map { c in c.role == .partial ? ContiguousArray(repeating: 0, count: mapping.blocks[c.block].neurons.count) : [] }
        markers = ContiguousArray(repeating: 0, count: mapping.cores.count)
        partials = ContiguousArray(repeating: 0, count: mapping.cores.count)
        let vpp = valuesPerPacket
        expectedPartials = ContiguousArray(mapping.cores.map { c in
            c.role == .home ? Int32((mapping.blocks[c.block].rows - 1) * ((mapping.blocks[c.block].neurons.count + vpp - 1) / vpp)) : 0
        })
        started = ContiguousArray(repeating: false, count: mapping.cores.count)
        coreFree = ContiguousArray(repeating: 0, count: mapping.cores.count)
        ledger = EnergyLedger(layers: net.populations.count, chips: t.chipCount)
        spikes = SpikeRecord(populations: net.populations.count, neurons: mapping.neurons)
    }

    /// Every router of the rows holding mapped cores is a logical process (packets cross cores that
    /// host nothing); the mapped cores are the first `mapping.cores.count`.
    public var lpCount: Int { links.cores.count }

    public mutating func initialize(lp: LPID, scheduler s: inout Scheduler<NetworkMessage>) {
        if Int(lp) < mapping.cores.count { s.schedule(.start(step: 0), to: lp, at: .zero) }
    }

    public mutating func handle(_ e: Event<NetworkMessage>, scheduler s: inout Scheduler<NetworkMessage>) {
        let m = e.payload, core = Int(e.target)
        switch m.kind {
        case .start:
            started[core] = true
            tryFire(core, &s)
        case .spike, .marker, .partial:
            if m.onTree { routeTree(m, &s) } else { routeUnicast(m, &s) }
        }
        if buffer.count >= 1 << 16 { drain() }
        if s.pendingEvents == 0 { endStep(&s) }
    }

    // MARK: Energy

    mutating func emit(_ kind: EnergyKind, count: Int, energy: Energy, core: Int, chip: Int = 0, population: Int, step: Int, at time: SimTime) {
        buffer.append(EnergyRecord(time: time, energy: energy, count: UInt32(truncatingIfNeeded: count), kind: kind,
                                   chip: core >= 0 ? links.chip(of: core) : UInt16(chip), core: core >= 0 ? UInt32(core) : EnergyRecord.noCore,
                                   layer: Int16(truncatingIfNeeded: population), token: 0, step: step < 0 ? EnergyRecord.noStep : UInt16(step)))
    }

    mutating func charge(_ kind: EnergyKind, count: Int, cost: OpCost, core: Int, population: Int, step: Int, at time: SimTime) {
        emit(kind, count: count, energy: cost.energy * Int64(count), core: core, population: population, step: step, at: time)
    }

    mutating func drain() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBufferPointer { records in
            ledger.add(records)
            sink.consume(records)
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Occupies `core` for `count` operations of `cost`, `lanes` at a time, from `now`; returns when it is done.
    mutating func occupy(_ core: Int, count: Int, cost: OpCost, lanes: Int, now: SimTime) -> SimTime {
        let start = Swift.max(now.picoseconds, coreFree[core])
        let done = start &+ UInt64((count + lanes - 1) / lanes) &* cost.latency.picoseconds
        coreFree[core] = done
        return SimTime(picoseconds: done)
    }

    /// A home core's neuron updates: `active` at `neuron_update`, `idle` at `neuron_idle`, `fired` of
    /// them also at `neuron_fire`, as one record of every neuron-step. The lanes work in rounds of
    /// `neuronLanes` neurons, active ones together; a round with an active neuron takes the active
    /// latency. Returns when the updates end (spike generation's latency follows, spike by spike).
    mutating func updateNeurons(_ core: Int, active: Int, idle: Int, fired: Int, population: Int, now: SimTime) -> SimTime {
        let lanes = costs.neuronLanes
        activeNeuronSteps &+= active
        let activeRounds = (active + lanes - 1) / lanes, idleRounds = (active + idle + lanes - 1) / lanes - activeRounds
        let updated = occupy(core, count: activeRounds * lanes, cost: costs.neuronUpdate, lanes: lanes, now: now)
        let done = occupy(core, count: idleRounds * lanes, cost: costs.neuronIdle, lanes: lanes, now: updated)
        let energy = costs.neuronUpdate.energy * Int64(active) + costs.neuronIdle.energy * Int64(idle) + costs.neuronFire.energy * Int64(fired)
        emit(.neuronUpdate, count: active + idle, energy: energy, core: core, population: population, step: step, at: done)
        return done
    }

    // MARK: A core's step

    mutating func tryFire(_ core: Int, _ s: inout Scheduler<NetworkMessage>) {
        guard started[core], markers[core] == mapping.expectedMarkers[core], partials[core] == expectedPartials[core] else { return }
        started[core] = false; markers[core] = 0; partials[core] = 0
        firedCores += 1
        let c = mapping.cores[core], block = mapping.blocks[c.block]
        let population = block.population
        let width = block.neurons.count
        let slot = (step % ring) * width
        var time = SimTime(picoseconds: Swift.max(s.now.picoseconds, coreFree[core]))
        switch c.role {
        case .input:
            let base = mapping.populationStart[population]
            for g in input.spikes(step: step) where g >= base + block.neurons.lowerBound && g < base + block.neurons.upperBound {
                spikes.add(neuron: Int(g), population: population, step: step)
                time = sendSpike(Int(g), from: core, population: population, at: time, &s)
            }
        case .partial:
            current[core].withUnsafeMutableBufferPointer { cur in
                sent[core].withUnsafeMutableBufferPointer { out in
                    for i in 0..<width { out[i] = cur[slot + i]; cur[slot + i] = 0 }
                }
            }
            let packets = (width + valuesPerPacket - 1) / valuesPerPacket
            for _ in 0..<packets {
                time = time + costs.spikeOut.latency
                s.schedule(NetworkMessage(kind: .partial, onTree: false, population: population, step: UInt32(step), source: UInt32(core),
                                          node: UInt32(block.firstCore)),
                           to: LPID(core), at: time)
            }
            traffic.gradedPackets &+= UInt64(packets)
            charge(.spikeOut, count: packets, cost: costs.spikeOut, core: core, population: population, step: step, at: time)
        case .home:
            if inputCurrent.count < width { inputCurrent = ContiguousArray(repeating: 0, count: width) }
            let pop = mapping.network.populations[population]
            current[core].withUnsafeMutableBufferPointer { cur in
                inputCurrent.withUnsafeMutableBufferPointer { x in
                    for i in 0..<width { x[i] = cur[slot + i]; cur[slot + i] = 0 }
                    for r in 1..<max(block.rows, 1) {
                        sent[block.firstCore + r].withUnsafeBufferPointer { p in for i in 0..<width { x[i] += p[i] } }
                    }
                    for bias in pop.biases where bias.from <= step { for i in 0..<width { x[i] += bias.values[block.neurons.lowerBound + i] } }
                }
            }
            let base = mapping.populationStart[population]
            if scratch.count < width { scratch = ContiguousArray(repeating: 0, count: width) }
            let (fired, active) = v.withUnsafeMutableBufferPointer { v in
                synaptic.withUnsafeMutableBufferPointer { syn in
                    readyAt.withUnsafeMutableBufferPointer { ready in
                        inputCurrent.withUnsafeBufferPointer { x in
                            scratch.withUnsafeMutableBufferPointer { out in
                                // Without refractory periods `readyAt` is empty and never read.
                                pop.dynamics!.step(block.neurons, tick: step, v: v.baseAddress! + base, synaptic: syn.baseAddress! + base,
                                                   readyAt: (ready.baseAddress ?? syn.baseAddress!) + base, input: x.baseAddress!,
                                                   fired: out.baseAddress!)
                            }
                        }
                    }
                }
            }
            time = updateNeurons(core, active: active, idle: width - active, fired: fired, population: population, now: s.now)
            if recorded[population] {
                for i in block.neurons { membranes.append((UInt32(step), UInt32(base + i), v[base + i])) }
            }
            for i in scratch[..<fired] {
                spikes.add(neuron: base + Int(i), population: population, step: step)
                time = sendSpike(base + Int(i), from: core, population: population, at: time + costs.neuronFire.latency, &s)
            }
        case .splitter:
            break   // spikes are relayed as they arrive (`relay`); at the step's markers it passes them on
        }
        time = sendMarkers(from: core, population: population, at: time, &s)
        coreFree[core] = time.picoseconds
    }

    /// Sends neuron `g`'s spike from `core` departing after `time`; returns when the core is done sending.
    mutating func sendSpike(_ g: Int, from core: Int, population: Int, at time: SimTime, _ s: inout Scheduler<NetworkMessage>) -> SimTime {
        let targets = mapping.targets[Int(mapping.targetStart[g])..<Int(mapping.targetStart[g + 1])]
        guard !targets.isEmpty else { return time }
        traffic.spikes &+= 1
        traffic.deliveriesSent &+= UInt64(targets.count)
        let splitter = mapping.splitterOf.isEmpty ? -1 : mapping.splitterOf[g]
        let (t, packets) = splitter >= 0
            ? launch(.spike, source: g, population: population, tree: -1, destinations: CollectionOfOne(splitter), from: core, at: time, &s)
            : launch(.spike, source: g, population: population, tree: mapping.spikeTree.isEmpty ? -1 : mapping.spikeTree[g],
                     destinations: targets.lazy.map(\.core), from: core, at: time, &s)
        charge(.spikeOut, count: packets, cost: costs.spikeOut, core: core, population: population, step: step, at: t)
        return t
    }

    /// A splitter core: the arriving spike's relay neurons, one per destination core of its neuron, are
    /// updated and fire, and each sends one packet, within the step (as the LLM engine's splitters relay).
    mutating func relay(_ m: NetworkMessage, at core: Int, _ s: inout Scheduler<NetworkMessage>) {
        let g = Int(m.source), population = Int(m.population)
        let destinations = mapping.targets[Int(mapping.targetStart[g])..<Int(mapping.targetStart[g + 1])].lazy.map(\.core)
        let k = destinations.count
        let updated = updateNeurons(core, active: k, idle: 0, fired: k, population: population, now: s.now)
        let (t, packets) = launch(.spike, source: g, population: population, tree: -1, destinations: destinations, from: core,
                                  at: updated + costs.neuronFire.latency, &s)
        charge(.spikeOut, count: packets, cost: costs.spikeOut, core: core, population: population, step: step, at: t)
        coreFree[core] = t.picoseconds
    }

    /// Sends `core`'s completion marker to the cores it feeds without delay.
    mutating func sendMarkers(from core: Int, population: Int, at time: SimTime, _ s: inout Scheduler<NetworkMessage>) -> SimTime {
        let dests = mapping.markerTargets[core]
        guard !dests.isEmpty else { return time }
        let (t, packets) = launch(.marker, source: core, population: population, tree: mapping.markerTree.isEmpty ? -1 : mapping.markerTree[core],
                                  destinations: dests, from: core, at: time, &s)
        traffic.markers &+= UInt64(dests.count)
        charge(.control, count: packets, cost: costs.spikeOut, core: core, population: population, step: step, at: t)
        return t
    }

    /// Puts packets of `kind` on the mesh at `core`, one `spike_out` latency apart: one on `tree` (multicast
    /// fan-out) or one per destination (unicast). Returns when the last leaves and how many left.
    mutating func launch<D: Collection<Int32>>(_ kind: NetworkMessage.Kind, source: Int, population: Int, tree: Int32, destinations: D,
                                               from core: Int, at time: SimTime, _ s: inout Scheduler<NetworkMessage>) -> (SimTime, Int) {
        var t = time
        if mapping.topology.fanOut == .multicast {
            t = t + costs.spikeOut.latency
            s.schedule(NetworkMessage(kind: kind, onTree: true, population: population, step: UInt32(step), source: UInt32(source), node: UInt32(tree)),
                       to: LPID(core), at: t)
            return (t, 1)
        }
        for d in destinations {
            t = t + costs.spikeOut.latency
            s.schedule(NetworkMessage(kind: kind, onTree: false, population: population, step: UInt32(step), source: UInt32(source), node: UInt32(d)),
                       to: LPID(core), at: t)
        }
        return (t, destinations.count)
    }

    // MARK: Packets

    mutating func routeTree(_ m: NetworkMessage, _ s: inout Scheduler<NetworkMessage>) {
        let node = mapping.routeNodes[Int(m.node)]
        let here = Int(node.router)
        if node.deliver { deliver(m, at: here, &s) }
        let first = Int(node.firstChild)
        for c in first..<(first + Int(node.childCount)) {
            let child = mapping.routeNodes[c]
            if let arrival = hop(from: here, through: child.port, m, now: s.now) {
                s.schedule(m.at(node: c), to: LPID(child.router), at: arrival)
            } else if m.kind == .spike {
                traffic.dropped &+= UInt64(child.deliveries)
            }
        }
    }

    mutating func routeUnicast(_ m: NetworkMessage, _ s: inout Scheduler<NetworkMessage>) {
        let here = Int(s.current), dest = Int(m.node)
        guard let port = costs.routing.port(from: here, to: dest) else { deliver(m, at: here, &s); return }
        if let arrival = hop(from: here, through: port, m, now: s.now) {
            s.schedule(m, to: LPID(costs.routing.neighbour(of: here, through: port)), at: arrival)
        } else if m.kind == .spike {
            traffic.dropped &+= 1
        }
    }

    mutating func hop(from: Int, through port: Port, _ m: NetworkMessage, now: SimTime) -> SimTime? {
        guard let h = links.hop(from: from, through: port, m.kind == .marker ? .control : (m.graded ? .graded : .spike), now: now) else {
            traffic.droppedPackets &+= 1
            return nil
        }
        traffic.hops &+= 1
        if h.crossesChip { traffic.chipCrossings &+= 1 }
        emit(h.kind, count: Int(h.flits), energy: h.energy, core: from, population: Int(m.population), step: Int(m.step), at: h.arrival)
        return h.arrival
    }

    mutating func deliver(_ m: NetworkMessage, at core: Int, _ s: inout Scheduler<NetworkMessage>) {
        switch m.kind {
        case .spike where mapping.cores[core].role == .splitter: relay(m, at: core, &s)
        case .spike: spikeArrives(Int(m.source), at: core, step: Int(m.step), now: s.now)
        case .marker: markers[core] += 1; tryFire(core, &s)
        case .partial: partials[core] += 1; tryFire(core, &s)
        case .start: preconditionFailure("timers are not routed")
        }
    }

    /// Neuron `g`'s spike reads its rows of `core`'s crossbar into the currents of the steps its delays name.
    mutating func spikeArrives(_ g: Int, at core: Int, step: Int, now: SimTime) {
        // The target entry for this core (sorted by core).
        var lo = Int(mapping.targetStart[g]), hi = Int(mapping.targetStart[g + 1]) - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if Int(mapping.targets[mid].core) < core { lo = mid + 1 } else { hi = mid }
        }
        let target = mapping.targets[lo]
        precondition(Int(target.core) == core, "neuron \(g)'s spike reached core \(core), which it does not target")
        traffic.delivered &+= 1
        let block = mapping.blocks[mapping.cores[core].block]
        let width = block.neurons.count, first = block.neurons.lowerBound
        var synapses = 0
        // Fetched only for stochastic synapses, so other spikes pay no reference count for it.
        let stochastic = stochasticSynapses[block.population] ? mapping.network.populations[block.population].dynamics?.trueNorth : nil
        // Taken out while written, so the loop may read the mapping.
        var currents = ContiguousArray<Double>()
        swap(&currents, &current[core])
        defer { swap(&currents, &current[core]) }
        currents.withUnsafeMutableBufferPointer { cur in
            for x in target.axons {
                let axon = mapping.targetAxons[Int(x)]
                synapses += Int(axon.synapses)
                let slot = ((step + Int(axon.delay)) % ring) * width - first
                let m = mapping.network.projections[Int(axon.projection)].matrix
                m.row.withUnsafeBufferPointer { rows in
                    m.value.withUnsafeBufferPointer { values in
                        if let neurons = stochastic {
                            let tick = step + Int(axon.delay), projection = Int(axon.projection)
                            for e in axon.entries {
                                let i = Int(rows[e])
                                cur[slot + i] += neurons.synapticInput(values[e], neuron: i, tick: tick, source: g, projection: projection)
                            }
                        } else {
                            for e in axon.entries { cur[slot + Int(rows[e])] += values[e] }
                        }
                    }
                }
            }
        }
        let done = occupy(core, count: synapses, cost: costs.synapticOp, lanes: costs.synapseLanes, now: now)
        charge(.synapticOp, count: synapses, cost: costs.synapticOp, core: core, population: block.population, step: step, at: done)
    }

    // MARK: Steps

    /// The step's last event has been handled: close it, and start the next after the barrier or tick.
    mutating func endStep(_ s: inout Scheduler<NetworkMessage>) {
        guard stall == nil, step < steps else { return }
        guard firedCores == mapping.cores.count else {
            stall = "step \(step) could not finish: \(mapping.cores.count - firedCores) cores never received all their markers or partial sums (\(traffic.droppedPackets) packets dropped by full router buffers)"
            return
        }
        firedCores = 0
        // The step ends when its last packet has landed and every core has finished its work.
        var end = SimTime(picoseconds: Swift.max(s.now.picoseconds, coreFree.max() ?? 0))
        stepEnd.append(end)
        if let tick {
            let boundary = SimTime(picoseconds: UInt64(step + 1) &* tick.picoseconds)
            if end > boundary { lateSteps += 1 } else { end = boundary }
        } else if let barrier {
            end = end + barrier
            charge(.control, count: 2 * (mapping.cores.count - 1), cost: costs.hopEastWest, core: -1, population: -1, step: step, at: end)
        }
        step += 1
        guard step < steps else {
            finished = end
            chargeStatic(until: end)
            drain()
            return
        }
        for core in mapping.cores.indices { s.schedule(.start(step: step), to: LPID(core), at: end) }
    }

    /// Static power of every chip with a mapped core, from time 0 to `end` (mW × ns = pJ).
    mutating func chargeStatic(until end: SimTime) {
        StaticSpans.forEach(from: .zero, duration: end.picoseconds) { at, span in
            for (chip, milliwatts) in poweredChips where milliwatts > 0 {
                emit(.staticIdle, count: Int(span / 1000), energy: Energy(picojoules: milliwatts * Double(span) / 1000), core: -1, chip: chip,
                     population: -1, step: -1, at: at)
            }
        }
    }
}
