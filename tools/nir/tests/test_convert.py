"""nir2spikechip.py: round trips, Flatten and subgraph removal, scalar broadcast, errors."""
import dataclasses
import random

import h5py
import nir
import numpy as np
import pytest
from conftest import plain_read, run_converter

import nir2spikechip


def node(graph, name):
    return next(n for n in graph["nodes"] if n["name"] == name)


def test_round_trip_every_neuron_type(convert):
    rng = np.random.default_rng(1)
    w1, b1 = rng.normal(size=(5, 6)), rng.normal(size=5)
    w2 = rng.normal(size=(4, 5))
    lif = dict(tau=rng.uniform(1e-3, 2e-3, 5), r=rng.uniform(1, 2, 5), v_leak=rng.normal(size=5),
               v_threshold=rng.uniform(0.5, 1, 5), v_reset=rng.normal(size=5))
    cuba = dict(tau_syn=rng.uniform(1e-3, 2e-3, 4), tau_mem=rng.uniform(1e-3, 2e-3, 4), r=np.ones(4),
                v_leak=np.zeros(4), v_threshold=np.ones(4))  # no v_reset, no w_in: defaults
    graph = nir.NIRGraph(
        nodes={
            "input": nir.Input(input_type=np.array([6])),
            "fc1": nir.Affine(weight=w1, bias=b1),
            "lif1": nir.LIF(**lif),
            "fc2": nir.Linear(weight=w2),
            "syn": nir.CubaLIF(**cuba),
            "scale": nir.Scale(scale=np.array([1.0, 2.0, 3.0, 4.0])),
            "if1": nir.IF(r=np.full(4, 2.0), v_threshold=np.full(4, 0.5)),
            "thr": nir.Threshold(threshold=np.full(4, 0.25)),
            "delay": nir.Delay(delay=np.array([0.0, 1e-4, 2e-4, 3e-4])),
            "li": nir.LI(tau=np.ones(4), r=np.ones(4), v_leak=np.zeros(4)),
            "integ": nir.I(r=np.full(4, 3.0)),
            "culi": nir.CubaLI(tau_syn=np.ones(4), tau_mem=np.ones(4), r=np.ones(4), v_leak=np.zeros(4),
                               w_in=np.full(4, 2.0)),
            "output": nir.Output(output_type=np.array([4])),
        },
        edges=[("input", "fc1"), ("fc1", "lif1"), ("lif1", "fc2"), ("fc2", "syn"), ("syn", "scale"),
               ("scale", "if1"), ("if1", "thr"), ("thr", "delay"), ("delay", "li"), ("li", "integ"),
               ("integ", "culi"), ("culi", "output")],
    )
    metadata, g, t = convert(graph, "chain")
    assert metadata["format"] == "spikechip-network"
    assert metadata["version"] == "1"
    assert metadata["source"] == "chain.nir"
    assert metadata["nir_version"] == nir.__version__
    assert [n["name"] for n in g["nodes"]] == [
        "input", "fc1", "lif1", "fc2", "syn", "scale", "if1", "thr", "delay", "li", "integ", "culi", "output"]
    assert g["edges"] == [[a, b] for a, b in graph.edges]
    assert [n["size"] for n in g["nodes"]] == [6, 5, 5, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4]
    assert [n["type"] for n in g["nodes"]] == [
        "Input", "Affine", "LIF", "Linear", "CubaLIF", "Scale", "IF", "Threshold", "Delay", "LI", "I", "CubaLI",
        "Output"]

    def param(name, p):
        n = node(g, name)
        assert n["params"][p] == f"{name}.{p}"
        return t[n["params"][p]]

    np.testing.assert_array_equal(param("fc1", "weight"), w1.astype(np.float32))
    np.testing.assert_array_equal(param("fc1", "bias"), b1.astype(np.float32))
    np.testing.assert_array_equal(param("fc2", "weight"), w2.astype(np.float32))
    assert set(node(g, "fc2")["params"]) == {"weight"}
    assert list(node(g, "lif1")["params"]) == ["tau", "r", "v_leak", "v_threshold", "v_reset"]
    for p, value in lif.items():
        np.testing.assert_array_equal(param("lif1", p), value.astype(np.float32))
    assert list(node(g, "syn")["params"]) == ["tau_syn", "tau_mem", "r", "v_leak", "v_threshold", "v_reset", "w_in"]
    np.testing.assert_array_equal(param("syn", "v_reset"), np.zeros(4, np.float32))
    np.testing.assert_array_equal(param("syn", "w_in"), np.ones(4, np.float32))
    np.testing.assert_array_equal(param("syn", "tau_mem"), cuba["tau_mem"].astype(np.float32))
    np.testing.assert_array_equal(param("scale", "scale"), [1, 2, 3, 4])
    assert list(node(g, "if1")["params"]) == ["r", "v_threshold", "v_reset"]
    np.testing.assert_array_equal(param("if1", "v_reset"), np.zeros(4))
    np.testing.assert_array_equal(param("thr", "threshold"), np.full(4, 0.25))
    np.testing.assert_array_equal(param("delay", "delay"), np.array([0, 1e-4, 2e-4, 3e-4], np.float32))
    assert list(node(g, "li")["params"]) == ["tau", "r", "v_leak"]
    assert list(node(g, "integ")["params"]) == ["r"]
    assert list(node(g, "culi")["params"]) == ["tau_syn", "tau_mem", "r", "v_leak", "w_in"]
    np.testing.assert_array_equal(param("culi", "w_in"), np.full(4, 2.0))
    assert node(g, "input")["params"] == {} and node(g, "output")["params"] == {}
    # Every tensor is named by a node and every named tensor exists.
    named = {v for n in g["nodes"] for v in n["params"].values()}
    assert named == set(t)


def test_scalar_parameters_broadcast(tmp_path):
    # 0-d neuron parameters (what snnTorch's export makes of a scalar beta and threshold) fail
    # nir's type check; the converter sizes the node from its neighbours and broadcasts.
    graph = nir.NIRGraph(
        nodes={
            "input": nir.Input(input_type=np.array([3])),
            "fc": nir.Affine(weight=np.ones((7, 3)), bias=np.zeros(7)),
            "lif": nir.LIF(tau=np.array(2e-3), r=np.array(20.0), v_leak=np.array(0.0),
                           v_threshold=np.array(1.5), v_reset=np.array(0.25)),
            "output": nir.Output(output_type=np.array([7])),
        },
        edges=[("input", "fc"), ("fc", "lif"), ("lif", "output")],
        type_check=False,
    )
    nir.write(tmp_path / "s.nir", graph, compression=None)  # h5py cannot gzip 0-d datasets
    done = run_converter(tmp_path / "s.nir", tmp_path / "s.safetensors")
    assert done.returncode == 0, done.stderr
    _, g, t = plain_read(tmp_path / "s.safetensors")
    assert node(g, "lif")["size"] == 7
    for p, value in dict(tau=2e-3, r=20.0, v_leak=0.0, v_threshold=1.5, v_reset=0.25).items():
        assert t[f"lif.{p}"].shape == (7,)
        np.testing.assert_array_equal(t[f"lif.{p}"], np.full(7, value, np.float32))


def test_flatten_removed_and_shapes_flattened(convert):
    graph = nir.NIRGraph(
        nodes={
            "input": nir.Input(input_type=np.array([2, 3, 4])),
            "flat": nir.Flatten(input_type={"input": np.array([2, 3, 4])}, start_dim=0, end_dim=-1),
            "fc": nir.Affine(weight=np.arange(120.0).reshape(5, 24), bias=np.zeros(5)),
            "output": nir.Output(output_type=np.array([5])),
        },
        edges=[("input", "flat"), ("flat", "fc"), ("fc", "output")],
    )
    _, g, _ = convert(graph)
    assert [(n["name"], n["size"]) for n in g["nodes"]] == [("input", 24), ("fc", 5), ("output", 5)]
    assert g["edges"] == [["input", "fc"], ["fc", "output"]]


def recurrent_block(n):
    return nir.NIRGraph(
        nodes={
            "input": nir.Input(input_type=np.array([n])),
            "lif": nir.LIF(tau=np.full(n, 2e-3), r=np.full(n, 20.0), v_leak=np.zeros(n),
                           v_threshold=np.ones(n), v_reset=np.zeros(n)),
            "w_rec": nir.Linear(weight=np.eye(n) * 0.5),
            "output": nir.Output(output_type=np.array([n])),
        },
        edges=[("input", "lif"), ("lif", "w_rec"), ("w_rec", "lif"), ("lif", "output")],
    )


def test_subgraphs_flattened_with_dotted_names(convert):
    inner = recurrent_block(4)
    middle = nir.NIRGraph(
        nodes={
            "input": nir.Input(input_type=np.array([4])),
            "rnn": inner,
            "scale": nir.Scale(scale=np.full(4, 2.0)),
            "output": nir.Output(output_type=np.array([4])),
        },
        edges=[("input", "rnn"), ("rnn", "scale"), ("scale", "output")],
    )
    graph = nir.NIRGraph(
        nodes={
            "input": nir.Input(input_type=np.array([3])),
            "fc": nir.Affine(weight=np.ones((4, 3)), bias=np.zeros(4)),
            "block": middle,
            "output": nir.Output(output_type=np.array([4])),
        },
        edges=[("input", "fc"), ("fc", "block"), ("block", "output")],
    )
    _, g, t = convert(graph)
    names = [n["name"] for n in g["nodes"]]
    assert set(names) == {"input", "fc", "block.rnn.lif", "block.rnn.w_rec", "block.scale", "output"}
    assert sorted(map(tuple, g["edges"])) == sorted([
        ("input", "fc"), ("fc", "block.rnn.lif"), ("block.rnn.lif", "block.rnn.w_rec"),
        ("block.rnn.w_rec", "block.rnn.lif"), ("block.rnn.lif", "block.scale"), ("block.scale", "output")])
    np.testing.assert_array_equal(t["block.rnn.w_rec.weight"], np.eye(4) * 0.5)
    # Topological order over the edges that do not close the cycle.
    assert names.index("fc") < names.index("block.rnn.lif") < names.index("block.scale") < names.index("output")


def test_output_does_not_depend_on_edge_order(tmp_path):
    blobs = set()
    for seed in range(4):
        graph = nir.NIRGraph(
            nodes={"input": nir.Input(input_type=np.array([3])),
                   "a": nir.Affine(weight=np.ones((2, 3)), bias=np.zeros(2)),
                   "b": nir.Linear(weight=np.ones((2, 3))),
                   "lif": nir.LIF(tau=np.ones(2), r=np.ones(2), v_leak=np.zeros(2), v_threshold=np.ones(2)),
                   "output": nir.Output(output_type=np.array([2]))},
            edges=[("input", "a"), ("input", "b"), ("a", "lif"), ("b", "lif"), ("lif", "output")])
        random.Random(seed).shuffle(graph.edges)
        nir.write(tmp_path / "e.nir", graph)
        assert run_converter(tmp_path / "e.nir", tmp_path / "e.safetensors").returncode == 0
        blobs.add((tmp_path / "e.safetensors").read_bytes())
    assert len(blobs) == 1


def test_unsupported_nodes_all_listed_nothing_written(tmp_path):
    graph = nir.NIRGraph(
        nodes={"input": nir.Input(input_type=np.array([3])),
               "fc": nir.Affine(weight=np.ones((3, 3)), bias=np.zeros(3)),
               "odd": nir.Scale(scale=np.ones(3)),
               "rnn": recurrent_block(3),
               "output": nir.Output(output_type=np.array([3]))},
        edges=[("input", "fc"), ("fc", "odd"), ("odd", "rnn"), ("rnn", "output")])
    source, target = tmp_path / "u.nir", tmp_path / "u.safetensors"
    nir.write(source, graph)
    with h5py.File(source, "r+") as f:  # types that neither nir nor the converter know
        for path, kind in [("node/nodes/odd/type", "Gizmo"), ("node/nodes/rnn/nodes/w_rec/type", "Widget")]:
            del f[path]
            f.create_dataset(path, data=kind, dtype=h5py.string_dtype())
    done = run_converter(source, target)
    assert done.returncode == 2
    assert "odd (Gizmo)" in done.stderr and "rnn.w_rec (Widget)" in done.stderr
    assert "Supported types:" in done.stderr and "CubaLIF" in done.stderr and "Conv2d" in done.stderr
    assert not target.exists() and not list(tmp_path.glob("*.partial"))


def test_unsupported_node_objects():
    @dataclasses.dataclass(eq=False)
    class Gizmo(nir.ir.NIRNode):
        def __post_init__(self):
            self.input_type = {"input": np.array([2])}
            self.output_type = {"output": np.array([2])}

    graph = nir.NIRGraph(nodes={"input": nir.Input(input_type=np.array([2])), "g": Gizmo(),
                                "output": nir.Output(output_type=np.array([2]))},
                         edges=[("input", "g"), ("g", "output")], type_check=False)
    with pytest.raises(nir2spikechip.UnsupportedNodes, match=r"g \(Gizmo\)"):
        nir2spikechip.convert_graph(graph)


def test_unreadable_input(tmp_path):
    junk = tmp_path / "junk.nir"
    junk.write_bytes(b"not an HDF5 file at all")
    done = run_converter(junk, tmp_path / "out.safetensors")
    assert done.returncode == 1
    assert "cannot read" in done.stderr and "junk.nir" in done.stderr
    assert "Traceback" not in done.stderr
    missing = run_converter(tmp_path / "missing.nir", tmp_path / "out.safetensors")
    assert missing.returncode == 1 and "cannot read" in missing.stderr
    assert not (tmp_path / "out.safetensors").exists()


def test_size_mismatch_is_an_error(tmp_path):
    graph = nir.NIRGraph(
        nodes={"input": nir.Input(input_type=np.array([3])),
               "fc": nir.Affine(weight=np.ones((4, 5)), bias=np.zeros(4)),
               "output": nir.Output(output_type=np.array([4]))},
        edges=[("input", "fc"), ("fc", "output")], type_check=False)
    nir.write(tmp_path / "m.nir", graph)
    done = run_converter(tmp_path / "m.nir", tmp_path / "m.safetensors")
    assert done.returncode == 1 and "input -> fc" in done.stderr
