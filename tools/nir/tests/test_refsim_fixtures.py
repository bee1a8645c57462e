"""The numpy reference simulator on the shipped fixtures, and its choice of delayed edges."""
import json
from pathlib import Path

import nir
import numpy as np
import pytest

import nir2spikechip
import refsim

FIXTURES = Path(__file__).resolve().parents[3] / "Tests" / "NetworksTests" / "Fixtures"
EXPECTED = sorted(FIXTURES.glob("*-expected.json"))


@pytest.mark.parametrize("expected_path", EXPECTED, ids=[p.name for p in EXPECTED])
def test_fixture_spikes_reproduced(expected_path):
    expected = json.loads(expected_path.read_text())
    name = expected["network"]
    graph, tensors, metadata = refsim.load(FIXTURES / f"{name}.safetensors")
    assert metadata["source"] == f"{name}.nir"
    x = np.load(FIXTURES / expected["input"])
    assert x.dtype == np.float32 and x.shape[0] == expected["T"]
    result = refsim.simulate(graph, tensors, x, dt=expected["dt"])
    for population, record in expected["populations"].items():
        assert refsim.spike_record(result.spikes[population]) == record
    feeding = [a for a, b in graph["edges"] if b == "output"]
    assert feeding == [expected["output"]]


def test_fixtures_present():
    assert {p.name for p in EXPECTED} >= {
        "ff-expected.json", "recurrent-expected.json", "synaptic-expected.json", "subtract-expected.json",
        "brian2-lif-expected.json", "brian2-if-expected.json", "brian2-refractory-expected.json", "cycle-expected.json"}


def test_recurrent_edge_out_of_the_neuron_is_delayed():
    graph = {"nodes": [{"name": "input", "type": "Input", "size": 1, "params": {}},
                       {"name": "lif", "type": "LIF", "size": 1, "params": {}},
                       {"name": "w_rec", "type": "Affine", "size": 1, "params": {}},
                       {"name": "output", "type": "Output", "size": 1, "params": {}}],
             "edges": [["input", "lif"], ["lif", "w_rec"], ["w_rec", "lif"], ["lif", "output"]]}
    assert refsim.delayed_edges(graph) == [("lif", "w_rec")]
    loop = {"nodes": graph["nodes"][:1] + [{"name": "a", "type": "Affine", "size": 1, "params": {}},
                                           {"name": "b", "type": "Linear", "size": 1, "params": {}}],
            "edges": [["input", "a"], ["a", "b"], ["b", "a"]]}
    assert refsim.delayed_edges(loop) == [("b", "a")]


def test_two_population_cycle_delays_only_the_closing_chain():
    # input -> fc1 -> lif1 -> fc2 -> lif2 -> fcb -> lif1: the walk from the input closes the cycle at fcb -> lif1, so
    # lif2's spikes reach lif1 a step later and lif1's reach lif2 in the same step (snnTorch's NIR import agrees).
    def node(name, kind):
        return {"name": name, "type": kind, "size": 1, "params": {}}
    graph = {"nodes": [node("input", "Input"), node("fc1", "Linear"), node("lif1", "LIF"), node("fc2", "Linear"),
                       node("lif2", "LIF"), node("fcb", "Affine"), node("output", "Output")],
             "edges": [["input", "fc1"], ["fc1", "lif1"], ["lif1", "fc2"], ["fc2", "lif2"], ["lif2", "fcb"],
                       ["fcb", "lif1"], ["lif2", "output"]]}
    assert refsim.delayed_edges(graph) == [("lif2", "fcb")]


def test_recurrent_bias_reaches_step_zero(tmp_path):
    """lif -> w_rec (bias 2) -> lif: with the delay on lif -> w_rec, the bias drives v from
    step 0 on (snnTorch's RLeaky adds recurrent(spk_prev) = W 0 + b at its first step)."""
    graph = nir.NIRGraph(
        nodes={"input": nir.Input(input_type=np.array([1])),
               "lif": nir.LIF(tau=np.array([2e-4]), r=np.array([2.0]), v_leak=np.zeros(1),
                              v_threshold=np.array([1.5]), v_reset=np.zeros(1)),
               "w_rec": nir.Affine(weight=np.zeros((1, 1)), bias=np.array([2.0])),
               "output": nir.Output(output_type=np.array([1]))},
        edges=[("input", "lif"), ("lif", "w_rec"), ("w_rec", "lif"), ("lif", "output")])
    nir.write(tmp_path / "r.nir", graph)
    nir2spikechip.convert_file(str(tmp_path / "r.nir"), str(tmp_path / "r.safetensors"))
    g, t, _ = refsim.load(tmp_path / "r.safetensors")
    result = refsim.simulate(g, t, np.zeros((3, 1)))
    # v = 0.5 * (0 - 0 + 2 * 2) = 2 > 1.5 at step 0, reset, again each step.
    assert result.spikes["lif"][:, 0].tolist() == [True, True, True]
