#!/usr/bin/env python3
"""Makes the Brian2 reference fixtures of Tests/NetworksTests/Fixtures/ (run it with the
.venv-peers python; scripts/compare-peers.sh does): brian2-lif, brian2-if and brian2-refractory.

Each is a NIR graph built with the `nir` package,

    input: Input(100) -> fc: Affine(100 -> 50) -> lif: LIF (or if: IF) -> output: Output(50)

with dyadic weights and biases (multiples of 1/64 and 1/128, exact in F32), written as X.nir,
converted with nir2spikechip.py into X.safetensors, and simulated by Brian2 (runtime mode,
numpy code generation, method 'euler', defaultclock.dt = DT) on Bernoulli input spike trains
given to a SpikeGeneratorGroup. Brian2 runs with the F32 parameters of the converted file (as
float64), and the numpy reference simulator (refsim.py) must give the same spikes.

The Brian2 model, so that its step is the discretisation of refsim.py (input spikes of step t
reach v in step t):

    dv/dt = (v_leak - v + r*(I + b))/tau : 1     (LIF; IF: dv/dt = r*(I + b) : 1, r in hertz)
    I : 1                                         input current of this step
    threshold 'v > v_threshold', reset 'v = v_reset'
    Synapses(input, neurons, 'w : 1', on_pre='I_post += w'), all 100 x 50 pairs, delay 0

Brian2's default step order is groups (state update), thresholds, synapses, resets, so a spike
that the SpikeGeneratorGroup emits at t*dt (in its 'thresholds' slot) is delivered in the
'synapses' slot after the neurons' update of that step. The neurons' state updater and
thresholder are therefore moved to the 'after_synapses' slot (orders 0 and 1): per step,
generator spikes -> I += w -> v update using I -> v > threshold -> reset -> I = 0
(run_regularly in the 'end' slot). The SpikeMonitor also records in 'end'.

brian2-refractory is brian2-lif with stronger weights and a refractory period of
REFRACTORY_STEPS steps: Brian2's `refractory=` with `(unless refractory)` on dv/dt, and
SpikeChip's own `refractory` parameter (seconds) added to the converted LIF node, which NIR
cannot carry. Brian2's state updater sets not_refractory = timestep(t - lastspike) >=
timestep(refractory), so a neuron that spikes at step s is next updated at step s + k. Euler's update is
v + dt*(v_leak - v + r*(I + b))/tau: the same as refsim's v + (dt/tau)*(v_leak - v + r*I) up to
the order of float64 roundings.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402

import nir  # noqa: E402

import nir2spikechip  # noqa: E402
import refsim  # noqa: E402

ROOT = HERE.parent.parent
OUT = ROOT / "Tests" / "NetworksTests" / "Fixtures"
DT = 1e-4
T = 300
N_IN, N_OUT = 100, 50
P_IN = 0.05
SEED = {"brian2-lif": 404, "brian2-if": 505, "brian2-refractory": 606}
REFRACTORY_STEPS = 5


def build_graph(name: str, rng: np.random.Generator) -> nir.NIRGraph:
    weight = rng.integers(-16, 25, size=(N_OUT, N_IN)) / 64.0
    bias = rng.integers(-4, 5, size=N_OUT) / 128.0
    if name == "brian2-refractory":
        weight = weight * 4  # fires often enough for the refractory period to matter (still dyadic)
    if name in ("brian2-lif", "brian2-refractory"):
        neuron_name = "lif"
        neuron = nir.LIF(
            tau=rng.uniform(8e-3, 12e-3, N_OUT),       # ~10 ms
            r=np.full(N_OUT, 25.0),                    # dt/tau * r ~ 0.25 per step
            v_leak=np.zeros(N_OUT),
            v_threshold=rng.uniform(0.8, 1.2, N_OUT),
            v_reset=np.zeros(N_OUT),
        )
    else:
        neuron_name = "if"
        neuron = nir.IF(
            r=np.full(N_OUT, 1.0 / DT),                # dt * r = 1: v += I per step
            v_threshold=rng.uniform(2.5, 3.5, N_OUT),
            v_reset=np.zeros(N_OUT),
        )
    return nir.NIRGraph(
        nodes={
            "input": nir.Input(input_type=np.array([N_IN])),
            "fc": nir.Affine(weight=weight, bias=bias),
            neuron_name: neuron,
            "output": nir.Output(output_type=np.array([N_OUT])),
        },
        edges=[("input", "fc"), ("fc", neuron_name), (neuron_name, "output")],
    )


def run_brian2(graph: dict, tensors: dict, x: np.ndarray, target: str = "numpy") -> np.ndarray:
    """Spikes [T, N_OUT] of the converted graph's neuron node, simulated by Brian2."""
    import brian2 as b2

    b2.start_scope()
    b2.prefs.codegen.target = target
    b2.defaultclock.dt = DT * b2.second
    fc = next(n for n in graph["nodes"] if n["type"] == "Affine")
    neuron = next(n for n in graph["nodes"] if n["type"] in ("LIF", "IF"))
    p = {k: tensors[v].astype(np.float64) for k, v in neuron["params"].items()}
    refractory = float(p["refractory"][0]) if "refractory" in p else 0.0
    weight = tensors[fc["params"]["weight"]].astype(np.float64)
    bias = tensors[fc["params"]["bias"]].astype(np.float64)

    steps, indices = np.nonzero(x)
    generator = b2.SpikeGeneratorGroup(x.shape[1], indices, steps * DT * b2.second)
    unless = " (unless refractory)" if refractory else ""
    if neuron["type"] == "LIF":
        equations = f"""
        dv/dt = (v_leak - v + r*(I + b))/tau : 1{unless}
        tau : second (constant)
        r : 1 (constant)
        v_leak : 1 (constant)
        """
    else:
        equations = """
        dv/dt = r*(I + b) : 1
        r : hertz (constant)
        """
    equations += """
    I : 1
    b : 1 (constant)
    v_threshold : 1 (constant)
    v_reset : 1 (constant)
    """
    group = b2.NeuronGroup(neuron["size"], equations, threshold="v > v_threshold",
                           reset="v = v_reset", method="euler", refractory=refractory * b2.second)
    group.b = bias
    group.v_threshold = p["v_threshold"]
    group.v_reset = p["v_reset"]
    if neuron["type"] == "LIF":
        group.tau = p["tau"] * b2.second
        group.r = p["r"]
        group.v_leak = p["v_leak"]
    else:
        group.r = p["r"] * b2.hertz
    group.state_updater.when = "after_synapses"
    group.state_updater.order = 0
    group.thresholder["spike"].when = "after_synapses"
    group.thresholder["spike"].order = 1
    clear = group.run_regularly("I = 0", when="end")
    synapses = b2.Synapses(generator, group, "w : 1", on_pre="I_post += w")
    pre, post = np.meshgrid(np.arange(x.shape[1]), np.arange(neuron["size"]), indexing="ij")
    synapses.connect(i=pre.ravel(), j=post.ravel())
    synapses.w = weight[post.ravel(), pre.ravel()]
    monitor = b2.SpikeMonitor(group, when="end")
    network = b2.Network(generator, group, clear, synapses, monitor)
    network.run(x.shape[0] * DT * b2.second)
    spikes = np.zeros((x.shape[0], neuron["size"]), dtype=bool)
    step = np.rint(np.asarray(monitor.t / b2.second) / DT).astype(int)
    spikes[step, np.asarray(monitor.i)] = True
    return spikes


def add_refractory(path: pathlib.Path, seconds: float) -> None:
    """Rewrites the converted file with SpikeChip's `refractory` parameter on its spiking node."""
    graph, tensors, metadata = refsim.load(path)
    nodes = []
    for node in graph["nodes"]:
        params = {k: tensors[v] for k, v in node["params"].items()}
        if node["type"] in ("LIF", "IF"):
            params["refractory"] = np.full(node["size"], seconds)
        nodes.append({"name": node["name"], "type": node["type"], "size": node["size"], "params": params})
    nir2spikechip.write_network(path, nodes, [tuple(e) for e in graph["edges"]], source=metadata.get("source", ""),
                                metadata={"nir_version": metadata.get("nir_version", "")})


def make(name: str, out: pathlib.Path) -> dict:
    import brian2 as b2

    rng = np.random.default_rng(SEED[name])
    graph = build_graph(name, rng)
    x = (rng.random((T, N_IN)) < P_IN).astype(np.float32)
    nir_path, st_path = out / f"{name}.nir", out / f"{name}.safetensors"
    nir.write(nir_path, graph)
    nir2spikechip.convert_file(str(nir_path), str(st_path))
    if name == "brian2-refractory":
        add_refractory(st_path, REFRACTORY_STEPS * DT)
    converted, tensors, _ = refsim.load(st_path)
    neuron = next(n["name"] for n in converted["nodes"] if n["type"] in ("LIF", "IF"))

    start = time.perf_counter()
    spikes = run_brian2(converted, tensors, x)
    seconds = time.perf_counter() - start
    reference = refsim.simulate(converted, tensors, x, dt=DT)
    mismatches = int(np.sum(spikes != reference.spikes[neuron]))

    expected = {
        "network": name,
        "simulator": "brian2",
        "brian2": b2.__version__,
        "T": T,
        "dt": DT,
        "dtype": "float64",
        "nir": nir.__version__,
        "seed": SEED[name],
        "input": f"{name}-input.npy",
        "populations": {neuron: refsim.spike_record(spikes)},
        "output": neuron,
    }
    np.save(out / f"{name}-input.npy", x)
    (out / f"{name}-expected.json").write_text(json.dumps(expected) + "\n")
    return {
        "mismatches": mismatches,
        "margin": reference.margin[neuron],
        "rate": float(spikes.mean()),
        "seconds": seconds,
        "nodes": [f"{n['name']} ({n['type']}, {n['size']})" for n in converted["nodes"]],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=pathlib.Path, default=OUT)
    parser.add_argument("networks", nargs="*", default=list(SEED))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    failed = False
    for name in args.networks:
        s = make(name, args.out)
        print(f"make_brian2_fixture: {name}: {' -> '.join(s['nodes'])}", file=sys.stderr)
        print(f"  firing rate per step {s['rate']:.1%}; Brian2 run {s['seconds']:.1f} s; numpy reference vs "
              f"Brian2: {s['mismatches']} neuron-steps differ; closest |v - thr| {s['margin']:.3g}",
              file=sys.stderr)
        failed |= s["mismatches"] != 0
    if failed:
        print("make_brian2_fixture: the numpy reference does not reproduce Brian2", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
