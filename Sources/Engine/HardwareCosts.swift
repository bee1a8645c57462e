import SimKernel
import Topology

/// The topology's routing and per-event costs as plain values, precomputed once per run: the
/// handlers read these, never the `Topology` (whose strings would be retained on every copy).
/// This is the engine's price table: a new cost is a field here, read from the topology once.
public struct HardwareCosts: Sendable {
    public let routing: MeshRouting
    public let fanOut: FanOut
    public let hopEastWest: OpCost
    public let hopNorthSouth: OpCost
    public let chipLink: OpCost
    /// Link occupancy of a spike (or marker, token) packet and of a graded packet, on chip and between chips.
    public let serializeSpike: UInt64
    public let serializeGraded: UInt64
    public let serializeSpikeChip: UInt64
    public let serializeGradedChip: UInt64
    public let flitsSpike: Int64
    public let flitsGraded: Int64
    public let bufferPackets: UInt64
    public let axons: Int
    public let synapticOp: OpCost
    public let synapseLanes: Int
    public let neuronUpdate: OpCost
    public let neuronIdle: OpCost
    public let neuronFire: OpCost
    public let neuronLanes: Int
    public let spikeOut: OpCost
    public let functionUnit: FunctionUnitSpec

    public init(_ t: Topology) {
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
        neuronUpdate = t.neuronUpdate; neuronIdle = t.neuronIdle; neuronFire = t.neuronFire; neuronLanes = t.neuronLanes
        spikeOut = t.spikeOut
        functionUnit = t.functionUnit
    }

    /// A hop through `port`: a chip-to-chip link when it crosses chips, else the on-chip hop of its dimension.
    @inline(__always)
    public func hop(_ port: Port, crossing: Bool) -> OpCost {
        crossing ? chipLink : (port.isEastWest ? hopEastWest : hopNorthSouth)
    }
}
