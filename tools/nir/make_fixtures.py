#!/usr/bin/env python3
"""Makes the snnTorch reference fixtures of Tests/NetworksTests/Fixtures/ (run it with the
.venv-peers python; scripts/compare-peers.sh does).

For each of the small networks (ff, recurrent, synaptic, subtract; cycle, below) it
1. builds the network with snnTorch under torch.manual_seed(SEED[name]) and runs it in float64
   (net.double()) for T = 50 steps on Bernoulli(p = 0.1) input spikes [T, 200] drawn with
   numpy.random.default_rng(SEED[name]);
2. exports it with snntorch.export_to_nir, writes X.nir with nir.write and converts it with
   nir2spikechip.py into X.safetensors;
3. runs the converted graph with the numpy reference simulator (refsim.py) and requires the
   same spikes, neuron by neuron and step by step;
4. writes X-input.npy (float32 [T, 200]) and X-expected.json (spike counts and spike steps of
   every spiking population, by its node name in the converted graph).

Conventions that make snnTorch's networks mean what their NIR export says (NIR resets v to
v_reset = 0 after a spike and integrates the same step's input on top of that):
- reset_mechanism="zero" everywhere (the export writes v_reset = 0 whatever the mechanism);
- Synaptic and RLeaky use reset_delay=False. With the default reset_delay=True their zero reset
  clears the whole next-step membrane, input included (mem = (1 - reset) * (beta mem + input)),
  i.e. a one-step refractory period that NIR cannot express; Leaky's zero reset only clears the
  old membrane (mem = beta (1 - reset) mem + input), so it is exact either way. The script
  measures the mismatch of the reset_delay=True variants and prints it.
- Every Leaky/Synaptic parameter (beta, alpha, threshold) is a per-neuron tensor: with a scalar
  one, export_to_nir of snnTorch 1.0.0 fails nir 1.0.8's type check (0-d tau against a
  150-wide Affine) or builds a LIF with parameters of different shapes.
- spike_grad is a dtype-preserving Heaviside (v > 0): snnTorch's surrogates return float32
  spikes, which a float64 Linear refuses. The forward values are the same.

`cycle` is two LIF populations in a loop (input -> fc1 -> lif1 -> fc2 -> lif2 -> fcb -> lif1),
which a Sequential cannot hold: it is written as a NIR graph and its reference is snnTorch's own
import of that graph (snntorch.import_from_nir, executed by nirtorch, float32 as nirtorch builds
it). nirtorch feeds lif1 the previous step's fcb output, the edge that closes the cycle as the
graph is walked from its input, and lif1's spikes reach lif2 in the same step.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import sys
import warnings
from collections import OrderedDict

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import nir  # noqa: E402
import snntorch as snn  # noqa: E402
from snntorch.export_nir import export_to_nir  # noqa: E402

import nir2spikechip  # noqa: E402
import refsim  # noqa: E402

ROOT = HERE.parent.parent
OUT = ROOT / "Tests" / "NetworksTests" / "Fixtures"
T = 50
N_IN = 200
P_IN = 0.1
DT = 1e-4  # snnTorch's export_to_nir: tau = dt / (1 - beta), r = tau / dt
SEED = {"ff": 101, "recurrent": 202, "synaptic": 303, "subtract": 404, "cycle": 505}
# Networks whose neurons use snnTorch's default reset (subtract, reset_delay=True), converted with
# nir2spikechip's --reset-mechanism subtract (NIR itself only resets to v_reset).
SUBTRACT = ("subtract",)


def heaviside(x: torch.Tensor) -> torch.Tensor:
    return (x > 0).to(x.dtype)


def linear(n_in: int, n_out: int, gain: float, offset: float) -> torch.nn.Linear:
    """nn.Linear with its default (seeded) init scaled by `gain` and shifted by `offset`, in
    float32, so that the float64 network and its F32 file hold the same values."""
    layer = torch.nn.Linear(n_in, n_out)
    with torch.no_grad():
        layer.weight.mul_(gain).add_(offset)
        layer.bias.mul_(gain)
    return layer


def build(name: str, reset_delay: bool = False) -> tuple[torch.nn.Module, dict]:
    """The network `name`, and its spiking modules' node names in the converted graph."""
    torch.manual_seed(SEED[name])
    zero = dict(init_hidden=True, spike_grad=heaviside, reset_mechanism="zero")
    if name == "ff":
        fc1 = linear(N_IN, 150, gain=2.0, offset=0.01)
        lif1 = snn.Leaky(beta=torch.full((150,), 0.9), threshold=torch.ones(150), **zero)
        fc2 = linear(150, 10, gain=2.0, offset=0.01)
        beta2 = 0.7 + 0.25 * torch.rand(10)
        threshold2 = 0.6 + 0.4 * torch.rand(10)
        lif2 = snn.Leaky(beta=beta2, threshold=threshold2, **zero)
        names = {"lif1": "lif1", "lif2": "lif2"}
    elif name == "recurrent":
        fc1 = linear(N_IN, 64, gain=2.0, offset=0.015)
        lif1 = snn.RLeaky(beta=0.9, threshold=1.0, all_to_all=True, linear_features=64,
                          reset_delay=reset_delay, **zero)
        with torch.no_grad():
            lif1.recurrent.weight.mul_(2.0)
        fc2 = linear(64, 10, gain=2.0, offset=0.04)
        lif2 = snn.Leaky(beta=torch.full((10,), 0.9), threshold=torch.ones(10), **zero)
        names = {"lif1": "lif1.lif", "lif2": "lif2"}
    elif name == "subtract":
        # snnTorch's defaults: reset_mechanism="subtract", reset_delay=True, a Leaky then a Synaptic layer.
        fc1 = linear(N_IN, 120, gain=2.0, offset=0.01)
        lif1 = snn.Leaky(beta=torch.full((120,), 0.85), threshold=torch.ones(120), init_hidden=True, spike_grad=heaviside)
        fc2 = linear(120, 10, gain=1.5, offset=0.02)
        lif2 = snn.Synaptic(alpha=torch.full((10,), 0.7), beta=0.7 + 0.25 * torch.rand(10), threshold=0.6 + 0.4 * torch.rand(10),
                            init_hidden=True, spike_grad=heaviside)
        names = {"lif1": "lif1", "lif2": "lif2"}
    elif name == "synaptic":
        fc1 = linear(N_IN, 64, gain=1.0, offset=0.0)
        lif1 = snn.Synaptic(alpha=torch.full((64,), 0.8), beta=torch.full((64,), 0.9),
                            threshold=torch.ones(64), reset_delay=reset_delay, **zero)
        fc2 = linear(64, 10, gain=1.5, offset=0.03)
        lif2 = snn.Leaky(beta=torch.full((10,), 0.9), threshold=torch.ones(10), **zero)
        names = {"lif1": "lif1", "lif2": "lif2"}
    else:
        raise ValueError(name)
    net = torch.nn.Sequential(OrderedDict(fc1=fc1, lif1=lif1, fc2=fc2, lif2=lif2))
    return net.double(), names


def build_cycle() -> tuple[nir.NIRGraph, dict]:
    """The `cycle` network as a NIR graph (snnTorch's Leaky(beta = 0.9) as exported: tau = dt / (1 - beta),
    r = tau / dt), and its spiking nodes' names."""
    rng = np.random.default_rng(SEED["cycle"])
    n1, n2 = 48, 32
    tau = DT / (1 - 0.9)

    def lif(n: int) -> nir.LIF:
        return nir.LIF(tau=np.full(n, tau, np.float32), r=np.full(n, tau / DT, np.float32), v_leak=np.zeros(n, np.float32),
                       v_threshold=np.ones(n, np.float32), v_reset=np.zeros(n, np.float32))
    nodes = {
        "input": nir.Input(input_type=np.array([N_IN])),
        "fc1": nir.Linear(weight=rng.normal(0.02, 0.12, (n1, N_IN)).astype(np.float32)),
        "lif1": lif(n1),
        "fc2": nir.Linear(weight=rng.normal(0.05, 0.3, (n2, n1)).astype(np.float32)),
        "lif2": lif(n2),
        "fcb": nir.Linear(weight=rng.normal(0.0, 0.35, (n1, n2)).astype(np.float32)),
        "output": nir.Output(output_type=np.array([n2])),
    }
    edges = [("input", "fc1"), ("fc1", "lif1"), ("lif1", "fc2"), ("fc2", "lif2"), ("lif2", "fcb"), ("fcb", "lif1"),
             ("lif2", "output")]
    return nir.NIRGraph(nodes=nodes, edges=edges), {"lif1": "lif1", "lif2": "lif2"}


def run_nirtorch(graph: nir.NIRGraph, modules, x: np.ndarray) -> dict:
    """snnTorch's import of `graph`, stepped T times: spikes and membranes (after the step) of the spiking
    `modules`, by name."""
    from snntorch.import_nir import import_from_nir
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = import_from_nir(graph)
    record = {name: ([], []) for name in modules}

    def hook(name: str):
        def keep(module, inputs, output) -> None:   # returns None: the module's output is left as it is
            record[name][0].append(output[0].numpy().copy())
            record[name][1].append(module.mem[0].numpy().copy())
        return keep
    for name in record:
        getattr(net, name).register_forward_hook(hook(name))
    state = None
    with torch.no_grad():
        for t in range(len(x)):
            _, state = net(torch.from_numpy(x[t]).unsqueeze(0), state)
    return {n: (np.array(s) > 0, np.array(v, dtype=np.float64)) for n, (s, v) in record.items()}


def make_input(name: str) -> np.ndarray:
    rng = np.random.default_rng(SEED[name])
    return (rng.random((T, N_IN)) < P_IN).astype(np.float32)


def run_snntorch(net: torch.nn.Module, x: np.ndarray) -> dict:
    """Spikes [T, n] and membranes [T, n] (after the step, as snnTorch keeps them) of every
    spiking module, by module name."""
    for module in net.modules():
        if isinstance(module, snn.SpikingNeuron):
            module.reset_mem()
    spikes = {n: [] for n, m in net.named_children() if isinstance(m, snn.SpikingNeuron)}
    mems = {n: [] for n in spikes}
    with torch.no_grad():
        for t in range(len(x)):
            h = torch.from_numpy(x[t]).double().unsqueeze(0)
            for n, module in net.named_children():
                h = module(h)
                if n in spikes:
                    spikes[n].append(h[0].numpy().copy())
                    mems[n].append(module.mem[0].numpy().copy())
    return {n: (np.array(spikes[n]) > 0, np.array(mems[n])) for n in spikes}


def export(net: torch.nn.Module, nir_path: pathlib.Path, st_path: pathlib.Path, reset: str = "zero") -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = export_to_nir(net, torch.zeros(1, N_IN, dtype=torch.float64), ignore_dims=[0])
    # nirtorch builds the edge list from a set: sort it so that X.nir is the same file each run.
    graph.edges = sorted(graph.edges)
    nir.write(nir_path, graph)
    nir2spikechip.convert_file(str(nir_path), str(st_path), reset)
    return graph


def compare(name: str, reference: dict, names: dict, result: refsim.Result) -> int:
    mismatches = 0
    for module, node in names.items():
        spikes, _ = reference[module]
        differ = int(np.sum(spikes != result.spikes[node]))
        mismatches += differ
        if differ:
            where = np.argwhere(spikes != result.spikes[node])[:5].tolist()
            print(f"  {name}: {node}: {differ} neuron-steps differ (first [t, i]: {where})", file=sys.stderr)
    return mismatches


def make(name: str, out: pathlib.Path) -> dict:
    x = make_input(name)
    nir_path, st_path = out / f"{name}.nir", out / f"{name}.safetensors"
    reset = "subtract" if name in SUBTRACT else "zero"
    if name == "cycle":
        net = None
        graph_nir, names = build_cycle()
        reference = run_nirtorch(graph_nir, names, x)
        nir.write(nir_path, graph_nir)
        nir2spikechip.convert_file(str(nir_path), str(st_path), reset)
    else:
        net, names = build(name)
        reference = run_snntorch(net, x)
        export(net, nir_path, st_path, reset)
    graph, tensors, _ = refsim.load(st_path)
    graph_names = {n["name"] for n in graph["nodes"]}
    for node in names.values():
        assert node in graph_names, f"{name}: {node} not in the converted graph {sorted(graph_names)}"
    result = refsim.simulate(graph, tensors, x, dt=DT)
    mismatches = compare(name, reference, names, result)

    # How far the F32 file's arithmetic is from snnTorch's float64 one: membrane difference
    # where both hold the value before reset (Leaky with reset_delay=True keeps it; otherwise
    # only at steps without a spike), and the closest approach to threshold.
    mem_error = 0.0
    for module, node in names.items():
        spikes, mem = reference[module]
        # The cycle's neurons come from snnTorch's import: Leaky with reset_delay=False, reset within the step.
        leaky = net is not None and isinstance(net._modules[module], snn.Leaky) and not isinstance(net._modules[module], snn.RLeaky)
        keep = np.ones_like(spikes) if name in SUBTRACT or leaky else ~spikes
        mem_error = max(mem_error, float(np.max(np.abs(mem - result.v[node])[keep], initial=0.0)))
    margin = min(result.margin[node] for node in names.values())

    # The effect of coefficients stored as F32: (dt/tau) r and 1 - dt/tau against 1 and beta.
    coefficient_error = 0.0
    for node in graph["nodes"]:
        if node["type"] in ("LIF", "CubaLIF"):
            q = {k: tensors[v].astype(np.float64) for k, v in node["params"].items()}
            tau = q.get("tau", q.get("tau_mem"))
            coefficient_error = max(coefficient_error, float(np.max(np.abs(DT / tau * q["r"] - 1))))

    output = None
    for a, b in graph["edges"]:
        if next(n for n in graph["nodes"] if n["name"] == b)["type"] == "Output":
            output = a
    populations = {node: refsim.spike_record(reference[module][0]) for module, node in names.items()}
    expected = {
        "network": name,
        "simulator": "snntorch (import_from_nir, nirtorch)" if net is None else "snntorch",
        "T": T,
        "dt": DT,
        "dtype": "float32" if net is None else "float64",
        "snntorch": snn.__version__,
        "torch": torch.__version__.split("+")[0],
        "nir": nir.__version__,
        "seed": SEED[name],
        "input": f"{name}-input.npy",
        "reset": reset,
        "delayed_edges": [list(e) for e in result.delayed],
        "populations": populations,
        "output": output,
    }
    np.save(out / f"{name}-input.npy", x)
    (out / f"{name}-expected.json").write_text(json.dumps(expected) + "\n")

    summary = {
        "mismatches": mismatches,
        "margin": margin,
        "mem_error": mem_error,
        "coefficient_error": coefficient_error,
        "rates": {node: float(reference[module][0].mean()) for module, node in names.items()},
        "nodes": [f"{n['name']} ({n['type']}, {n['size']})" for n in graph["nodes"]],
        "delayed": result.delayed,
    }
    # The default reset_delay=True of Synaptic/RLeaky: how far from the NIR meaning.
    if name in ("recurrent", "synaptic"):
        delayed_net, _ = build(name, reset_delay=True)
        delayed_ref = run_snntorch(delayed_net, x)
        summary["reset_delay_true_mismatches"] = sum(
            int(np.sum(delayed_ref[m][0] != result.spikes[n])) for m, n in names.items())
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=pathlib.Path, default=OUT)
    parser.add_argument("networks", nargs="*", default=list(SEED))
    args = parser.parse_args()
    torch.set_num_threads(1)
    args.out.mkdir(parents=True, exist_ok=True)
    failed = False
    for name in args.networks:
        s = make(name, args.out)
        rates = ", ".join(f"{k} {v:.1%}" for k, v in s["rates"].items())
        print(f"make_fixtures: {name}: {' -> '.join(s['nodes'])}", file=sys.stderr)
        print(f"  firing rates per step: {rates}; delayed edges: {s['delayed']}", file=sys.stderr)
        print(f"  numpy reference vs snnTorch: {s['mismatches']} neuron-steps differ; closest |v - thr| "
              f"{s['margin']:.3g}; max |v_ref - mem_snntorch| {s['mem_error']:.3g}; "
              f"max |(dt/tau) r - 1| (F32 params) {s['coefficient_error']:.3g}", file=sys.stderr)
        if "reset_delay_true_mismatches" in s:
            print(f"  with snnTorch's default reset_delay=True: {s['reset_delay_true_mismatches']} "
                  f"neuron-steps differ from the NIR meaning", file=sys.stderr)
        failed |= s["mismatches"] != 0
    if failed:
        print("make_fixtures: the numpy reference does not reproduce snnTorch", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
