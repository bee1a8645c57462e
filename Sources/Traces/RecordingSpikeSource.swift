import Engine
import Mapping

/// Wraps any spike source: forwards its spikes to the engine unchanged and writes them to
/// a trace, one block per (token, stage) once the stage's T steps are in.
///
/// A write error cannot be thrown from `spikes(...)`; it is kept by the writer, whose
/// `finish()` throws it after the run (the recording stops at the first error, the run
/// itself is unaffected).
public struct RecordingSpikeSource<Inner: SpikeSource>: SpikeSource {
    public private(set) var inner: Inner
    public let writer: TraceWriter
    private var block = SpikeBlock()
    private var current = (token: -1, stage: -1)

    /// - Throws: `TraceError.mismatch` unless the writer's header lists exactly the mapping's
    ///   stages, holds spikes and has the workload's T (so that every block completes).
    public init(wrapping inner: Inner, writer: TraceWriter, mapping: ChipMapping, workload: Workload) throws {
        let h = writer.header
        guard h.content == .spikes else { throw TraceError.mismatch("a recording writes spikes; the trace header says \(h.content.rawValue)") }
        guard h.stages == TraceHeader.stages(of: mapping) else {
            throw TraceError.mismatch("the trace header's stages are not the mapping's: build the header with TraceHeader(mapping:...)")
        }
        guard h.timeSteps == workload.timeSteps else {
            throw TraceError.mismatch("the trace header has T = \(h.timeSteps) but the run has T = \(workload.timeSteps)")
        }
        self.inner = inner; self.writer = writer
    }

    /// The wrapped source's count (a closed loop knows its sums; the trace does not record them).
    public mutating func partialSumSpikes(token: Int, tile: Tile, projection: MappedProjection, bits: Int) -> Int {
        inner.partialSumSpikes(token: token, tile: tile, projection: projection, bits: bits)
    }

    public mutating func spikes(token: Int, stage: Int, layer: Int, step: Int, inputs: Int, into out: inout [(neuron: Int32, sign: Int8)]) {
        let start = out.count
        inner.spikes(token: token, stage: stage, layer: layer, step: step, inputs: inputs, into: &out)
        guard writer.failure == nil else { return }
        if current != (token, stage) {
            current = (token, stage)
            block.removeAll()
        }
        guard step == block.steps else {
            writer.fail(.invalidUse("token \(token) stage \(stage): step \(step) arrived after \(block.steps) steps; steps must come in order"))
            return
        }
        for i in start..<out.count { block.append(neuron: out[i].neuron, amplitude: out[i].sign) }
        block.endStep()
        if block.steps == writer.header.timeSteps {
            do { try writer.append(token: token, stage: stage, spikes: block) } catch {
                writer.fail(error as? TraceError ?? .io(path: writer.path, message: "\(error)"))
            }
        }
    }
}
