// Dev-only: reads a Python-recorded activation trace and spike trace with Swift's TraceReader,
// encodes every activation block with the spike trace's encoder (Neurons), and compares.
import Neurons
import Traces

let args = CommandLine.arguments
let act = try TraceReader(path: args[1])
let spk = try TraceReader(path: args[2])
print("act header: \(act.header.spec.name) \(act.header.spec.architecture) layers \(act.header.spec.layers) stages \(act.header.stages.count) content \(act.header.content) T \(act.header.timeSteps)")
print("spk header: encoder \(spk.header.encoder) T \(spk.header.timeSteps) stages \(spk.header.stages.count)")
var encoder = try ConfiguredEncoder(parsing: spk.header.encoder)
var values = ContiguousArray<Float>()
var fromTrace = SpikeBlock(), fromSwift = SpikeBlock()
var train = SpikeTrain(neuronCount: 1, steps: 1)
var compared = 0, mismatched = 0, spikes = 0
while let a = try act.next() {
    guard let s = try spk.next() else { print("spike trace ended early"); break }
    precondition(a.token == s.token && a.stage == s.stage)
    try act.activations(into: &values)
    try values.withUnsafeBufferPointer { try encoder.encode($0, into: &train) }
    fromSwift.assign(train)
    try spk.spikes(into: &fromTrace)
    compared += 1
    spikes += fromTrace.spikeCount
    if fromTrace != fromSwift { mismatched += 1; if mismatched <= 3 { print("mismatch at token \(a.token) stage \(a.stage)") } }
}
_ = try spk.next()
print("act completion: \(String(describing: act.completion)); spk completion: \(String(describing: spk.completion))")
print("compared \(compared) blocks, \(spikes) spikes, mismatched \(mismatched)")
