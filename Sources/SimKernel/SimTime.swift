/// A point or span of simulated time.
///
/// Stored as whole picoseconds so that event ordering is exact and the same run always
/// produces the same timestamps; exposed in nanoseconds, the project's unit of time.
/// Published latencies such as Loihi's 4.1 ns hop keep their decimals this way.
public struct SimTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Picoseconds since the start of the run (or the length of a span).
    public var picoseconds: UInt64

    @inlinable public init(picoseconds: UInt64) { self.picoseconds = picoseconds }

    /// Rounds `nanoseconds` to the nearest picosecond. Negative values are a caller bug.
    @inlinable public init(nanoseconds: Double) {
        precondition(nanoseconds >= 0 && nanoseconds.isFinite, "simulated time must be finite and non-negative")
        self.picoseconds = UInt64((nanoseconds * 1000).rounded())
    }

    public static let zero = SimTime(picoseconds: 0)
    /// The latest representable time; used as "never".
    public static let never = SimTime(picoseconds: .max)

    /// The time in nanoseconds.
    @inlinable public var nanoseconds: Double { Double(picoseconds) / 1000 }

    @inlinable public static func < (a: SimTime, b: SimTime) -> Bool { a.picoseconds < b.picoseconds }
    @inlinable public static func + (a: SimTime, b: SimTime) -> SimTime { SimTime(picoseconds: a.picoseconds &+ b.picoseconds) }
    @inlinable public static func += (a: inout SimTime, b: SimTime) { a.picoseconds &+= b.picoseconds }
    @inlinable public static func - (a: SimTime, b: SimTime) -> SimTime { SimTime(picoseconds: a.picoseconds - b.picoseconds) }
    @inlinable public static func * (a: SimTime, n: UInt64) -> SimTime { SimTime(picoseconds: a.picoseconds &* n) }
    @inlinable public static func max(_ a: SimTime, _ b: SimTime) -> SimTime { a.picoseconds >= b.picoseconds ? a : b }

    public var description: String { "\(nanoseconds) ns" }
}
