/// The identity of one run inside a database file.
///
/// A database holds any number of runs (a sweep appends one per configuration), so every
/// row of every table carries the `RunID` of the run that produced it.
public struct RunID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The `run.id` primary key.
    public var rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }
    public static func < (a: RunID, b: RunID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { String(rawValue) }
}
