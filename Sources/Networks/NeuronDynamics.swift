/// The neuron model of one population, with NIR's per-neuron parameters, integrated with
/// forward Euler at the network's time step `dt`:
///
/// - LIF: v ← v + (dt/τ)·(v_leak − v + R·I)
/// - CubaLIF: I_syn ← I_syn + (dt/τ_syn)·(−I_syn + w_in·I), then v ← v + (dt/τ_mem)·(v_leak − v + R·I_syn)
/// - IF: v ← v + dt·R·I
/// - Threshold: no state; spikes when I > θ
/// - TrueNorth: integer state and arithmetic, see `TrueNorthNeurons`
///
/// A neuron spikes when v > v_threshold (strictly, as snnTorch and NIR's reference
/// simulators do) and v is then set to v_reset; with `reset_mode` 1 (SpikeChip's own) it is left
/// as it is and the next step subtracts v_threshold, as snnTorch's default `subtract` reset does
/// (mem ← β·mem + I − θ·[mem > θ]). snnTorch's `Leaky(beta)` exports as
/// τ = dt/(1 − β), R = τ/dt, so that this update is its `mem ← β·mem + I` with reset to zero.
/// State and arithmetic are Double; weights and parameters come from F32 tensors.
///
/// This is SpikeChip's one neuron implementation: the chip's cores step it
/// (`NetworkChip`) and `spikechip bench neurons` measures it. A new model is a case here, its
/// node type and parameters in `NetworkGraph.NodeType`, and its line in `step`.
public struct NeuronDynamics: Sendable {
    public enum Kind: String, Sendable {
        case integrateAndFire = "IF", lif = "LIF", cubaLIF = "CubaLIF", threshold = "Threshold", trueNorth = "TrueNorth"
    }

    /// One neuron's coefficients, together so that a step reads one 64-byte line per neuron.
    struct Coefficients: Sendable {
        /// v ← v·keep + I·gain + drive per step (LIF, IF, and CubaLIF's membrane).
        var keep = 0.0, gain = 0.0, drive = 0.0
        /// CubaLIF synaptic current: I_syn ← I_syn·synKeep + I·synGain.
        var synKeep = 0.0, synGain = 0.0
        var threshold = 0.0, reset = 0.0
        /// What the next step subtracts from a membrane left above the threshold: v_threshold with
        /// the subtractive reset, else 0 (a membrane reset to v_reset is never left above it).
        var owed = 0.0
        /// 1 when a spike leaves the membrane as it is (the subtractive reset acts on the next step), else 0.
        var holds = 0.0
        /// Steps from a spike to the neuron's next update (its refractory period / dt; 0: none).
        var refractory = 0.0
        /// Membrane at rest, where a run starts: v_leak (LIF, CubaLIF), else 0.
        var rest = 0.0
    }

    public let kind: Kind
    /// One entry per neuron, or a single entry when every neuron has the same (the usual case:
    /// NIR exporters broadcast scalars), so that a step streams only membranes and inputs.
    let coefficients: ContiguousArray<Coefficients>
    /// `i & spread` is neuron i's entry: all ones with an entry per neuron, else 0.
    let spread: Int
    /// Whether any neuron has a refractory period (the step then reads and writes `readyAt`).
    public let hasRefractoryPeriod: Bool
    public let size: Int
    /// The TrueNorth neurons' parameters (nil for the other kinds).
    let trueNorth: TrueNorthNeurons?

    /// Longest refractory period: 2^20 steps.
    public static let maxRefractorySteps = 1 << 20

    /// TrueNorth's 20-bit signed membrane register.
    public static let trueNorthMembrane: ClosedRange<Int32> = -(1 << 19)...((1 << 19) - 1)

    /// The dynamics of a population node (one read from a network file, or built with
    /// `NetworkGraph.Node(population:type:size:parameters:)`), at the model time step `dt`.
    public init(_ node: NetworkGraph.Node, dtSeconds dt: Double) throws {
        let p = node.parameters.mapValues { ContiguousArray($0.lazy.map(Double.init)) }
        func ratio(_ key: String) throws -> ContiguousArray<Double> {
            let k = ContiguousArray(p[key]!.lazy.map { dt / $0 })
            if let bad = k.firstIndex(where: { $0 > 1 }) {
                throw NetworkError.invalidGraph("'\(node.name)': dt / τ is \(k[bad]) at neuron \(bad); forward Euler needs τ ≥ dt (\(dt) s): pass a smaller --dt-ns")
            }
            return k
        }
        var c = ContiguousArray(repeating: Coefficients(), count: node.size)
        trueNorth = node.type == .trueNorth ? TrueNorthNeurons(node.parameters) : nil
        switch node.type {
        case .lif:
            kind = .lif
            let k = try ratio("tau")
            for i in c.indices { c[i].keep = 1 - k[i]; c[i].gain = k[i] * p["r"]![i]; c[i].drive = k[i] * p["v_leak"]![i] }
        case .cubaLIF:
            kind = .cubaLIF
            let km = try ratio("tau_mem"), ks = try ratio("tau_syn")
            for i in c.indices {
                c[i].keep = 1 - km[i]; c[i].gain = km[i] * p["r"]![i]; c[i].drive = km[i] * p["v_leak"]![i]
                c[i].synKeep = 1 - ks[i]; c[i].synGain = ks[i] * p["w_in"]![i]
            }
        case .integrateAndFire:
            kind = .integrateAndFire
            for i in c.indices { c[i].keep = 1; c[i].gain = dt * p["r"]![i] }
        case .threshold:
            kind = .threshold
            for i in c.indices { c[i].threshold = p["threshold"]![i] }
        case .trueNorth:
            kind = .trueNorth  // parameters in `trueNorth`
        default:
            throw NetworkError.invalidGraph("'\(node.name)' is a \(node.type.rawValue) node, which has no neuron dynamics")
        }
        if [.lif, .cubaLIF, .integrateAndFire].contains(node.type) {
            for i in c.indices {
                c[i].threshold = p["v_threshold"]![i]; c[i].reset = p["v_reset"]![i]; c[i].rest = p["v_leak"]?[i] ?? 0
                if p["reset_mode"]![i] == 1 { c[i].owed = c[i].threshold; c[i].holds = 1 }
                guard let steps = wholeSteps(p["refractory"]![i], dt: dt, atMost: Self.maxRefractorySteps) else {
                    throw NetworkError.invalidGraph("'\(node.name)': refractory period \(p["refractory"]![i]) s at neuron \(i) is not a whole number of time steps (≤ \(Self.maxRefractorySteps)) of \(dt) s")
                }
                c[i].refractory = Double(steps)
            }
        }
        size = node.size
        hasRefractoryPeriod = c.contains { $0.refractory > 1 }
        let uniform = c.allSatisfy { sameBytes($0, c[0]) }
        coefficients = uniform ? [c[0]] : c
        spread = uniform ? 0 : -1
    }

    /// The membrane potential neuron `i` starts at.
    func initial(_ i: Int) -> Double { coefficients[i & spread].rest }

    /// Advances neurons `range` one step with input currents `input` (indexed from `range.lowerBound`).
    /// Writes the indices of the neurons that fire to `fired` (room for `range.count`) and returns
    /// how many fired and how many neurons were active. A neuron is idle when it gets no input and
    /// its state is at rest (membrane at `rest`, no synaptic current), so that the step leaves it
    /// unchanged and a chip may skip its update (Loihi's inactive compartments; SANA-FE's `idle`
    /// status); every other neuron is active. `tick` is the time step, which TrueNorth's
    /// stochastic modes draw from and refractory periods count in: a neuron that fires at step s with a
    /// refractory period of k steps is next updated at step s + k (Brian2's rule, `timestep(t − lastspike)
    /// ≥ timestep(refractory)`); until then its membrane (and synaptic current) are held, it cannot fire
    /// and it counts as idle. `readyAt` holds each neuron's next step; it is used only when
    /// `hasRefractoryPeriod`.
    ///
    /// Neurons go four at a time through `Lanes` (the same operations in the same order as one at a
    /// time, so the results are the same bits), and a spike is a blend rather than a branch: every
    /// neuron's index is written at the end of `fired` and kept by advancing the count by 0 or 1,
    /// so that firing at random costs no mispredicted branches.
    public func step(_ range: Range<Int>, tick: Int, v: UnsafeMutablePointer<Double>, synaptic: UnsafeMutablePointer<Double>,
                     readyAt: UnsafeMutablePointer<Double>, input: UnsafePointer<Double>, fired: UnsafeMutablePointer<Int32>) -> (fired: Int, active: Int) {
        if let trueNorth { return trueNorth.step(range, tick: tick, v: v, input: input, fired: fired) }
        let x = input - range.lowerBound
        let kind = kind, refractory = hasRefractoryPeriod, now = SIMD4<Double>(repeating: Double(tick))
        return coefficients.withUnsafeBufferPointer { c in
            var active = 0, count = 0
            // Shared coefficients are read once; per-neuron ones four at a time.
            let shared = spread == 0 ? Lanes(c[0]) : nil
            var i = range.lowerBound
            while i < range.upperBound {
                let valid = min(4, range.upperBound - i)
                let n = shared ?? Lanes(c, from: i, count: valid)
                let old = Lanes.load(v, i, valid), drive = Lanes.load(x, i, valid)
                var u: SIMD4<Double>, busy: SIMDMask<SIMD4<Int64>>
                let ready = refractory ? Lanes.load(readyAt, i, valid) : .zero
                let held = now .< ready
                switch kind {
                case .threshold:
                    busy = drive .!= 0
                    u = drive
                case .cubaLIF:
                    let s0 = Lanes.load(synaptic, i, valid)
                    busy = (drive .!= 0) .| (old .!= n.rest) .| (s0 .!= 0)
                    let s = (s0 * n.synKeep + drive * n.synGain).replacing(with: s0, where: held)
                    Lanes.store(s, synaptic, i, valid)
                    u = old * n.keep + s * n.gain + n.drive - n.owed.replacing(with: SIMD4<Double>.zero, where: .!(old .> n.threshold))
                case .lif, .integrateAndFire, .trueNorth:
                    busy = (drive .!= 0) .| (old .!= n.rest)
                    u = old * n.keep + drive * n.gain + n.drive - n.owed.replacing(with: SIMD4<Double>.zero, where: .!(old .> n.threshold))
                }
                if refractory {
                    u.replace(with: old, where: held)
                    busy = busy .& .!held
                }
                let spike = (u .> n.threshold) .& .!held
                Lanes.store(u.replacing(with: n.reset, where: spike .& (n.holds .== 0)), v, i, valid)
                if refractory { Lanes.store(ready.replacing(with: now + n.refractory, where: spike), readyAt, i, valid) }
                let spikes = unsafeBitCast(spike, to: SIMD4<Int64>.self), busyLanes = unsafeBitCast(busy, to: SIMD4<Int64>.self)
                for lane in 0..<valid {
                    fired[count] = Int32(truncatingIfNeeded: i &+ lane)
                    count &-= Int(spikes[lane])
                    active &-= Int(busyLanes[lane])
                }
                i &+= 4
            }
            return (count, active)
        }
    }

    /// Four neurons' coefficients as vectors (a threshold model's keep, gain and drive unused).
    struct Lanes {
        var keep, gain, drive, synKeep, synGain, threshold, reset, rest, owed, holds, refractory: SIMD4<Double>

        @inline(__always) init(_ n: Coefficients) {
            keep = .init(repeating: n.keep); gain = .init(repeating: n.gain); drive = .init(repeating: n.drive)
            synKeep = .init(repeating: n.synKeep); synGain = .init(repeating: n.synGain)
            threshold = .init(repeating: n.threshold); reset = .init(repeating: n.reset); rest = .init(repeating: n.rest)
            owed = .init(repeating: n.owed); holds = .init(repeating: n.holds); refractory = .init(repeating: n.refractory)
        }

        /// Neurons i…i+count−1 (count ≤ 4; missing lanes repeat neuron i and are never stored).
        @inline(__always) init(_ c: UnsafeBufferPointer<Coefficients>, from i: Int, count: Int) {
            self.init(c[i])
            for lane in 1..<count {
                let n = c[i &+ lane]
                keep[lane] = n.keep; gain[lane] = n.gain; drive[lane] = n.drive; synKeep[lane] = n.synKeep
                synGain[lane] = n.synGain; threshold[lane] = n.threshold; reset[lane] = n.reset; rest[lane] = n.rest
                owed[lane] = n.owed; holds[lane] = n.holds; refractory[lane] = n.refractory
            }
        }

        @inline(__always) static func load(_ p: UnsafePointer<Double>, _ i: Int, _ valid: Int) -> SIMD4<Double> {
            if valid == 4 { return UnsafeRawPointer(p + i).loadUnaligned(as: SIMD4<Double>.self) }
            var out = SIMD4<Double>.zero
            for lane in 0..<valid { out[lane] = p[i &+ lane] }
            return out
        }

        @inline(__always) static func load(_ p: UnsafeMutablePointer<Double>, _ i: Int, _ valid: Int) -> SIMD4<Double> {
            load(UnsafePointer(p), i, valid)
        }

        @inline(__always) static func store(_ value: SIMD4<Double>, _ p: UnsafeMutablePointer<Double>, _ i: Int, _ valid: Int) {
            if valid == 4 { return UnsafeMutableRawPointer(p + i).storeBytes(of: value, as: SIMD4<Double>.self) }
            for lane in 0..<valid { p[i &+ lane] = value[lane] }
        }
    }
}

/// Whether two values have the same bytes (so −0.0 and 0.0 differ, as a step's results would).
func sameBytes<T>(_ a: T, _ b: T) -> Bool {
    withUnsafeBytes(of: a) { x in withUnsafeBytes(of: b) { y in x.elementsEqual(y) } }
}
