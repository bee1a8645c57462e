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

    /// Moves a packet from router `from` to its neighbour `to`: waits for the output link,
    /// occupies it for the packet's serialization time, pays the hop (or chip crossing) and
    /// returns the arrival time, or nil when the output buffer is full and the packet is dropped.
    mutating func hop(from: Int, to: Int, _ m: ChipMessage, now: SimTime) -> SimTime? {

        // Ports 0 east (+x), 1 west (−x), 2 south (+y), 3 north (−y). On a board one core wide every
        // neighbour is along y, even the one at id ± 1.
        let dir: Int
        if width > 1 && to == from + 1 { dir = 0 } else if width > 1 && to == from - 1 { dir = 1 } else if to > from { dir = 2 } else { dir = 3 }
        let crossing = chipOfCore[from] != chipOfCore[to]
        let graded = m.cargo == .graded
        let ser = crossing ? (graded ? costs.serializeGradedChip : costs.serializeSpikeChip) : (graded ? costs.serializeGraded : costs.serializeSpike)
        let port = from &* 4 &+ dir
        let depart = Swift.max(now.picoseconds, linkFree[port])
        if costs.bufferPackets > 0, ser > 0, (depart &- now.picoseconds) / ser >= costs.bufferPackets {
            traffic.droppedPackets &+= 1
            return nil
        }
        linkFree[port] = depart &+ ser
        linkPackets[port] &+= 1
        let cost = crossing ? costs.chipLink : (dir < 2 ? costs.hopEastWest : costs.hopNorthSouth)
        let arrival = SimTime(picoseconds: depart &+ ser &+ cost.latency.picoseconds)
        let flits = graded ? costs.flitsGraded : costs.flitsSpike
        let kind: EnergyKind = m.cargo == .marker || m.cargo == .partialDone ? .control : (crossing ? .chipCrossing : .routerHop)
        traffic.hops &+= 1
        if crossing { traffic.chipCrossings &+= 1 }
        let spikeLike = m.cargo == .spike || m.cargo == .marker
        let layer = spikeLike ? groupLayer[Int(m.group)] : stageLayer[Int(m.group)]
        emit(kind, count: Int(flits), energy: cost.energy * flits, core: from, layer: layer, token: m.token,
             step: spikeLike ? UInt16(m.step) : EnergyRecord.noStep, at: arrival)
        return arrival
    }

    /// A packet at a router of its multicast tree: deliver locally if the core is a
    /// destination, then copy it to every child.
    mutating func routeTree(_ m: ChipMessage, _ s: inout Scheduler<ChipMessage>) {
        let node = mapping.routeNodes[Int(m.node)]
        let here = Int(node.router)
        if node.deliver { deliver(m, at: here, &s) }
        let first = Int(node.firstChild)
        for c in first..<(first + Int(node.childCount)) {
            let child = mapping.routeNodes[c]
            if let arrival = hop(from: here, to: Int(child.router), m, now: s.now) {
                var next = m
                next.node = UInt32(c)
                s.schedule(next, to: child.router, at: arrival)
            } else if m.cargo == .spike {
                traffic.dropped &+= UInt64(child.deliveries)
            }
        }
    }

    /// A packet routed x first, then y, towards `m.node`.
    mutating func routeUnicast(_ m: ChipMessage, _ s: inout Scheduler<ChipMessage>) {
        let here = Int(s.current)
        let dest = Int(m.node)
        if here == dest { deliver(m, at: here, &s); return }
        let x = here % width, dx = dest % width
        let next: Int
        if x != dx { next = dx > x ? here + 1 : here - 1 } else { next = dest > here ? here + width : here - width }
        if let arrival = hop(from: here, to: next, m, now: s.now) {
            s.schedule(m, to: LPID(next), at: arrival)
        } else if m.cargo == .spike {
            // A spike bound for a splitter carries every copy the splitter would make.
            let g = mapping.groups[Int(m.group)]
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
