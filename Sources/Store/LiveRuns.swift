import Foundation
import Synchronization

/// Which runs have a live writer, to tell a run in progress from one whose writer died.
///
/// A run row records its writer's process id. Another process's run is live while that
/// process exists (`kill(pid, 0)`); a run of this process is live while its `RunStore`
/// has it registered here (begun, not yet finished, store not deallocated).
enum LiveRuns {
    private static let live = Mutex<Set<String>>([])

    private static func key(_ path: String, _ run: RunID) -> String { "\(path)#\(run.rawValue)" }

    static func register(path: String, run: RunID) { live.withLock { _ = $0.insert(key(path, run)) } }
    static func unregister(path: String, run: RunID) { live.withLock { _ = $0.remove(key(path, run)) } }

    static func isLive(path: String, run: RunID, pid: Int32) -> Bool {
        if pid == getpid() { return live.withLock { $0.contains(key(path, run)) } }
        return kill(pid, 0) == 0 || errno == EPERM
    }
}
