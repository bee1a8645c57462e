import SimKernel

/// Static power is charged as records of whole nanoseconds counted in 32 bits, so a long interval
/// is cut into spans of at most 2^32 − 1 ns; both chip models charge it through this one cut.
public enum StaticSpans {
    /// Calls `body(end, span)` for consecutive spans (ps) covering `duration` ps from `start`.
    @inlinable
    public static func forEach(from start: SimTime, duration: UInt64, _ body: (_ end: SimTime, _ span: UInt64) -> Void) {
        var remaining = duration
        var at = start
        let chunk = UInt64(UInt32.max) * 1000
        while remaining > 0 {
            let span = Swift.min(remaining, chunk)
            at = at + SimTime(picoseconds: span)
            body(at, span)
            remaining -= span
        }
    }
}
