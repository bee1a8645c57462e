import Energy
import Mapping
import SimKernel
import Topology

extension ChipState {
    /// A graded packet or the sampled token reached a stage's function unit; once all the
    /// packets it waits for are in, the stage starts.
    mutating func functionUnitInput(_ stage: Int, _ m: ChipMessage, _ s: inout Scheduler<ChipMessage>) {
        if m.cargo == .partialSpike {
            // A reduction neuron adds the spike's weight (its bit position) into the output's sum.
            _ = accumulate(core: mapping.stages[stage].functionUnit, count: 1, lanes: 1, layer: stageLayer[stage], token: m.token,
                           step: EnergyRecord.noStep, now: s.now)
            return
        }
        if m.cargo == .credit {
            credits[stage] &+= 1
            advance(stage, &s)
            return
        }
        packetsReceived[stage] &+= 1
        guard Int(packetsReceived[stage]) == mapping.stages[stage].expectedPackets else { return }
        packetsReceived[stage] = 0
        guard workload.pipelined else { startStage(stage, token: Int(m.token), at: s.now, &s); return }
        inputsComplete[stage] &+= 1
        advance(stage, &s)
    }

    /// Pipelined prefill: starts the stage's next token if its inputs are in and the stage's tiles are
    /// free, that is the next stage has started the token before (the output stage has no tiles).
    ///
    /// This keeps one token per stage in the tiles, whose neurons hold a single token's sums, and makes the
    /// packets of one token reach a function unit before any of the next token's: a stage starts token n+1
    /// only after the next stage has received all of token n's.
    mutating func advance(_ stage: Int, _ s: inout Scheduler<ChipMessage>) {
        let last = stage == mapping.stages.count - 1
        while stageStarted[stage] < inputsComplete[stage], last || stageStarted[stage] <= credits[stage] {
            let token = Int(stageStarted[stage])
            stageStarted[stage] &+= 1
            startStage(stage, token: token, at: s.now, &s)
        }
    }

    /// Runs the stage's function-unit work, then (aligned to the next tick under a global
    /// clock) its encoder.
    mutating func startStage(_ stage: Int, token: Int, at now: SimTime, _ s: inout Scheduler<ChipMessage>) {
        let st = mapping.stages[stage]
        let fu = st.functionUnit
        if workload.pipelined, stage > 0 {
            // The partial sums of the previous stage's tiles are in: tell its function unit they are free.
            let send = now + costs.spikeOut.latency
            charge(.control, count: 1, cost: costs.spikeOut, core: fu, layer: stageLayer[stage - 1], token: UInt32(token), step: EnergyRecord.noStep, at: send)
            traffic.credits &+= 1
            s.schedule(ChipMessage.credit(stage: stage - 1, destination: UInt32(mapping.stages[stage - 1].functionUnit), token: token),
                       to: LPID(fu), at: send)
        }
        let work = FunctionUnitWork.forStage(stage, in: mapping, position: workload.context + token)
        let start = Swift.max(now.picoseconds, coreFree[fu &- coreBase])
        let done = SimTime(picoseconds: start &+ work.latency(on: costs.functionUnit).picoseconds)
        coreFree[fu &- coreBase] = done.picoseconds
        for (kind, count, energy) in work.costs(on: costs.functionUnit) {
            emit(kind, count: count, energy: energy, core: fu, layer: stageLayer[stage], token: UInt32(token), step: EnergyRecord.noStep, at: done)
        }
        if st.kind == .output { finishToken(token, at: done, &s); return }
        var ready = done
        if let tick = tickPeriod {
            let p = tick.picoseconds
            ready = SimTime(picoseconds: (done.picoseconds + p - 1) / p * p)
        }
        s.schedule(ChipMessage.stageReady(stage: stage, token: token), to: LPID(fu), at: ready)
    }

    /// The encoder of `stage` emits its spikes, step by step. Under completion markers a
    /// step's spikes are followed by one marker per path; under a global tick, step t
    /// starts at the t-th tick and every tile of the stage is told when each step ends.
    @usableFromInline
    mutating func emitStage<Source: SpikeSource>(_ stage: Int, token: Int, at start: SimTime, source: inout Source,
                                                 _ s: inout Scheduler<ChipMessage>) {
        let st = mapping.stages[stage]
        let fu = st.functionUnit
        let axons = costs.axons
        let gap = costs.spikeOut.latency
        if let bits = partialSumBits {
            for p in st.projections {
                let mp = mapping.projections[p]
                for i in mp.firstTile..<(mp.firstTile + mp.tileCount) {
                    partialSpikes[i] = Int32(source.partialSumSpikes(token: token, tile: mapping.tiles[i], projection: mp, bits: bits))
                }
            }
        }
        var time = start
        var spikesOut = 0, markersOut = 0
        let words = (st.inputs + 63) / 64
        if fired.count < words { fired = Array(repeating: 0, count: words) }
        for w in 0..<words { fired[w] = 0 }
        var spikeTotal = 0
        for step in 0..<steps {
            if let tick = tickPeriod { time = SimTime.max(time, start + tick * UInt64(step)) }
            scratch.removeAll(keepingCapacity: true)
            source.spikes(token: token, stage: stage, layer: st.layer, step: step, inputs: st.inputs, into: &scratch)
            spikeTotal += scratch.count
            for (neuron, sign) in scratch {
                let n = Int(neuron)
                fired[n >> 6] |= 1 << UInt64(n & 63)
                let g = st.groups.lowerBound + n / axons
                let group = mapping.groups[g]
                let msg = ChipMessage.spike(group: g, axon: n % axons, step: step, sign: sign, treeRoot: UInt32(truncatingIfNeeded: group.treeRoot),
                                            token: token)
                traffic.deliveriesSent &+= UInt64(group.destinations.count)
                spikesOut += launch(msg, group: group, from: fu, after: gap, at: &time, &s)
            }
            if let tick = tickPeriod {
                // The global clock reaches every tile of the stage at the end of the step.
                let end = start + tick * UInt64(step + 1)
                for p in st.projections {
                    let mp = mapping.projections[p]
                    for i in mp.firstTile..<(mp.firstTile + mp.tileCount) {
                        s.schedule(ChipMessage.tick(stage: stage, step: step, token: token), to: mapping.tiles[i].core, at: end)
                    }
                }
            } else {
                for g in st.groups {
                    let group = mapping.groups[g]
                    let msg = ChipMessage.marker(group: g, step: step, treeRoot: UInt32(truncatingIfNeeded: group.treeRoot), token: token)
                    markersOut += launch(msg, group: group, from: fu, after: gap, at: &time, &s)
                }
            }
        }
        coreFree[fu &- coreBase] = Swift.max(coreFree[fu &- coreBase], time.picoseconds)
        traffic.spikes &+= UInt64(spikeTotal)
        traffic.markers &+= UInt64(markersOut)
        let layer = stageLayer[stage]
        charge(.spikeOut, count: spikesOut, cost: costs.spikeOut, core: fu, layer: layer, token: UInt32(token), step: EnergyRecord.noStep, at: time)
        if markersOut > 0 {
            charge(.control, count: markersOut, cost: costs.spikeOut, core: fu, layer: layer, token: UInt32(token), step: EnergyRecord.noStep, at: time)
        }
        var silent = st.inputs
        for w in 0..<words { silent -= fired[w].nonzeroBitCount }
        stageActivity[stage].add(spikes: spikeTotal, silent: silent)
        if token < TokenTimes.detailLimit {
            activity.append(LayerActivity(token: token, layer: st.layer, stage: st.kind.rawValue, neurons: st.inputs, timeSteps: steps,
                                          spikes: spikeTotal, silentNeurons: silent))
        }
    }

    /// Sends a spike or marker of `group` from the encoder on core `fu` the way the topology
    /// fans out: one packet down the multicast tree, one packet per destination tile, or
    /// through splitters (a spike to the splitter serving its axon, a marker to every splitter,
    /// so that it follows each path the step's spikes took). Packets leave `gap` apart; returns how many left.
    mutating func launch(_ m: ChipMessage, group: SpikeGroup, from fu: Int, after gap: SimTime, at time: inout SimTime,
                         _ s: inout Scheduler<ChipMessage>) -> Int {
        func send(to node: UInt32?) {
            time = time + gap
            s.schedule(node.map { m.unicast(to: $0) } ?? m, to: LPID(fu), at: time)
        }
        switch costs.fanOut {
        case .multicast:
            send(to: nil)
            return 1
        case .unicast:
            for d in group.destinations { send(to: mapping.destinations[d]) }
            return group.destinations.count
        case .splitter where m.cargo == .spike:
            send(to: mapping.splitterCores[group.splitters.lowerBound + m.axon / group.sourcesPerSplitter])
            return 1
        case .splitter:
            for sp in group.splitters { send(to: mapping.splitterCores[sp]) }
            return group.splitters.count
        }
    }

    /// The output unit has picked the token: charge the static power of every chip the
    /// mapping uses for the token's duration (chips without a mapped core are taken as
    /// power-gated) and send the token back to the first stage for the next one.
    ///
    /// In a pipelined prefill nothing goes back (the next tokens are already in the pipeline), and a
    /// token's span runs from the previous token's end to its own: the spans tile the prefill's time,
    /// so static power is charged once for every moment, not once per token in flight.
    mutating func finishToken(_ token: Int, at time: SimTime, _ s: inout Scheduler<ChipMessage>) {
        tokens.finish(token: token, start: tokenStart, end: time)
        let duration = time - tokenStart
        // mW × ns = pJ.
        StaticSpans.forEach(from: tokenStart, duration: duration.picoseconds) { at, span in
            for (chip, milliwatts) in poweredChips where milliwatts > 0 {
                emit(.staticIdle, count: Int(span / 1000), energy: Energy(picojoules: milliwatts * Double(span) / 1000), core: -1, chip: chip,
                     layer: -1, token: UInt32(token), step: EnergyRecord.noStep, at: at)
            }
        }
        tokenStart = time
        guard !workload.pipelined, token + 1 < workload.tokens else { return }
        let out = mapping.stages[mapping.stages.count - 1].functionUnit
        let send = time + costs.spikeOut.latency
        charge(.spikeOut, count: 1, cost: costs.spikeOut, core: out, layer: Int16(mapping.layers), token: UInt32(token + 1),
               step: EnergyRecord.noStep, at: send)
        s.schedule(ChipMessage.sampledToken(stage: mapping.stages.count - 1, destination: UInt32(mapping.stages[0].functionUnit), token: token + 1),
                   to: LPID(out), at: send)
    }
}
