import Foundation
import Ranks
import Store
import Synchronization

/// Ends an MPI rank whose peers are gone, with a message and (on rank 0) its run marked interrupted.
///
/// When a rank dies, mpirun stops the job: SIGCONT, SIGTERM one second later, SIGKILL one second
/// after that (Open MPI's `odls_base_sigkill_timeout`). The survivors are then blocked inside a
/// collective that cannot complete, so the engine never polls the interrupt flag and the run would
/// stay `running` until the database is next opened. This thread notices a stop request that
/// meets a collective already waiting `patience` seconds (collectives take microseconds while all
/// ranks run, so a graceful Ctrl-C, which every rank sees, never waits that long), marks rank 0's
/// run interrupted with the rows stored so far, says why on stderr and exits at once.
final class RankWatchdog: Sendable {
    private let stopped = Atomic<Bool>(false)

    /// Starts watching `world` for this process; `database`: rank 0's file, nil on the other ranks.
    init(world: MPIWorld, database: String?, patience: Double = 0.3) {
        let thread = Thread { [self] in
            while !stopped.load(ordering: .relaxed) {
                usleep(50_000)
                guard InterruptFlag.isSet, world.secondsInCollective >= patience else { continue }
                let signal = InterruptFlag.receivedSignal ?? SIGTERM
                let waited = String(format: "%.1f", world.secondsInCollective)
                var message = "error: rank \(world.rank) of \(world.size) was stopped by signal \(signal) after waiting \(waited) s for the other ranks: a rank of this job has ended (mpirun names it)"
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
