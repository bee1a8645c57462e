import Energy
import Mapping
import SimKernel
import Topology

extension ChipState {
    /// Handles every event but `stageReady`, which needs the spike source.
    @usableFromInline
    mutating func handle(_ m: ChipMessage, _ s: inout Scheduler<ChipMessage>) {
        switch m.kind {
        case .treePacket: routeTree(m, &s)
        case .unicastPacket: routeUnicast(m, &s)
        case .tick: tick(m, &s)
        case .stageReady: preconditionFailure("stageReady is handled by ChipModel")
        }
    }

    /// Moves a packet from router `from` through `port` to its neighbour: waits for the output
    /// link, occupies it for the packet's serialization time, pays the hop (or chip crossing) and
    /// returns the arrival time, or nil when the output buffer is full and the packet is dropped.
    mutating func hop(from: Int, through port: Port, _ m: ChipMessage, now: SimTime) -> SimTime? {
        let to = costs.routing.neighbour(of: from, through: port)
        let crossing = chipOfCore[from] != chipOfCore[to]
        let graded = m.cargo == .graded
        let ser = crossing ? (graded ? costs.serializeGradedChip : costs.serializeSpikeChip) : (graded ? costs.serializeGraded : costs.serializeSpike)
        let link = from &* 4 &+ Int(port.rawValue)
        let depart = Swift.max(now.picoseconds, linkFree[link])
        if costs.bufferPackets > 0, ser > 0, (depart &- now.picoseconds) / ser >= costs.bufferPackets {
            traffic.droppedPackets &+= 1
            return nil
        }
        linkFree[link] = depart &+ ser
        linkPackets[link] &+= 1
        let cost = costs.hop(port, crossing: crossing)
        let arrival = SimTime(picoseconds: depart &+ ser &+ cost.latency.picoseconds)
        let flits = graded ? costs.flitsGraded : costs.flitsSpike
        let kind: EnergyKind = m.cargo == .marker || m.cargo == .partialDone ? .control : (crossing ? .chipCrossing : .routerHop)
        traffic.hops &+= 1
        if crossing { traffic.chipCrossings &+= 1 }
        let spikeLike = m.isSpikeLike
        let layer = spikeLike ? groupLayer[m.spikeGroup] : stageLayer[m.stage]
        emit(kind, count: Int(flits), energy: cost.energy * flits, core: from, layer: layer, token: m.token,
             step: spikeLike ? UInt16(m.step) : EnergyRecord.noStep, at: arrival)
        return arrival
    }

    /// A packet at a router of its multicast tree: deliver locally if the core is a
    /// destination, then copy it to every child.
    mutating func routeTree(_ m: ChipMessage, _ s: inout Scheduler<ChipMessage>) {
        let node = mapping.routeNodes[m.treeNode]
        let here = Int(node.router)
        if node.deliver { deliver(m, at: here, &s) }
        let first = Int(node.firstChild)
        for c in first..<(first + Int(node.childCount)) {
            let child = mapping.routeNodes[c]
            if let arrival = hop(from: here, through: child.port, m, now: s.now) {
                s.schedule(m.atTreeNode(c), to: child.router, at: arrival)
            } else if m.cargo == .spike {
                traffic.dropped &+= UInt64(child.deliveries)
            }
        }
    }

    /// A packet routed towards `m.destination` in the topology's dimension order.
    mutating func routeUnicast(_ m: ChipMessage, _ s: inout Scheduler<ChipMessage>) {
        let here = Int(s.current)
        let dest = m.destination
        guard let port = costs.routing.port(from: here, to: dest) else { deliver(m, at: here, &s); return }
        if let arrival = hop(from: here, through: port, m, now: s.now) {
            s.schedule(m, to: LPID(costs.routing.neighbour(of: here, through: port)), at: arrival)
        } else if m.cargo == .spike {
            // A spike bound for a splitter carries every copy the splitter would make.
            let g = mapping.groups[m.spikeGroup]
            traffic.dropped &+= UInt64(mapping.splitterGroupOfCore[dest] >= 0 ? g.destinations.count : 1)
        }
    }

    /// Hands a packet that reached its core to whatever the core hosts.
    mutating func deliver(_ m: ChipMessage, at core: Int, _ s: inout Scheduler<ChipMessage>) {
        let tile = mapping.tileOfCore[core]
        if tile >= 0 {
            if m.cargo == .spike { tileSpike(Int(tile), core: core, m, now: s.now) } else { tileMarker(Int(tile), core: core, m, &s) }
            return
        }
        if mapping.splitterGroupOfCore[core] >= 0 { relay(m, at: core, &s); return }
        let stage = mapping.stageOfCore[core]
        precondition(stage >= 0, "a packet reached core \(core), which hosts nothing")
        functionUnitInput(Int(stage), m, &s)
    }
}
