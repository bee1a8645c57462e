/// Identifies a logical process (an LP: a core, a router, a function unit…).
public typealias LPID = UInt32

/// A timestamped message to one logical process.
///
/// Events are ordered by `(time, order)`. `order` packs the sending LP and that LP's
/// own send counter, so ties between events of equal time break the same way however
/// the LPs are grouped into partitions: that is what makes a partitioned run
/// bit-identical to a sequential one.
public struct Event<Payload> {
    /// When the event happens.
    public var time: SimTime
    /// Deterministic tie-breaker: `sender << 40 | sender's send count`.
    public var order: UInt64
    /// The LP that handles the event.
    public var target: LPID
    /// What the model needs to handle it.
    public var payload: Payload

    @inlinable
    public init(time: SimTime, order: UInt64, target: LPID, payload: Payload) {
        self.time = time; self.order = order; self.target = target; self.payload = payload
    }

    /// The LP that sent the event.
    @inlinable public var sender: LPID { LPID(truncatingIfNeeded: order >> Event.senderShift) }

    /// Bits of `order` left for the per-sender counter (2^40 ≈ 10^12 events per LP).
    public static var senderShift: UInt64 { 40 }
    /// Largest LP id that fits beside the counter (2^24 − 1).
    public static var maxLP: LPID { (1 << 24) - 1 }

    @inlinable
    static func precedes(_ a: Event, _ b: Event) -> Bool {
        a.time.picoseconds < b.time.picoseconds || (a.time.picoseconds == b.time.picoseconds && a.order < b.order)
    }
}
