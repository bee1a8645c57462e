import Foundation
import FuzzTargets

/// `spikechip-fuzz TARGET SEEDS… --seconds N --seed S --work DIR`: mutation fuzzing of one reader.
///
/// Each input is written to `DIR/current-TARGET` before it is read; a crash leaves it there for
/// `scripts/fuzz.sh` to keep as a finding. Prints executions and outcomes as one line of JSON.
func usage() -> Never {
    FileHandle.standardError.write(Data("""
        usage: spikechip-fuzz TARGET SEED_FILE... [--seconds N (default 10)] [--seed S (default 1)] [--work DIR (default .)]
        targets: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))

        """.utf8))
    exit(2)
}

var args = Array(CommandLine.arguments.dropFirst())
guard let name = args.first, let target = FuzzTarget(rawValue: name) else { usage() }
args.removeFirst()
var seconds = 10.0, seed: UInt64 = 1, work = "."
var seeds: [String] = []
while !args.isEmpty {
    let a = args.removeFirst()
    switch a {
    case "--seconds": guard let v = args.first.flatMap(Double.init), v > 0 else { usage() }; seconds = v; args.removeFirst()
    case "--seed": guard let v = args.first.flatMap(UInt64.init) else { usage() }; seed = v; args.removeFirst()
    case "--work": guard let v = args.first else { usage() }; work = v; args.removeFirst()
    default: seeds.append(a)
    }
}
let corpus = seeds.compactMap { FileManager.default.contents(atPath: $0).map { [UInt8]($0) } }
guard !corpus.isEmpty else {
    FileHandle.standardError.write(Data("spikechip-fuzz: no readable seed file among \(seeds)\n".utf8))
    exit(2)
}
let current = URL(fileURLWithPath: work).appendingPathComponent("current-\(target.rawValue)").path
var mutator = Mutator(seed: seed)
var executions = 0, rejected = 0, accepted = 0
let deadline = Date().addingTimeInterval(seconds)
while Date() < deadline {
    let input = executions < corpus.count ? corpus[executions] : mutator.mutate(corpus[executions % corpus.count], text: target.isText)
    // Inputs above 64 MiB are not worth the disk; the readers' own limits are tested elsewhere.
    guard input.count <= 64 << 20 else { continue }
    _ = FileManager.default.createFile(atPath: current, contents: Data(input))
    do { try target.exercise(path: current); accepted += 1 } catch { rejected += 1 }
    executions += 1
}
try? FileManager.default.removeItem(atPath: current)
print(#"{"target": "\#(target.rawValue)", "executions": \#(executions), "accepted": \#(accepted), "rejected": \#(rejected), "seconds": \#(seconds), "seed": \#(seed)}"#)
