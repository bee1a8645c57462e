import Foundation
import Ranks
import Store
import Synchronization

/// Ends an MPI rank whose peers are gone, with a message and (on rank 0) its run marked interrupted.
///
/// When a rank dies, mpirun stops the job: SIGCONT, SIGTERM one second later, SIGKILL one second
/// after that (Open MPI's `odls_base_sigkill_timeout`). The survivors are then blocked inside a
/// collective that cannot complete, so the engine never polls the interrupt flag and the run would
/// stay `running` until the database is next opened. This thread acts when a stop request is
/// `patience` seconds old and the rank has been waiting inside one collective for as long: a
/// graceful Ctrl-C reaches every rank, which then agree to stop within a window (microseconds),
/// while a peer that is gone never answers. Half a second leaves another half before SIGKILL to
/// mark rank 0's run interrupted with the rows stored so far; it then says why and exits.
final class RankWatchdog: Sendable {
    private let stopped = Atomic<Bool>(false)

    /// Starts watching `world` for this process; `database`: rank 0's file, nil on the other ranks.
    init(world: MPIWorld, database: String?, patience: Double = 0.5) {
        let thread = Thread { [self] in
            var requested: ContinuousClock.Instant?
            while !stopped.load(ordering: .relaxed) {
                usleep(50_000)
                guard InterruptFlag.isSet else { continue }
                let since = requested ?? .now
                requested = since
                guard (ContinuousClock.now - since) >= .seconds(patience), world.secondsInCollective >= patience else { continue }
                let signal = InterruptFlag.receivedSignal ?? SIGTERM
                let waited = String(format: "%.1f", world.secondsInCollective)
                var message = "error: rank \(world.rank) of \(world.size) was stopped by signal \(signal) after waiting \(waited) s for the other ranks: a rank of this job has ended or stopped answering (mpirun names one that failed)"
                if let database {
                    let reason = "rank 0 was stopped while waiting for the other ranks (a rank ended); totals are the rows stored before"
                    do {
                        let ids = try RunStore(path: database).markRunsOfThisProcessInterrupted(reason: reason)
                        message += ids.isEmpty ? "" : "; run \(ids.map(\.description).joined(separator: ", ")) in \(database) is stored as interrupted, with the events written so far"
                    } catch {
                        message += "; the run could not be marked interrupted (\(error)): the next `spikechip run --db \(database)` marks it"
                    }
                }
                FileHandle.standardError.write(Data((message + "\n").utf8))
                _exit(128 + signal)
            }
        }
        thread.name = "spikechip-rank-watchdog"
        thread.start()
    }

    /// Stops watching (the run returned).
    func stop() { stopped.store(true, ordering: .relaxed) }
}
