/// Errors of the store: each says what went wrong and what to do about it.
public enum StoreError: Error, CustomStringConvertible, Equatable {
    /// The file exists but is not a SpikeChip database (or is corrupt).
    case notADatabase(path: String, detail: String)
    /// The file cannot be opened or created (missing directory, permissions, locked).
    case cannotOpen(path: String, detail: String)
    /// Another connection held the file's lock past the busy timeout.
    case locked(path: String)
    /// The database was written by a newer SpikeChip whose schema this build does not know.
    case newerSchema(path: String, migration: String)
    /// No run with this id in the database.
    case noSuchRun(RunID, path: String)
    /// `finishRun` was asked to leave a run `running`.
    case invalidFinalStatus(RunStatus)
    /// The run was already finished; a finished run is immutable.
    case runAlreadyFinished(RunID, status: RunStatus)
    /// The background writer failed (typically disk full); rows up to the last committed batch are kept.
    case writerFailed(detail: String)
    /// A caller-supplied value is out of range.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .notADatabase(path, detail):
            "\(path) is not a SpikeChip SQLite database (\(detail)); pass the file a `spikechip run --db` wrote, or a new path"
        case let .cannotOpen(path, detail):
            "cannot open the database \(path) (\(detail)); check that its directory exists and is writable"
        case let .locked(path):
            "the database \(path) is locked by another process (a run writing to it, or a tool holding a transaction) for longer than 10 s; wait for it to finish, or pass another --db"
        case let .newerSchema(path, migration):
            "\(path) uses schema migration '\(migration)' unknown to this build; upgrade spikechip to read it"
        case let .noSuchRun(id, path):
            "no run \(id) in \(path); list the runs with `spikechip report \(path) --list`"
        case let .invalidFinalStatus(s):
            "a run cannot be finished with status '\(s.rawValue)'; use complete or interrupted"
        case let .runAlreadyFinished(id, s):
            "run \(id) is already \(s.rawValue); finished runs are not modified"
        case let .writerFailed(detail):
            "the database writer stopped: \(detail); rows committed before the failure are kept and the run is marked interrupted. Free disk space and re-run"
        case let .invalidArgument(m):
            m
        }
    }
}
