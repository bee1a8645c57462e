import Topology

/// A step of one token's dataflow: a function unit prepares and encodes an activation
/// vector, whose spikes drive the crossbar tiles of one or more projections.
public struct Stage: Sendable, Hashable {
    /// Which part of the layer the stage is.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// RMSNorm, encode, then q, k, v.
        case attentionInput = "qkv"
        /// Attention (RoPE, scores or linear state, softmax), encode, then o.
        case attentionOutput = "o"
        /// Residual, RMSNorm, encode, then gate and up.
        case ffnInput = "gate_up"
        /// SiLU(gate)·up, encode, then down.
        case ffnOutput = "down"
        /// Residual, final RMSNorm, encode, then the LM head.
        case lmHead = "lm_head"
        /// Reduce the logits and pick the next token; no projection.
        case output
    }

    public var kind: Kind
    /// Model layer (the model's layer count for the LM head and output stages).
    public var layer: Int
    /// Width of the encoded activation vector (neurons of the stage's encoder).
    public var inputs: Int
    /// Indices into `ChipMapping.projections`.
    public var projections: Range<Int>
    /// Core hosting the stage's function unit and encoder.
    public var functionUnit: Int
    /// Indices into `ChipMapping.groups`, one per row block of the input.
    public var groups: Range<Int>
    /// Graded packets the function unit waits for from the previous stage's tiles.
    public var expectedPackets: Int
}

/// A linear projection cut into crossbar tiles.
public struct MappedProjection: Sendable, Hashable {
    /// "q", "k", "v", "o", "gate", "up", "down" or "lm_head".
    public var name: String
    public var stage: Int
    public var layer: Int
    public var inputs: Int
    public var outputs: Int
    /// Tiles along the input (axon) dimension.
    public var rowBlocks: Int
    /// Tiles along the output (neuron) dimension.
    public var colBlocks: Int
    /// Crossbars per tile position needed for the weight precision (bit slices).
    public var slices: Int
    /// Index of the first tile in `ChipMapping.tiles`; tile (r, c, s) is at
    /// `firstTile + (r * colBlocks + c) * slices + s`.
    public var firstTile: Int

    public var tileCount: Int { rowBlocks * colBlocks * slices }
}

/// One crossbar core's share of a projection.
public struct Tile: Sendable, Hashable {
    public var core: UInt32
    public var projection: UInt32
    public var row: UInt16
    public var column: UInt16
    public var slice: UInt16
    /// Axons (inputs) of this tile that carry weights.
    public var axonsUsed: UInt16
    /// Neurons (outputs) of this tile that carry weights.
    public var neuronsUsed: UInt16
}

/// The spikes of one row block of a stage's input, and every core they must reach.
public struct SpikeGroup: Sendable, Hashable {
    public var stage: Int
    public var rowBlock: Int
    /// Input neurons in the block (sources of spikes).
    public var rows: Int
    /// Indices into `ChipMapping.destinations`: the tile cores of this row block.
    public var destinations: Range<Int>
    /// Root of the multicast tree in `ChipMapping.routeNodes` (multicast fan-out).
    public var treeRoot: Int
    /// Indices into `ChipMapping.splitterCores` (splitter fan-out).
    public var splitters: Range<Int>
    /// Input neurons served by one splitter core.
    public var sourcesPerSplitter: Int
}

/// A router on a multicast tree: forward to `childCount` neighbours starting at
/// `firstChild`, and deliver to the local core when `deliver`.
public struct RouteNode: Sendable, Hashable {
    public var router: UInt32
    public var firstChild: UInt32
    public var childCount: UInt16
    public var deliver: Bool
    /// The parent's port this node is reached through (unused at the root); here it fills padding (16 bytes a node).
    public var port: Port
    /// Deliveries in this node's subtree, itself included (what is lost if it drops).
    public var deliveries: UInt32
}
