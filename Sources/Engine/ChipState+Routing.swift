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

    /// Moves a packet from router `from` through `port` (see `MeshLinks.hop`) and pays the hop (or chip
    /// crossing); returns the arrival time, or nil when the output buffer is full and the packet is dropped.
    mutating func hop(from: Int, through port: Port, _ m: ChipMessage, now: SimTime) -> SimTime? {
        let packet: MeshLinks.PacketClass = m.cargo == .marker || m.cargo == .partialDone || m.cargo == .credit ? .control : (m.cargo == .graded ? .graded : .spike)
        guard let h = links.hop(from: from, through: port, packet, now: now) else {
            traffic.droppedPackets &+= 1
            return nil
        }
        traffic.hops &+= 1
        if h.crossesChip { traffic.chipCrossings &+= 1 }
        let spikeLike = m.isSpikeLike
        let layer = spikeLike ? groupLayer[m.spikeGroup] : stageLayer[m.stage]
        // A tallying engine takes each router's hop totals from the links' counts (`finishTally`).
        emit(h.kind, count: Int(h.flits), energy: h.energy, core: from, layer: layer, token: m.token,
             step: spikeLike ? UInt16(m.step) : EnergyRecord.noStep, at: h.arrival, perCore: false)
        return h.arrival
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
