import SimKernel
import Topology

/// The topology's routing and per-event costs as plain values, precomputed once per run: the
/// handlers read these, never the `Topology` (whose strings would be retained on every copy).
/// This is the engine's price table: a new cost is a field here, read from the topology once.
struct HardwareCosts {
    let routing: MeshRouting
    let fanOut: FanOut
    let hopEastWest: OpCost
    let hopNorthSouth: OpCost
    let chipLink: OpCost
    /// Link occupancy of a spike (or marker, token) packet and of a graded packet, on chip and between chips.
    let serializeSpike: UInt64
    let serializeGraded: UInt64
    let serializeSpikeChip: UInt64
    let serializeGradedChip: UInt64
    let flitsSpike: Int64
    let flitsGraded: Int64
    let bufferPackets: UInt64
    let axons: Int
    let synapticOp: OpCost
    let synapseLanes: Int
    let neuronUpdate: OpCost
    let neuronLanes: Int
    let spikeOut: OpCost
    let functionUnit: FunctionUnitSpec

    init(_ t: Topology) {
        routing = t.meshRouting; fanOut = t.fanOut
        hopEastWest = t.hopEastWest; hopNorthSouth = t.hopNorthSouth; chipLink = t.chipLink
        serializeSpike = t.serialization(bits: t.spikePacketBits).picoseconds
        serializeGraded = t.serialization(bits: t.gradedPacketBits).picoseconds
        serializeSpikeChip = t.chipSerialization(bits: t.spikePacketBits).picoseconds
        serializeGradedChip = t.chipSerialization(bits: t.gradedPacketBits).picoseconds
        flitsSpike = t.flits(bits: t.spikePacketBits); flitsGraded = t.flits(bits: t.gradedPacketBits)
        bufferPackets = UInt64(t.bufferPackets)
        axons = t.axons
        synapticOp = t.synapticOp; synapseLanes = t.synapseLanes
        neuronUpdate = t.neuronUpdate; neuronLanes = t.neuronLanes
        spikeOut = t.spikeOut
        functionUnit = t.functionUnit
    }

    /// A hop through `port`: a chip-to-chip link when it crosses chips, else the on-chip hop of its dimension.
    @inline(__always)
    func hop(_ port: Port, crossing: Bool) -> OpCost {
        crossing ? chipLink : (port.isEastWest ? hopEastWest : hopNorthSouth)
    }
}
