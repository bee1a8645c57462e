import Foundation
import Synchronization

/// A process-wide "stop requested" flag that a SIGINT/SIGTERM handler can set safely.
///
/// A signal handler may do almost nothing: it cannot lock, allocate or touch the database.
/// So the handler only stores into a lock-free atomic; the engine polls `isSet` between
/// events, stops, and the CLI then calls the sink's `finish()` and
/// `RunStore.markInterrupted`, leaving a valid database. A second signal while the first
/// is being handled exits at once with the conventional 128 + signal status.
public enum InterruptFlag {
    private static let signal = Atomic<Int32>(0)

    /// Installs the handler for SIGINT and SIGTERM. Call once, before the run starts.
    public static func install() {
        // Initialise the lazy static now: its one-time initialisation takes a lock, which a
        // signal handler must never do.
        _ = signal.load(ordering: .relaxed)
        // A parent may have started us with these signals blocked (a mask is inherited across exec):
        // then Ctrl-C or `kill` would never reach the handler and the run would not stop.
        var stops = sigset_t()
        sigemptyset(&stops); sigaddset(&stops, SIGINT); sigaddset(&stops, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &stops, nil)
        for s in [SIGINT, SIGTERM] {
            _ = Foundation.signal(s) { received in
                // Only async-signal-safe operations here: an atomic exchange and _exit.
                if InterruptFlag.signal.exchange(received, ordering: .sequentiallyConsistent) != 0 { _exit(128 + received) }
            }
        }
    }

    /// Restores the default actions of SIGINT and SIGTERM (after a run, or in tests).
    public static func uninstall() {
        for s in [SIGINT, SIGTERM] { _ = Foundation.signal(s, SIG_DFL) }
    }

    /// Whether a stop was requested. Cheap enough to poll every few thousand events.
    public static var isSet: Bool { signal.load(ordering: .relaxed) != 0 }

    /// The signal that requested the stop (SIGINT = 2, SIGTERM = 15), or nil.
    public static var receivedSignal: Int32? {
        let s = signal.load(ordering: .relaxed)
        return s == 0 ? nil : s
    }

    /// Sets the flag as a handler would (for tests and for stops requested by the program itself).
    public static func request(signal s: Int32 = SIGINT) { _ = signal.exchange(s, ordering: .sequentiallyConsistent) }

    /// Clears the flag, e.g. between the runs of a sweep.
    public static func reset() { signal.store(0, ordering: .sequentiallyConsistent) }
}
