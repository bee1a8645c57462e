/// Where one projection of one layer was placed.
public struct MappingRow: Sendable, Equatable {
    /// Model layer; the LM head uses `layers` (one past the last decoder layer).
    public var layer: Int
    /// Projection or stage name ("q", "gate", "lm_head", "attention").
    public var projection: String
    /// Number of cores it occupies.
    public var cores: Int
    /// First and last chip (inclusive) holding those cores.
    public var firstChip: Int
    public var lastChip: Int

    public init(layer: Int, projection: String, cores: Int, firstChip: Int, lastChip: Int) {
        self.layer = layer; self.projection = projection; self.cores = cores; self.firstChip = firstChip; self.lastChip = lastChip
    }
}
