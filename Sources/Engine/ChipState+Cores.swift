import Energy
import Mapping
import SimKernel
import Topology

extension ChipState {
    /// Keeps `core` busy for `count` operations of `cost` done `lanes` at a time, starting
    /// when it is free; returns when it finishes.
    mutating func occupy(core: Int, count: Int, cost: OpCost, lanes: Int, now: SimTime) -> SimTime {
        let start = Swift.max(now.picoseconds, coreFree[core &- coreBase])
        let done = start &+ UInt64((count + lanes - 1) / lanes) &* cost.latency.picoseconds
        coreFree[core &- coreBase] = done
        return SimTime(picoseconds: done)
    }

    /// `count` synapse reads-and-accumulates on `core`: occupies its synapse lanes and charges them.
    mutating func accumulate(core: Int, count: Int, lanes: Int, layer: Int16, token: UInt32, step: UInt16, now: SimTime) -> SimTime {
        let done = occupy(core: core, count: count, cost: costs.synapticOp, lanes: lanes, now: now)
        charge(.synapticOp, count: count, cost: costs.synapticOp, core: core, layer: layer, token: token, step: step, at: done)
        return done
    }

    /// `count` neuron updates on `core` (a tile's step, its output neurons firing partial sums, a
    /// splitter's relay neurons): occupies its neuron lanes and charges them.
    mutating func updateNeurons(core: Int, count: Int, layer: Int16, token: UInt32, step: UInt16, now: SimTime) -> SimTime {
        let done = occupy(core: core, count: count, cost: costs.neuronUpdate, lanes: costs.neuronLanes, now: now)
        charge(.neuronUpdate, count: count, cost: costs.neuronUpdate, core: core, layer: layer, token: token, step: step, at: done)
        return done
    }

    /// An axon event: the spike's crossbar row is read and added into the tile's neurons.
    mutating func tileSpike(_ tile: Int, core: Int, _ m: ChipMessage, now: SimTime) {

        traffic.delivered &+= 1
        if m.token < tileToken[tile] || (m.token == tileToken[tile] && Int(m.step) < Int(stepsDone[tile])) {
            traffic.late &+= 1
        }
        _ = accumulate(core: core, count: Int(mapping.tiles[tile].neuronsUsed), lanes: costs.synapseLanes, layer: mapping.layerOfCore[core],
                       token: m.token, step: UInt16(m.step), now: now)
    }

    /// A completion marker: once every sender has closed the tile's next step, the step's
    /// neuron update runs; after the last step the tile sends its partial sums on.
    mutating func tileMarker(_ tile: Int, core: Int, _ m: ChipMessage, _ s: inout Scheduler<ChipMessage>) {
        markerCounts[tile &* steps &+ Int(m.step)] &+= 1
        while Int(stepsDone[tile]) < steps, markerCounts[tile &* steps &+ Int(stepsDone[tile])] == expectedMarkers[tile] {
            markerCounts[tile &* steps &+ Int(stepsDone[tile])] = 0
            closeStep(tile, core: core, token: m.token, &s)
        }
    }

    /// A global tick boundary closes the tile's current step.
    mutating func tick(_ m: ChipMessage, _ s: inout Scheduler<ChipMessage>) {
        let core = Int(s.current)
        closeStep(Int(mapping.tileOfCore[core]), core: core, token: m.token, &s)
    }

    /// Updates every neuron of the tile for its current step; after step T−1, sends the
    /// tile's partial sums to the next stage's function unit as graded packets.
    mutating func closeStep(_ tile: Int, core: Int, token: UInt32, _ s: inout Scheduler<ChipMessage>) {

        let n = Int(mapping.tiles[tile].neuronsUsed)
        let step = stepsDone[tile]
        let layer = mapping.layerOfCore[core]
        var done = updateNeurons(core: core, count: n, layer: layer, token: token, step: UInt16(step), now: s.now)
        stepsDone[tile] = step &+ 1
        guard Int(stepsDone[tile]) == steps else { return }
        stepsDone[tile] = 0
        tileToken[tile] = token &+ 1
        let stage = Int(tileStage[tile])
        let dest = UInt32(mapping.stages[stage + 1].functionUnit)
        var msg = ChipMessage.graded(sourceTile: tile, stage: stage, step: step, destination: dest, token: token)
        func send(_ count: Int) {
            for _ in 0..<count {
                done = done + costs.spikeOut.latency
                s.schedule(msg, to: LPID(core), at: done)
            }
        }
        let packets: Int
        if partialSumBits == nil {
            packets = (n + valuesPerPacket - 1) / valuesPerPacket
            send(packets)
            traffic.gradedPackets &+= UInt64(packets)
        } else {
            // The output neurons fire their sums' bits as spikes, then one packet closes the tile.
            let spikes = Int(partialSpikes[tile])
            done = updateNeurons(core: core, count: n, layer: layer, token: token, step: EnergyRecord.noStep, now: done)
            msg = msg.with(cargo: .partialSpike)
            send(spikes)
            msg = msg.with(cargo: .partialDone)
            send(1)
            packets = spikes + 1
            traffic.partialSumSpikes &+= UInt64(spikes)
        }
        coreFree[core &- coreBase] = done.picoseconds
        charge(.spikeOut, count: packets, cost: costs.spikeOut, core: core, layer: layer, token: token, step: EnergyRecord.noStep, at: done)
    }

    /// A splitter core: its neurons for the arriving axon fire once each, one packet per
    /// destination tile (markers are relayed the same way so they follow the spikes).
    mutating func relay(_ m: ChipMessage, at core: Int, _ s: inout Scheduler<ChipMessage>) {

        let g = mapping.groups[m.spikeGroup]
        let k = g.destinations.count
        let layer = mapping.layerOfCore[core]
        var time = SimTime(picoseconds: Swift.max(s.now.picoseconds, coreFree[core &- coreBase]))
        if m.cargo == .spike {
            time = updateNeurons(core: core, count: k, layer: layer, token: m.token, step: UInt16(m.step), now: s.now)
        } else {
            traffic.markers &+= UInt64(k)
        }
        for d in g.destinations {
            time = time + costs.spikeOut.latency
            s.schedule(m.unicast(to: mapping.destinations[d]), to: LPID(core), at: time)
        }
        coreFree[core &- coreBase] = time.picoseconds
        charge(m.cargo == .marker ? .control : .spikeOut, count: k, cost: costs.spikeOut, core: core, layer: layer, token: m.token,
               step: UInt16(m.step), at: time)
    }
}
