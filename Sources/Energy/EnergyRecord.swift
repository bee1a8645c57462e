import SimKernel

/// One entry of the energy stream: `count` operations of one `kind`, at one place and time.
///
/// Every event the chip simulates produces one of these. A record is a plain 40-byte
/// value so that the engine can buffer millions of them without reference counting.
public struct EnergyRecord: Sendable, Hashable {
    /// Simulated time at which the operations completed.
    public var time: SimTime
    /// Energy of all `count` operations together.
    public var energy: Energy
    /// Number of operations (synapses, neurons, packets, hops, nanoseconds of idle time…).
    public var count: UInt32
    /// Global core index (row-major over the whole system), or `UInt32.max` for system-wide records.
    public var core: UInt32
    /// Token index within the run.
    public var token: UInt32
    /// Model layer, or -1 when the record belongs to no layer (e.g. static power, LM head = layers count).
    public var layer: Int16
    /// Chip index.
    public var chip: UInt16
    /// Virtual time step within the token (0..<T), or `UInt16.max` outside a step.
    public var step: UInt16
    /// What was paid for.
    public var kind: EnergyKind

    @inlinable
    public init(time: SimTime, energy: Energy, count: UInt32, kind: EnergyKind, chip: UInt16, core: UInt32,
                layer: Int16, token: UInt32, step: UInt16) {
        self.time = time; self.energy = energy; self.count = count; self.kind = kind
        self.chip = chip; self.core = core; self.layer = layer; self.token = token; self.step = step
    }

    public static let noCore = UInt32.max
    public static let noStep = UInt16.max
}
