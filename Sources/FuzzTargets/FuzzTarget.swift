import Reports
import Baselines
import Foundation
import ModelShapes
import Models
import Store
import Topology
import Traces

/// A reader of files users hand to SpikeChip, driven as deep as a command would drive it: a fuzz
/// input must end in a value or a thrown error, never a crash, a hang or an absurd allocation.
///
/// The same entry points serve `spikechip-fuzz` (mutation fuzzing, `scripts/fuzz.sh`) and the
/// regression tests, which replay every committed input (`Tests/FuzzTargetsTests/inputs/`).
public enum FuzzTarget: String, CaseIterable, Sendable {
    case gguf, safetensors, topology, baselines, technology, trace, database

    /// Whether inputs are text (YAML), so that the mutator also makes text-shaped changes.
    public var isText: Bool { self == .topology || self == .baselines || self == .technology }

    /// Reads the file at `path` as the commands do. Thrown errors are the expected outcome of bad input.
    public func exercise(path: String) throws {
        switch self {
        case .gguf:
            let file = try GGUFFile(path: path)
            _ = try? ModelSpec(gguf: file)
            for tensor in file.tensors.prefix(8) where file.isComplete(tensor) {
                _ = try? file.dequantize(tensor, rows: 0..<1)
            }
        case .safetensors:
            let file = try SafetensorsFile(path: path)
            for name in file.tensors.keys.sorted().prefix(8) { _ = try? file.floats(name) }
        case .topology:
            _ = try Topology.parse(yaml: try text(path), file: path)
        case .baselines:
            _ = try BaselineTable(yaml: try text(path), source: path)
        case .technology:
            _ = try TechnologyLibrary.parse(yaml: try text(path), file: path)
        case .trace:
            let reader = try TraceReader(path: path)
            var spikes = SpikeBlock()
            var values = ContiguousArray<Float>(), membranes = ContiguousArray<Double>()
            while let block = try reader.next() {
                switch block.kind {
                case .spikes: try reader.spikes(into: &spikes)
                case .activations: try reader.activations(into: &values)
                case .membranes: try reader.membranes(into: &membranes)
                }
            }
        case .database:
            let store = try RunStore(path: path, readOnly: true)
            for run in try store.runs() {
                _ = HTMLReport.render(try store.reportData(run: run.id))
            }
        }
    }

    private func text(_ path: String) throws -> String {
        guard let s = String(data: try Data(contentsOf: URL(fileURLWithPath: path)), encoding: .utf8) else {
            throw CocoaError(.fileReadInapplicableStringEncoding)
        }
        return s
    }
}
