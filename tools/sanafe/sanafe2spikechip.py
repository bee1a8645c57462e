#!/usr/bin/env python3
"""Converts a SANA-FE network (YAML, or SANA-FE's legacy netlist with --netlist) mapped onto a
SANA-FE architecture into a SpikeChip network file and its input spike trains.

    sanafe2spikechip.py NET.yaml --arch ARCH.yaml --steps T --output OUT.safetensors
        [--netlist] [--input-spikes SPIKES.csv] [--no-split] [--dense-below N]

writes OUT.safetensors (tools/nir/README.md's format, via nir2spikechip.write_network),
OUT-input.npy (float32 [T, inputs]) and OUT.json (what became what, and every feature converted
inexactly). Exit status: 0 written; 1 unreadable input; 2 features SpikeChip cannot express
(every one listed, nothing written).

The network is read by SANA-FE itself (`sanafe.load_arch`, `sanafe.load_net`), which checks it
against the architecture, and saved again with `Network.save`: a canonical YAML with every
neuron's attributes, every connection (dense, conv2d and sparse hyper-edges expanded) and every
mapping. This script reads that canonical form.

SANA-FE's semantics (sanafe 2.2.9: src/models.cpp, src/chip.cpp, src/pipeline.hpp, src/mapped.cpp)
and how they are mapped:

- A time step (SpikingChip::sim_hw_timestep) first updates every mapped neuron (process_neurons:
  the soma reads the current its core buffered in the previous step), then delivers the step's
  spike messages (process_messages: synapse reads, dendrite sums, written to the core's time-step
  buffer for the next step). So every connection acts one step later: a spike of step t changes
  the target's potential at step t+1. SpikeChip's feed-forward edges act within the step, so
  each projection becomes  source -> Delay(dt) -> SparseLinear -> target . A projection that
  closes a cycle in SpikeChip's depth-first walk (SpikingNetwork.swift: from the Input nodes, in
  edge order) is delayed one step by that rule alone and gets no Delay node. SANA-FE step k
  (1-based) is SpikeChip step k-1.
- Soma `leaky_integrate_fire` (LoihiLifModel::update), per step:
      u <- u*input_decay + I          (I: sum of the weights of last step's spikes)
      v <- q(v*leak_decay) + bias + u (no leak at the first step; q truncates v to 1/64)
      spike if v > threshold; then v <- reset (reset_mode hard, the default)
  defaults threshold 0, reset 0, leak_decay 1, input_decay 0, bias 0. Mapped to
      leak_decay = 1, input_decay = 0: NIR IF with r = 1/dt (v <- v + I: exact)
      leak_decay < 1, input_decay = 0: NIR LIF, tau = dt/(1-leak_decay), r = tau/dt, v_leak 0
      input_decay > 0, leak_decay < 1: NIR CubaLIF, tau_syn = dt/(1-input_decay), w_in = 1/(1-input_decay)
  and every bias becomes an Affine (zero weights) from a one-neuron Input `const` that never
  spikes: a constant current every step from step 0, as SANA-FE adds it.
  Exact when leak_decay = 1 and every weight, bias and reset is a multiple of 1/64 that F32
  holds (then q() never changes v); otherwise OUT.json lists the population as inexact.
- Soma `input` (InputModel::update): per step a neuron fires when its unit's spike list says so
  (`spikes`, one entry consumed per update of that unit), when step % round(1/rate) == 0
  (`rate`), or at random (`poisson`: give the spikes SANA-FE drew with --input-spikes). The list
  and its position belong to the hardware unit, not the neuron: neurons sharing one input unit
  on a core consume one list in mapping order (emulated here, with a note in OUT.json).
- Dendrite `accumulator` with the core's buffer before the soma (buffer_position: soma):
  the current is the plain sum of the step's weights (duplicates too, so duplicate
  connections are summed into one SparseLinear weight).
- Synapse `current_based`: the weight.
- Mapping: with splitting (the default) each (group, core, soma kind) becomes its own
  SpikeChip population, so that SpikeChip maps it onto one core of its own as SANA-FE did and
  a spike leaves as one packet per destination core in both. Populations are written in SANA-FE's
  core order (SpikeChip numbers cores in population order); the const input comes last.

Not convertible (exit 2, every occurrence named): soma models other than
leaky_integrate_fire and input (truenorth, plugins such as hodgkin_huxley); reset_mode soft,
none or saturate; a reverse threshold with a reverse reset mode; refractory_delay > 0; an
initial potential; noise streams; input_decay > 0 with leak_decay = 1 or with a bias;
reset above threshold; dendrite models other than accumulator (accumulator_with_delay, taps,
plugins) and edge attributes other than weight (delay, tap); synapse models other than
current_based; buffer positions other than before the soma; input neurons with incoming
connections; poisson inputs without --input-spikes.
Converted inexactly (listed in OUT.json): leak (quantisation q), values F32 cannot hold or
off the 1/64 grid, reset = threshold (SpikeChip needs v_reset < v_threshold: the reset becomes
threshold - 2^-100), shared input units.
Not a semantic feature, but counted differently (see tools/sanafe/compare.py): connections with
weight 0 (SANA-FE reads them, SpikeChip drops them) and duplicate connections (SANA-FE reads each,
SpikeChip sums them).
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import pathlib
import re
import sys
import tempfile
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "nir"))

import nir2spikechip  # noqa: E402

DT = 1e-4
GRID = 1.0 / 64.0  # LoihiLifModel::loihi_quantize
RESET_NUDGE = 2.0 ** -100
LIF_ATTRIBUTES = {"threshold", "reset", "reset_mode", "reverse_threshold", "reverse_reset", "reverse_reset_mode",
                  "leak_decay", "input_decay", "bias", "refractory_delay", "potential", "force_update",
                  "force_update_every_timestep", "force_potential", "log_u", "noise", "noise_bits"}
INPUT_ATTRIBUTES = {"spikes", "rate", "poisson"}
# Attributes that only steer SANA-FE's bookkeeping, never a neuron's behaviour.
IGNORED = {"log_spikes", "log_potential", "log_v", "log_u", "connections_out", "soma_hw_name", "dendrite_hw_name",
           "synapse_hw_name", "force_update", "force_update_every_timestep"}


class Unconvertible(Exception):
    """Features SpikeChip cannot express (exit status 2)."""

    def __init__(self, reasons: Sequence[str]):
        self.reasons = list(reasons)
        super().__init__("; ".join(self.reasons))


# ---------------------------------------------------------------------------------------------
# Values of SANA-FE's YAML (read with yaml's BaseLoader: every scalar is a string)


def number(text) -> float:
    if isinstance(text, (int, float)):
        return float(text)
    t = str(text).strip()
    if t.lower() in ("true", "yes", "on"):
        return 1.0
    if t.lower() in ("false", "no", "off"):
        return 0.0
    return float(t)


def flag(text) -> bool:
    return number(text) != 0.0


def expand(name: str) -> List[Tuple[str, int]]:
    """SANA-FE's replicated names: 'x[0..3]' -> [('x[0]', 0), ... ('x[3]', 3)]; 'x' -> [('x', 0)]."""
    m = re.fullmatch(r"(.*)\[(\d+)\.\.(\d+)\]", name)
    if not m:
        return [(name, 0)]
    return [(f"{m.group(1)}[{i}]", i) for i in range(int(m.group(2)), int(m.group(3)) + 1)]


def offsets(text: str) -> List[int]:
    """'3' -> [3], '0..8' -> [0..8]."""
    text = str(text)
    if ".." in text:
        a, b = text.split("..")
        return list(range(int(a), int(b) + 1))
    return [int(text)]


# ---------------------------------------------------------------------------------------------
# The architecture


@dataclass
class Unit:
    name: str
    model: str
    attributes: Dict[str, str]


@dataclass
class CoreInfo:
    tile: int
    offset: int
    index: int  # global core id (tile-major), as SANA-FE numbers them
    buffer_position: str
    buffer_inside: bool
    max_neurons: int
    synapse: List[Unit]
    dendrite: List[Unit]
    soma: List[Unit]
    axon_in: Dict[str, str]
    axon_out: Dict[str, str]

    def unit(self, kind: str, name: str) -> Unit:
        units = getattr(self, kind)
        if not name:
            return units[0]
        for u in units:
            if u.name == name:
                return u
        raise KeyError(f"core {self.tile}.{self.offset} has no {kind} unit {name}")


@dataclass
class Arch:
    path: str
    width: int
    height: int
    sync_model: str
    sync_table: Dict[int, float]
    tiles: List[Dict[str, str]]
    cores: Dict[Tuple[int, int], CoreInfo]

    def tile_xy(self, tile: int) -> Tuple[int, int]:
        # Architecture::calculate_tile_coordinates: x = id / height, y = id % height.
        return tile // self.height, tile % self.height

    def sync_delay(self, tiles_used: int) -> float:
        """LookupTable::get: the value of the largest key <= tiles_used (the first if none)."""
        keys = sorted(self.sync_table)
        if not keys:
            return 0.0
        chosen = keys[0]
        for k in keys:
            if k <= tiles_used:
                chosen = k
        return self.sync_table[chosen]


def read_arch(path) -> Arch:
    import yaml

    doc = yaml.load(pathlib.Path(path).read_text(), Loader=yaml.BaseLoader)
    a = doc["architecture"]
    attributes = a.get("attributes", {}) or {}
    sync_model = attributes.get("sync_model", "fixed")
    table: Dict[int, float] = {}
    latency = attributes.get("latency_sync")
    if isinstance(latency, dict):
        table = {int(k): number(v) for k, v in latency.items()}
    elif isinstance(latency, list):
        table = {i: number(v) for i, v in enumerate(latency)}
    elif latency is not None:
        table = {0: number(latency)}
    tiles, cores = [], {}
    index = 0
    for tile_entry in a["tile"]:
        for _tile_name, _ in expand(tile_entry["name"]):
            tile = len(tiles)
            tiles.append(dict(tile_entry.get("attributes", {}) or {}))
            offset = 0
            core_list = tile_entry["core"] if isinstance(tile_entry["core"], list) else [tile_entry["core"]]
            for core_entry in core_list:
                for _core_name, _ in expand(core_entry["name"]):
                    ca = core_entry.get("attributes", {}) or {}

                    def units(section):
                        entries = core_entry.get(section, []) or []
                        entries = entries if isinstance(entries, list) else [entries]
                        out = []
                        for e in entries:
                            ea = dict(e.get("attributes", {}) or {})
                            model = ea.get("model", "")
                            if "plugin" in ea:
                                model = f"plugin:{model}"
                            for n, _ in expand(e["name"]):
                                out.append(Unit(n, model, ea))
                        return out

                    axon_in = core_entry.get("axon_in", [{}])
                    axon_out = core_entry.get("axon_out", [{}])
                    axon_in = axon_in[0] if isinstance(axon_in, list) else axon_in
                    axon_out = axon_out[0] if isinstance(axon_out, list) else axon_out
                    cores[(tile, offset)] = CoreInfo(
                        tile=tile, offset=offset, index=index,
                        buffer_position=ca.get("buffer_position", "soma"),
                        buffer_inside=flag(ca.get("buffer_inside_unit", "false")),
                        max_neurons=int(ca.get("max_neurons_supported", 1024)),
                        synapse=units("synapse"), dendrite=units("dendrite"), soma=units("soma"),
                        axon_in=dict(axon_in.get("attributes", {}) or {}),
                        axon_out=dict(axon_out.get("attributes", {}) or {}))
                    offset += 1
                    index += 1
    return Arch(str(path), int(attributes.get("width", 1)), int(attributes.get("height", 1)),
                sync_model, table, tiles, cores)


# ---------------------------------------------------------------------------------------------
# The network, in SANA-FE's canonical saved form


@dataclass
class Group:
    name: str
    attributes: Dict[str, object]
    size: int = 0
    neuron_attributes: List[Dict[str, object]] = field(default_factory=list)  # merged, per neuron
    core: List[Tuple[int, int]] = field(default_factory=list)
    soma_unit: List[str] = field(default_factory=list)
    dendrite_unit: List[str] = field(default_factory=list)
    synapse_unit: List[str] = field(default_factory=list)


@dataclass
class Network:
    name: str
    groups: "OrderedDict[str, Group]"
    # Connections as arrays: source group index, source offset, target group index, target offset, weight.
    src_group: np.ndarray
    src: np.ndarray
    dst_group: np.ndarray
    dst: np.ndarray
    weight: np.ndarray
    other_edge_attributes: List[str]
    mapping_order: List[Tuple[str, int]]


def _merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for k, v in (extra or {}).items():
        if k in ("soma", "dendrite", "synapse") and isinstance(v, dict):
            sub = dict(out.get(k, {}) or {})
            sub.update(v)
            out[k] = sub
        else:
            out[k] = v
    return out


EDGE_LINE = re.compile(r"^    - (\S+)\.(\d+) -> (\S+)\.(\d+): \{weight: ([-+0-9.eE]+|nan|inf|-inf)\}$", re.M)


def read_saved_network(text: str) -> Network:
    """Parses the YAML that sanafe's Network.save writes (groups, edges one per line, mappings)."""
    import yaml

    edges_at = text.find("\n  edges:")
    maps_at = text.find("\nmappings:")
    head = text[:edges_at if edges_at >= 0 else (maps_at if maps_at >= 0 else len(text))]
    doc = yaml.load(head, Loader=yaml.BaseLoader)["network"]
    groups: "OrderedDict[str, Group]" = OrderedDict()
    for g in doc.get("groups", []) or []:
        group = Group(str(g["name"]), dict(g.get("attributes", {}) or {}))
        per: Dict[int, dict] = {}
        for entry in g.get("neurons", []) or []:
            if isinstance(entry, dict):
                for key, attrs in entry.items():
                    for o in offsets(key):
                        per[o] = _merge(group.attributes, attrs if isinstance(attrs, dict) else {})
            else:
                for o in offsets(entry):
                    per[o] = dict(group.attributes)
        group.size = max(per) + 1 if per else 0
        if sorted(per) != list(range(group.size)):
            raise ValueError(f"group {group.name}: neuron offsets are not 0..{group.size - 1}")
        group.neuron_attributes = [per[i] for i in range(group.size)]
        group.core = [(-1, -1)] * group.size
        group.soma_unit = [""] * group.size
        group.dendrite_unit = [""] * group.size
        group.synapse_unit = [""] * group.size
        groups[group.name] = group
    index = {name: i for i, name in enumerate(groups)}

    columns: List[List[np.ndarray]] = [[], [], [], [], []]
    other: List[str] = []
    if edges_at >= 0:
        end = maps_at if maps_at >= 0 else len(text)
        position = text.index("\n", edges_at + 1) + 1
        chunk = 1 << 23
        while position < end:
            stop = min(end, position + chunk)
            if stop < end:
                stop = text.index("\n", stop) + 1
            block = text[position:stop]
            position = stop
            matched = EDGE_LINE.findall(block)
            if matched:
                cols = list(zip(*matched))
                columns[0].append(np.array([index[g] for g in cols[0]], dtype=np.int64))
                columns[1].append(np.array(cols[1], dtype=np.int64))
                columns[2].append(np.array([index[g] for g in cols[2]], dtype=np.int64))
                columns[3].append(np.array(cols[3], dtype=np.int64))
                columns[4].append(np.array(cols[4], dtype=np.float64))
            lines = [ln for ln in block.splitlines() if ln.strip().startswith("-")]
            if len(lines) == len(matched):
                continue
            extra: List[List[float]] = [[], [], [], [], []]
            for ln in lines:
                if EDGE_LINE.fullmatch(ln):
                    continue
                entry = yaml.load(ln.strip()[1:], Loader=yaml.BaseLoader)
                for key, attrs in entry.items():
                    m = re.fullmatch(r"\s*(\S+)\.(\d+)\s*->\s*(\S+)\.(\d+)\s*", key)
                    if not m:
                        raise ValueError(f"edge {key!r}: not 'group.n -> group.n'")
                    w = 0.0
                    for k, v in (attrs or {}).items():
                        if k in ("weight", "w"):
                            w = number(v)
                        elif k == "synapse" and isinstance(v, dict) and set(v) <= {"weight", "w"}:
                            w = number(v.get("weight", v.get("w")))
                        else:
                            other.append(f"{key}: {k}={v}")
                    for c, value in enumerate((index[m.group(1)], int(m.group(2)), index[m.group(3)], int(m.group(4)), w)):
                        extra[c].append(value)
            for c in range(5):
                columns[c].append(np.array(extra[c], dtype=np.float64 if c == 4 else np.int64))
    joined = [np.concatenate(c) if c else np.zeros(0, dtype=np.float64 if i == 4 else np.int64)
              for i, c in enumerate(columns)]
    order: List[Tuple[str, int]] = []
    if maps_at >= 0:
        maps = yaml.load(text[maps_at + 1:], Loader=yaml.BaseLoader).get("mappings", []) or []
        for entry in maps:
            for key, info in entry.items():
                m = re.fullmatch(r"(\S+)\.(\d+(?:\.\.\d+)?)", str(key))
                g = groups[m.group(1)]
                t, c = (int(x) for x in str(info["core"]).split("."))
                for o in offsets(m.group(2)):
                    g.core[o] = (t, c)
                    g.soma_unit[o] = info.get("soma", "") or ""
                    g.dendrite_unit[o] = info.get("dendrite", "") or ""
                    g.synapse_unit[o] = info.get("synapse", "") or ""
                    order.append((g.name, o))
    return Network(doc.get("name", ""), groups, *joined, other, order)


def canonical_text(net_path, arch_path, netlist: bool = False) -> str:
    """The network as SANA-FE itself reads it, saved again in its canonical YAML."""
    import sanafe

    arch = sanafe.load_arch(str(arch_path))
    net = sanafe.load_net(str(net_path), arch, use_netlist_format=netlist)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "saved.yaml")
        net.save(out)
        return pathlib.Path(out).read_text()


# ---------------------------------------------------------------------------------------------
# Conversion


@dataclass
class Population:
    name: str
    group: str
    core: Tuple[int, int]
    kind: str  # input, IF, LIF, CubaLIF
    offsets: List[int]
    params: Dict[str, np.ndarray] = field(default_factory=dict)
    bias: Optional[np.ndarray] = None
    spikes: Optional[np.ndarray] = None  # input populations: [steps, size] bool


@functools.lru_cache(maxsize=None)
def unit_gain(rate: float) -> Tuple[float, float]:
    """(tau, scale) in F32 with tau ~ DT/rate and (DT/tau)*scale == 1 in Double, as SpikeChip computes
    a LIF's input gain dt/tau*r (or a CubaLIF's dt/tau_syn*w_in) from the F32 file: so an input of
    exactly the threshold does not cross it by a rounding. Falls back to the largest gain below 1."""
    tau0 = np.float32(DT / rate)
    best = None
    for dt_bits in range(-8, 9):
        tau = np.array([tau0], dtype=np.float32).view(np.int32) + dt_bits
        tau = float(tau.view(np.float32)[0])
        k = DT / tau
        r0 = np.array([np.float32(1.0 / k)], dtype=np.float32).view(np.int32)[0]
        for r_bits in range(-8, 9):
            r = float(np.array([r0 + r_bits], dtype=np.int32).view(np.float32)[0])
            gain = k * r
            if gain == 1.0:
                return tau, r
            if gain < 1.0 and (best is None or gain > best[0]):
                best = (gain, tau, r)
    return best[1], best[2]


def _f32_exact(values) -> bool:
    v = np.asarray(values, dtype=np.float64)
    return bool(np.all(v.astype(np.float32).astype(np.float64) == v))


def soma_parameters(group: Group, o: int, model: str, problems: List[str]) -> Tuple[str, Dict[str, float]]:
    """(kind, parameters) of neuron o of `group` for SpikeChip; appends what cannot be converted."""
    a = group.neuron_attributes[o]
    soma = dict(a)
    soma.update(a.get("soma", {}) or {})
    where = f"{group.name}.{o}"
    if model == "input":
        unknown = set(soma) - INPUT_ATTRIBUTES - IGNORED - {"soma", "dendrite", "synapse"}
        if unknown:
            problems.append(f"{where}: input attributes {sorted(unknown)} (ignored by SANA-FE's input model? refused)")
        return "input", {}
    if model != "leaky_integrate_fire":
        problems.append(f"{where}: soma model '{model or '?'}' (only leaky_integrate_fire and input convert)")
        return "?", {}
    unknown = set(soma) - LIF_ATTRIBUTES - IGNORED - {"soma", "dendrite", "synapse"}
    if unknown:
        problems.append(f"{where}: attributes {sorted(unknown)}")
    g = lambda k, d: number(soma[k]) if k in soma else d  # noqa: E731
    threshold, reset = g("threshold", 0.0), g("reset", 0.0)
    leak, decay, bias = g("leak_decay", 1.0), g("input_decay", 0.0), g("bias", 0.0)
    mode = str(soma.get("reset_mode", "hard"))
    if mode != "hard":
        problems.append(f"{where}: reset_mode {mode} (NIR resets to v_reset only)")
    rmode = str(soma.get("reverse_reset_mode", "none"))
    if rmode != "none":
        problems.append(f"{where}: reverse_reset_mode {rmode} at reverse_threshold {g('reverse_threshold', 0.0)}")
    if g("refractory_delay", 0.0) != 0:
        problems.append(f"{where}: refractory_delay {g('refractory_delay', 0.0):g}")
    if g("potential", 0.0) != 0:
        problems.append(f"{where}: initial potential {g('potential', 0.0):g} (SpikeChip starts at v_leak = 0)")
    if "noise" in soma:
        problems.append(f"{where}: noise stream")
    if not (0.0 < leak <= 1.0):
        problems.append(f"{where}: leak_decay {leak:g} (must be in (0, 1])")
    if not (0.0 <= decay < 1.0):
        problems.append(f"{where}: input_decay {decay:g} (must be in [0, 1))")
    if reset > threshold:
        problems.append(f"{where}: reset {reset:g} above threshold {threshold:g}")
    if decay > 0 and leak == 1.0:
        problems.append(f"{where}: input_decay {decay:g} without leak (NIR CubaLIF needs a finite tau_mem)")
    if decay > 0 and bias != 0:
        problems.append(f"{where}: input_decay {decay:g} with bias {bias:g} (SANA-FE adds the bias to v, "
                        f"SpikeChip's only bias path runs through the synaptic current)")
    kind = "IF" if leak == 1.0 and decay == 0 else ("LIF" if decay == 0 else "CubaLIF")
    return kind, {"threshold": threshold, "reset": reset, "leak": leak, "decay": decay, "bias": bias}


def input_spikes(net: Network, arch: Arch, steps: int, recorded: Optional[Dict[Tuple[str, int], List[int]]],
                 problems: List[str], notes: List[str]) -> Dict[Tuple[str, int], np.ndarray]:
    """[steps] bool per input neuron, SpikeChip's step s = SANA-FE's step s+1 (InputModel::update)."""
    units: "OrderedDict[Tuple[Tuple[int, int], str], List[Tuple[str, int]]]" = OrderedDict()
    for gname, o in net.mapping_order:
        g = net.groups[gname]
        core = arch.cores[g.core[o]]
        unit = core.unit("soma", g.soma_unit[o])
        if unit.model == "input":
            units.setdefault((g.core[o], unit.name), []).append((gname, o))
    out: Dict[Tuple[str, int], np.ndarray] = {}
    for (core, unit), members in units.items():
        if len(members) > 1:
            notes.append(f"input unit {unit} on core {core[0]}.{core[1]} is shared by {len(members)} neurons "
                         f"({members[0][0]}.{members[0][1]}...): SANA-FE keeps one spike list and one position "
                         f"per unit, so they consume it in turn (emulated)")
        train: List[bool] = []
        rate = 0.0
        poisson = 0.0
        for gname, o in members:  # set_attribute_neuron in mapping order: the last one set wins
            a = net.groups[gname].neuron_attributes[o]
            a = dict(a, **(a.get("soma", {}) or {}))
            if "spikes" in a:
                train = [flag(x) for x in (a["spikes"] or [])]
            if "rate" in a:
                rate = number(a["rate"])
            if "poisson" in a:
                poisson = number(a["poisson"])
        position = 0
        fired = {m: np.zeros(steps, dtype=bool) for m in members}
        for s in range(steps):
            t = s + 1  # SANA-FE's simulation time
            for m in members:
                spike = False
                if position < len(train):
                    spike = train[position]
                    position += 1
                if rate > 0:
                    spike |= t % int(1.0 / rate) == 0
                fired[m][s] = spike
        if poisson > 0:
            if recorded is None:
                problems.append(f"input unit {unit} on core {core[0]}.{core[1]}: poisson {poisson:g} spikes are "
                                f"random; give SANA-FE's spikes with --input-spikes")
            else:
                for m in members:
                    for t in recorded.get(m, []):
                        if 1 <= t <= steps:
                            fired[m][t - 1] = True
        out.update(fired)
    return out


def swift_back_edges(nodes: Sequence[dict], edges: Sequence[Tuple[str, str]]) -> set:
    """Indices of the edges that close a cycle in SpikingNetwork.swift's depth-first walk: from every
    Input node in node order, then every other node, children in edge order."""
    index = {n["name"]: i for i, n in enumerate(nodes)}
    outgoing: List[List[int]] = [[] for _ in nodes]
    for e, (a, b) in enumerate(edges):
        outgoing[index[a]].append(e)
    state = [0] * len(nodes)
    back = set()

    def walk(root: int) -> None:
        stack = [[root, 0]]
        state[root] = 1
        while stack:
            top = stack[-1]
            if top[1] < len(outgoing[top[0]]):
                e = outgoing[top[0]][top[1]]
                top[1] += 1
                to = index[edges[e][1]]
                if state[to] == 1:
                    back.add(e)
                elif state[to] == 0:
                    state[to] = 1
                    stack.append([to, 0])
            else:
                state[top[0]] = 2
                stack.pop()

    for i, n in enumerate(nodes):
        if n["type"] == "Input" and state[i] == 0:
            walk(i)
    for i in range(len(nodes)):
        if state[i] == 0:
            walk(i)
    return back


def convert(net_path, arch_path, steps: int, output, netlist: bool = False, split: bool = True,
            dense_below: int = 0, recorded: Optional[Dict[Tuple[str, int], List[int]]] = None,
            canonical: Optional[str] = None) -> dict:
    """Converts; returns the report written to OUT.json. Raises Unconvertible."""
    arch = read_arch(arch_path)
    text = canonical if canonical is not None else canonical_text(net_path, arch_path, netlist)
    net = read_saved_network(text)
    problems: List[str] = []
    inexact: List[str] = []
    notes: List[str] = []
    groups = list(net.groups.values())

    # Every core the network uses must have the pipeline this conversion understands.
    for (t, c) in sorted({g.core[o] for g in groups for o in range(g.size)}):
        if (t, c) not in arch.cores:
            problems.append(f"core {t}.{c} is not in {arch.path}")
            continue
        core = arch.cores[(t, c)]
        if core.buffer_position != "soma" or core.buffer_inside:
            problems.append(f"core {t}.{c}: buffer_position {core.buffer_position}"
                            f"{' inside the unit' if core.buffer_inside else ''} (only a buffer before the soma "
                            f"sums a step's inputs; other positions change what a neuron receives)")
    if problems:
        raise Unconvertible(problems)
    for item in net.other_edge_attributes[:20]:
        problems.append(f"edge attribute {item} (only weight converts)")
    if len(net.other_edge_attributes) > 20:
        problems.append(f"... {len(net.other_edge_attributes) - 20} more edge attributes")

    # Neurons: soma kind and parameters; dendrite and synapse models.
    kind_of: Dict[str, List[str]] = {}
    params_of: Dict[str, List[Dict[str, float]]] = {}
    models_seen = set()
    for g in groups:
        kinds, params = [], []
        for o in range(g.size):
            core = arch.cores[g.core[o]]
            try:
                soma = core.unit("soma", g.soma_unit[o])
                dend = core.unit("dendrite", g.dendrite_unit[o])
                syn = core.unit("synapse", g.synapse_unit[o])
            except KeyError as error:
                problems.append(f"{g.name}.{o}: {error.args[0]}")
                continue
            models_seen.add((soma.model, dend.model, syn.model))
            if dend.model != "accumulator" and soma.model != "input":
                problems.append(f"{g.name}.{o}: dendrite model '{dend.model}' of unit {dend.name} (only accumulator)")
            if syn.model != "current_based":
                problems.append(f"{g.name}.{o}: synapse model '{syn.model}' of unit {syn.name} (only current_based)")
            d_attrs = set((g.neuron_attributes[o].get("dendrite", {}) or {}))
            if d_attrs:
                problems.append(f"{g.name}.{o}: dendrite attributes {sorted(d_attrs)}")
            kind, p = soma_parameters(g, o, soma.model, problems)
            kinds.append(kind)
            params.append(p)
        kind_of[g.name], params_of[g.name] = kinds, params
    if len(problems) > 60:
        problems = problems[:60] + [f"... and {len(problems) - 60} more"]
    if problems:
        raise Unconvertible(problems)

    # Populations: (group, core, kind), in SANA-FE's core order.
    keys: "OrderedDict[Tuple, List[int]]" = OrderedDict()
    for g in groups:
        for o in range(g.size):
            core = g.core[o] if split else (-1, -1)
            keys.setdefault((g.name, core, kind_of[g.name][o]), []).append(o)
    group_rank = {g.name: i for i, g in enumerate(groups)}
    ordered = sorted(keys, key=lambda k: (arch.cores[k[1]].index if k[1] != (-1, -1) else 0, group_rank[k[0]], k[2]))
    kinds_per = defaultdict(set)
    for k in ordered:
        kinds_per[(k[0], k[1])].add(k[2])
    populations: List[Population] = []
    pop_of = {g.name: np.full(g.size, -1, dtype=np.int64) for g in groups}
    idx_of = {g.name: np.full(g.size, -1, dtype=np.int64) for g in groups}
    for k in ordered:
        gname, core, kind = k
        name = gname if core == (-1, -1) else f"{gname}@{core[0]}.{core[1]}"
        if len(kinds_per[(gname, core)]) > 1:
            name += f"~{kind}"
        members = keys[k]
        pop = Population(name, gname, core, kind, members)
        pop_of[gname][members] = len(populations)
        idx_of[gname][members] = np.arange(len(members))
        populations.append(pop)

    # Connections, grouped into projections.
    names = [g.name for g in groups]
    n_conn = len(net.weight)
    sp = np.empty(n_conn, dtype=np.int64)
    si = np.empty(n_conn, dtype=np.int64)
    dp = np.empty(n_conn, dtype=np.int64)
    di = np.empty(n_conn, dtype=np.int64)
    for gi, gname in enumerate(names):
        m = net.src_group == gi
        sp[m], si[m] = pop_of[gname][net.src[m]], idx_of[gname][net.src[m]]
        m = net.dst_group == gi
        dp[m], di[m] = pop_of[gname][net.dst[m]], idx_of[gname][net.dst[m]]
    for p_index in sorted(set(dp.tolist())):
        if populations[p_index].kind == "input":
            problems.append(f"input population {populations[p_index].name} receives connections (SANA-FE refuses a "
                            f"current into an input neuron)")
    if problems:
        raise Unconvertible(problems)
    order = np.lexsort((di, si, dp, sp))
    sp, si, dp, di, w = sp[order], si[order], dp[order], di[order], net.weight[order]
    bounds = np.flatnonzero(np.diff(sp) | np.diff(dp)) + 1 if n_conn else np.array([], dtype=np.int64)
    starts = np.concatenate([[0], bounds]) if n_conn else np.array([], dtype=np.int64)
    ends = np.concatenate([bounds, [n_conn]]) if n_conn else np.array([], dtype=np.int64)
    pair = np.stack([sp, si, dp, di], axis=1) if n_conn else np.zeros((0, 4), dtype=np.int64)
    duplicate = np.zeros(n_conn, dtype=bool)
    if n_conn > 1:
        duplicate[1:] = np.all(pair[1:] == pair[:-1], axis=1)

    # Parameters per population.
    for pop in populations:
        ps = [params_of[pop.group][o] for o in pop.offsets]
        if pop.kind == "input":
            continue
        arr = {k: np.array([p[k] for p in ps], dtype=np.float64) for k in ps[0]}
        th, reset = arr["threshold"], arr["reset"].copy()
        equal = reset >= th
        if equal.any():
            reset[equal] = th[equal] - RESET_NUDGE
            inexact.append(f"{pop.name}: {int(equal.sum())} neuron(s) reset to their threshold "
                           f"({th[equal][0]:g}); SpikeChip needs v_reset < v_threshold, so v_reset = threshold - 2^-100")
        if pop.kind == "IF":
            pop.params = {"r": np.full(len(ps), 1.0 / DT), "v_threshold": th, "v_reset": reset}
        elif pop.kind == "LIF":
            tau, r = np.array([unit_gain(float(1.0 - x)) for x in arr["leak"]]).T
            pop.params = {"tau": tau, "r": r, "v_leak": np.zeros(len(ps)), "v_threshold": th, "v_reset": reset}
        else:
            tau_mem, r = np.array([unit_gain(float(1.0 - x)) for x in arr["leak"]]).T
            tau_syn, w_in = np.array([unit_gain(float(1.0 - x)) for x in arr["decay"]]).T
            pop.params = {"tau_syn": tau_syn, "tau_mem": tau_mem, "r": r, "v_leak": np.zeros(len(ps)),
                          "v_threshold": th, "v_reset": reset, "w_in": w_in}
        if np.any(arr["bias"] != 0):
            pop.bias = arr["bias"]
        # Exactness of SANA-FE's fixed-point potential (q) and of F32 parameters.
        incoming = w[dp == populations.index(pop)] if n_conn else np.zeros(0)
        values = np.concatenate([incoming, arr["bias"], arr["reset"]])
        off_grid = values[values / GRID != np.round(values / GRID)]
        if pop.kind != "IF":
            decay = "" if pop.kind == "LIF" else f", input_decay {arr['decay'][0]:.12g}"
            inexact.append(f"{pop.name}: leak_decay {arr['leak'][0]:.12g}{decay}: SANA-FE truncates the leaked "
                           f"potential to 1/64 every step and SpikeChip does not; tau and r in F32")
        elif off_grid.size:
            inexact.append(f"{pop.name}: {off_grid.size} weight(s), bias(es) or reset(s) off the 1/64 grid (e.g. "
                           f"{off_grid[0]:g}): SANA-FE truncates the potential to 1/64 every step, SpikeChip does not")
        if not _f32_exact(np.concatenate([values, arr["threshold"]])):
            inexact.append(f"{pop.name}: weights, biases or thresholds F32 cannot hold exactly")

    # One line per distinct issue, naming the populations it concerns.
    by_issue: "OrderedDict[str, List[str]]" = OrderedDict()
    for item in inexact:
        who, _, what = item.partition(": ")
        by_issue.setdefault(what, []).append(who)
    inexact = [f"{', '.join(who[:4])}{f' and {len(who) - 4} more populations' if len(who) > 4 else ''}: {what}"
               for what, who in by_issue.items()]

    # Input spike trains.
    trains = input_spikes(net, arch, steps, recorded, problems, notes)
    if problems:
        raise Unconvertible(problems)
    for pop in populations:
        if pop.kind == "input":
            pop.spikes = np.stack([trains.get((pop.group, o), np.zeros(steps, dtype=bool)) for o in pop.offsets], axis=1)

    # Graph: populations in core order, then the const input; projections; biases; outputs.
    nodes: List[dict] = []
    for pop in populations:
        if pop.kind == "input":
            nodes.append({"name": pop.name, "type": "Input", "size": len(pop.offsets)})
        else:
            nodes.append({"name": pop.name, "type": pop.kind, "size": len(pop.offsets), "params": pop.params})
    needs_const = any(p.bias is not None for p in populations) or not any(p.kind == "input" for p in populations)
    if needs_const:
        nodes.append({"name": "const", "type": "Input", "size": 1})
    chains = []  # (delay node or None, linear node, source, target)
    projections = []
    for a, b in zip(starts, ends):
        s, d = int(sp[a]), int(dp[a])
        src, dst = populations[s], populations[d]
        rows, cols, vals = di[a:b], si[a:b], w[a:b]
        base = f"{src.name}->{dst.name}"
        shape = (len(dst.offsets), len(src.offsets))
        if shape[0] * shape[1] <= dense_below:
            dense = np.zeros(shape)
            np.add.at(dense, (rows, cols), vals)
            linear = {"name": f"w:{base}", "type": "Linear", "size": shape[0], "params": {"weight": dense}}
        else:
            linear = nir2spikechip.sparse_linear(f"w:{base}", rows, cols, vals, shape)
        delay = {"name": f"d:{base}", "type": "Delay", "size": shape[1], "params": {"delay": np.full(shape[1], DT)}}
        chains.append([delay, linear, src.name, dst.name])
        projections.append({"name": linear["name"], "source": src.name, "target": dst.name,
                            "connections": int(b - a), "zero_weight": int(np.sum(vals == 0)),
                            "duplicates": int(duplicate[a:b].sum()), "type": linear["type"]})

    def assemble():
        ns, es = list(nodes), []
        for delay, linear, src, dst in chains:
            if delay is not None:
                ns += [delay, linear]
                es += [(src, delay["name"]), (delay["name"], linear["name"]), (linear["name"], dst)]
            else:
                ns.append(linear)
                es += [(src, linear["name"]), (linear["name"], dst)]
        for pop in populations:
            if pop.bias is not None:
                bias_node = {"name": f"b:{pop.name}", "type": "Affine", "size": len(pop.offsets),
                             "params": {"weight": np.zeros((len(pop.offsets), 1)), "bias": pop.bias}}
                ns.append(bias_node)
                es += [("const", bias_node["name"]), (bias_node["name"], pop.name)]
        sources = {c[2] for c in chains}
        for pop in populations:
            if pop.kind != "input" and pop.name not in sources:
                ns.append({"name": f"out:{pop.name}", "type": "Output", "size": len(pop.offsets)})
                es.append((pop.name, f"out:{pop.name}"))
        return ns, es

    graph_nodes, graph_edges = assemble()
    back = swift_back_edges(graph_nodes, graph_edges)
    closing = {(graph_edges[e][0], graph_edges[e][1]) for e in back}
    for chain in chains:
        if (chain[1]["name"], chain[3]) in closing:
            chain[0] = None  # the cycle already delays it one step
    graph_nodes, graph_edges = assemble()
    back = swift_back_edges(graph_nodes, graph_edges)
    want = {(c[1]["name"], c[3]) for c in chains if c[0] is None}
    got = {(graph_edges[e][0], graph_edges[e][1]) for e in back}
    if got != want:
        raise RuntimeError(f"the cycles SpikeChip finds ({sorted(got)}) are not the projections left undelayed "
                           f"({sorted(want)})")
    multi_cycles = [c[1]["name"] for c in chains if c[0] is None and c[2] != c[3]]
    if multi_cycles:
        notes.append(f"cycles through several populations ({', '.join(multi_cycles[:5])}): SpikeChip delays only the "
                     f"edge that closes each cycle; tools/nir/refsim.py delays every edge leaving a neuron inside a "
                     f"cycle, so refsim does not reproduce this file")

    output = pathlib.Path(output)
    stem = output.with_suffix("")
    nir2spikechip.write_network(output, graph_nodes, graph_edges, source=os.path.basename(str(net_path)),
                                metadata={"writer": "tools/sanafe/sanafe2spikechip.py", "sanafe_arch": os.path.basename(str(arch_path))})
    columns = [p.spikes for p in populations if p.kind == "input"]
    if needs_const:
        columns.append(np.zeros((steps, 1), dtype=bool))
    x = np.concatenate(columns, axis=1).astype(np.float32)
    np.save(f"{stem}-input.npy", x)
    import sanafe

    report = {
        "source": str(net_path),
        "arch": str(arch_path),
        "sanafe": getattr(sanafe, "__version__", None) or _sanafe_version(),
        "network": net.name,
        "steps": steps,
        "dt_seconds": DT,
        "step_offset": 1,
        "populations": [{"name": p.name, "group": p.group, "core": None if p.core == (-1, -1) else f"{p.core[0]}.{p.core[1]}",
                         "core_index": None if p.core == (-1, -1) else arch.cores[p.core].index,
                         "kind": p.kind, "offsets": p.offsets,
                         "input_spikes": int(p.spikes.sum()) if p.spikes is not None else None}
                        for p in populations],
        "const_input": needs_const,
        "projections": projections,
        "connections": n_conn,
        "zero_weight_connections": int(np.sum(net.weight == 0)),
        "duplicate_connections": int(duplicate.sum()),
        "delayed_by_cycle": [list(e) for e in sorted(want)],
        "inexact": inexact,
        "notes": notes,
        "mapped_tiles": len({g.core[o][0] for g in groups for o in range(g.size)}),
        "mapped_cores": len({g.core[o] for g in groups for o in range(g.size)}),
        "files": {"network": str(output), "input": f"{stem}-input.npy", "report": f"{stem}.json"},
    }
    pathlib.Path(f"{stem}.json").write_text(json.dumps(report, indent=1) + "\n")
    return report


def _sanafe_version() -> str:
    try:
        import importlib.metadata as md

        return md.version("sanafe")
    except Exception:
        return "?"


def read_spike_csv(path) -> Dict[Tuple[str, int], List[int]]:
    """SANA-FE's spikes.csv (neuron,timestep with neuron 'group.n') -> {(group, n): [timesteps]}."""
    out: Dict[Tuple[str, int], List[int]] = defaultdict(list)
    for line in pathlib.Path(path).read_text().splitlines()[1:]:
        if not line.strip():
            continue
        neuron, step = line.split(",")[:2]
        g, n = neuron.rsplit(".", 1)
        out[(g, int(n))].append(int(step))
    return out


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="sanafe2spikechip.py", description=__doc__.split("\n")[0])
    parser.add_argument("network", help="SANA-FE network: YAML, or a netlist with --netlist")
    parser.add_argument("--arch", required=True, help="SANA-FE architecture YAML the network is mapped onto")
    parser.add_argument("--steps", type=int, required=True, help="time steps of the input file")
    parser.add_argument("--output", required=True, help="OUT.safetensors (OUT-input.npy and OUT.json beside it)")
    parser.add_argument("--netlist", action="store_true", help="the network is in SANA-FE's legacy netlist format")
    parser.add_argument("--input-spikes", help="SANA-FE spikes.csv to take random (poisson) inputs from")
    parser.add_argument("--no-split", action="store_true", help="one population per (group, kind), not per core")
    parser.add_argument("--dense-below", type=int, default=0,
                        help="write a dense Linear instead of SparseLinear when out x in <= this (default 0: always sparse)")
    args = parser.parse_args(argv)
    recorded = read_spike_csv(args.input_spikes) if args.input_spikes else None
    try:
        report = convert(args.network, args.arch, args.steps, args.output, netlist=args.netlist,
                         split=not args.no_split, dense_below=args.dense_below, recorded=recorded)
    except Unconvertible as error:
        print(f"sanafe2spikechip: {args.network}: SpikeChip cannot express:", file=sys.stderr)
        for r in error.reasons:
            print(f"  - {r}", file=sys.stderr)
        return 2
    except (OSError, ValueError, KeyError, RuntimeError) as error:
        print(f"sanafe2spikechip: {args.network}: {error}", file=sys.stderr)
        return 1
    pops = ", ".join(f"{p['name']} ({p['kind']}, {len(p['offsets'])})" for p in report["populations"][:12])
    more = len(report["populations"]) - 12
    print(f"sanafe2spikechip: wrote {args.output}: {pops}{f' and {more} more' if more > 0 else ''}; "
          f"{report['connections']} connections", file=sys.stderr)
    for item in report["inexact"] + report["notes"]:
        print(f"  note: {item}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
