"""write_network and SpikeChip's SparseLinear node: the file layout (I32 index tensors) and the
numpy reference simulator's reading of it."""
import json
from pathlib import Path

import numpy as np
import pytest

import nir2spikechip
import refsim


def raw_header(path):
    raw = Path(path).read_bytes()
    n = int.from_bytes(raw[:8], "little")
    return json.loads(raw[8:8 + n])


def lif(name, n, rng):
    return {"name": name, "type": "LIF", "size": n,
            "params": {"tau": np.full(n, 1e-3), "r": np.full(n, 10.0), "v_leak": 0.0,
                       "v_threshold": rng.uniform(0.5, 1.0, n)}}


def network(rng, n_in=30, n_out=20, nnz=120, sparse=True):
    rows = rng.integers(0, n_out, nnz)
    cols = rng.integers(0, n_in, nnz)
    weights = rng.integers(-8, 17, nnz) / 16.0
    if sparse:
        proj = nir2spikechip.sparse_linear("fc", rows, cols, weights, (n_out, n_in))
    else:
        dense = np.zeros((n_out, n_in))
        np.add.at(dense, (rows, cols), weights)  # duplicates summed, as SparseLinear means
        proj = {"name": "fc", "type": "Linear", "size": n_out, "params": {"weight": dense}}
    rec_rows, rec_cols = rng.integers(0, n_out, 40), rng.integers(0, n_out, 40)
    recurrent = nir2spikechip.sparse_linear("rec", rec_rows, rec_cols, np.full(40, -0.25), (n_out, n_out))
    nodes = [{"name": "input", "type": "Input", "size": n_in}, proj, lif("lif", n_out, rng), recurrent,
             {"name": "output", "type": "Output", "size": n_out}]
    edges = [("input", "fc"), ("fc", "lif"), ("lif", "rec"), ("rec", "lif"), ("lif", "output")]
    return nodes, edges


def test_sparse_linear_file_layout(tmp_path):
    rng = np.random.default_rng(3)
    nodes, edges = network(rng)
    path = tmp_path / "net.safetensors"
    graph = nir2spikechip.write_network(path, nodes, edges, source="test", metadata={"writer": "test_sparse"})
    header = raw_header(path)
    meta = header["__metadata__"]
    assert meta["format"] == "spikechip-network" and meta["version"] == "1" and meta["writer"] == "test_sparse"
    assert json.loads(meta["graph"]) == graph
    fc = next(n for n in graph["nodes"] if n["name"] == "fc")
    assert fc["type"] == "SparseLinear" and fc["size"] == 20
    assert fc["params"] == {"row": "fc.row", "col": "fc.col", "weight": "fc.weight", "shape": "fc.shape"}
    assert header["fc.row"]["dtype"] == "I32" and header["fc.col"]["dtype"] == "I32"
    assert header["fc.shape"]["dtype"] == "I32" and header["fc.shape"]["shape"] == [2]
    assert header["fc.weight"]["dtype"] == "F32" and header["fc.weight"]["shape"] == [120]
    assert header["lif.tau"]["dtype"] == "F32"
    _, tensors = nir2spikechip.read_safetensors(path)
    assert tensors["fc.shape"].tolist() == [20, 30]
    assert tensors["lif.v_reset"].tolist() == [0.0] * 20  # default filled


def test_refsim_sparse_equals_dense(tmp_path):
    inputs = (np.random.default_rng(9).random((60, 30)) < 0.3).astype(np.float32)
    results = []
    for sparse in (True, False):
        nodes, edges = network(np.random.default_rng(5), sparse=sparse)
        path = tmp_path / f"net-{sparse}.safetensors"
        nir2spikechip.write_network(path, nodes, edges)
        graph, tensors, _ = refsim.load(path)
        results.append(refsim.simulate(graph, tensors, inputs))
    assert results[0].spikes["lif"].sum() > 0
    assert np.array_equal(results[0].spikes["lif"], results[1].spikes["lif"])
    assert results[0].delayed == [("lif", "rec")]


def test_write_network_refuses_bad_nodes(tmp_path):
    bad = nir2spikechip.sparse_linear("fc", [0, 5], [0, 1], [1.0, 1.0], (3, 2))  # row 5 outside [3, 2]
    nodes = [{"name": "input", "type": "Input", "size": 2}, bad]
    with pytest.raises(nir2spikechip.ConversionError, match="outside the shape"):
        nir2spikechip.write_network(tmp_path / "x.safetensors", nodes, [("input", "fc")])
    with pytest.raises(nir2spikechip.ConversionError, match="unknown type"):
        nir2spikechip.write_network(tmp_path / "x.safetensors", [{"name": "a", "type": "Conv9d", "size": 1}], [])
    with pytest.raises(nir2spikechip.ConversionError, match="names a node"):
        nir2spikechip.write_network(tmp_path / "x.safetensors", nodes[:1], [("input", "nowhere")])
    assert not (tmp_path / "x.safetensors").exists()


def test_truenorth_node_writes_the_parameters_given(tmp_path):
    nodes = [{"name": "input", "type": "Input", "size": 3},
             {"name": "w", "type": "Linear", "size": 2, "params": {"weight": np.array([[3, -1, 0], [0, 0, 2]])}},
             {"name": "tn", "type": "TrueNorth", "size": 2, "params": {"alpha": 4, "leak": np.array([-1, -2])}},
             {"name": "output", "type": "Output", "size": 2}]
    path = tmp_path / "tn.safetensors"
    graph = nir2spikechip.write_network(path, nodes, [("input", "w"), ("w", "tn"), ("tn", "output")])
    tn = next(n for n in graph["nodes"] if n["name"] == "tn")
    assert tn["params"] == {"alpha": "tn.alpha", "leak": "tn.leak"}  # the optional ones left to SpikeChip's defaults
    _, tensors = nir2spikechip.read_safetensors(path)
    assert tensors["tn.alpha"].tolist() == [4.0, 4.0] and tensors["tn.leak"].tolist() == [-1.0, -2.0]
    with pytest.raises(nir2spikechip.ConversionError, match="has no alpha"):
        nir2spikechip.write_network(tmp_path / "x.safetensors", [{"name": "tn", "type": "TrueNorth", "size": 1}], [])
