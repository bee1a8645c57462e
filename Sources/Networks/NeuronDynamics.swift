/// The neuron model of one population, with NIR's per-neuron parameters, integrated with
/// forward Euler at the network's time step `dt`:
///
/// - LIF: v ← v + (dt/τ)·(v_leak − v + R·I)
/// - CubaLIF: I_syn ← I_syn + (dt/τ_syn)·(−I_syn + w_in·I), then v ← v + (dt/τ_mem)·(v_leak − v + R·I_syn)
/// - IF: v ← v + dt·R·I
/// - Threshold: no state; spikes when I > θ
///
/// A neuron spikes when v > v_threshold (strictly, as snnTorch and NIR's reference
/// simulators do) and v is then set to v_reset. snnTorch's `Leaky(beta)` exports as
/// τ = dt/(1 − β), R = τ/dt, so that this update is its `mem ← β·mem + I` with reset to zero.
/// State and arithmetic are Double; weights and parameters come from F32 tensors.
public struct NeuronDynamics: Sendable {
    public enum Kind: String, Sendable { case integrateAndFire = "IF", lif = "LIF", cubaLIF = "CubaLIF", threshold = "Threshold" }

    public let kind: Kind
    /// v ← v·keep + I·gain + drive per step (LIF, IF, and CubaLIF's membrane).
    let keep: ContiguousArray<Double>
    let gain: ContiguousArray<Double>
    let drive: ContiguousArray<Double>
    /// CubaLIF synaptic current: I_syn ← I_syn·synKeep + I·synGain.
    let synKeep: ContiguousArray<Double>
    let synGain: ContiguousArray<Double>
    let threshold: ContiguousArray<Double>
    let reset: ContiguousArray<Double>
    /// Membrane at rest, where a run starts: v_leak (LIF, CubaLIF), else 0.
    let rest: ContiguousArray<Double>

    public var size: Int { threshold.count }

    init(_ node: NetworkGraph.Node, dtSeconds dt: Double) throws {
        let p = node.parameters.mapValues { ContiguousArray($0.lazy.map(Double.init)) }
        let n = node.size
        func ratio(_ tau: ContiguousArray<Double>) throws -> ContiguousArray<Double> {
            let k = ContiguousArray(tau.lazy.map { dt / $0 })
            if let bad = k.firstIndex(where: { $0 > 1 }) {
                throw NetworkError.invalidGraph("'\(node.name)': dt / τ is \(k[bad]) at neuron \(bad); forward Euler needs τ ≥ dt (\(dt) s): pass a smaller --dt-ns")
            }
            return k
        }
        let zeros = ContiguousArray<Double>(repeating: 0, count: n)
        switch node.type {
        case .lif:
            let k = try ratio(p["tau"]!)
            kind = .lif
            keep = ContiguousArray(k.lazy.map { 1 - $0 })
            gain = ContiguousArray(zip(k, p["r"]!).map { $0 * $1 })
            drive = ContiguousArray(zip(k, p["v_leak"]!).map { $0 * $1 })
            synKeep = zeros; synGain = zeros
        case .cubaLIF:
            let km = try ratio(p["tau_mem"]!), ks = try ratio(p["tau_syn"]!)
            kind = .cubaLIF
            keep = ContiguousArray(km.lazy.map { 1 - $0 })
            gain = ContiguousArray(zip(km, p["r"]!).map { $0 * $1 })
            drive = ContiguousArray(zip(km, p["v_leak"]!).map { $0 * $1 })
            synKeep = ContiguousArray(ks.lazy.map { 1 - $0 })
            synGain = ContiguousArray(zip(ks, p["w_in"]!).map { $0 * $1 })
        case .integrateAndFire:
            kind = .integrateAndFire
            keep = ContiguousArray(repeating: 1, count: n)
            gain = ContiguousArray(p["r"]!.lazy.map { dt * $0 })
            drive = zeros; synKeep = zeros; synGain = zeros
        case .threshold:
            kind = .threshold
            keep = zeros; gain = ContiguousArray(repeating: 1, count: n); drive = zeros; synKeep = zeros; synGain = zeros
        default:
            preconditionFailure("\(node.type) has no dynamics")
        }
        rest = p["v_leak"] ?? zeros
        threshold = node.type == .threshold ? p["threshold"]! : p["v_threshold"]!
        reset = node.type == .threshold ? zeros : p["v_reset"]!
    }

    /// The membrane potential neuron `i` starts at.
    func initial(_ i: Int) -> Double { rest[i] }

    /// Advances neurons `range` one step with input currents `input` (indexed from `range.lowerBound`);
    /// appends the indices of the neurons that fire to `fired` and returns how many neurons were
    /// active. A neuron is idle when it gets no input and its state is at rest (membrane at `rest`,
    /// no synaptic current), so that the step leaves it unchanged and a chip may skip its update
    /// (Loihi's inactive compartments; SANA-FE's `idle` status); every other neuron is active.
    @inline(__always)
    func step(_ range: Range<Int>, v: UnsafeMutablePointer<Double>, synaptic: UnsafeMutablePointer<Double>,
              input: UnsafePointer<Double>, fired: inout [Int32]) -> Int {
        let base = range.lowerBound
        var active = 0
        for i in range {
            let x = input[i - base]
            var u: Double
            switch kind {
            case .threshold:
                active &+= x != 0 ? 1 : 0
                u = x
            case .cubaLIF:
                active &+= x != 0 || v[i] != rest[i] || synaptic[i] != 0 ? 1 : 0
                let s = synaptic[i] * synKeep[i] + x * synGain[i]
                synaptic[i] = s
                u = v[i] * keep[i] + s * gain[i] + drive[i]
            case .lif, .integrateAndFire:
                active &+= x != 0 || v[i] != rest[i] ? 1 : 0
                u = v[i] * keep[i] + x * gain[i] + drive[i]
            }
            if u > threshold[i] {
                fired.append(Int32(i))
                u = reset[i]
            }
            v[i] = u
        }
        return active
    }
}
