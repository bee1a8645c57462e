import Foundation
import Testing
@testable import FuzzTargets

private let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
private let root = here.deletingLastPathComponent().deletingLastPathComponent()

/// Every input `scripts/fuzz.sh` ever kept as a finding, per target: each must end in a value or
/// an error (a crash stops the test run).
private func findings(_ target: FuzzTarget) -> [URL] {
    let dir = here.appendingPathComponent("inputs/\(target.rawValue)")
    return ((try? FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)) ?? []).sorted { $0.path < $1.path }
}

@Suite struct FuzzRegressionTests {
    @Test("committed fuzz findings are read without a crash", arguments: FuzzTarget.allCases)
    func findingsReplay(_ target: FuzzTarget) throws {
        for input in findings(target) {
            do { try target.exercise(path: input.path) } catch {}
        }
    }

    @Test("the shipped YAML files are accepted by their readers")
    func seedsAreValid() throws {
        for name in ["truenorth", "loihi", "spikechip-llm"] {
            try FuzzTarget.topology.exercise(path: root.appendingPathComponent("topologies/\(name).yaml").path)
        }
        try FuzzTarget.baselines.exercise(path: root.appendingPathComponent("topologies/baselines.yaml").path)
        try FuzzTarget.technology.exercise(path: root.appendingPathComponent("topologies/technology.yaml").path)
        try FuzzTarget.trace.exercise(path: root.appendingPathComponent("traces/smollm2-hello.spk.trace").path)
    }

    @Test("a short seeded mutation run over the YAML and trace readers ends in values or errors", arguments: [FuzzTarget.topology, .baselines, .technology, .trace])
    func smoke(_ target: FuzzTarget) throws {
        let seed: String
        switch target {
        case .topology: seed = "topologies/spikechip-llm.yaml"
        case .baselines: seed = "topologies/baselines.yaml"
        case .technology: seed = "topologies/technology.yaml"
        default: seed = "traces/smollm2-hello.spk.trace"
        }
        let bytes = [UInt8](try Data(contentsOf: root.appendingPathComponent(seed)))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-smoke-\(target.rawValue)-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var mutator = Mutator(seed: 2026)
        var rejected = 0
        for _ in 0..<150 {
            _ = FileManager.default.createFile(atPath: path, contents: Data(mutator.mutate(bytes, text: target.isText)))
            do { try target.exercise(path: path) } catch { rejected += 1 }
        }
        // Mutants are mostly refused: the readers check what they read.
        #expect(rejected > 0)
    }
}
