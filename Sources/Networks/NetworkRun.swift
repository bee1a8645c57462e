import Energy
import Engine
import Foundation
import SimKernel

/// What a network run measured.
public struct NetworkRunResult: Sendable {
    public var ledger: EnergyLedger
    public var traffic: TrafficCounters
    public var spikes: SpikeRecord
    /// Neuron-steps with input or state off rest (`neuron_update`); the other neuron-steps were idle (`neuron_idle`).
    public var activeNeuronSteps: Int
    /// Membranes of the recorded populations: (step, global neuron, v) after each step's update and reset.
    public var membranes: ContiguousArray<(step: UInt32, neuron: UInt32, v: Double)>
    /// Simulated time at which each step's last packet landed.
    public var stepEnd: [SimTime]
    /// Steps whose work overran their tick (global-tick sync).
    public var lateSteps: Int
    public var events: UInt64
    public var wallSeconds: Double
    /// Simulated end of the run (after the last step's barrier or tick).
    public var finalTime: SimTime
    /// Why the run could not finish every step, or nil.
    public var stall: String?
    public var interrupted: Bool
    public var links: [LinkLoad]
}

/// Runs a mapped network on its input spikes.
public struct NetworkRun {
    var simulator: Simulator<NetworkChip>

    /// The network chip's queue: 1 ns buckets over a 16 µs ring, since a step's events spread over
    /// microseconds (later ones, such as the next tick, wait in the overflow heap). The LLM engine's
    /// 4 ps buckets (`QueueKind.standard`), and 16 to 256 ps, measured the same within noise on the
    /// 3·10⁴-neuron scaling network (docs/performance.md).
    /// `record`: populations whose membranes are kept after every step.
    public init(mapping: NetworkMapping, input: SpikeRaster, sink: any EnergySink, record: Set<Int> = []) throws {
        let model = try NetworkChip(mapping: mapping, input: input, sink: sink, record: record)
        simulator = Simulator(model: model, queue: .calendar(bucketWidth: SimTime(nanoseconds: 1), bucketsLog2: 14))
    }

    public var model: NetworkChip { simulator.model }

    public mutating func run(shouldStop: (() -> Bool)? = nil) -> NetworkRunResult {
        let started = ContinuousClock.now
        let outcome = simulator.run(shouldStop: shouldStop)
        simulator.model.drain()
        simulator.model.sink.finish()
        let m = simulator.model
        return NetworkRunResult(ledger: m.ledger, traffic: m.traffic, spikes: m.spikes, activeNeuronSteps: m.activeNeuronSteps, membranes: m.membranes, stepEnd: m.stepEnd, lateSteps: m.lateSteps,
                                events: simulator.eventsHandled, wallSeconds: (ContinuousClock.now - started).inSeconds,
                                finalTime: m.finished, stall: m.stall, interrupted: outcome == .stopped, links: m.links.loads())
    }
}
