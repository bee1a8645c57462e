#!/usr/bin/env python3
"""Converts a NIR graph (Neuromorphic Intermediate Representation, HDF5) into the safetensors
file that SpikeChip's Swift side reads.

    nir2spikechip.py IN.nir OUT.safetensors

The output is one standard safetensors file: an 8-byte little-endian header length, a JSON
header, then the raw little-endian F32 data of every tensor. The header's `__metadata__` is

    {"format": "spikechip-network", "version": "1", "graph": "<JSON>",
     "source": "<input file name>", "nir_version": "<nir.__version__>"}

and the graph JSON is {"nodes": [...], "edges": [[from, to], ...]}. Each node has `name`, `type`,
`size` (number of output elements, flattened C-order) and `params` (NIR parameter name -> tensor
name, tensors named `<node>.<param>`). Per-neuron parameters are 1-D F32 arrays of the node's
size (scalars broadcast, a missing v_reset filled with zeros); Affine/Linear weights are
[out, in]. Nodes come in a topological order (edges that close a cycle ignored), edges sorted by
that order, so the output does not depend on the order of the NIR file's edge list.

What the conversion does to the NIR graph:
- Flatten nodes, and the Input/Output nodes of subgraphs, are removed and their edges rewired
  (identity on flattened data). Multi-dimensional Input/Output shapes flatten to their product.
- NIRGraph nodes (subgraphs, e.g. snnTorch's RLeaky export) are inlined with `outer.inner`
  names. Recurrent edges stay edges: cycles are allowed.
- Conv1d, Conv2d, SumPool2d and AvgPool2d become an equivalent dense Affine (C-order flattening,
  NIR's stride/padding/dilation/groups; AvgPool2d divides by the kernel area, as torch does with
  count_include_pad=True) when the input shape is known and out x in <= 2^26; such nodes keep
  their NIR type in `nir_type`.

Exit status: 0 written; 1 unreadable input or a graph that cannot be converted (message on
stderr); 2 unsupported node types (every one listed as `name (Type)`). Nothing is written
unless the conversion succeeds.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

FORMAT = "spikechip-network"
FORMAT_VERSION = "1"
MAX_DENSE_ELEMENTS = 1 << 26

# NIR parameter names emitted for each node type, in the order they are written.
PARAMS: Dict[str, Tuple[str, ...]] = {
    "Input": (),
    "Output": (),
    "Affine": ("weight", "bias"),
    "Linear": ("weight",),
    "Scale": ("scale",),
    "I": ("r",),
    "IF": ("r", "v_threshold", "v_reset"),
    "LI": ("tau", "r", "v_leak"),
    "LIF": ("tau", "r", "v_leak", "v_threshold", "v_reset"),
    "CubaLI": ("tau_syn", "tau_mem", "r", "v_leak", "w_in"),
    "CubaLIF": ("tau_syn", "tau_mem", "r", "v_leak", "v_threshold", "v_reset", "w_in"),
    "Threshold": ("threshold",),
    "Delay": ("delay",),
}
# Elementwise node types: every parameter is per-neuron, output size = input size.
ELEMENTWISE = ("Scale", "I", "IF", "LI", "LIF", "CubaLI", "CubaLIF", "Threshold", "Delay")
# Optional parameters and their default (filled per neuron when missing).
DEFAULTS = {"v_reset": 0.0, "w_in": 1.0}
EXPANDED = ("Conv1d", "Conv2d", "SumPool2d", "AvgPool2d")
PASS_THROUGH = ("Flatten",)
SUPPORTED = tuple(PARAMS) + EXPANDED + PASS_THROUGH + ("NIRGraph",)


class ConversionError(Exception):
    """A graph that cannot be converted (exit status 1)."""


class UnsupportedNodes(Exception):
    """Nodes of types this converter does not support (exit status 2)."""

    def __init__(self, nodes: Sequence[Tuple[str, str]]):
        self.nodes = list(nodes)
        listed = ", ".join(f"{name} ({kind})" for name, kind in self.nodes)
        super().__init__(
            f"unsupported NIR node{'s' if len(self.nodes) != 1 else ''}: {listed}. "
            f"Supported types: {', '.join(sorted(SUPPORTED))}"
        )


# ---------------------------------------------------------------------------------------------
# Reading


def scan_node_types(path: str) -> List[Tuple[str, str]]:
    """(name, type) of every node in a NIR HDF5 file, subgraph nodes as `outer.inner`, read with
    h5py alone so that types that `nir` itself cannot parse are still listed."""
    import h5py

    found: List[Tuple[str, str]] = []

    def walk(group, prefix: str) -> None:
        if "nodes" not in group:
            return
        for name, node in group["nodes"].items():
            if "type" not in node:
                raise ConversionError(f"node {prefix}{name} has no type")
            kind = node["type"][()]
            kind = kind.decode("utf8") if isinstance(kind, bytes) else str(kind)
            found.append((prefix + name, kind))
            if kind == "NIRGraph":
                walk(node, f"{prefix}{name}.")

    with h5py.File(path, "r") as f:
        if "node" not in f:
            raise ConversionError("no 'node' group: not a NIR file")
        walk(f["node"], "")
    return found


def read_nir(path: str):
    """Reads a NIR file with `nir.read`; unsupported node types raise UnsupportedNodes listing all
    of them, anything else unreadable raises ConversionError."""
    import nir

    try:
        types = scan_node_types(path)
    except ConversionError as error:
        raise ConversionError(f"cannot read {path}: {error}") from error
    except Exception as error:  # h5py: not HDF5, truncated, missing file...
        raise ConversionError(f"cannot read {path}: {error}") from error
    unsupported = [(name, kind) for name, kind in types if kind not in SUPPORTED]
    if unsupported:
        raise UnsupportedNodes(unsupported)
    try:
        return nir.read(path)
    except Exception:
        # nir's type check rejects some valid graphs (e.g. 0-d neuron parameters, which
        # snnTorch writes for scalar beta); this converter infers sizes itself.
        try:
            return nir.read(path, type_check=False)
        except Exception as error:
            raise ConversionError(f"cannot read {path} with nir {nir.__version__}: {error}") from error


# ---------------------------------------------------------------------------------------------
# Graph flattening


def _type_name(node) -> str:
    return type(node).__name__


def inline_subgraphs(graph) -> Tuple[Dict[str, object], List[Tuple[str, str]], set]:
    """Nodes and edges of `graph` with every NIRGraph node inlined as `outer.inner`. Returns the
    nodes, the edges and the names of the inner Input/Output nodes (pass-throughs)."""
    import nir

    unsupported = []

    def collect(g, prefix: str):
        for name, node in g.nodes.items():
            kind = _type_name(node)
            if isinstance(node, nir.NIRGraph):
                collect(node, f"{prefix}{name}.")
            elif kind not in SUPPORTED:
                unsupported.append((prefix + name, kind))

    collect(graph, "")
    if unsupported:
        raise UnsupportedNodes(unsupported)

    nodes: Dict[str, object] = {}
    edges: List[Tuple[str, str]] = []
    pass_through: set = set()

    def inline(g, prefix: str, inner: bool) -> None:
        def ends(name: str, kind) -> List[str]:
            """What an edge endpoint `name` of graph g stands for after inlining."""
            if name in g.nodes:
                node = g.nodes[name]
                if isinstance(node, nir.NIRGraph):
                    targets = [k for k, n in node.nodes.items() if isinstance(n, kind)]
                    if not targets:
                        raise ConversionError(
                            f"subgraph {prefix}{name} has no {kind.__name__} node for its edges"
                        )
                    return [f"{prefix}{name}.{t}" for t in sorted(targets)]
                return [prefix + name]
            # `sub.port` addresses one Input/Output node of a subgraph directly.
            head, _, tail = name.partition(".")
            if tail and head in g.nodes and isinstance(g.nodes[head], nir.NIRGraph):
                return [f"{prefix}{name}"]
            raise ConversionError(f"edge endpoint {prefix}{name} is not a node")

        for name, node in g.nodes.items():
            full = prefix + name
            if isinstance(node, nir.NIRGraph):
                inline(node, full + ".", True)
                continue
            nodes[full] = node
            if inner and isinstance(node, (nir.Input, nir.Output)):
                pass_through.add(full)
        for src, dst in g.edges:
            for a in ends(src, nir.Output):
                for b in ends(dst, nir.Input):
                    edges.append((a, b))

    inline(graph, "", False)
    for a, b in edges:
        if a not in nodes or b not in nodes:
            raise ConversionError(f"edge ({a}, {b}) names a node that does not exist")
    return nodes, edges, pass_through


# ---------------------------------------------------------------------------------------------
# Shapes


def _array(value) -> np.ndarray:
    return np.asarray(value, dtype=np.float64)


def _shape(value) -> Optional[Tuple[int, ...]]:
    if value is None:
        return None
    shape = tuple(int(v) for v in np.asarray(value).reshape(-1))
    return shape


def _port_shape(types, key: str) -> Optional[Tuple[int, ...]]:
    if not isinstance(types, dict) or types.get(key) is None:
        return None
    shape = _shape(types[key])
    return shape if shape else None


def _pair(value, name: str) -> Tuple[int, int]:
    flat = np.asarray(value).reshape(-1)
    if flat.size == 1:
        return int(flat[0]), int(flat[0])
    if flat.size == 2:
        return int(flat[0]), int(flat[1])
    raise ConversionError(f"{name} must have one or two values, not {flat.tolist()}")


def _single(value, name: str) -> int:
    flat = np.asarray(value).reshape(-1)
    if flat.size != 1:
        raise ConversionError(f"{name} must be one value, not {flat.tolist()}")
    return int(flat[0])


def _padding_str(value) -> Optional[str]:
    if isinstance(value, bytes):
        value = value.decode("utf8")
    if isinstance(value, np.ndarray) and value.dtype.kind in "SUO" and value.size == 1:
        value = value.reshape(-1)[0]
        value = value.decode("utf8") if isinstance(value, bytes) else str(value)
    return value if isinstance(value, str) else None


def _conv_geometry(node, kind: str, in_shape: Tuple[int, ...]):
    """Output shape and per-axis (stride, pad_before, dilation, kernel) of a conv or pool."""
    spatial = len(in_shape) - 1
    if kind in ("Conv1d", "Conv2d"):
        weight = _array(node.weight)
        kernel = weight.shape[2:]
        if kind == "Conv1d":
            stride = (_single(node.stride, "stride"),)
            dilation = (_single(node.dilation, "dilation"),)
        else:
            stride = _pair(node.stride, "stride")
            dilation = _pair(node.dilation, "dilation")
        padding = _padding_str(node.padding)
        if padding == "valid":
            pad = tuple(0 for _ in kernel)
        elif padding == "same":
            # torch: total = dilation * (kernel - 1), the extra element on the far side.
            pad = tuple(d * (k - 1) // 2 for d, k in zip(dilation, kernel))
        elif kind == "Conv1d":
            pad = (_single(node.padding, "padding"),)
        else:
            pad = _pair(node.padding, "padding")
        out_channels = weight.shape[0]
    else:
        kernel = _pair(node.kernel_size, "kernel_size")
        stride = _pair(node.stride, "stride")
        pad = _pair(node.padding, "padding")
        dilation = (1, 1)
        padding = None
        out_channels = in_shape[0]
    if len(kernel) != spatial:
        raise ConversionError(
            f"input shape {list(in_shape)} does not fit a {len(kernel)}-d kernel"
        )
    out = []
    for axis in range(spatial):
        if padding == "same":
            out.append(in_shape[1 + axis])
        else:
            extent = in_shape[1 + axis] + 2 * pad[axis] - dilation[axis] * (kernel[axis] - 1) - 1
            out.append(extent // stride[axis] + 1)
        if out[-1] <= 0:
            raise ConversionError(f"output shape {out} is empty for input {list(in_shape)}")
    return (out_channels, *out), stride, pad, dilation, tuple(kernel)


def infer_shapes(nodes, edges):
    """(output shape of every node, NIR's unflattened shape where the graph tells it; the input
    shape of the nodes that fix or need one: Affine/Linear, elementwise, Conv/Pool)."""
    preds: Dict[str, List[str]] = {n: [] for n in nodes}
    succs: Dict[str, List[str]] = {n: [] for n in nodes}
    for a, b in edges:
        preds[b].append(a)
        succs[a].append(b)
    out: Dict[str, Tuple[int, ...]] = {}
    own_input: Dict[str, Tuple[int, ...]] = {}

    # Shapes a node fixes by itself.
    for name, node in nodes.items():
        kind = _type_name(node)
        if kind == "Input":
            shape = _port_shape(node.input_type, "input") or _port_shape(node.output_type, "output")
            if shape is None:
                raise ConversionError(f"Input node {name} has no shape")
            out[name] = shape
        elif kind == "Output":
            shape = _port_shape(node.output_type, "output") or _port_shape(node.input_type, "input")
            if shape is not None:
                out[name] = shape
        elif kind in ("Affine", "Linear"):
            weight = _array(node.weight)
            if weight.ndim != 2:
                raise ConversionError(
                    f"{kind} node {name}: weight of shape {list(weight.shape)}, only [out, in] is supported"
                )
            out[name] = (weight.shape[0],)
            own_input[name] = (weight.shape[1],)
        elif kind in ELEMENTWISE:
            # Parameters with one value (0-d or [1]) broadcast; the others fix the shape.
            values = [_array(getattr(node, p)) for p in PARAMS[kind] if getattr(node, p, None) is not None]
            sizes = {v.shape for v in values if v.size > 1}
            if len(sizes) > 1:
                raise ConversionError(
                    f"{kind} node {name}: parameters of different shapes {sorted(sizes)}"
                )
            if sizes:
                out[name] = sizes.pop()
                own_input[name] = out[name]
        elif kind in ("Conv1d", "Conv2d"):
            if node.input_shape is not None:
                spatial = _shape(node.input_shape)
                own_input[name] = (int(_array(node.weight).shape[1]), *spatial)

    def input_shape_of(name: str) -> Optional[Tuple[int, ...]]:
        shapes = [out[p] for p in preds[name] if p in out]
        if shapes:
            return shapes[0]
        return own_input.get(name)

    # Propagate along edges until nothing changes (conv/pool/flatten need their input's shape,
    # elementwise nodes with scalar parameters their neighbour's size).
    changed = True
    while changed:
        changed = False
        for name, node in nodes.items():
            if name in out:
                continue
            kind = _type_name(node)
            shape = None
            if kind in ("Output",) + ELEMENTWISE + PASS_THROUGH + ("Input",):
                source = input_shape_of(name)
                if source is not None and kind == "Flatten":
                    shape = _flatten_shape(node, source)
                elif source is not None:
                    shape = source
                elif kind in ELEMENTWISE:
                    # Scalar parameters and no known input: take the size a successor expects.
                    for s in succs[name]:
                        if s in own_input:
                            shape = (int(np.prod(own_input[s])),)
                            break
            elif kind in EXPANDED:
                source = own_input.get(name) or input_shape_of(name)
                if source is not None:
                    if kind == "Conv1d" and len(source) != 2 or kind != "Conv1d" and len(source) != 3:
                        raise ConversionError(
                            f"{kind} node {name}: input shape {list(source)} is not "
                            f"{'[C, L]' if kind == 'Conv1d' else '[C, H, W]'}"
                        )
                    own_input[name] = source
                    try:
                        shape = _conv_geometry(node, kind, source)[0]
                    except ConversionError as error:
                        raise ConversionError(f"{kind} node {name}: {error}") from error
            if shape is not None:
                out[name] = tuple(int(v) for v in shape)
                changed = True
    for name, node in nodes.items():
        if name not in out and _type_name(node) in ELEMENTWISE:
            out[name] = (1,)  # one-valued parameters and nothing around to size it by
    missing = [n for n in nodes if n not in out]
    if missing:
        raise ConversionError(
            "cannot infer the size of: "
            + ", ".join(f"{n} ({_type_name(nodes[n])})" for n in missing)
            + " (for Conv/Pool nodes the input shape must be known)"
        )
    return out, own_input


def _flatten_shape(node, source: Tuple[int, ...]) -> Tuple[int, ...]:
    start, end = int(node.start_dim), int(node.end_dim)
    n = len(source)
    start = start + n if start < 0 else start
    end = end + n if end < 0 else end
    if not (0 <= start <= end < n):
        return (int(np.prod(source)),)
    return source[:start] + (int(np.prod(source[start:end + 1])),) + source[end + 1:]


# ---------------------------------------------------------------------------------------------
# Conv/pool expansion


def dense_from_conv(node, kind: str, in_shape: Tuple[int, ...], name: str = "?"):
    """(weight [out, in], bias [out]) of the dense Affine equivalent to a Conv1d/Conv2d/
    SumPool2d/AvgPool2d on an input of shape `in_shape` (C-order flattening)."""
    out_shape, stride, pad, dilation, kernel = _conv_geometry(node, kind, in_shape)
    n_in = int(np.prod(in_shape))
    n_out = int(np.prod(out_shape))
    if n_in * n_out > MAX_DENSE_ELEMENTS:
        raise ConversionError(
            f"{kind} node {name}: its dense equivalent would be {n_out} x {n_in} = "
            f"{n_in * n_out} elements, more than 2^26"
        )
    spatial = len(in_shape) - 1
    # Pad a 1-d problem to 2-d: one extra spatial axis of extent 1.
    in3 = tuple(in_shape) if spatial == 2 else (in_shape[0], 1, in_shape[1])
    out3 = tuple(out_shape) if spatial == 2 else (out_shape[0], 1, out_shape[1])
    st = stride if spatial == 2 else (1, stride[0])
    pd = pad if spatial == 2 else (0, pad[0])
    dl = dilation if spatial == 2 else (1, dilation[0])
    ks = kernel if spatial == 2 else (1, kernel[0])
    c_in, h, w = in3
    c_out, ho, wo = out3

    if kind in ("Conv1d", "Conv2d"):
        weight = _array(node.weight)
        if spatial == 1:
            weight = weight[:, :, None, :]
        groups = _single(node.groups, "groups")
        if c_in % groups or c_out % groups or weight.shape[1] * groups != c_in:
            raise ConversionError(
                f"{kind} node {name}: groups={groups} does not fit {c_in} input and {c_out} output channels"
            )
        bias = _array(node.bias).reshape(-1) if node.bias is not None else np.zeros(c_out)
        if bias.size == 1 and c_out != 1:
            bias = np.full(c_out, bias[0])
        per_in = c_in // groups
        per_out = c_out // groups
        taps = []  # (out channel, in channel, ky, kx, value)
        for co in range(c_out):
            g = co // per_out
            for cl in range(per_in):
                for ky in range(ks[0]):
                    for kx in range(ks[1]):
                        taps.append((co, g * per_in + cl, ky, kx, weight[co, cl, ky, kx]))
    else:
        scale = 1.0 if kind == "SumPool2d" else 1.0 / (ks[0] * ks[1])
        bias = np.zeros(c_out)
        taps = [(c, c, ky, kx, scale) for c in range(c_in)
                for ky in range(ks[0]) for kx in range(ks[1])]

    dense = np.zeros((n_out, n_in), dtype=np.float64)
    oy, ox = np.meshgrid(np.arange(ho), np.arange(wo), indexing="ij")
    for co, ci, ky, kx, value in taps:
        iy = oy * st[0] - pd[0] + ky * dl[0]
        ix = ox * st[1] - pd[1] + kx * dl[1]
        valid = (iy >= 0) & (iy < h) & (ix >= 0) & (ix < w)
        rows = (co * ho + oy[valid]) * wo + ox[valid]
        cols = (ci * h + iy[valid]) * w + ix[valid]
        # Each (row, col) pair occurs once per tap, so plain += is exact.
        dense[rows, cols] += value
    full_bias = np.repeat(bias, ho * wo)
    return dense, full_bias


# ---------------------------------------------------------------------------------------------
# Conversion


def _per_neuron(value, size: int, what: str) -> np.ndarray:
    array = _array(value).reshape(-1)
    if array.size == 1 and size != 1:
        return np.full(size, array[0])
    if array.size != size:
        raise ConversionError(f"{what}: {array.size} values for {size} neurons")
    return array


def _topological_order(names: List[str], edges: List[Tuple[str, str]], roots: List[str]) -> List[str]:
    """DFS post-order reversed, from the roots then every other node, children in node order
    (not edge order): a topological order of the graph without the edges that close cycles."""
    index = {n: i for i, n in enumerate(names)}
    succs: Dict[str, List[str]] = {n: [] for n in names}
    for a, b in sorted(set(edges), key=lambda e: (index[e[0]], index[e[1]])):
        succs[a].append(b)
    seen, post = set(), []
    for root in roots + names:
        if root in seen:
            continue
        stack = [(root, iter(succs[root]))]
        seen.add(root)
        while stack:
            node, children = stack[-1]
            for child in children:
                if child not in seen:
                    seen.add(child)
                    stack.append((child, iter(succs[child])))
                    break
            else:
                stack.pop()
                post.append(node)
    return post[::-1]


def convert_graph(graph, reset: str = "zero") -> Tuple[dict, Dict[str, np.ndarray]]:
    """(graph JSON object, tensors) for a NIRGraph. `reset`: what a spike does to the membrane of
    IF, LIF and CubaLIF nodes, which NIR does not say: "zero" (NIR's reset to v_reset) or
    "subtract" (v_threshold subtracted at the next step, snnTorch's default; reset_mode 1)."""
    if reset not in RESET_MECHANISMS:
        raise ConversionError(f"reset mechanism {reset!r}: choose one of {', '.join(RESET_MECHANISMS)}")
    nodes, edges, pass_through = inline_subgraphs(graph)
    shapes, input_shapes = infer_shapes(nodes, edges)

    # Check sizes along edges before anything is removed.
    sizes = {n: int(np.prod(s)) for n, s in shapes.items()}
    for a, b in edges:
        expect = input_shapes.get(b)
        if expect is not None and int(np.prod(expect)) != sizes[a]:
            raise ConversionError(
                f"edge {a} -> {b}: {a} gives {sizes[a]} values, {b} ({_type_name(nodes[b])}) "
                f"takes {int(np.prod(expect))}"
            )
        kind = _type_name(nodes[b])
        if kind in ELEMENTWISE + ("Output",) and sizes[b] != sizes[a]:
            raise ConversionError(
                f"edge {a} -> {b}: {a} gives {sizes[a]} values, {b} ({kind}) has {sizes[b]}"
            )

    # Remove pass-through nodes (Flatten, inner Input/Output), rewiring their edges.
    removed = set(pass_through) | {n for n, node in nodes.items() if _type_name(node) in PASS_THROUGH}
    edge_list = list(dict.fromkeys(edges))
    for p in [n for n in nodes if n in removed]:
        ins = [a for a, b in edge_list if b == p and a != p]
        outs = [b for a, b in edge_list if a == p and b != p]
        edge_list = [e for e in edge_list if p not in e]
        for a in ins:
            for b in outs:
                if (a, b) not in edge_list:
                    edge_list.append((a, b))
    kept = [n for n in nodes if n not in removed]

    roots = [n for n in kept if _type_name(nodes[n]) == "Input"]
    order = _topological_order(kept, edge_list, roots)
    rank = {n: i for i, n in enumerate(order)}
    edge_list.sort(key=lambda e: (rank[e[0]], rank[e[1]]))

    tensors: Dict[str, np.ndarray] = {}
    out_nodes = []
    for name in order:
        node = nodes[name]
        kind = _type_name(node)
        size = sizes[name]
        entry = {"name": name, "type": kind, "size": size, "params": {}}
        params: Dict[str, np.ndarray] = {}
        if kind in EXPANDED:
            weight, bias = dense_from_conv(node, kind, input_shapes[name], name)
            params = {"weight": weight, "bias": bias}
            entry["type"] = "Affine"
            entry["nir_type"] = kind
        elif kind in ("Affine", "Linear"):
            params["weight"] = _array(node.weight)
            if kind == "Affine":
                params["bias"] = _per_neuron(node.bias, size, f"{name}.bias")
        elif kind in ELEMENTWISE:
            for p in PARAMS[kind]:
                value = getattr(node, p, None)
                if value is None:
                    if p not in DEFAULTS:
                        raise ConversionError(f"{kind} node {name} has no {p}")
                    value = DEFAULTS[p]
                params[p] = _per_neuron(value, size, f"{name}.{p}")
            if kind in RESET_MODE and RESET_MECHANISMS[reset]:
                params["reset_mode"] = np.full(size, RESET_MECHANISMS[reset], dtype=np.float32)
        for p, value in params.items():
            tensor = f"{name}.{p}"
            entry["params"][p] = tensor
            tensors[tensor] = np.ascontiguousarray(value, dtype="<f4")
        out_nodes.append(entry)
    graph_json = {"nodes": out_nodes, "edges": [[a, b] for a, b in edge_list]}
    return graph_json, tensors


# ---------------------------------------------------------------------------------------------
# safetensors


def safetensors_bytes(tensors: Dict[str, np.ndarray], metadata: Dict[str, str]) -> bytes:
    """A safetensors file: integer arrays as I32 (SparseLinear's row, col, shape), everything else
    as F32."""
    header: Dict[str, object] = {"__metadata__": metadata}
    offset = 0
    blobs = []
    for name, array in tensors.items():
        if np.asarray(array).dtype.kind in "iu":
            array = np.asarray(array)
            if array.size and (array.min() < -(1 << 31) or array.max() >= 1 << 31):
                raise ConversionError(f"tensor {name}: values outside the I32 range")
            array, dtype = np.ascontiguousarray(array, dtype="<i4"), "I32"
        else:
            array, dtype = np.ascontiguousarray(array, dtype="<f4"), "F32"
        data = array.tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf8")
    text += b" " * (-len(text) % 8)  # data starts 8-byte aligned
    return len(text).to_bytes(8, "little") + text + b"".join(blobs)


def read_safetensors(path) -> Tuple[Dict[str, str], Dict[str, np.ndarray]]:
    """(metadata, tensors) of a safetensors file, with plain numpy and json."""
    raw = pathlib.Path(path).read_bytes()
    length = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + length])
    metadata = header.pop("__metadata__", {})
    base = 8 + length
    dtypes = {"F32": "<f4", "F64": "<f8", "I64": "<i8", "I32": "<i4"}
    tensors = {}
    for name, info in header.items():
        start, end = info["data_offsets"]
        tensors[name] = np.frombuffer(raw[base + start:base + end], dtype=dtypes[info["dtype"]]).reshape(info["shape"])
    return metadata, tensors


# ---------------------------------------------------------------------------------------------
# Writing networks built by other scripts (tools/nir/scaling.py, tools/sanafe/sanafe2spikechip.py)

# SpikeChip's own node type (not NIR): a sparse Linear, out = W x with W[row[k], col[k]] =
# weight[k] (duplicates summed); row, col I32 [nnz], weight F32 [nnz], shape I32 [2] = [out, in].
SPIKECHIP_PARAMS: Dict[str, Tuple[str, ...]] = dict(PARAMS, SparseLinear=("row", "col", "weight", "shape"))
# SpikeChip's own neuron type (not NIR): the TrueNorth neuron (Cassidy et al. 2013), whole-number
# parameters per neuron (docs/networks.md). Only alpha is required; the others are written when
# given and default in SpikeChip otherwise.
TRUENORTH_OPTIONAL = ("beta", "leak", "leak_reversal", "stochastic_leak", "threshold_mask_bits", "reset", "reset_value",
                      "negative_saturation", "seed", "stochastic_synapses")
SPIKECHIP_PARAMS["TrueNorth"] = ("alpha",) + TRUENORTH_OPTIONAL
# SpikeChip's own parameters of IF, LIF and CubaLIF (NIR has neither): reset_mode 1 subtracts
# v_threshold from the next step's membrane instead of resetting to v_reset, as snnTorch's default
# reset does; refractory (seconds) holds a neuron after a spike, as Brian2's refractory does.
RESET_MODE = ("IF", "LIF", "CubaLIF")
for _kind in RESET_MODE:
    SPIKECHIP_PARAMS[_kind] = PARAMS[_kind] + ("reset_mode", "refractory")
OPTIONAL = {"TrueNorth": TRUENORTH_OPTIONAL, **{k: ("reset_mode", "refractory") for k in RESET_MODE}}
RESET_MECHANISMS = {"zero": 0, "subtract": 1}
INTEGER_PARAMS = {("SparseLinear", "row"), ("SparseLinear", "col"), ("SparseLinear", "shape")}


def sparse_linear(name: str, rows, cols, weights, shape: Tuple[int, int]) -> dict:
    """A SparseLinear node for `write_network`: W[rows[k], cols[k]] = weights[k], W of `shape`
    [out, in]."""
    return {
        "name": name,
        "type": "SparseLinear",
        "size": int(shape[0]),
        "params": {
            "row": np.asarray(rows, dtype=np.int32),
            "col": np.asarray(cols, dtype=np.int32),
            "weight": np.asarray(weights, dtype=np.float32),
            "shape": np.asarray([int(shape[0]), int(shape[1])], dtype=np.int32),
        },
    }


def _check_node(node: dict) -> Tuple[dict, Dict[str, np.ndarray]]:
    """(graph JSON entry, tensors) of one node given to `write_network`, checked."""
    name, kind, size = node["name"], node["type"], int(node["size"])
    if kind not in SPIKECHIP_PARAMS:
        raise ConversionError(f"node {name}: unknown type {kind}; known: {', '.join(sorted(SPIKECHIP_PARAMS))}")
    if size < 1:
        raise ConversionError(f"node {name}: size {size}")
    given = dict(node.get("params", {}))
    unknown = sorted(set(given) - set(SPIKECHIP_PARAMS[kind]))
    if unknown:
        raise ConversionError(f"{kind} node {name}: unknown parameters {unknown}")
    entry = {k: v for k, v in node.items() if k != "params"}
    entry["size"] = size
    entry["params"] = {}
    tensors: Dict[str, np.ndarray] = {}
    for p in SPIKECHIP_PARAMS[kind]:
        value = given.get(p, DEFAULTS.get(p))
        if value is None and p in OPTIONAL.get(kind, ()):
            continue
        if value is None:
            raise ConversionError(f"{kind} node {name} has no {p}")
        if (kind, p) in INTEGER_PARAMS:
            array = np.asarray(value)
            if array.dtype.kind not in "iu":
                raise ConversionError(f"{kind} node {name}: {p} must be integers")
            array = array.astype(np.int64).reshape(-1)
        elif kind in ("Affine", "Linear") and p == "weight":
            array = _array(value)
            if array.ndim != 2 or array.shape[0] != size:
                raise ConversionError(f"{kind} node {name}: weight of shape {list(array.shape)}, expected [{size}, in]")
        elif kind == "SparseLinear":
            array = _array(value).reshape(-1)
        else:
            array = _per_neuron(value, size, f"{name}.{p}")
        if not np.all(np.isfinite(array)):
            raise ConversionError(f"{kind} node {name}: {p} is not finite")
        tensors[f"{name}.{p}"] = array
        entry["params"][p] = f"{name}.{p}"
    if kind == "SparseLinear":
        row, col, weight, shape = (tensors[f"{name}.{p}"] for p in ("row", "col", "weight", "shape"))
        if shape.size != 2 or shape[0] != size or shape[1] < 1:
            raise ConversionError(f"SparseLinear node {name}: shape {shape.tolist()}, expected [{size}, in]")
        if not (row.size == col.size == weight.size):
            raise ConversionError(f"SparseLinear node {name}: {row.size} rows, {col.size} cols, {weight.size} weights")
        if row.size and (row.min() < 0 or row.max() >= size or col.min() < 0 or col.max() >= shape[1]):
            raise ConversionError(f"SparseLinear node {name}: an index lies outside the shape {shape.tolist()}")
    return entry, tensors


def write_network(path, nodes: Sequence[dict], edges: Sequence[Tuple[str, str]], source: str = "",
                  metadata: Optional[Dict[str, str]] = None) -> dict:
    """Writes a SpikeChip network file from nodes built in Python (not read from NIR).

    `nodes`: dicts {"name", "type", "size", "params": {parameter: array}} (extra keys such as
    "nir_type" are kept in the graph JSON), in a topological order of the edges that do not close
    a cycle, Input nodes first. Types: the NIR ones of PARAMS, SpikeChip's SparseLinear (see
    `sparse_linear`) and TrueNorth (`TRUENORTH_OPTIONAL`); IF, LIF and CubaLIF may carry reset_mode. Per-neuron parameters broadcast from scalars; v_reset and w_in default as
    in the converter. `edges`: (from, to) pairs, in the order SpikeChip's depth-first walk should
    see them (it decides which edge closes a cycle). `metadata`: extra string entries of the
    header. Returns the graph JSON. The file is written to a temporary name and renamed."""
    graph_nodes, tensors = [], {}
    names = set()
    for node in nodes:
        entry, t = _check_node(node)
        if entry["name"] in names:
            raise ConversionError(f"two nodes are named {entry['name']}")
        names.add(entry["name"])
        graph_nodes.append(entry)
        tensors.update(t)
    graph_edges = []
    for a, b in edges:
        if a not in names or b not in names:
            raise ConversionError(f"edge ({a}, {b}) names a node that does not exist")
        graph_edges.append([a, b])
    graph_json = {"nodes": graph_nodes, "edges": graph_edges}
    _write_file(path, graph_json, tensors, source, metadata)
    return graph_json


def _write_file(path, graph_json: dict, tensors: dict, source: str, metadata: Optional[Dict[str, str]]) -> None:
    """The safetensors file of a graph: header entries format, version, graph, source, then
    `metadata`; written to a temporary name and renamed, so a reader never sees half a file."""
    header = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "graph": json.dumps(graph_json, separators=(",", ":")),
        "source": source,
    }
    header.update({k: str(v) for k, v in (metadata or {}).items()})
    data = safetensors_bytes(tensors, header)
    target_path = pathlib.Path(path)
    temporary = target_path.with_name(target_path.name + ".partial")
    temporary.write_bytes(data)
    os.replace(temporary, target_path)


def convert_file(source: str, target: str, reset: str = "zero") -> dict:
    import nir

    graph = read_nir(source)
    graph_json, tensors = convert_graph(graph, reset)
    _write_file(target, graph_json, tensors, os.path.basename(source), {"nir_version": nir.__version__})
    return graph_json


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="nir2spikechip.py",
        description="Convert a NIR graph (HDF5) into a SpikeChip network safetensors file.",
    )
    parser.add_argument("input", metavar="IN.nir")
    parser.add_argument("output", metavar="OUT.safetensors")
    parser.add_argument("--reset-mechanism", choices=sorted(RESET_MECHANISMS), default="zero",
                        help="what a spike does to an IF/LIF/CubaLIF membrane, which NIR does not record: zero (NIR's "
                             "reset to v_reset, default) or subtract (v_threshold subtracted at the next step, "
                             "snnTorch's default reset_mechanism with reset_delay=True)")
    args = parser.parse_args(argv)
    try:
        graph = convert_file(args.input, args.output, args.reset_mechanism)
    except UnsupportedNodes as error:
        print(f"nir2spikechip: {args.input}: {error}", file=sys.stderr)
        return 2
    except ConversionError as error:
        print(f"nir2spikechip: {error}", file=sys.stderr)
        return 1
    summary = ", ".join(f"{n['name']} ({n['type']}, {n['size']})" for n in graph["nodes"])
    print(f"nir2spikechip: wrote {args.output}: {summary}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
