#!/usr/bin/env python3
"""Wall-clock time of one seeded random spiking network at growing sizes in Brian2 (runtime mode
and C++ standalone), SpikeChip (`spikechip network`) and, where it fits in memory, SANA-FE.

    .venv-peers/bin/python tools/nir/scaling.py [--sizes 1000 10000 100000 1000000] [--budget 900]

The network at size N (seed 2024 + N):

    input: N neurons, Bernoulli spikes with p = 0.02 per step
      -> sparse random projection, fixed fan-in 100 (no repeated source per neuron),
         weights k/64 with k uniform in [-4, 8] without 0
    lif:   N LIF neurons, tau uniform in [8, 12] ms, r = 100, v_leak = 0, threshold 1, reset 0
      -> sparse recurrent projection lif -> lif, fixed fan-in 10, weights k/64, k in [-8, 4] without 0
         (a cycle: SpikeChip and Brian2 both deliver it one step later)

dt = 0.1 ms. T per size is chosen for about 10^(5 + 4 (log10 N - 3) / 3) synaptic events: 1e5,
1e6.3, 1e7.7 and 1e9 at N = 1e3 ... 1e6 (about 2.5 N events per step). SpikeChip gets it as `Input -> SparseLinear -> LIF <-> SparseLinear`
(tools/nir/nir2spikechip.write_network) and runs on `--topology loihi` with
`--set core.axons=65536` (so that the fan-in of 100 from a million sources needs at most two
cores per block) and enough chips (`--set system.chips.x=K`). Brian2 uses the discretisation of
tools/nir/make_brian2_fixture.py (state update and threshold after the synapses, I = 0 at the end
of the step, Euler), in float64 with the network's F32 parameters; its C++ standalone build is
compiled without -ffast-math and without FMA contraction, so that it rounds as the runtime does.
SANA-FE runs its own Loihi model of the same network (leak_decay = 1 - dt/tau, weights times
dt*r/tau, every edge one step late, potentials on a 1/64 grid), so its spikes are not compared,
only its time.

Every simulator runs in a subprocess with a timeout; before each run the time is predicted from
the previous size (seconds per synaptic event and per neuron-step) and the run is skipped when the
prediction exceeds what is left of --budget seconds. Skipped runs are listed. Per-neuron spike
counts of Brian2 (runtime, standalone) and SpikeChip must agree; mismatching neurons are counted.
Files: out/scaling/ (network files, inputs, per-run JSON, scaling.json).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import pathlib
import shutil
import subprocess
import sys
import time
from typing import Dict, List, Optional

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))

DT = 1e-4
P_IN = 0.02
FAN_IN = 100
REC_FAN_IN = 10
R = 100.0
# Input: P_IN * FAN_IN = 2 events per neuron and step; recurrent: ~5% firing x 10.
EVENTS_PER_NEURON_STEP = 2.5
BINARY = ROOT / ".build" / "dev" / "release" / "spikechip"
SIMULATORS = ("brian2-runtime", "brian2-standalone", "spikechip", "sanafe")


def steps_for(n: int) -> int:
    """T for about 10^(5 + 4 (log10 N - 3) / 3) synaptic events (1e5 at N = 1e3 ... 1e9 at N = 1e6),
    at about EVENTS_PER_NEURON_STEP events per LIF neuron and step."""
    exponent = 5.0 + 4.0 * (math.log10(n) - 3.0) / 3.0
    return max(20, int(round(10 ** exponent / (EVENTS_PER_NEURON_STEP * n))))


# ---------------------------------------------------------------------------------------------
# The network


def fixed_fan_in(rng, n_target: int, n_source: int, k: int) -> np.ndarray:
    """[n_target, k] int32 source indices, no source twice in a row."""
    k = min(k, n_source)
    draws = rng.integers(0, n_source, size=(n_target, k), dtype=np.int32)
    draws.sort(axis=1)
    while True:
        dup = np.zeros_like(draws, dtype=bool)
        dup[:, 1:] = draws[:, 1:] == draws[:, :-1]
        count = int(dup.sum())
        if count == 0:
            return draws
        draws[dup] = rng.integers(0, n_source, size=count, dtype=np.int32)
        draws.sort(axis=1)


def build(n: int, steps: int, folder: pathlib.Path) -> dict:
    """Writes net.npz (everything the simulators need) and the SpikeChip files; returns a summary."""
    import nir2spikechip

    rng = np.random.default_rng(2024 + n)
    src_in = fixed_fan_in(rng, n, n, FAN_IN)
    # Weights k/64 with k != 0: SpikeChip drops zero weights, Brian2 counts their events.
    w_in = (np.array([-4, -3, -2, -1, 1, 2, 3, 4, 5, 6, 7, 8])[rng.integers(0, 12, size=src_in.shape)] / 64.0).astype(np.float32)
    src_rec = fixed_fan_in(rng, n, n, REC_FAN_IN)
    w_rec = (np.array([-8, -7, -6, -5, -4, -3, -2, -1, 1, 2, 3, 4])[rng.integers(0, 12, size=src_rec.shape)] / 64.0).astype(np.float32)
    tau = rng.uniform(8e-3, 12e-3, n).astype(np.float32)
    spikes = rng.random((steps, n), dtype=np.float32) < P_IN
    rows_in = np.repeat(np.arange(n, dtype=np.int32), src_in.shape[1])
    rows_rec = np.repeat(np.arange(n, dtype=np.int32), src_rec.shape[1])
    np.savez(folder / "net.npz", src_in=src_in, w_in=w_in, src_rec=src_rec, w_rec=w_rec, tau=tau)
    np.save(folder / "input.npy", spikes)
    nodes = [
        {"name": "input", "type": "Input", "size": n},
        nir2spikechip.sparse_linear("w_in", rows_in, src_in.ravel(), w_in.ravel(), (n, n)),
        {"name": "lif", "type": "LIF", "size": n,
         "params": {"tau": tau, "r": R, "v_leak": 0.0, "v_threshold": 1.0, "v_reset": 0.0}},
        nir2spikechip.sparse_linear("w_rec", rows_rec, src_rec.ravel(), w_rec.ravel(), (n, n)),
        {"name": "output", "type": "Output", "size": n},
    ]
    edges = [("input", "w_in"), ("w_in", "lif"), ("lif", "w_rec"), ("w_rec", "lif"), ("lif", "output")]
    nir2spikechip.write_network(folder / "net.safetensors", nodes, edges, source=f"scaling N={n}",
                                metadata={"writer": "tools/nir/scaling.py"})
    out_in = np.bincount(src_in.ravel(), minlength=n)
    out_rec = np.bincount(src_rec.ravel(), minlength=n)
    np.save(folder / "outdeg.npy", np.stack([out_in, out_rec]))
    # SpikeChip cores: one per 1024 inputs; per 1024-neuron block, its distinct sources / 65536 rows.
    blocks = math.ceil(n / 1024)
    cores = math.ceil(n / 1024)
    for b in range(blocks):
        sl = slice(b * 1024, min(n, (b + 1) * 1024))
        sources = len(np.unique(src_in[sl])) + len(np.unique(src_rec[sl]))
        cores += math.ceil(sources / 65536)
    return {"n": n, "steps": steps, "synapses": int(src_in.size + src_rec.size), "input_spikes": int(spikes.sum()),
            "spikechip_cores": cores, "input_events": int((spikes.sum(axis=0) * out_in).sum())}


def events_of(counts_lif: np.ndarray, folder: pathlib.Path) -> int:
    """Synaptic events: every input spike times its out-degree plus every LIF spike times its recurrent out-degree."""
    outdeg = np.load(folder / "outdeg.npy")
    spikes = np.load(folder / "input.npy", mmap_mode="r")
    return int((spikes.sum(axis=0) * outdeg[0]).sum() + (counts_lif * outdeg[1]).sum())


# ---------------------------------------------------------------------------------------------
# Workers (run in subprocesses: python scaling.py --worker SIM --folder F)


def brian2_network(b2, folder: pathlib.Path):
    net = np.load(folder / "net.npz")
    spikes = np.load(folder / "input.npy")
    n = net["tau"].size
    steps = spikes.shape[0]
    b2.defaultclock.dt = DT * b2.second
    t_idx, i_idx = np.nonzero(spikes)
    generator = b2.SpikeGeneratorGroup(n, i_idx, t_idx * DT * b2.second)
    eqs = """
    dv/dt = (v_leak - v + r*I)/tau : 1
    tau : second (constant)
    r : 1 (constant)
    v_leak : 1 (constant)
    I : 1
    """
    group = b2.NeuronGroup(n, eqs, threshold="v > 1.0", reset="v = 0.0", method="euler", name="lif")
    group.tau = net["tau"].astype(np.float64) * b2.second
    group.r = R
    group.v_leak = 0.0
    group.state_updater.when = "after_synapses"
    group.state_updater.order = 0
    group.thresholder["spike"].when = "after_synapses"
    group.thresholder["spike"].order = 1
    clear = group.run_regularly("I = 0", when="end")
    s_in = b2.Synapses(generator, group, "w : 1", on_pre="I_post += w", name="s_in")
    s_in.connect(i=net["src_in"].ravel(), j=np.repeat(np.arange(n), net["src_in"].shape[1]))
    s_in.w = net["w_in"].ravel().astype(np.float64)
    s_rec = b2.Synapses(group, group, "w : 1", on_pre="I_post += w", name="s_rec")
    s_rec.connect(i=net["src_rec"].ravel(), j=np.repeat(np.arange(n), net["src_rec"].shape[1]))
    s_rec.w = net["w_rec"].ravel().astype(np.float64)
    monitor = b2.SpikeMonitor(group, record=False, when="end", name="mon")
    network = b2.Network(generator, group, clear, s_in, s_rec, monitor)
    return network, monitor, n, steps


def worker_brian2(folder: pathlib.Path, standalone: bool) -> dict:
    import brian2 as b2

    result = {}
    t0 = time.perf_counter()
    if standalone:
        build_dir = folder / "brian2-standalone"
        shutil.rmtree(build_dir, ignore_errors=True)
        b2.set_device("cpp_standalone", directory=str(build_dir), build_on_run=False)
        # IEEE rounding as the runtime: no -ffast-math, no FMA contraction.
        b2.prefs.codegen.cpp.extra_compile_args_gcc = ["-w", "-O3", "-ffp-contract=off"]
        b2.prefs.devices.cpp_standalone.openmp_threads = 0
    else:
        b2.prefs.codegen.target = "numpy"
    network, monitor, n, steps = brian2_network(b2, folder)
    result["setup_s"] = time.perf_counter() - t0
    if standalone:
        t0 = time.perf_counter()
        network.run(steps * DT * b2.second)
        b2.device.build(directory=str(folder / "brian2-standalone"), compile=True, run=False, with_output=False)
        result["build_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        b2.device.run(directory=str(folder / "brian2-standalone"), with_output=False)
        result["run_s"] = time.perf_counter() - t0
        result["run_internal_s"] = getattr(b2.device, "_last_run_time", None)
    else:
        t0 = time.perf_counter()
        network.run(steps * DT * b2.second)
        result["run_s"] = time.perf_counter() - t0
    counts = np.asarray(monitor.count, dtype=np.int64)
    np.save(folder / f"counts-{'brian2-standalone' if standalone else 'brian2-runtime'}.npy", counts)
    result["spikes"] = int(counts.sum())
    result["events"] = events_of(counts, folder)
    return result


def worker_spikechip(folder: pathlib.Path, chips: int) -> dict:
    cmd = [str(BINARY), "network", str(folder / "net.safetensors"), "--input", str(folder / "input.npy"),
           "--topology", "loihi", "--set", "core.axons=65536", "--set", f"system.chips.x={chips}",
           "--format", "json", "--quiet", "--no-db"]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=folder)
    if done.returncode != 0 and "nknown option" in done.stderr and "--no-db" in done.stderr:
        t0 = time.perf_counter()
        done = subprocess.run(cmd[:-1], capture_output=True, text=True, cwd=folder)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        text = (done.stderr or done.stdout).strip().splitlines()
        crash = [ln for ln in text if "crashed" in ln or "rror" in ln]
        return {"error": (crash or text or [f"exit {done.returncode}"])[0], "command": " ".join(cmd)}
    out = json.loads(done.stdout)
    lif = next(p for p in out["populations"] if p["name"] == "lif")
    counts = np.asarray(lif["counts"], dtype=np.int64)
    np.save(folder / "counts-spikechip.npy", counts)
    return {"run_s": wall, "sim_s": out.get("wall_seconds"), "spikes": int(counts.sum()),
            "events": int(out["energy"]["synaptic_op"]["events"]), "cores": out["cores"],
            "chip_time_ns": out["chip_time_ns"], "energy_pj": out["picojoules"], "command": " ".join(cmd)}


def sanafe_arch(folder: pathlib.Path, cores_needed: int) -> pathlib.Path:
    """SANA-FE's Loihi (wheel loihi.yaml) with enough tiles of 4 cores."""
    from importlib.resources import files

    text = pathlib.Path(str(files("sanafe.examples") / "loihi.yaml")).read_text()
    tiles = max(32, math.ceil(cores_needed / 4))
    height = 4
    width = math.ceil(tiles / height)
    tiles = width * height
    text = text.replace("width: 8", f"width: {width}").replace("loihi_tile[0..31]", f"loihi_tile[0..{tiles - 1}]")
    path = folder / "sanafe-loihi.yaml"
    path.write_text(text)
    return path


def worker_sanafe(folder: pathlib.Path) -> dict:
    import sanafe

    net_np = np.load(folder / "net.npz")
    spikes = np.load(folder / "input.npy")
    n = net_np["tau"].size
    steps = spikes.shape[0]
    t0 = time.perf_counter()
    blocks = math.ceil(n / 1024)
    arch = sanafe.load_arch(str(sanafe_arch(folder, 2 * blocks)))
    cores = arch.cores()
    net = sanafe.Network()
    leak = 1.0 - DT / net_np["tau"].astype(np.float64)
    gain = DT / net_np["tau"].astype(np.float64) * R
    inp = net.create_neuron_group("in", n)
    lif = net.create_neuron_group("lif", n, model_attributes={"threshold": 1.0, "reset": 0.0})
    for i in range(n):
        inp[i].set_attributes(soma_hw_name=f"loihi_inputs[{i % 1024}]",
                              model_attributes={"spikes": spikes[:, i].tolist()})
        inp[i].map_to_core(cores[i // 1024])
        lif[i].set_attributes(soma_hw_name="loihi_lif", model_attributes={"leak_decay": float(leak[i])})
        lif[i].map_to_core(cores[blocks + i // 1024])
    rows = np.repeat(np.arange(n), net_np["src_in"].shape[1])
    pairs = list(zip(net_np["src_in"].ravel().tolist(), rows.tolist()))
    inp.connect_neurons_sparse(lif, {"weight": (net_np["w_in"].ravel() * gain[rows]).tolist()}, pairs)
    rows = np.repeat(np.arange(n), net_np["src_rec"].shape[1])
    pairs = list(zip(net_np["src_rec"].ravel().tolist(), rows.tolist()))
    lif.connect_neurons_sparse(lif, {"weight": (net_np["w_rec"].ravel() * gain[rows]).tolist()}, pairs)
    chip = sanafe.SpikingChip(arch)
    chip.load(net)
    setup = time.perf_counter() - t0
    t0 = time.perf_counter()
    r = chip.sim(steps, processing_threads=1)
    run = time.perf_counter() - t0
    return {"setup_s": setup, "run_s": run, "spikes": int(r["neurons_fired"]), "events": int(r["spikes"]),
            "sim_time_s": r["sim_time"], "energy_pj": r["energy"]["total"] * 1e12,
            "note": "SANA-FE's own Loihi model (1/64 potentials, one-step edges): spikes not compared"}


# ---------------------------------------------------------------------------------------------
# Driver


def run_worker(sim: str, folder: pathlib.Path, timeout: float, chips: int) -> dict:
    cmd = [sys.executable, str(pathlib.Path(__file__).resolve()), "--worker", sim, "--folder", str(folder),
           "--chips", str(chips)]
    t0 = time.perf_counter()
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=folder)
    except subprocess.TimeoutExpired:
        return {"error": f"stopped after {timeout:.0f} s (time budget or 3x its prediction)", "wall_s": time.perf_counter() - t0}
    wall = time.perf_counter() - t0
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return {"error": " | ".join(tail) or f"exit {done.returncode}", "wall_s": wall}
    result = json.loads(lines[-1][7:])
    result["wall_s"] = wall
    return result


def predict(sim: str, history: Dict[str, List[dict]], events: float, neuron_steps: float, synapses: float) -> Optional[float]:
    """Seconds for the next run from the last successful one: its simulation and setup time scale
    with the largest of the ratios of events, neuron-steps and synapses; the rest of its wall time
    (interpreter start, imports, the C++ compile) stays."""
    done = [h for h in history.get(sim, []) if "error" not in h["result"]]
    if not done:
        return None
    last = done[-1]
    r = last["result"]
    ratio = max(events / max(last["events"], 1), neuron_steps / max(last["neuron_steps"], 1), synapses / max(last["synapses"], 1))
    variable = r.get("run_s", 0.0) + r.get("setup_s", 0.0)
    return max(0.0, r["wall_s"] - variable) + variable * ratio


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000, 100000, 1000000])
    parser.add_argument("--steps", type=int, nargs="*", help="time steps per size (default: ~1e5..1e9 synaptic events)")
    parser.add_argument("--budget", type=float, default=900.0, help="seconds for the whole script (default 900)")
    parser.add_argument("--simulators", nargs="*", default=list(SIMULATORS), choices=SIMULATORS)
    parser.add_argument("--sanafe-max", type=int, default=10000, help="largest N for SANA-FE (memory: ~1.5 kB per connection)")
    parser.add_argument("--out", default=str(ROOT / "out" / "scaling"))
    parser.add_argument("--worker", choices=SIMULATORS, help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    parser.add_argument("--chips", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        folder = pathlib.Path(args.folder)
        if args.worker.startswith("brian2"):
            result = worker_brian2(folder, args.worker == "brian2-standalone")
        elif args.worker == "spikechip":
            result = worker_spikechip(folder, args.chips)
        else:
            result = worker_sanafe(folder)
        print("RESULT " + json.dumps(result))
        return 0

    start = time.perf_counter()
    deadline = start + args.budget
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sizes = sorted(args.sizes)
    steps = dict(zip(sizes, args.steps)) if args.steps else {n: steps_for(n) for n in sizes}
    history: Dict[str, List[dict]] = {}
    rows, skipped = [], []
    if "spikechip" in args.simulators and not BINARY.exists():
        print(f"scaling: {BINARY} is missing; SpikeChip runs are skipped", file=sys.stderr)
    for n in sizes:
        T = steps[n]
        expect_events = EVENTS_PER_NEURON_STEP * n * T
        if time.perf_counter() > deadline:
            skipped.append((n, "all", "no time left in the budget"))
            continue
        folder = out / f"N{n}"
        folder.mkdir(exist_ok=True)
        t0 = time.perf_counter()
        info = build(n, T, folder)
        info["build_s"] = time.perf_counter() - t0
        print(f"scaling: N={n:,} T={T} synapses={info['synapses']:,} (network built in {info['build_s']:.1f} s)",
              file=sys.stderr, flush=True)
        row = {"n": n, "steps": T, "synapses": info["synapses"], "build_s": info["build_s"], "runs": {}}
        chips = max(1, math.ceil(info["spikechip_cores"] / 128))
        for sim in args.simulators:
            if sim == "spikechip" and not BINARY.exists():
                continue
            if sim == "sanafe" and n > args.sanafe_max:
                skipped.append((n, sim, f"N > --sanafe-max {args.sanafe_max} (SANA-FE needs ~1.5 kB per connection: "
                                        f"~{info['synapses'] * 1.5e-6:.0f} GB)"))
                continue
            left = deadline - time.perf_counter()
            stopped = [h for h in history.get(sim, []) if "stopped after" in h["result"].get("error", "")]
            if stopped:
                skipped.append((n, sim, f"stopped at N={stopped[-1]['n']:,} already"))
                continue
            guess = predict(sim, history, expect_events, n * T, info["synapses"])
            if guess is not None and guess > left:
                skipped.append((n, sim, f"predicted {guess:.0f} s from N={history[sim][-1]['n']:,}, {left:.0f} s left"))
                continue
            if left < 5:
                skipped.append((n, sim, "no time left in the budget"))
                continue
            print(f"scaling:   {sim} (predicted {'?' if guess is None else f'{guess:.0f}'} s, {left:.0f} s left) ...",
                  file=sys.stderr, flush=True)
            # A run may take three times its prediction (at least three minutes) before it is stopped.
            timeout = left if guess is None else min(left, max(180.0, 3.0 * guess))
            result = run_worker(sim, folder, timeout, chips)
            history.setdefault(sim, []).append({"n": n, "events": result.get("events", expect_events),
                                                "neuron_steps": n * T, "synapses": info["synapses"], "result": result})
            row["runs"][sim] = result
            if "error" in result:
                print(f"scaling:   {sim}: {result['error']}", file=sys.stderr, flush=True)
                if sim == "spikechip" and "SparseLinear" in result["error"]:
                    print("scaling:   this spikechip build does not read SparseLinear yet; rerun when it does", file=sys.stderr)
        # Spike counts per neuron must agree between Brian2 and SpikeChip.
        counts = {}
        for sim in ("brian2-runtime", "brian2-standalone", "spikechip"):
            path = folder / f"counts-{sim}.npy"
            if sim in row["runs"] and "error" not in row["runs"][sim] and path.exists():
                counts[sim] = np.load(path)
        row["mismatch"] = {}
        names = list(counts)
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                row["mismatch"][f"{a} vs {b}"] = int(np.sum(counts[a] != counts[b]))
        rows.append(row)
        (out / "scaling.json").write_text(json.dumps({"rows": rows, "skipped": skipped}, indent=1) + "\n")

    print_table(rows, skipped, time.perf_counter() - start)
    (out / "scaling.json").write_text(json.dumps({"rows": rows, "skipped": skipped}, indent=1) + "\n")
    return 0


def print_table(rows: List[dict], skipped: List[tuple], total: float) -> None:
    def cell(run: Optional[dict], key: str = "run_s") -> str:
        if run is None:
            return "-"
        if "error" in run:
            return "error"
        return f"{run[key]:.2f}"

    print("\nneurons: LIF neurons (plus as many inputs); events: synaptic events (Brian2's count, else SpikeChip's);")
    print("times in wall seconds: runtime = network.run; standalone = binary run [its own simulation-loop time]")
    print("(+ code generation and compile);")
    print("SpikeChip = the spikechip process (file reading, mapping, simulation); SANA-FE = chip.sim (+ network setup).")
    head = (f"{'neurons':>9} {'steps':>6} {'synapses':>12} {'events':>14} {'spikes':>11} {'B2 runtime':>11} "
            f"{'B2 standalone':>27} {'SpikeChip':>10} {'SANA-FE':>16} {'rt/SC':>7} {'sa/SC':>7} {'mismatch':>9}")
    print(head)
    for r in rows:
        runs = r["runs"]
        events = next((runs[s]["events"] for s in ("brian2-runtime", "brian2-standalone", "spikechip")
                       if s in runs and "error" not in runs[s]), None)
        spikes = next((runs[s]["spikes"] for s in ("brian2-runtime", "brian2-standalone", "spikechip")
                       if s in runs and "error" not in runs[s]), None)
        rt, sa, sc, sf = (runs.get(s) for s in SIMULATORS)
        sa_cell = "-" if sa is None else ("error" if "error" in sa else
                                           f"{sa['run_s']:.2f} [{sa['run_internal_s'] or 0:.2f}] (+{sa['build_s']:.1f})")
        sf_cell = "-" if sf is None else ("error" if "error" in sf else f"{sf['run_s']:.2f} (+{sf['setup_s']:.1f})")
        ok = lambda x: x is not None and "error" not in x  # noqa: E731
        ratio_rt = f"{rt['run_s'] / sc['run_s']:.3g}" if ok(rt) and ok(sc) else "-"
        ratio_sa = f"{sa['run_s'] / sc['run_s']:.3g}" if ok(sa) and ok(sc) else "-"
        mism = ", ".join(f"{v}" for v in r["mismatch"].values()) or "-"
        num = lambda x: "-" if x is None else f"{x:,}"  # noqa: E731
        print(f"{r['n']:>9,} {r['steps']:>6} {r['synapses']:>12,} {num(events):>14} "
              f"{num(spikes):>11} {cell(rt):>11} {sa_cell:>27} {cell(sc):>10} {sf_cell:>16} "
              f"{ratio_rt:>7} {ratio_sa:>7} {mism:>9}")
    for r in rows:
        for k, v in r["mismatch"].items():
            if v:
                print(f"  N={r['n']:,}: {v} neurons with different spike counts, {k}")
        for sim, run in r["runs"].items():
            if "error" in run:
                print(f"  N={r['n']:,} {sim}: {run['error']}")
    for n, sim, why in skipped:
        print(f"  skipped N={n:,} {sim}: {why}")
    print(f"  total {total:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
