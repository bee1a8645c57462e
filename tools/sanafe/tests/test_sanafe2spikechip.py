"""sanafe2spikechip.py against SANA-FE itself: converted networks, simulated by the numpy reference
simulator (tools/nir/refsim.py), spike where SANA-FE spikes; what cannot convert is named.

    .venv-peers/bin/python -m pytest tools/sanafe/tests
"""
import pathlib
import sys

import numpy as np
import pytest

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent.parent / "nir"))

sanafe = pytest.importorskip("sanafe")

import refsim  # noqa: E402
import sanafe2spikechip as s2s  # noqa: E402

STEPS = 40


def wheel(name):
    from importlib.resources import files

    return pathlib.Path(str(files("sanafe.examples") / name))


def sanafe_spikes(net_path, arch_path, steps):
    arch = sanafe.load_arch(str(arch_path))
    net = sanafe.load_net(str(net_path), arch)
    for group in net.groups.values():
        for n in group.neurons:
            n.set_attributes(log_spikes=True)
    chip = sanafe.SpikingChip(arch)
    chip.load(net)
    r = chip.sim(steps, spike_trace=True, processing_threads=1)
    return {(str(a.group_name), int(a.neuron_offset), t) for t, fired in enumerate(r["spike_trace"], start=1) for a in fired}


def refsim_spikes(report):
    graph, tensors, _ = refsim.load(report["files"]["network"])
    x = np.load(report["files"]["input"])
    inputs = {}
    column = 0
    for node in graph["nodes"]:
        if node["type"] == "Input":
            inputs[node["name"]] = x[:, column:column + node["size"]]
            column += node["size"]
    result = refsim.simulate(graph, tensors, inputs, dt=s2s.DT)
    pops = {p["name"]: p for p in report["populations"]}
    out = set()
    for name, spikes in result.spikes.items():
        for t, i in zip(*np.nonzero(spikes)):
            out.add((pops[name]["group"], pops[name]["offsets"][i], int(t) + report["step_offset"]))
    for p in report["populations"]:
        if p["kind"] == "input":
            for t, i in zip(*np.nonzero(inputs[p["name"]])):
                out.add((p["group"], p["offsets"][i], int(t) + report["step_offset"]))
    return out


ARCH = """architecture:
  name: t
  attributes: {width: 1, height: 1, link_buffer_size: 1}
  tile:
    - name: tile
      attributes: {energy_north_hop: 0.0, latency_north_hop: 0.0, energy_east_hop: 0.0, latency_east_hop: 0.0,
                   energy_south_hop: 0.0, latency_south_hop: 0.0, energy_west_hop: 0.0, latency_west_hop: 0.0}
      core:
        - name: core[0..1]
          attributes: {buffer_position: soma, max_neurons_supported: 64}
          axon_in: [{name: in, attributes: {energy_message_in: 0.0, latency_message_in: 0.0}}]
          synapse: [{name: syn, attributes: {model: current_based, energy_process_spike: 0.0, latency_process_spike: 0.0}}]
          dendrite: [{name: den, attributes: {model: accumulator, energy_update: 0.0, latency_update: 0.0}}]
          soma:
            - name: lif
              attributes: {model: leaky_integrate_fire, energy_access_neuron: 0.0, latency_access_neuron: 0.0,
                           energy_update_neuron: 0.0, latency_update_neuron: 0.0, energy_spike_out: 0.0, latency_spike_out: 0.0}
            - name: inputs[0..7]
              attributes: {model: input, energy_access_neuron: 0.0, latency_access_neuron: 0.0,
                           energy_update_neuron: 0.0, latency_update_neuron: 0.0, energy_spike_out: 0.0, latency_spike_out: 0.0}
          axon_out: [{name: out, attributes: {energy_message_out: 0.0, latency_message_out: 0.0}}]
"""

# Two cores, inputs with spike lists, a biased layer, a self loop and a loop through two groups.
NET = """network:
  name: t
  groups:
    - name: in
      neurons:
        - 0: {spikes: [1, 0, 1, 1, 0, 0, 1, 0, 1, 1]}
        - 1: {spikes: [0, 1, 1, 0, 1, 0, 0, 1, 1, 0]}
    - name: a
      attributes: {threshold: 2.0, reset: 0.0 RESET_MODE}
      neurons:
        - 0..2: {bias: 0.25}
        - 3: {bias: 0.5}
    - name: b
      attributes: {threshold: 1.5}
      neurons:
        - 0..1: {}
  edges:
    - in -> a: {type: dense, weight: [1.0, 0.5, -0.75, 1.25, 0.5, 1.0, 1.5, -0.5]}
    - a.3 -> a.0: {weight: -1.0}
    - a.1 -> b.0: {weight: 1.0}
    - a.2 -> b.1: {weight: 0.75}
LOOP
mappings:
  - in.0: {core: 0.0, soma: "inputs[0]"}
  - in.1: {core: 0.0, soma: "inputs[1]"}
  - a.0..3: {core: 0.0}
  - b.0..1: {core: 0.1}
"""


@pytest.fixture
def files(tmp_path):
    def write(reset_mode="", loop=False):
        (tmp_path / "arch.yaml").write_text(ARCH)
        text = NET.replace(" RESET_MODE", reset_mode).replace("LOOP\n", "    - b.0 -> a.2: {weight: 0.5}\n" if loop else "")
        (tmp_path / "net.yaml").write_text(text)
        return tmp_path / "net.yaml", tmp_path / "arch.yaml"

    return write


def test_example_snn_spikes_as_sanafe(tmp_path):
    net, arch = wheel("example_snn.yaml"), wheel("example_chip.yaml")
    report = s2s.convert(net, arch, STEPS, tmp_path / "ex.safetensors")
    assert report["inexact"] == [] and report["delayed_by_cycle"] == [["w:out@0.0->out@0.0", "out@0.0"]]
    expected = sanafe_spikes(net, arch, STEPS)
    assert expected and refsim_spikes(report) == expected


def test_biases_self_loop_and_two_cores_spike_as_sanafe(tmp_path, files):
    net, arch = files()
    report = s2s.convert(net, arch, STEPS, tmp_path / "t.safetensors")
    kinds = {p["name"]: p["kind"] for p in report["populations"]}
    assert kinds == {"in@0.0": "input", "a@0.0": "IF", "b@0.1": "IF"}
    assert report["const_input"] and report["inexact"] == []
    expected = sanafe_spikes(net, arch, STEPS)
    assert len({x for x in expected if x[0] == "b"}) > 0
    assert refsim_spikes(report) == expected


def test_loop_through_two_groups_is_noted(tmp_path, files):
    net, arch = files(loop=True)
    report = s2s.convert(net, arch, STEPS, tmp_path / "t.safetensors")
    assert ["w:b@0.1->a@0.0", "a@0.0"] in report["delayed_by_cycle"]
    assert ["w:a@0.0->b@0.1", "b@0.1"] not in report["delayed_by_cycle"]
    assert any("cycles through several populations" in n for n in report["notes"])


def test_soft_reset_is_named(tmp_path, files):
    net, arch = files(", reset_mode: soft")
    with pytest.raises(s2s.Unconvertible) as error:
        s2s.convert(net, arch, STEPS, tmp_path / "t.safetensors")
    assert any("reset_mode soft" in r for r in error.value.reasons)
    assert not (tmp_path / "t.safetensors").exists()


def test_leak_and_off_grid_values_are_listed_as_inexact(tmp_path, files):
    net, arch = files(", leak_decay: 0.875")
    report = s2s.convert(net, arch, STEPS, tmp_path / "t.safetensors")
    assert any("leak_decay 0.875" in r for r in report["inexact"])
    text = NET.replace("bias: 0.25", "bias: 0.2").replace(" RESET_MODE", "").replace("LOOP\n", "")
    net.write_text(text)
    report = s2s.convert(net, arch, STEPS, tmp_path / "u.safetensors")
    assert any("off the 1/64 grid" in r for r in report["inexact"])
    assert any("F32 cannot hold" in r for r in report["inexact"])


def test_unit_gain_never_exceeds_one():
    for leak in (0.5, 0.9, 0.99975585937, 0.999):
        tau, r = s2s.unit_gain(1.0 - leak)
        assert np.float32(tau) == tau and np.float32(r) == r
        assert (s2s.DT / tau) * r <= 1.0
        assert abs((1.0 - s2s.DT / tau) - leak) < 1e-7
