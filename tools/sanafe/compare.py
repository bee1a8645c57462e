#!/usr/bin/env python3
"""Runs SANA-FE's example networks in SANA-FE (its Python API, on its Loihi architecture) and in
SpikeChip (`spikechip network ... --topology tools/sanafe/loihi-sanafe.yaml`), and prints what
each counted: spikes, synaptic operations, packets, energy in all and by kind, simulated time per
step and wall seconds, with every difference explained by what the two count differently.

    .venv-peers/bin/python tools/sanafe/compare.py [--repo SANA-FE-CHECKOUT] [--steps 100] [--only NAME ...]

Examples: example_snn and tutorial_snn ship in the sanafe wheel; with --repo (a checkout of
github.com/SLAM-Lab/SANA-FE, or its bare git directory) also snn/input_net.yaml, snn/conv.yaml,
snn/example.net, snn/dendrite.yaml, snn/dendrite.net, snn/hh_example.net and snn/dvs.yaml.
Networks written for SANA-FE's small demo architectures are moved onto SANA-FE's Loihi
(loihi.yaml of the wheel) first: same cores (tile.core), their input units become loihi_inputs[k],
their LIF units loihi_lif, their synapse and dendrite units Loihi's defaults (file NAME.loihi.yaml
in the output folder). Every network runs `--steps` steps (dvs: --dvs-steps).

Files go to out/sanafe/ (NAME.safetensors, NAME-input.npy, NAME.json from sanafe2spikechip.py,
NAME-spikes.csv, and compare.json with every number printed).
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time
from collections import OrderedDict, defaultdict
from typing import Dict, List, Optional, Tuple

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))

import sanafe2spikechip as s2s  # noqa: E402

TOPOLOGY = HERE / "loihi-sanafe.yaml"
BINARY = ROOT / ".build" / "dev" / "release" / "spikechip"
# SANA-FE's Loihi figures (sanafe/examples/loihi.yaml), to split its totals by event.
MESSAGE_OUT_PJ = 111.0       # axon_out loihi_out energy_message_out
SPIKE_OUT_PJ = 69.3          # soma loihi_lif energy_spike_out (per fired LIF neuron)
ACCESS_PJ = 51.2             # soma loihi_lif energy_access_neuron (every LIF neuron, every step)
UPDATE_PJ = 21.6             # soma loihi_lif energy_update_neuron (active LIF neurons)
# loihi-sanafe.yaml states the same four figures as neuron_update (access + update), neuron_idle
# (access), neuron_fire (spike out) and spike_out (message).


def wheel_file(name: str) -> pathlib.Path:
    from importlib.resources import files

    return pathlib.Path(str(files("sanafe.examples") / name))


def repo_dir(path: Optional[str], scratch: pathlib.Path) -> Optional[pathlib.Path]:
    """A SANA-FE checkout: a work tree as is, a bare git directory exported (git archive HEAD)."""
    if not path:
        return None
    p = pathlib.Path(path)
    if (p / "snn").is_dir():
        return p
    target = scratch / "sanafe-repo"
    if not (target / "snn").is_dir():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", f"--git-dir={p}", "archive", "HEAD", "snn", "arch"], capture_output=True, check=True)
        subprocess.run(["tar", "x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def examples(repo: Optional[pathlib.Path], steps: int, dvs_steps: int) -> List[dict]:
    out = [
        {"name": "example_snn", "net": wheel_file("example_snn.yaml"), "arch": wheel_file("example_chip.yaml"), "steps": steps},
        {"name": "tutorial_snn", "net": wheel_file("tutorial_snn.yaml"), "arch": wheel_file("tutorial_arch.yaml"), "steps": steps},
    ]
    if repo is not None:
        a = repo / "arch"
        out += [
            {"name": "input_net", "net": repo / "snn/input_net.yaml", "arch": a / "example_chip.yaml", "steps": steps},
            {"name": "conv", "net": repo / "snn/conv.yaml", "arch": a / "example_chip.yaml", "steps": steps},
            {"name": "example_net", "net": repo / "snn/example.net", "arch": a / "example_chip.yaml", "steps": steps, "netlist": True},
            {"name": "dendrite", "net": repo / "snn/dendrite.yaml", "arch": a / "demo_with_dendrites.yaml", "steps": steps},
            {"name": "dendrite_net", "net": repo / "snn/dendrite.net", "arch": a / "demo_with_dendrites.yaml", "steps": steps, "netlist": True},
            {"name": "hh_example", "net": repo / "snn/hh_example.net", "arch": a / "example_chip.yaml", "steps": steps, "netlist": True},
            {"name": "dvs", "net": repo / "snn/dvs.yaml", "arch": a / "loihi.yaml", "steps": dvs_steps},
            # Not one of SANA-FE's files: dvs with leak_decay 1, where SANA-FE's 1/64 quantisation never acts
            # (integer weights and biases), so both must agree spike for spike on 3.5 million synapses.
            {"name": "dvs_noleak", "net": repo / "snn/dvs.yaml", "arch": a / "loihi.yaml", "steps": dvs_steps,
             "transform": lambda text: re.sub(r"(?m)^(\s+leak_decay:) .*$", r"\1 1", text)},
        ]
    return out


# ---------------------------------------------------------------------------------------------
# Moving a demo network onto SANA-FE's Loihi


def retarget_to_loihi(text: str, source_arch: s2s.Arch, loihi: s2s.Arch) -> str:
    """The canonical network text with its mappings rewritten for Loihi's units (same cores)."""
    net = s2s.read_saved_network(text)
    maps_at = text.find("\nmappings:")
    head = text[:maps_at + 1] if maps_at >= 0 else text
    head = re.sub(r"(?m)^\s+(soma|synapse|dendrite)_hw_name: .*\n", "", head)
    lines = ["mappings:"]
    inputs: Dict[Tuple[Tuple[int, int], str], str] = {}
    next_input: Dict[Tuple[int, int], int] = defaultdict(int)
    for gname, o in net.mapping_order:
        g = net.groups[gname]
        core = g.core[o]
        if core not in loihi.cores:
            raise s2s.Unconvertible([f"{gname}.{o}: core {core[0]}.{core[1]} does not exist on Loihi"])
        soma = source_arch.cores[core].unit("soma", g.soma_unit[o])
        dend = source_arch.cores[core].unit("dendrite", g.dendrite_unit[o])
        if soma.model == "input":
            key = (core, soma.name)
            if key not in inputs:  # neurons that shared a unit keep sharing one
                inputs[key] = f"loihi_inputs[{next_input[core]}]"
                next_input[core] += 1
            soma_name = inputs[key]
        elif soma.model == "leaky_integrate_fire":
            soma_name = "loihi_lif"
        else:
            soma_name = soma.name  # no Loihi counterpart: SANA-FE will refuse it
        lines += [f"  - {gname}.{o}:", f"      core: {core[0]}.{core[1]}", f"      soma: {soma_name}"]
        if dend.model == "accumulator_with_delay":
            lines.append("      dendrite: loihi_dendrites_delay")
        elif dend.model != "accumulator":
            lines.append(f"      dendrite: {dend.name}")
    return head + "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Runs


def run_sanafe(net_path: pathlib.Path, arch_path: pathlib.Path, steps: int, netlist: bool = False) -> dict:
    import sanafe

    t0 = time.perf_counter()
    arch = sanafe.load_arch(str(arch_path))
    net = sanafe.load_net(str(net_path), arch, use_netlist_format=netlist)
    for group in net.groups.values():
        for n in group.neurons:
            n.set_attributes(log_spikes=True)
    chip = sanafe.SpikingChip(arch)
    chip.load(net)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    r = chip.sim(steps, spike_trace=True, perf_trace=True, processing_threads=1)
    sim_s = time.perf_counter() - t0
    spikes = set()
    for t, fired in enumerate(r["spike_trace"], start=1):
        for a in fired:
            spikes.add((str(a.group_name), int(a.neuron_offset), t))
    perf = r["perf_trace"]
    return {
        "load_s": load_s, "sim_s": sim_s,
        "fired": r["neurons_fired"], "updated": r["neurons_updated"], "synaptic_events": r["spikes"],
        "packets": r["packets_sent"], "hops": int(sum(perf["hops"])),
        "energy_pj": {k: v * 1e12 for k, v in r["energy"].items()},
        "sim_time_ns": r["sim_time"] * 1e9, "step_ns": [x * 1e9 for x in perf["sim_time"]],
        "spikes": spikes,
    }


def rectangle(cores: int, width: int = 8, total: int = 128) -> Tuple[int, int]:
    """A mesh whose first `cores` cores fill whole rows: width the divisor of `cores` nearest 8."""
    d = min((x for x in range(1, cores + 1) if cores % x == 0), key=lambda x: (abs(x - width), -x))
    return d, max(cores // d, -(-total // d))


def spikechip(cmd: List[str], cwd: pathlib.Path) -> Tuple[subprocess.CompletedProcess, float]:
    """Runs `spikechip network ...` without a database (--no-db; builds without that option write
    none), in `cwd` so that no build's default database lands in the work tree. (process, wall s)"""
    t0 = time.perf_counter()
    done = subprocess.run(cmd + ["--no-db"], capture_output=True, text=True, cwd=cwd)
    if done.returncode != 0 and "--no-db" in done.stderr and "nknown option" in done.stderr:
        t0 = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)
    return done, time.perf_counter() - t0


def run_spikechip(report: dict, synaptic_pj: float, synaptic_ns: float) -> dict:
    files = {k: str(pathlib.Path(v).resolve()) for k, v in report["files"].items()}
    cwd = pathlib.Path(files["network"]).parent
    spikes_csv = files["network"].replace(".safetensors", "-spikes.csv")
    cmd = [str(BINARY), "network", files["network"], "--input", files["input"], "--topology", str(TOPOLOGY),
           "--set", f"core.synaptic_op.energy_pj={synaptic_pj:.6g}", "--set", f"core.synaptic_op.latency_ns={synaptic_ns:.6g}",
           "--spikes", spikes_csv, "--format", "json", "--quiet"]
    done, wall = spikechip(cmd, cwd)
    mesh_x, workaround = 8, None
    if done.returncode != 0 and "crashed" in done.stderr + done.stdout:
        # spikechip (as of this writing) crashes when an XY route passes the router of a core beyond the
        # mapped ones (NetworkChip.routeUnicast -> Scheduler.schedule -> Counters.next: that LP does not
        # exist). Rerun on a mesh whose mapped cores fill whole rows, and say so.
        cores = len(report["populations"]) + (1 if report["const_input"] else 0)
        mesh_x, mesh_y = rectangle(cores)
        workaround = (f"spikechip crashed on the 8 x 16 mesh (a route through an unmapped core's router); "
                      f"rerun with chip.mesh = {mesh_x} x {mesh_y} so that its {cores} cores fill whole rows")
        cmd += ["--set", f"chip.mesh.x={mesh_x}", "--set", f"chip.mesh.y={mesh_y}"]
        done, wall = spikechip(cmd, cwd)
    if done.returncode != 0:
        text = (done.stderr or done.stdout).strip().splitlines()
        crash = [ln for ln in text if "crashed" in ln or "Error" in ln]
        return {"error": (crash or text or [f"exit {done.returncode}"])[0], "command": " ".join(cmd)}
    out = json.loads(done.stdout)
    out["mesh_x"] = mesh_x
    out["workaround"] = workaround
    pops = {p["name"]: p for p in report["populations"]}
    spikes = set()
    for line in pathlib.Path(spikes_csv).read_text().splitlines()[1:]:
        step, pop, neuron = line.split(",")
        p = pops[pop]
        spikes.add((p["group"], p["offsets"][int(neuron)], int(step) + report["step_offset"]))
    out["spikes_set"] = spikes
    out["process_wall_s"] = wall
    out["command"] = " ".join(cmd)
    return out


# ---------------------------------------------------------------------------------------------
# What each counts


def connection_reads(net: s2s.Network, spikes) -> Dict[str, int]:
    """Over SANA-FE's spikes: connections read (SANA-FE's synaptic events), of them with weight 0
    and duplicates of an earlier (source, target) pair (SpikeChip drops and merges these)."""
    names = list(net.groups)
    key_src = net.src_group * (1 << 32) + net.src
    pair = np.stack([net.src_group, net.src, net.dst_group, net.dst], axis=1)
    order = np.lexsort((net.dst, net.dst_group, net.src, net.src_group))
    dup = np.zeros(len(order), dtype=bool)
    if len(order) > 1:
        sp = pair[order]
        dup[order[1:]] = np.all(sp[1:] == sp[:-1], axis=1)
    zero = net.weight == 0
    total = defaultdict(int)
    zeros = defaultdict(int)
    dups = defaultdict(int)
    for k, z, d in zip(key_src.tolist(), zero.tolist(), dup.tolist()):
        total[k] += 1
        zeros[k] += z
        dups[k] += d and not z
    gi = {g: i for i, g in enumerate(names)}
    out = {"reads": 0, "zero": 0, "duplicate": 0}
    for g, o, _t in spikes:
        k = gi[g] * (1 << 32) + o
        out["reads"] += total.get(k, 0)
        out["zero"] += zeros.get(k, 0)
        out["duplicate"] += dups.get(k, 0)
    return out


def synapse_price(net: s2s.Network, arch: s2s.Arch, spikes) -> Tuple[float, float]:
    """(pJ, ns) per connection read, averaged over SANA-FE's reads (a connection is priced by its
    target neuron's synapse unit)."""
    names = list(net.groups)
    fired = defaultdict(int)
    for g, o, _t in spikes:
        fired[(g, o)] += 1
    e = n = lat = 0.0
    for i in range(len(net.weight)):
        g = names[net.src_group[i]]
        k = fired.get((g, int(net.src[i])), 0)
        if not k:
            continue
        dg = net.groups[names[net.dst_group[i]]]
        d = int(net.dst[i])
        unit = arch.cores[dg.core[d]].unit("synapse", dg.synapse_unit[d])
        e += k * s2s.number(unit.attributes.get("energy_process_spike", 0)) * 1e12
        lat += k * s2s.number(unit.attributes.get("latency_process_spike", 0)) * 1e9
        n += k
    if n == 0:
        unit = next(iter(arch.cores.values())).synapse[0]
        return s2s.number(unit.attributes["energy_process_spike"]) * 1e12, s2s.number(unit.attributes["latency_process_spike"]) * 1e9
    return e / n, lat / n


def diameter(cores: int, mesh_x: int = 8) -> int:
    xs = [c % mesh_x for c in range(cores)]
    ys = [c // mesh_x for c in range(cores)]
    return (max(xs) - min(xs)) + (max(ys) - min(ys))


def analyse(name: str, report: dict, net: s2s.Network, loihi: s2s.Arch, sf: dict, sc: dict, price: Tuple[float, float]) -> dict:
    steps = report["steps"]
    kinds = {}
    for p in report["populations"]:
        for o in p["offsets"]:
            kinds[(p["group"], o)] = p["kind"]
    sf_input_fired = sum(1 for g, o, _ in sf["spikes"] if kinds.get((g, o)) == "input")
    sf_lif_fired = len(sf["spikes"]) - sf_input_fired
    lif_neurons = sum(len(p["offsets"]) for p in report["populations"] if p["kind"] != "input")
    sf_lif_updated = sf["updated"] - sf_input_fired
    reads = connection_reads(net, sf["spikes"])
    e_sf = sf["energy_pj"]
    sf_message = MESSAGE_OUT_PJ * sf["packets"]
    sf_hops = e_sf["network"] - sf_message
    row = {"name": name, "steps": steps, "sanafe": {}, "spikechip": {}, "explained": OrderedDict()}
    row["sanafe"] = {
        "spikes": len(sf["spikes"]), "spikes_input": sf_input_fired, "spikes_lif": sf_lif_fired,
        "synaptic_ops": sf["synaptic_events"], "packets": sf["packets"], "hops": sf["hops"],
        "neuron_steps": lif_neurons * steps, "active_neuron_steps": sf_lif_updated,
        "energy_pj": {"synapse": e_sf["synapse"], "soma": e_sf["soma"], "dendrite": e_sf["dendrite"],
                      "message_out": sf_message, "hops": sf_hops, "total": e_sf["total"]},
        "time_per_step_ns": sf["sim_time_ns"] / steps,
        "sync_per_step_ns": loihi.sync_delay(report["mapped_tiles"]) * 1e9 if loihi.sync_model == "table" else
        (loihi.sync_table.get(0, 0.0) * 1e9),
        "wall_s": sf["sim_s"], "load_s": sf["load_s"],
    }
    if "error" in sc:
        row["spikechip"] = {"error": sc["error"]}
        return row
    e = {k: v["picojoules"] for k, v in sc["energy"].items()}
    n_events = {k: v["events"] for k, v in sc["energy"].items()}
    sc_spikes = sc["spikes_set"]
    barrier = 2 * diameter(sc["cores"], sc["mesh_x"]) * 6.5 if sc["cores"] > 1 else 0.0
    row["spikechip"] = {
        "spikes": len(sc_spikes), "synaptic_ops": n_events["synaptic_op"], "packets": n_events["spike_out"],
        "hops": n_events["router_hop"], "cores": sc["cores"], "neuron_steps": n_events["neuron_update"],
        "active_neuron_steps": sc["active_neuron_steps"],
        "energy_pj": {"synaptic_op": e["synaptic_op"], "neuron_update": e["neuron_update"], "spike_out": e["spike_out"],
                      "router_hop": e["router_hop"], "control": e["control"], "static_idle": e["static_idle"],
                      "total": sc["picojoules"]},
        "time_per_step_ns": sc["chip_time_ns"] / steps, "barrier_per_step_ns": barrier,
        "wall_s": sc["wall_seconds"], "process_wall_s": sc["process_wall_s"], "workaround": sc["workaround"],
    }
    row["neuron_steps_differ"] = len(sf["spikes"] ^ sc_spikes)
    per_group = OrderedDict()
    for g in net.groups:
        a = {x for x in sf["spikes"] if x[0] == g}
        b = {x for x in sc_spikes if x[0] == g}
        diff = a ^ b
        per_group[g] = {"sanafe": len(a), "spikechip": len(b), "differ": len(diff),
                        "first_step": min((x[2] for x in diff), default=None)}
    row["per_group"] = per_group
    # The energy difference, term by term (SpikeChip minus SANA-FE).
    ex = row["explained"]
    ex["synapse: weight-0 connections SANA-FE reads"] = -reads["zero"] * price[0]
    ex["synapse: duplicate connections (SpikeChip sums them)"] = -reads["duplicate"] * price[0]
    sc_active = sc["active_neuron_steps"]
    sc_lif_fired = sum(1 for g, o, _ in sc_spikes if kinds.get((g, o)) != "input")
    ex["soma: neuron-steps (access)"] = ACCESS_PJ * (n_events["neuron_update"] - lif_neurons * steps)
    ex["soma: active neuron-steps (update)"] = UPDATE_PJ * (sc_active - sf_lif_updated)
    ex["soma: fired neurons (spike out)"] = SPIKE_OUT_PJ * (sc_lif_fired - sf_lif_fired)
    ex["message out: packet count"] = MESSAGE_OUT_PJ * (n_events["spike_out"] - sf["packets"])
    ex["hops: 1 core per router (SANA-FE: 4 per tile)"] = e["router_hop"] - sf_hops
    ex["control: markers and barrier (SANA-FE: none)"] = e["control"]
    ex["static power"] = e["static_idle"]
    spikes_differ = row["neuron_steps_differ"]
    if spikes_differ:
        # Synaptic work and soma work that follows different spikes.
        ops_expected = reads["reads"] - reads["zero"] - reads["duplicate"]
        ex["synapse: reads of spikes that differ"] = (n_events["synaptic_op"] - ops_expected) * price[0]
    explained = sum(ex.values())
    row["energy_difference_pj"] = sc["picojoules"] - e_sf["total"]
    row["residual_pj"] = row["energy_difference_pj"] - explained
    row["synaptic_ops_expected"] = reads["reads"] - reads["zero"] - reads["duplicate"]
    row["reads"] = reads
    return row


# ---------------------------------------------------------------------------------------------
# Printing


def fmt(x, digits=4) -> str:
    if x is None:
        return "-"
    if isinstance(x, (int, np.integer)):
        return f"{x:,}"
    if abs(x) >= 1e6 or (abs(x) < 1e-2 and x != 0):
        return f"{x:.{digits - 1}e}"
    return f"{x:,.{max(0, digits - len(str(int(abs(x)))))}f}"


def pct(a, b) -> str:
    if not b:
        return "-"
    return f"{100.0 * (a - b) / b:+.1f}%"


def print_row(row: dict) -> None:
    sf, sc = row["sanafe"], row["spikechip"]
    print(f"\n== {row['name']}: {row['steps']} steps")
    if "error" in sc:
        print(f"   SANA-FE: {sf['spikes']} spikes, {sf['synaptic_ops']} synaptic events, {fmt(sf['energy_pj']['total'])} pJ, "
              f"{fmt(sf['time_per_step_ns'])} ns/step, {sf['wall_s']:.3f} s wall (+{sf['load_s']:.2f} s load)")
        print(f"   SpikeChip: {sc['error']}")
        return
    lines = [
        ("spikes (all neurons)", sf["spikes"], sc["spikes"], f"{row['neuron_steps_differ']} neuron-steps differ"),
        ("synaptic ops", sf["synaptic_ops"], sc["synaptic_ops"],
         f"SpikeChip expected {row['synaptic_ops_expected']:,} = reads - {row['reads']['zero']:,} weight-0 - "
         f"{row['reads']['duplicate']:,} duplicate"),
        ("packets", sf["packets"], sc["packets"], "one per destination core in both"),
        ("hops", sf["hops"], sc["hops"], "SANA-FE: 4 cores per tile router; SpikeChip: 1 core per router"),
        ("neuron-steps charged", sf["neuron_steps"], sc["neuron_steps"], "every LIF neuron, every step, in both"),
        ("active neuron-steps", sf["active_neuron_steps"], sc["active_neuron_steps"], "input, bias or state off rest"),
    ]
    print(f"   {'':34} {'SANA-FE':>14} {'SpikeChip':>14}  note")
    for label, a, b, note in lines:
        print(f"   {label:34} {fmt(a):>14} {fmt(b):>14}  {note}")
    if row["neuron_steps_differ"]:
        print("   spikes per group (SANA-FE / SpikeChip / neuron-steps that differ / first SANA-FE step that differs):")
        for g, v in row["per_group"].items():
            if v["sanafe"] or v["spikechip"]:
                print(f"     {g:12} {v['sanafe']:>8} {v['spikechip']:>8} {v['differ']:>8}   {v['first_step']}")
    es, ec = sf["energy_pj"], sc["energy_pj"]
    print(f"   energy (pJ)")
    pairs = [
        ("synapse / synaptic_op", es["synapse"], ec["synaptic_op"]),
        ("soma / neuron_update", es["soma"], ec["neuron_update"]),
        ("message out / spike_out", es["message_out"], ec["spike_out"]),
        ("soma+message / update+spike_out", es["soma"] + es["message_out"], ec["neuron_update"] + ec["spike_out"]),
        ("hops / router_hop", es["hops"], ec["router_hop"]),
        ("dendrite / -", es["dendrite"], 0.0),
        ("- / control", 0.0, ec["control"]),
        ("- / static_idle", 0.0, ec["static_idle"]),
        ("total", es["total"], ec["total"]),
    ]
    for label, a, b in pairs:
        print(f"   {label:34} {fmt(a):>14} {fmt(b):>14}  {pct(b, a)}")
    print(f"   difference {fmt(row['energy_difference_pj'])} pJ ({pct(ec['total'], es['total'])}), explained by:")
    for k, v in row["explained"].items():
        if abs(v) > 1e-9:
            print(f"     {k:60} {fmt(v):>12} pJ")
    print(f"     {'residual':60} {fmt(row['residual_pj']):>12} pJ")
    print(f"   time per step (ns)                 {fmt(sf['time_per_step_ns']):>14} {fmt(sc['time_per_step_ns']):>14}  "
          f"SANA-FE sync {fmt(sf['sync_per_step_ns'])} (latency_sync table, {row.get('mapped_tiles', '?')} tiles); "
          f"SpikeChip barrier {fmt(sc['barrier_per_step_ns'])}")
    print(f"   time per step without sync (ns)    {fmt(sf['time_per_step_ns'] - sf['sync_per_step_ns']):>14} "
          f"{fmt(sc['time_per_step_ns'] - sc['barrier_per_step_ns']):>14}")
    if sc.get("workaround"):
        print(f"   note: {sc['workaround']}")
    print(f"   wall seconds (simulation)          {sf['wall_s']:>14.4f} {sc['wall_s']:>14.4f}  "
          f"SANA-FE load {sf['load_s']:.2f} s; SpikeChip process {sc['process_wall_s']:.3f} s")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repo", help="a SANA-FE checkout (or bare git dir) for the examples outside the wheel")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--dvs-steps", type=int, default=20)
    parser.add_argument("--only", nargs="*", help="run only these examples")
    parser.add_argument("--out", default=str(ROOT / "out" / "sanafe"))
    parser.add_argument("--dense-below", type=int, default=1 << 16,
                        help="dense Linear for projections of at most this many weights (default 65536), SparseLinear above")
    args = parser.parse_args(argv)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    repo = repo_dir(args.repo, out)
    import sanafe  # noqa: F401

    loihi_path = wheel_file("loihi.yaml")
    loihi = s2s.read_arch(loihi_path)
    rows, skipped = [], []
    if not BINARY.exists():
        print(f"compare: {BINARY} is missing: build it first (swift build -c release --build-path .build/dev)", file=sys.stderr)
        return 1
    for ex in examples(repo, args.steps, args.dvs_steps):
        if args.only and ex["name"] not in args.only:
            continue
        name = ex["name"]
        print(f"compare: {name} ...", file=sys.stderr, flush=True)
        try:
            text = s2s.canonical_text(ex["net"], ex["arch"], ex.get("netlist", False))
        except Exception as error:  # SANA-FE itself cannot read it
            skipped.append((name, f"SANA-FE cannot load it: {error}"))
            continue
        if "transform" in ex:
            text = ex["transform"](text)
        source_arch = s2s.read_arch(ex["arch"])
        try:
            if pathlib.Path(ex["arch"]).name != "loihi.yaml":
                # Convertible on its own architecture first (so that what cannot be converted is
                # named as the original has it), then moved onto Loihi.
                with tempfile.TemporaryDirectory() as tmp:
                    s2s.convert(ex["net"], ex["arch"], ex["steps"], pathlib.Path(tmp) / "check.safetensors",
                                dense_below=args.dense_below, canonical=text)
                text = retarget_to_loihi(text, source_arch, loihi)
            loihi_net = out / f"{name}.loihi.yaml"
            loihi_net.write_text(text)
            report = s2s.convert(loihi_net, loihi_path, ex["steps"], out / f"{name}.safetensors",
                                 dense_below=args.dense_below, canonical=text)
        except s2s.Unconvertible as error:
            skipped.append((name, "not convertible: " + "; ".join(error.reasons[:4]) +
                            (f" (+{len(error.reasons) - 4} more)" if len(error.reasons) > 4 else "")))
            continue
        net = s2s.read_saved_network(text)
        sf = run_sanafe(loihi_net, loihi_path, ex["steps"])
        price = synapse_price(net, loihi, sf["spikes"])
        sc = run_spikechip(report, *price)
        if "error" in sc and "SparseLinear" in sc["error"]:
            sc["error"] = f"this build of spikechip does not read SparseLinear yet ({sc['error']})"
        row = analyse(name, report, net, loihi, sf, sc, price)
        row["mapped_tiles"] = report["mapped_tiles"]
        row["synapse_price"] = {"pj": price[0], "ns": price[1]}
        row["inexact"] = report["inexact"]
        row["notes"] = report["notes"]
        rows.append(row)
        print_row(row)
        for item in report["inexact"] + report["notes"]:
            print(f"   converted inexactly / note: {item}")
        if abs(price[0] - 35.5) > 1e-9:
            print(f"   synaptic_op set to {price[0]:.4g} pJ / {price[1]:.4g} ns: the average of the synapse units this network reads")

    print("\n== Summary (energy in uJ; time per step in ns; wall in s; dE -ctl: without SpikeChip's control packets,"
          " the synchronisation traffic SANA-FE charges no energy for)")
    head = (f"{'network':13} {'steps':>5} {'spikes SF/SC':>13} {'differ':>6} {'syn ops SF/SC':>17} {'E SANA-FE':>10} "
            f"{'E SpikeChip':>11} {'dE':>7} {'dE -ctl':>7} {'resid':>7} {'t/step SF':>10} {'t/step SC':>10} {'wall SF':>8} {'wall SC':>8}")
    print(head)
    for r in rows:
        sf, sc = r["sanafe"], r["spikechip"]
        if "error" in sc:
            print(f"{r['name']:13} {r['steps']:>5} {sf['spikes']:>6}/{'-':<6} {'-':>6} {sf['synaptic_ops']:>8}/{'-':<8} "
                  f"{sf['energy_pj']['total'] / 1e6:>10.4f} {'-':>11} {'-':>7} {'-':>7} {'-':>7} {sf['time_per_step_ns']:>10.1f} {'-':>10} "
                  f"{sf['wall_s']:>8.3f} {'-':>8}  (SpikeChip: {sc['error'][:60]})")
            continue
        print(f"{r['name']:13} {r['steps']:>5} {sf['spikes']:>6}/{sc['spikes']:<6} {r['neuron_steps_differ']:>6} "
              f"{sf['synaptic_ops']:>8}/{sc['synaptic_ops']:<8} {sf['energy_pj']['total'] / 1e6:>10.4f} "
              f"{sc['energy_pj']['total'] / 1e6:>11.4f} {pct(sc['energy_pj']['total'], sf['energy_pj']['total']):>7} "
              f"{pct(sc['energy_pj']['total'] - sc['energy_pj']['control'], sf['energy_pj']['total']):>7} "
              f"{100 * r['residual_pj'] / sf['energy_pj']['total']:>+6.1f}% {sf['time_per_step_ns']:>10.1f} "
              f"{sc['time_per_step_ns']:>10.1f} {sf['wall_s']:>8.4f} {sc['wall_s']:>8.4f}")
    for name, why in skipped:
        print(f"{name:13} skipped: {why}")
    (out / "compare.json").write_text(json.dumps({"rows": rows, "skipped": skipped}, indent=1, default=str) + "\n")
    print(f"\ncompare: wrote {out / 'compare.json'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
