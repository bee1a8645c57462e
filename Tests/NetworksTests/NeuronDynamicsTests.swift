import Energy
import Foundation
import Networks
import SimKernel
import TestFixtures
import Testing

/// A population built from its parameters (one value, or one per neuron), stepped as the chip's cores step it.
struct Neurons {
    var state: PopulationState
    var v: [Double] { Array(state.v) }
    var synaptic: [Double] { Array(state.synaptic) }

    init(_ size: Int, _ type: NetworkGraph.NodeType, _ parameters: [String: [Float]]) throws {
        let node = try NetworkGraph.Node(population: "p", type: type, size: size,
                                         parameters: parameters.mapValues { ContiguousArray($0.count == 1 ? Array(repeating: $0[0], count: size) : $0) })
        state = PopulationState(try NeuronDynamics(node, dtSeconds: 1e-4))
    }

    /// One step; returns the neurons that fired and how many were active.
    mutating func step(_ input: [Double]) -> (fired: [Int32], active: Int) {
        let active = input.withUnsafeBufferPointer { state.step($0) }.active
        return (Array(state.lastFired), active)
    }
}

/// NIR's models: per-neuron parameters (read four at a time from a table) give, neuron by neuron, the bits of
/// one-neuron populations (whose parameters are shared), and both follow the forward-Euler equations of
/// docs/networks.md, transcribed here, to rounding.
@Suite struct NeuronDynamicsTests {
    @Test(arguments: [NetworkGraph.NodeType.lif, .cubaLIF, .integrateAndFire, .threshold])
    func perNeuronParametersMatchSharedOnesAndTheEquations(_ type: NetworkGraph.NodeType) throws {
        let n = 7  // one block of four and a tail of three
        var rng = SplitMix64(seed: 9)
        func values(_ lo: Double, _ hi: Double) -> [Float] { (0..<n).map { _ in Float(lo + (hi - lo) * rng.nextUnit()) } }
        let dt = 1e-4
        var p: [String: [Float]] = [:]
        switch type {
        case .lif: p = ["tau": values(2e-4, 1e-3), "r": values(0.5, 3), "v_leak": values(-0.2, 0.2), "v_threshold": values(0.5, 1.5), "v_reset": values(-0.5, 0)]
        case .cubaLIF: p = ["tau_syn": values(2e-4, 1e-3), "tau_mem": values(2e-4, 1e-3), "r": values(0.5, 3), "v_leak": values(-0.2, 0.2),
                            "v_threshold": values(0.5, 1.5), "v_reset": values(-0.5, 0), "w_in": values(0.5, 2)]
        case .integrateAndFire: p = ["r": values(2000, 9000), "v_threshold": values(0.5, 1.5), "v_reset": values(-0.5, 0)]
        default: p = ["threshold": values(0.2, 0.8)]
        }
        var many = try Neurons(n, type, p)
        var single = try (0..<n).map { j in try Neurons(1, type, p.mapValues { [$0[j]] }) }
        var v = (0..<n).map { j in Double(p["v_leak"]?[j] ?? 0) }, s = [Double](repeating: 0, count: n)
        var spikes = 0, idle = 0
        for step in 0..<60 {
            let input = (0..<n).map { _ in rng.next() % 3 == 0 ? 0 : rng.nextUnit() * 1.5 - 0.3 }
            let (fired, active) = many.step(input)
            var expectedActive = 0
            for j in 0..<n {
                let (one, oneActive) = single[j].step([input[j]])
                #expect(many.v[j].bitPattern == single[j].v[0].bitPattern && many.synaptic[j].bitPattern == single[j].synaptic[0].bitPattern,
                        "neuron \(j) step \(step)")
                #expect(fired.contains(Int32(j)) == !one.isEmpty)
                expectedActive += oneActive
                // The equations as written (NIR, forward Euler), not as the implementation arranges them.
                let x = input[j], th = Double(p["v_threshold"]?[j] ?? p["threshold"]![j]), reset = Double(p["v_reset"]?[j] ?? 0)
                var u: Double
                switch type {
                case .lif: u = v[j] + dt / Double(p["tau"]![j]) * (Double(p["v_leak"]![j]) - v[j] + Double(p["r"]![j]) * x)
                case .cubaLIF:
                    s[j] += dt / Double(p["tau_syn"]![j]) * (-s[j] + Double(p["w_in"]![j]) * x)
                    u = v[j] + dt / Double(p["tau_mem"]![j]) * (Double(p["v_leak"]![j]) - v[j] + Double(p["r"]![j]) * s[j])
                case .integrateAndFire: u = v[j] + dt * Double(p["r"]![j]) * x
                default: u = x
                }
                if abs(u - th) > 1e-9 { #expect((u > th) == fired.contains(Int32(j)), "neuron \(j) step \(step): \(u) against \(th)") }
                v[j] = u > th ? reset : u
                #expect(abs(v[j] - many.v[j]) < 1e-9, "neuron \(j) step \(step)")
                v[j] = many.v[j]  // follow the implementation past a crossing within rounding
                s[j] = many.synaptic[j]
            }
            #expect(active == expectedActive)
            spikes += fired.count
            idle += n - active
        }
        #expect(spikes > 10)
        if type == .threshold { #expect(idle > 0) }  // zero inputs are idle neuron-steps
    }
}

/// The subtractive reset (reset_mode 1), worked by hand: IF with dt·R = 1, θ = 1. Inputs 1.5, 0.2, 0, 1.2:
/// step 0: v = 1.5 > 1, spikes and stays 1.5; step 1: v = 1.5 + 0.2 − 1 = 0.7; step 2: 0.7; step 3: 1.9, spikes.
/// A LIF neuron with β = 0.5 (τ = 2·dt, R = τ/dt = 2) and input 3: step 0: v = 3, spikes; step 1: v = 0.5·3 + 3 − 1 = 3.5,
/// spikes; step 2: 0.5·3.5 + 0 − 1 = 0.75. With reset_mode 0 the same LIF neuron resets to 0: 3 → 0, then 3 → 0, then 0.
@Suite struct SubtractiveResetTests {
    @Test func ifAndLIFLeaveTheMembraneAndSubtractTheThresholdNextStep() throws {
        var ifn = try Neurons(1, .integrateAndFire, ["r": [10_000], "v_threshold": [1], "v_reset": [0], "reset_mode": [1]])
        var trace: [Double] = [], spikes: [Int] = []
        for (t, x) in [1.5, 0.2, 0, 1.2].enumerated() {
            if !ifn.step([x]).fired.isEmpty { spikes.append(t) }
            trace.append(ifn.v[0])
        }
        #expect(spikes == [0, 3])
        #expect(zip(trace, [1.5, 0.7, 0.7, 1.9]).allSatisfy { abs($0 - $1) < 1e-12 }, "\(trace)")

        for (mode, expected, fires) in [(Float(1), [3.0, 3.5, 0.75], [0, 1]), (0, [0, 0, 0], [0, 1])] {
            var lif = try Neurons(1, .lif, ["tau": [2e-4], "r": [2], "v_leak": [0], "v_threshold": [1], "v_reset": [0], "reset_mode": [mode]])
            var v: [Double] = [], fired: [Int] = []
            for (t, x) in [3.0, 3, 0].enumerated() {
                if !lif.step([x]).fired.isEmpty { fired.append(t) }
                v.append(lif.v[0])
            }
            // τ = 2e-4 s is not exact in F32, so dt/τ is 0.5 to within 4e-8.
            #expect(fired == fires && zip(v, expected).allSatisfy { abs($0 - $1) < 1e-6 }, "reset_mode \(mode): \(v)")
        }
        #expect(throws: NetworkError.self) { try Neurons(1, .lif, ["tau": [2e-4], "r": [2], "v_leak": [0], "v_threshold": [1], "v_reset": [0], "reset_mode": [2]]) }
    }
}

/// Refractory periods, worked by hand: IF with dt·R = 1, θ = 1, v_reset = 0, refractory 3·dt, input 0.6 every step.
/// v: 0.6, 1.2 → spike at step 1 (v = 0); steps 2 and 3 held at 0 (idle, no spike); step 4 (= 1 + 3): 0.6; step 5:
/// 1.2 → spike; steps 6, 7 held; step 8: 0.6. A second neuron without a refractory period (in the same population)
/// spikes at 1, 3, 5, 7.
@Suite struct RefractoryTests {
    @Test func aNeuronIsHeldUntilItsPeriodEnds() throws {
        var n = try Neurons(2, .integrateAndFire, ["r": [10_000], "v_threshold": [1], "v_reset": [0], "refractory": [3e-4, 0]])
        var spikes: [[Int32]] = [], active: [Int] = [], v: [Double] = []
        for _ in 0..<9 {
            let (fired, busy) = n.step([0.6, 0.6])
            spikes.append(fired); active.append(busy); v.append(n.v[0])
        }
        #expect(spikes == [[], [0, 1], [], [1], [], [0, 1], [], [1], []])
        #expect(active == [2, 2, 1, 1, 2, 2, 1, 1, 2])
        #expect(zip(v, [0.6, 0, 0, 0, 0.6, 0, 0, 0, 0.6]).allSatisfy { abs($0 - $1) < 1e-6 }, "\(v)")
        // A period that is not a whole number of steps is refused.
        #expect(throws: NetworkError.self) { try Neurons(1, .integrateAndFire, ["r": [10_000], "v_threshold": [1], "v_reset": [0], "refractory": [1.5e-4]]) }
    }
}

/// TrueNorth neurons with expected values worked out by hand from Cassidy et al. 2013's equations, or by a
/// transcription of those equations in Int32 written here.
@Suite struct TrueNorthNeuronsTests {

    /// The old population's cases: weights (2, −1) on axon types 0 and 1 become the input 3·2 − 1·1 = 5 per step.
    @Test func integrateLeakFireAndTheThreeResetModes() throws {
        // Per step: +5 − 1 (leak) = +4. Step 0: V = 4; step 1: V = 8 ≥ α = 5 → spike, then reset.
        for (mode, value, after) in [(Float(0), Float(1), 1.0), (1, 0, 3), (2, 0, 8)] {
            var n = try Neurons(1, .trueNorth, ["alpha": [5], "beta": [2], "leak": [-1], "reset": [mode], "reset_value": [value]])
            #expect(n.step([5]).fired == [] && n.v == [4])
            #expect(n.step([5]).fired == [0], "γ = \(mode)")
            #expect(n.v == [after], "γ = \(mode)")
        }
    }

    @Test func negativeThresholdSaturatesOrResets() throws {
        // One step of input −5: V = −5 − 1 = −6 < −β = −2.
        for (mode, saturate, after) in [(Float(0), Float(1), -2.0), (0, 0, -1), (1, 0, -4), (2, 0, -6)] {
            var n = try Neurons(1, .trueNorth, ["alpha": [5], "beta": [2], "leak": [-1], "reset": [mode], "reset_value": [1],
                                    "negative_saturation": [saturate]])
            #expect(n.step([-5]).fired == [])
            #expect(n.v == [after], "γ = \(mode) κ = \(saturate)")
        }
    }

    @Test func leakReversalDecaysTowardZeroFromBothSides() throws {
        var n = try Neurons(2, .trueNorth, ["alpha": [50], "beta": [50], "leak": [-1], "leak_reversal": [1], "reset": [2]])
        // Neuron 0: +4, then Ω = sgn(4) = +1: −1 → 3. Neuron 1: −1, then Ω = −1: +1 → 0.
        #expect(n.step([4, -1]).active == 2)
        #expect(n.v == [3, 0])
        // At V = 0 the reversed leak does nothing (Ω = 0): neuron 1 is idle.
        #expect(n.step([0, 0]).active == 1 && n.v == [2, 0])
    }

    /// Random inputs and per-neuron parameters over every reset mode, κ and ε, against the
    /// equations transcribed here in Int32.
    @Test func stepsFollowTheEquationsNeuronByNeuron() throws {
        var rng = SplitMix64(seed: 5)
        let n = 37
        let alpha = (0..<n).map { _ in Int32(300 + rng.next() % 200) }, beta = (0..<n).map { _ in Int32(200 + rng.next() % 200) }
        let leak = (0..<n).map { _ in Int32(rng.next() % 21) - 10 }, mode = (0..<n).map { _ in Int32(rng.next() % 3) }
        let resetValue = (0..<n).map { _ in Int32(rng.next() % 11) - 5 }
        let saturate = (0..<n).map { _ in rng.next() % 2 == 0 }, reversal = (0..<n).map { _ in rng.next() % 2 == 0 }
        var neurons = try Neurons(n, .trueNorth, ["alpha": alpha.map(Float.init), "beta": beta.map(Float.init), "leak": leak.map(Float.init),
                                      "reset": mode.map(Float.init), "reset_value": resetValue.map(Float.init),
                                      "negative_saturation": saturate.map { $0 ? 1 : 0 }, "leak_reversal": reversal.map { $0 ? 1 : 0 }])
        var v = [Int32](repeating: 0, count: n)
        var spikes = 0
        for step in 0..<40 {
            let input = (0..<n).map { _ in Int32(rng.next() % 301) - 150 }
            let fired = neurons.step(input.map(Double.init)).fired
            for j in 0..<n {
                var u = v[j] + input[j]
                u += (reversal[j] ? u.signum() : 1) * leak[j]
                let up = u >= alpha[j]
                if up {
                    if mode[j] == 0 { u = resetValue[j] } else if mode[j] == 1 { u -= alpha[j] }
                } else if u < -beta[j] {
                    if saturate[j] { u = -beta[j] } else if mode[j] == 0 { u = -resetValue[j] } else if mode[j] == 1 { u += beta[j] }
                }
                v[j] = min(max(u, -(1 << 19)), (1 << 19) - 1)
                #expect(fired.contains(Int32(j)) == up, "neuron \(j) step \(step)")
                spikes += up ? 1 : 0
            }
            #expect(neurons.v == v.map(Double.init), "step \(step)")
        }
        #expect(spikes > 20)
    }

    @Test func theMembraneSaturatesAtTheRegister() throws {
        var n = try Neurons(2, .trueNorth, ["alpha": [Float(1 << 19) - 1], "beta": [Float(1 << 19) - 1], "reset": [2], "negative_saturation": [0]])
        _ = n.step([400_000, -400_000])
        _ = n.step([400_000, -400_000])  // 800,000 > 2^19 − 1 = 524,287: fires (γ = 2 keeps V), then saturates
        #expect(n.v == [524_287, -524_288])
    }

    @Test func stochasticModesAreReproducibleFromTheSeedAndIndependentOfTheirNeighbours() throws {
        func run(_ size: Int, seed: Float) throws -> (spikes: [[Int32]], v: [Double]) {
            var n = try Neurons(size, .trueNorth, ["alpha": [4], "beta": [4], "leak": [-20], "stochastic_leak": [1], "threshold_mask_bits": [3],
                                       "reset": [1], "negative_saturation": [0], "seed": [seed]])
            let spikes = (0..<40).map { t in n.step((0..<size).map { Double(($0 * 7 + t) % 5) }).fired }
            return (spikes, n.v)
        }
        let a = try run(64, seed: 1234), b = try run(64, seed: 1234), c = try run(64, seed: 4321)
        #expect(a.spikes == b.spikes && a.v == b.v)
        #expect(a.spikes != c.spikes)
        // Neurons 0…12 of 64 draw what a population of 13 draws: draws depend on the neuron, not on its population.
        let small = try run(13, seed: 1234)
        #expect(a.spikes.map { $0.filter { $0 < 13 } } == small.spikes && Array(a.v[0..<13]) == small.v)
        #expect(small.spikes.joined().count > 0)
    }

    @Test func stochasticLeakAndThresholdFollowTheirProbabilities() throws {
        // Leak −64 with c = 1: −1 per step with p = 64/256 = 1/4; 400 steps of 50 neurons → mean −100 each,
        // so a mean of −100 over the 50 with σ ≈ √(400·¼·¾)/√50 ≈ 1.22.
        var leaky = try Neurons(50, .trueNorth, ["alpha": [1], "beta": [Float(1 << 19) - 1], "leak": [-64], "stochastic_leak": [1], "seed": [3]])
        for _ in 0..<400 { _ = leaky.step(Array(repeating: 0, count: 50)) }
        let mean = leaky.v.reduce(0, +) / 50
        #expect(abs(mean + 100) < 5 * 1.22, "mean V \(mean)")
        // +4 per step, α = 1, η uniform on 0…7, reset to 0: from V = 0 a step fires when η ≤ 3 (p = 1/2);
        // otherwise V = 4 and the next step fires surely (8 ≥ 1 + 7). One spike per cycle of mean length
        // 1.5 steps: 37 neurons × 200 steps → 4,933 spikes, σ ≈ 23 (renewal variance).
        var noisy = try Neurons(37, .trueNorth, ["alpha": [1], "threshold_mask_bits": [3], "seed": [4]])
        let fired = (0..<200).reduce(0) { s, _ in s + noisy.step(Array(repeating: 4, count: 37)).fired.count }
        #expect(abs(fired - 4933) < 5 * 23, "\(fired) spikes")
    }

    /// A TrueNorth population on the chip: inputs 0 and 1 feed neuron 0 with weights 3 and −1, input 2 feeds
    /// neuron 1 with 2; α = 4, leak −1, reset to 0. Step 0 (inputs 0, 1): V0 = 3 − 1 − 1 = 1. Step 1 (input 0):
    /// V0 = 1 + 3 − 1 = 3; V1 = 0 − 1 → saturated at −β = 0. Step 2 (inputs 0, 2): V0 = 3 + 3 − 1 = 5 ≥ 4 → spike,
    /// V0 = 0; V1 = 2 − 1 = 1.
    @Test func runsOnTheChip() throws {
        let path = NetworkFiles.temporary("tn.safetensors"), input = NetworkFiles.temporary("tn.npy")
        defer { try? FileManager.default.removeItem(atPath: path); try? FileManager.default.removeItem(atPath: input) }
        func network(weights: [Float], extra: [String: ([Int], [Float])] = [:]) -> [NetworkFiles.Node] {
            var tn = NetworkFiles.Node(name: "tn", type: "TrueNorth", size: 2, params: ["alpha": ([2], [4, 4]), "leak": ([2], [-1, -1])])
            tn.params.merge(extra) { $1 }
            return [.init(name: "in", type: "Input", size: 3), .init(name: "w", type: "Linear", size: 2, params: ["weight": ([2, 3], weights)]),
                    tn, .init(name: "out", type: "Output", size: 2)]
        }
        let edges = [("in", "w"), ("w", "tn"), ("tn", "out")]
        try NetworkFiles.write(network(weights: [3, -1, 0, 0, 0, 2]), edges: edges, to: path)
        try NetworkFiles.writeSpikes(steps: 3, inputs: 3, [(0, 0), (0, 1), (1, 0), (2, 0), (2, 2)], to: input)
        let net = try SpikingNetwork(NetworkGraph(path: path), dtSeconds: 1e-4)
        let mapping = try NetworkMapping(network: net, topology: try Fixtures.handPricedBoard(fanOut: .unicast, tick: false))
        var run = try NetworkRun(mapping: mapping, input: SpikeRaster(npy: input, ids: [0, 1, 2]), sink: DiscardingSink(), record: [1])
        let r = run.run()
        // The input's five spikes, then neuron 0 of tn (global neuron 3) at step 2.
        #expect(r.spikes.events.map { [$0.step, $0.neuron] } == [[0, 0], [0, 1], [1, 0], [2, 0], [2, 2], [2, 3]])
        #expect(r.membranes.map(\.v) == [1, 0, 3, 0, 0, 1])

        // A weight TrueNorth cannot hold, and parameters outside its registers, are refused by name.
        func refusal(_ nodes: [NetworkFiles.Node]) throws -> String {
            try NetworkFiles.write(nodes, edges: edges, to: path)
            do { _ = try SpikingNetwork(NetworkGraph(path: path), dtSeconds: 1e-4); return "accepted" } catch { return "\(error)" }
        }
        #expect(try refusal(network(weights: [3, -1.5, 0, 0, 0, 2])).contains("a weight into TrueNorth population 'tn' is -1.5"))
        #expect(try refusal(network(weights: [300, 0, 0, 0, 0, 2])).contains("is 300.0; TrueNorth synapses take whole numbers in -255...255"))
        #expect(try refusal(network(weights: [3, -1, 0, 0, 0, 2], extra: ["reset": ([2], [0, 3])])).contains("'reset' of TrueNorth node 'tn' is 3.0 at neuron 1"))
        #expect(try refusal(network(weights: [3, -1, 0, 0, 0, 2], extra: ["tau": ([2], [1, 1])])).contains("a parameter 'tau' this type does not take"))
    }

    /// lowbias32 and the draws of docs/networks.md, transcribed here: a neuron's draw per step, and a synaptic
    /// event's, which mixes in the source neuron (network id) and the projection.
    static func mix(_ x: UInt32) -> UInt32 {
        var x = x ^ (x >> 16); x = x &* 0x7FEB_352D; x ^= x >> 15; x = x &* 0x846C_A68B; return x ^ (x >> 16)
    }
    static func rho(seed: UInt32, step: Int, neuron: Int, source: Int, projection: Int) -> Int {
        let neuronDraw = mix(mix(mix(seed) ^ UInt32(step)) ^ (UInt32(neuron) &* 0x9E37_79B1))
        return Int(mix(neuronDraw ^ mix(UInt32(source) &* 0x85EB_CA77 ^ UInt32(projection) &* 0xC2B2_AE3D)) >> 24)
    }

    /// 40 inputs into 50 TrueNorth neurons with stochastic synapses (weights −255…255, no leak, never firing):
    /// each step a spike through weight w adds sgn(w) when its ρ < |w|. The membranes equal that rule applied
    /// here, step by step, on Loihi's 128-axon cores and on 32-axon cores where a partial core reads 8 of the rows.
    @Test func stochasticSynapsesOnTheChip() throws {
        let (inputs, n, steps) = (40, 50, 60)
        let weight = { (j: Int, i: Int) in Float((i * 7 + j * 3) % 511 - 255) }
        let path = NetworkFiles.temporary("tn-syn.safetensors"), input = NetworkFiles.temporary("tn-syn.npy")
        defer { try? FileManager.default.removeItem(atPath: path); try? FileManager.default.removeItem(atPath: input) }
        let big = Float((1 << 19) - 1)
        try NetworkFiles.write([
            .init(name: "in", type: "Input", size: inputs),
            .init(name: "w", type: "Linear", size: n, params: ["weight": ([n, inputs], (0..<n).flatMap { j in (0..<inputs).map { weight(j, $0) } })]),
            .init(name: "tn", type: "TrueNorth", size: n, params: ["alpha": ([n], Array(repeating: big, count: n)), "beta": ([n], Array(repeating: big, count: n)),
                                                               "seed": ([n], Array(repeating: 77, count: n)), "stochastic_synapses": ([n], Array(repeating: 1, count: n))]),
            .init(name: "out", type: "Output", size: n),
        ], edges: [("in", "w"), ("w", "tn"), ("tn", "out")], to: path)
        let fires = { (t: Int, i: Int) in (i + t) % 3 == 0 }
        try NetworkFiles.writeSpikes(steps: steps, inputs: inputs, (0..<steps).flatMap { t in (0..<inputs).filter { fires(t, $0) }.map { (t, $0) } }, to: input)
        var expected: [Double] = [], v = Array(repeating: 0, count: n)
        for t in 0..<steps {
            for j in 0..<n {
                for i in 0..<inputs where fires(t, i) {
                    let w = Int(weight(j, i))
                    if Self.rho(seed: 77, step: t, neuron: j, source: i, projection: 0) < abs(w) { v[j] += w.signum() }
                }
                expected.append(Double(v[j]))
            }
        }
        #expect(Set(expected).count > 20, "the membranes wander")
        let net = try SpikingNetwork(NetworkGraph(path: path), dtSeconds: 1e-4)
        for topology in [try Fixtures.handPricedBoard(fanOut: .unicast, tick: false),
                         try Fixtures.handPricedBoard(mesh: (8, 8), fanOut: .unicast, tick: true)] {
            let mapping = try NetworkMapping(network: net, topology: topology)
            var run = try NetworkRun(mapping: mapping, input: SpikeRaster(npy: input, ids: (0..<Int32(inputs)).map { $0 }), sink: DiscardingSink(), record: [1])
            let r = run.run()
            let got = r.membranes.sorted { ($0.step, $0.neuron) < ($1.step, $1.neuron) }.map(\.v)
            #expect(got == expected, "\(topology.axons) axons")
            #expect(topology.axons >= inputs || mapping.cores.contains { $0.role == .partial })
        }
    }

    /// Weights +64 and −128 from two inputs that fire every step: +1 with p = ¼ and −1 with p = ½, so after 100
    /// steps a mean of −25 per neuron, σ of the mean over 200 neurons √(100·(3/16 + ¼)/200) ≈ 0.47.
    @Test func stochasticSynapsesFollowTheirProbabilities() throws {
        let (n, steps) = (200, 100)
        let path = NetworkFiles.temporary("tn-rate.safetensors"), input = NetworkFiles.temporary("tn-rate.npy")
        defer { try? FileManager.default.removeItem(atPath: path); try? FileManager.default.removeItem(atPath: input) }
        let big = Float((1 << 19) - 1)
        try NetworkFiles.write([
            .init(name: "in", type: "Input", size: 2),
            .init(name: "w", type: "Linear", size: n, params: ["weight": ([n, 2], (0..<n).flatMap { _ in [Float(64), -128] })]),
            .init(name: "tn", type: "TrueNorth", size: n, params: ["alpha": ([n], Array(repeating: big, count: n)), "beta": ([n], Array(repeating: big, count: n)),
                                                               "seed": ([n], Array(repeating: 5, count: n)), "stochastic_synapses": ([n], Array(repeating: 1, count: n))]),
            .init(name: "out", type: "Output", size: n),
        ], edges: [("in", "w"), ("w", "tn"), ("tn", "out")], to: path)
        try NetworkFiles.writeSpikes(steps: steps, inputs: 2, (0..<steps).flatMap { [($0, 0), ($0, 1)] }, to: input)
        let net = try SpikingNetwork(NetworkGraph(path: path), dtSeconds: 1e-4)
        let mapping = try NetworkMapping(network: net, topology: try Fixtures.handPricedBoard(fanOut: .unicast, tick: false))
        var run = try NetworkRun(mapping: mapping, input: SpikeRaster(npy: input, ids: [0, 1]), sink: DiscardingSink(), record: [1])
        let r = run.run()
        let last = r.membranes.filter { $0.step == UInt32(steps - 1) }.map(\.v)
        #expect(last.count == n)
        let mean = last.reduce(0, +) / Double(n)
        #expect(abs(mean + 25) < 5 * 0.47, "mean V \(mean)")
        // The synaptic events are counted as on a deterministic crossbar: each spike reads its row.
        #expect(r.ledger.count(.synapticOp) == 2 * n * steps)
    }

    /// TrueNorth's axon types: six inputs into two TrueNorth neurons with weights (1, 2, 3, 4, 5, 1) and (1, …, 1). With
    /// four types, first-fit gives axons 0–3 types 0–3 (neuron 0 sees 1, 2, 3, 4; neuron 1 sees 1 on each); axon 4's 5 fits
    /// none, so it starts a partial core, where axon 5 joins it: rows of 4 and 2 axons. With two types: axon 0 type 0, axon 1
    /// type 1, axon 2 a new core (3), axon 3 type 1 there, axon 4 a third core, axon 5 type 1 there: rows of 2, 2 and 2.
    /// Loihi's int8 crossbar takes all six in one core. The spikes are the same on all three.
    @Test func axonTypesSplitCores() throws {
        let path = NetworkFiles.temporary("tn-types.safetensors"), input = NetworkFiles.temporary("tn-types.npy")
        defer { try? FileManager.default.removeItem(atPath: path); try? FileManager.default.removeItem(atPath: input) }
        try NetworkFiles.write([
            .init(name: "in", type: "Input", size: 6),
            .init(name: "w", type: "Linear", size: 2, params: ["weight": ([2, 6], [1, 2, 3, 4, 5, 1, 1, 1, 1, 1, 1, 1])]),
            .init(name: "tn", type: "TrueNorth", size: 2, params: ["alpha": ([2], [12, 5])]),
            .init(name: "out", type: "Output", size: 2),
        ], edges: [("in", "w"), ("w", "tn"), ("tn", "out")], to: path)
        try NetworkFiles.writeSpikes(steps: 2, inputs: 6, [(0, 0), (0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (1, 4)], to: input)
        let net = try SpikingNetwork(NetworkGraph(path: path), dtSeconds: 1e-4)
        var spikes: [[UInt64]] = []
        for (topology, rows) in [(try shipped("truenorth"), [4, 2]), (try shipped("truenorth", [("axon_types: 4", "axon_types: 2")]), [2, 2, 2]),
                                 (try shipped("loihi"), [6])] {
            let mapping = try NetworkMapping(network: net, topology: topology)
            #expect(mapping.cores.filter { $0.role != .input }.map(\.axons) == rows, "\(topology.weights)")
            var run = try NetworkRun(mapping: mapping, input: SpikeRaster(npy: input, ids: (0..<6).map { Int32($0) }), sink: DiscardingSink())
            spikes.append(run.run().spikes.events.filter { $0.neuron >= 6 }.map { UInt64($0.step) << 32 | UInt64($0.neuron) }.sorted())
        }
        // Step 0: neuron 0 gets 16 ≥ 12 and neuron 1 gets 6 ≥ 5, both fire (reset to 0); step 1: 5 and 1, neither.
        #expect(spikes[0] == [6, 7] && spikes[1] == spikes[0] && spikes[2] == spikes[0])
    }
}
