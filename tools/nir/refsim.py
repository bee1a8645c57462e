"""A tiny numpy simulator of a converted SpikeChip network (the safetensors file written by
nir2spikechip.py), used to check that the NIR graph means what snnTorch and Brian2 computed.

Rules, per time step t (dt = 1e-4 s unless told otherwise), float64 arithmetic on the file's F32
parameters:
- Nodes are evaluated in a topological order over the non-delayed edges. A node's input is the
  sum of its incoming edges' values. A delayed edge carries its source's value of step t-1
  (zeros at t = 0).
- Delayed edges: every edge inside a cycle (source and target in one strongly connected
  component) whose source is a stateful node (LIF, IF, CubaLIF, LI, CubaLI, I, Delay); if cycles
  remain (a loop through stateless nodes only), the DFS back edges of what remains. So in
  snnTorch's RLeaky export (lif -> w_rec -> lif) the edge lif -> w_rec is delayed and w_rec
  computes W s[t-1] + b in step t, as snnTorch does (bias included from step 0).
- Input: the input vector of step t. Output: its input. Affine: W x + b. Linear: W x.
  SparseLinear (SpikeChip's own node): W x with W[row[k], col[k]] = weight[k], duplicates
  summed, W of shape [out, in]. Scale: s * x. Threshold: x > threshold (1.0/0.0).
- LIF:     v <- v + (dt/tau) (v_leak - v + r I); z = v > v_threshold; v <- v_reset where z.
           With reset_mode 1 (SpikeChip's own, snnTorch's default "subtract" reset): v is left
           as it is where z, and the next step's update subtracts v_threshold where the previous
           v exceeded it: v <- v + (dt/tau) (v_leak - v + r I) - v_threshold [v_prev > v_threshold].
- CubaLIF: I_syn <- I_syn + (dt/tau_syn) (-I_syn + w_in x);
           v <- v + (dt/tau_mem) (v_leak - v + r I_syn)   (the new I_syn); spike and reset v only.
- IF:      v <- v + dt r I (forward Euler of dv/dt = R I); spike and reset as LIF.
- refractory (SpikeChip's own parameter of IF, LIF, CubaLIF, seconds): a neuron that spikes at
  step s is next updated at step s + round(refractory/dt) (Brian2's rule); until then its v (and
  I_syn) are held and it cannot spike.
- LI / CubaLI / I: as LIF / CubaLIF / IF without threshold; their output is v.
- Delay:   y[t] = x[t - round(delay/dt)] (zeros before the start).
The outputs of spiking nodes are 1.0/0.0.
"""
from __future__ import annotations

import json
from typing import Dict, List, Tuple

import numpy as np

from nir2spikechip import read_safetensors

DT = 1e-4
STATEFUL = ("LIF", "IF", "CubaLIF", "LI", "CubaLI", "I", "Delay")
SPIKING = ("LIF", "IF", "CubaLIF")


def load(path) -> Tuple[dict, Dict[str, np.ndarray], Dict[str, str]]:
    metadata, tensors = read_safetensors(path)
    if metadata.get("format") != "spikechip-network":
        raise ValueError(f"{path}: not a spikechip-network file")
    return json.loads(metadata["graph"]), tensors, metadata


def _reaches(succs: Dict[str, List[str]], start: str, goal: str) -> bool:
    seen, todo = {start}, [start]
    while todo:
        node = todo.pop()
        if node == goal:
            return True
        for child in succs[node]:
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return False


def delayed_edges(graph: dict) -> List[Tuple[str, str]]:
    """The edges that carry the previous step's value, as SpikeChip (SpikingNetwork) and snnTorch's NIR
    import (nirtorch) choose them: each edge that closes a cycle in a depth-first walk from the inputs, in
    edge order, delays the chain of linear nodes it ends. The delay is put on the edge out of the neuron
    population that starts that chain, so that the chain's biases still apply at every step (step 0
    included); a cycle through linear nodes only is delayed at its closing edge."""
    names = [n["name"] for n in graph["nodes"]]
    kinds = {n["name"]: n["type"] for n in graph["nodes"]}
    edges = [tuple(e) for e in graph["edges"]]
    succs: Dict[str, List[str]] = {n: [] for n in names}
    preds: Dict[str, List[str]] = {n: [] for n in names}
    for a, b in edges:
        succs[a].append(b)
        preds[b].append(a)
    closing: List[Tuple[str, str]] = []
    state: Dict[str, int] = {}
    roots = [n for n in names if kinds[n] == "Input"] + names
    for root in roots:
        if root in state:
            continue
        stack = [(root, iter(succs[root]))]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            for child in children:
                if state.get(child) == 1:
                    closing.append((node, child))
                elif child not in state:
                    state[child] = 1
                    stack.append((child, iter(succs[child])))
                    break
            else:
                state[node] = 2
                stack.pop()
    delayed: List[Tuple[str, str]] = []
    for a, b in closing:
        # Back along the cycle (predecessors that b reaches) through linear nodes to a population.
        edge, node, seen = (a, b), a, {a}
        while kinds[node] not in STATEFUL:
            on_cycle = [p for p in preds[node] if p not in seen and (p == b or _reaches(succs, b, p))]
            if not on_cycle:
                edge = (a, b)
                break
            edge, node = (on_cycle[0], node), on_cycle[0]
            seen.add(node)
        if edge not in delayed:
            delayed.append(edge)
    return delayed


def _order(graph: dict, delayed: List[Tuple[str, str]]) -> List[str]:
    names = [n["name"] for n in graph["nodes"]]
    pending = {n: 0 for n in names}
    succs: Dict[str, List[str]] = {n: [] for n in names}
    for a, b in graph["edges"]:
        if (a, b) in delayed:
            continue
        pending[b] += 1
        succs[a].append(b)
    ready = [n for n in names if pending[n] == 0]
    order = []
    while ready:
        node = ready.pop(0)
        order.append(node)
        for child in succs[node]:
            pending[child] -= 1
            if pending[child] == 0:
                ready.append(child)
    assert len(order) == len(names), "cycle left after delaying edges"
    return order


class Result:
    def __init__(self):
        self.spikes: Dict[str, np.ndarray] = {}   # [T, n] bool, spiking nodes
        self.v: Dict[str, np.ndarray] = {}        # [T, n] membrane before reset
        self.margin: Dict[str, float] = {}        # min |v - v_threshold| over all steps
        self.outputs: Dict[str, np.ndarray] = {}  # [T, n] values of Output nodes
        self.delayed: List[Tuple[str, str]] = []


def simulate(graph: dict, tensors: Dict[str, np.ndarray], inputs, dt: float = DT) -> Result:
    """Runs the network on `inputs`: an array [T, n] for the only Input node, or a dict of them
    by Input node name."""
    nodes = {n["name"]: n for n in graph["nodes"]}
    input_names = [n for n, node in nodes.items() if node["type"] == "Input"]
    if not isinstance(inputs, dict):
        if len(input_names) != 1:
            raise ValueError(f"the graph has inputs {input_names}: give a dict")
        inputs = {input_names[0]: inputs}
    steps = len(next(iter(inputs.values())))
    p = {name: {k: tensors[t].astype(np.int64 if tensors[t].dtype.kind in "iu" else np.float64)
                for k, t in node["params"].items()}
         for name, node in nodes.items()}
    linear = ("Affine", "Linear", "SparseLinear")
    delayed = delayed_edges(graph)
    order = _order(graph, delayed)
    incoming: Dict[str, List[Tuple[str, bool]]] = {n: [] for n in nodes}
    for a, b in graph["edges"]:
        incoming[b].append((a, (a, b) in delayed))

    value = {n: np.zeros(nodes[n]["size"]) for n in nodes}
    state = {}
    for name, node in nodes.items():
        kind, size = node["type"], node["size"]
        if kind in ("LIF", "IF", "LI", "I"):
            state[name] = {"v": np.zeros(size)}
        elif kind in ("CubaLIF", "CubaLI"):
            state[name] = {"v": np.zeros(size), "i": np.zeros(size)}
        elif kind == "Delay":
            lag = np.rint(p[name]["delay"] / dt).astype(int)
            state[name] = {"lag": lag, "history": np.zeros((int(lag.max(initial=0)) + 1, size))}
    result = Result()
    result.delayed = delayed
    for name, node in nodes.items():
        if node["type"] in SPIKING:
            result.spikes[name] = np.zeros((steps, node["size"]), dtype=bool)
            result.v[name] = np.zeros((steps, node["size"]))
            result.margin[name] = np.inf
        if node["type"] == "Output":
            result.outputs[name] = np.zeros((steps, node["size"]))

    for t in range(steps):
        previous = {n: v.copy() for n, v in value.items()}
        for name in order:
            node = nodes[name]
            kind = node["type"]
            if kind == "Input":
                value[name] = np.asarray(inputs[name][t], dtype=np.float64).reshape(-1)
                continue
            x = np.zeros(node["size"]) if kind not in linear else None
            for src, is_delayed in incoming[name]:
                contribution = previous[src] if is_delayed else value[src]
                x = contribution.copy() if x is None else x + contribution
            if x is None:
                x = np.zeros(int(p[name]["shape"][1]) if kind == "SparseLinear" else p[name]["weight"].shape[1])
            q = p.get(name, {})
            if kind == "Output":
                value[name] = x
                result.outputs[name][t] = x
            elif kind == "Affine":
                value[name] = q["weight"] @ x + q["bias"]
            elif kind == "Linear":
                value[name] = q["weight"] @ x
            elif kind == "SparseLinear":
                value[name] = np.bincount(q["row"], weights=q["weight"] * x[q["col"]], minlength=node["size"])
            elif kind == "Scale":
                value[name] = q["scale"] * x
            elif kind == "Threshold":
                value[name] = (x > q["threshold"]).astype(np.float64)
            elif kind == "Delay":
                s = state[name]
                s["history"] = np.roll(s["history"], 1, axis=0)
                s["history"][0] = x
                value[name] = s["history"][s["lag"], np.arange(node["size"])]
            else:
                s = state[name]
                previous = s["v"]
                held = None
                if "refractory" in q:
                    s.setdefault("ready", np.zeros(node["size"], dtype=np.int64))
                    held = t < s["ready"]
                    kept_i = s.get("i")
                if kind in ("CubaLIF", "CubaLI"):
                    s["i"] = s["i"] + (dt / q["tau_syn"]) * (-s["i"] + q["w_in"] * x)
                    s["v"] = s["v"] + (dt / q["tau_mem"]) * (q["v_leak"] - s["v"] + q["r"] * s["i"])
                elif kind in ("LIF", "LI"):
                    s["v"] = s["v"] + (dt / q["tau"]) * (q["v_leak"] - s["v"] + q["r"] * x)
                else:  # IF, I
                    s["v"] = s["v"] + dt * q["r"] * x
                subtract = kind in SPIKING and "reset_mode" in q and q["reset_mode"].any()
                if subtract:
                    s["v"] = s["v"] - np.where((q["reset_mode"] == 1) & (previous > q["v_threshold"]), q["v_threshold"], 0.0)
                if held is not None:
                    s["v"] = np.where(held, previous, s["v"])
                    if kept_i is not None:
                        s["i"] = np.where(held, kept_i, s["i"])
                if kind in SPIKING:
                    z = s["v"] > q["v_threshold"]
                    if held is not None:
                        z = z & ~held
                        s["ready"] = np.where(z, t + np.rint(q["refractory"] / dt).astype(np.int64), s["ready"])
                    result.v[name][t] = s["v"]
                    result.spikes[name][t] = z
                    result.margin[name] = min(result.margin[name], float(np.min(np.abs(s["v"] - q["v_threshold"]))))
                    s["v"] = np.where(z & ~(q["reset_mode"] == 1) if "reset_mode" in q else z, q["v_reset"], s["v"])
                    value[name] = z.astype(np.float64)
                else:
                    value[name] = s["v"].copy()
    return result


def spike_record(spikes: np.ndarray) -> dict:
    """{"counts": [...], "spike_steps": [[...], ...]} of a [T, n] bool array."""
    return {
        "counts": [int(c) for c in spikes.sum(axis=0)],
        "spike_steps": [[int(t) for t in np.flatnonzero(spikes[:, i])] for i in range(spikes.shape[1])],
    }
