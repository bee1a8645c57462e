import Foundation
import SimKernel
import Store
import Synchronization

/// Runs a stored sweep's pending points, each as a `spikechip run` child process tagged with its
/// point, at most `jobs` at a time.
///
/// The run's completion completes the point in the same transaction, so the database alone says
/// what is done: a sweep killed at any moment resumes with the same command and never runs a
/// finished point again. A child that exits with an error stores its message as the point's
/// failure and the sweep goes on; a child stopped by a signal (Ctrl-C reaches the whole process
/// group) leaves its point pending. Workers watch their parent: if the sweep is killed, they stop
/// and store their runs as interrupted rather than finishing unseen.
public struct SweepRunner: Sendable {
    /// The `spikechip` executable the points run with.
    public var executable: URL
    public var database: String
    public var jobs: Int

    public init(executable: URL, database: String, jobs: Int) {
        self.executable = executable; self.database = database; self.jobs = jobs
    }

    /// Where a sweep stands, for progress lines.
    public struct Status: Sendable {
        public var total = 0, complete = 0, failed = 0, skipped = 0, running = 0, pending = 0
        /// Points finished by this invocation and their mean wall time per point and job.
        public var finishedHere = 0
        public var elapsedSeconds = 0.0
        /// Estimated seconds to the end (nil until a point has finished here).
        public var etaSeconds: Double?
    }

    /// How the invocation ended.
    public struct Outcome: Sendable {
        public var status: Status
        /// Points whose child was stopped (by a signal, or because this invocation was asked to stop).
        public var interrupted: [Int]
        /// Points that failed here, with their messages.
        public var failures: [(point: Int, message: String)]
        /// Wall seconds of each point run here (process start to exit), by point.
        public var pointSeconds: [Int: Double]
    }

    /// Runs the sweep's pending points (only `only` when given: one point of a job array).
    public func run(sweep: Int64, store: RunStore, only: Int? = nil, progress: (Status) -> Void = { _ in },
                    shouldStop: () -> Bool = { false }) throws -> Outcome {
        let states = try store.sweepPoints(sweep)
        if let only, !states.contains(where: { $0.index == only }) {
            throw SweepError.invalid("the sweep has points 0…\(states.count - 1); --point \(only) is none of them")
        }
        var queue = states.filter { $0.status == .pending && (only == nil || $0.index == only) }[...]
        var status = Status()
        status.total = states.count
        for s in states {
            switch s.status {
            case .complete: status.complete += 1
            case .failed: status.failed += 1
            case .skipped: status.skipped += 1
            case .pending: status.pending += 1
            }
        }
        let finished = Mutex<[(point: Int, code: Int32, signalled: Bool)]>([])
        let wake = DispatchSemaphore(value: 0)
        var running: [Int: (process: Process, log: URL, start: ContinuousClock.Instant)] = [:]
        var outcome = Outcome(status: status, interrupted: [], failures: [], pointSeconds: [:])
        let clock = ContinuousClock(), began = clock.now
        var stopping = false
        let logs = FileManager.default.temporaryDirectory.appendingPathComponent("spikechip-sweep-\(getpid())-\(sweep)")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: logs) }

        while true {
            while !stopping, running.count < jobs, let next = queue.popFirst() {
                let id = SweepPointID(sweep: sweep, point: next.index)
                try store.noteAttempt(id)
                let log = logs.appendingPathComponent("point-\(next.index).stderr")
                guard FileManager.default.createFile(atPath: log.path, contents: nil) else {
                    throw SweepError.invalid("cannot write the worker log \(log.path); check the temporary directory")
                }
                let p = Process()
                p.executableURL = executable
                // With a worker per core, a run's aggregation thread (events and steps levels) would only compete with the other workers.
                let inline = jobs >= ProcessInfo.processInfo.activeProcessorCount ? ["--aggregate-inline"] : []
                p.arguments = ["run"] + next.arguments + ["--db", database, "--quiet", "--format", "json", "--sweep-point", id.description] + inline
                p.standardInput = FileHandle.nullDevice
                p.standardOutput = FileHandle.nullDevice
                p.standardError = try FileHandle(forWritingTo: log)
                let point = next.index
                p.terminationHandler = { proc in
                    finished.withLock { $0.append((point, proc.terminationStatus, proc.terminationReason == .uncaughtSignal)) }
                    wake.signal()
                }
                try p.run()
                running[point] = (p, log, clock.now)
                status.running = running.count
            }
            if running.isEmpty { break }
            _ = wake.wait(timeout: .now() + .milliseconds(200))
            if !stopping, shouldStop() {
                stopping = true
                for r in running.values where r.process.isRunning { r.process.interrupt() }
            }
            for f in finished.withLock({ list in defer { list.removeAll() }; return list }) {
                guard let r = running.removeValue(forKey: f.point) else { continue }
                let seconds = (clock.now - r.start).inSeconds
                outcome.pointSeconds[f.point] = seconds
                status.pending -= 1
                if f.code == 0 && !f.signalled {
                    status.complete += 1
                    status.finishedHere += 1
                } else if f.signalled || f.code == 130 {
                    outcome.interrupted.append(f.point)
                    status.pending += 1
                } else {
                    let message = Self.message(fromLog: r.log, code: f.code)
                    try store.markFailed(SweepPointID(sweep: sweep, point: f.point), message: message)
                    outcome.failures.append((f.point, message))
                    status.failed += 1
                    status.finishedHere += 1
                }
            }
            status.running = running.count
            status.elapsedSeconds = (clock.now - began).inSeconds
            if status.finishedHere > 0 {
                let perPoint = status.elapsedSeconds / Double(status.finishedHere)
                status.etaSeconds = perPoint * Double(queue.count + running.count)
            }
            progress(status)
        }
        // What the database says is the truth: a child that exited 0 completed its point in its last transaction.
        let after = try store.sweepPoints(sweep)
        status.complete = after.filter { $0.status == .complete }.count
        status.failed = after.filter { $0.status == .failed }.count
        status.pending = after.filter { $0.status == .pending }.count
        status.running = 0
        outcome.status = status
        return outcome
    }

    /// The error lines a failed child wrote (its last three), or its exit status.
    static func message(fromLog url: URL, code: Int32) -> String {
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n").map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        let errors = lines.filter { $0.hasPrefix("Error:") || $0.hasPrefix("error:") }
        let chosen = (errors.isEmpty ? lines : errors).suffix(3)
        return chosen.isEmpty ? "spikechip run exited with status \(code)" : chosen.joined(separator: " / ")
    }
}
