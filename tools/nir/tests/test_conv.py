"""Conv1d/Conv2d/SumPool2d/AvgPool2d expansion to a dense Affine, checked against torch."""
import nir
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import run_converter

import nir2spikechip


def dense_apply(node, kind, in_shape, x):
    weight, bias = nir2spikechip.dense_from_conv(node, kind, in_shape, "test")
    return weight @ x.reshape(-1) + bias


@pytest.mark.parametrize("stride,padding,dilation,groups", [
    (1, 0, 1, 1), (2, 1, 1, 1), ((1, 2), (2, 0), (2, 1), 1), (1, 1, 1, 2), (2, 2, 2, 4), (1, "same", 1, 1),
    (1, "valid", 1, 2),
])
def test_conv2d_matches_torch(stride, padding, dilation, groups):
    rng = np.random.default_rng(7)
    c_in, c_out, h, w = 4, 8, 9, 7
    weight = rng.normal(size=(c_out, c_in // groups, 3, 2))
    bias = rng.normal(size=c_out)
    node = nir.Conv2d(input_shape=None, weight=weight, stride=stride, padding=padding,
                      dilation=dilation, groups=groups, bias=bias)
    x = rng.normal(size=(c_in, h, w))
    expect = F.conv2d(torch.from_numpy(x)[None], torch.from_numpy(weight), torch.from_numpy(bias),
                      stride=stride, padding=padding, dilation=dilation, groups=groups)[0]
    got = dense_apply(node, "Conv2d", (c_in, h, w), x)
    np.testing.assert_allclose(got, expect.numpy().reshape(-1), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("stride,padding,dilation,groups", [(1, 0, 1, 1), (2, 2, 1, 1), (1, 1, 3, 3), (1, "same", 2, 1)])
def test_conv1d_matches_torch(stride, padding, dilation, groups):
    rng = np.random.default_rng(8)
    c_in, c_out, length = 3, 6, 11
    weight = rng.normal(size=(c_out, c_in // groups, 3))
    bias = rng.normal(size=c_out)
    node = nir.Conv1d(input_shape=None, weight=weight, stride=stride, padding=padding,
                      dilation=dilation, groups=groups, bias=bias)
    x = rng.normal(size=(c_in, length))
    expect = F.conv1d(torch.from_numpy(x)[None], torch.from_numpy(weight), torch.from_numpy(bias),
                      stride=stride, padding=padding, dilation=dilation, groups=groups)[0]
    got = dense_apply(node, "Conv1d", (c_in, length), x)
    np.testing.assert_allclose(got, expect.numpy().reshape(-1), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kernel,stride,padding", [((2, 2), (2, 2), (0, 0)), ((3, 2), (1, 2), (1, 1)), ((3, 3), (2, 2), (1, 0))])
def test_pools_match_torch(kernel, stride, padding):
    rng = np.random.default_rng(9)
    x = rng.normal(size=(3, 8, 7))
    args = dict(kernel_size=np.array(kernel), stride=np.array(stride), padding=np.array(padding))
    avg = F.avg_pool2d(torch.from_numpy(x)[None], kernel, stride, padding)[0].numpy().reshape(-1)
    got = dense_apply(nir.AvgPool2d(**args), "AvgPool2d", x.shape, x)
    np.testing.assert_allclose(got, avg, rtol=1e-12, atol=1e-12)
    got = dense_apply(nir.SumPool2d(**args), "SumPool2d", x.shape, x)
    np.testing.assert_allclose(got, avg * kernel[0] * kernel[1], rtol=1e-12, atol=1e-12)


def test_conv_network_end_to_end(tmp_path):
    """Input [2, 6, 6] -> Conv2d -> SumPool2d -> Flatten -> Affine: the converter infers the
    pool's shapes, the file's dense layers compute what torch does."""
    rng = np.random.default_rng(10)
    conv_w, conv_b = rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3)
    fc_w, fc_b = rng.normal(size=(5, 3 * 3 * 3)), rng.normal(size=5)
    graph = nir.NIRGraph(
        nodes={
            "input": nir.Input(input_type=np.array([2, 6, 6])),
            "conv": nir.Conv2d(input_shape=(6, 6), weight=conv_w, stride=1, padding=1, dilation=1, groups=1,
                               bias=conv_b),
            "pool": nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]), padding=np.array([0, 0])),
            "flat": nir.Flatten(input_type={"input": np.array([3, 3, 3])}, start_dim=0, end_dim=-1),
            "fc": nir.Affine(weight=fc_w, bias=fc_b),
            "output": nir.Output(output_type=np.array([5])),
        },
        edges=[("input", "conv"), ("conv", "pool"), ("pool", "flat"), ("flat", "fc"), ("fc", "output")],
        type_check=False,
    )
    nir.write(tmp_path / "c.nir", graph)
    done = run_converter(tmp_path / "c.nir", tmp_path / "c.safetensors")
    assert done.returncode == 0, done.stderr
    from conftest import plain_read

    _, g, t = plain_read(tmp_path / "c.safetensors")
    assert [(n["name"], n["type"], n["size"], n.get("nir_type")) for n in g["nodes"]] == [
        ("input", "Input", 72, None), ("conv", "Affine", 108, "Conv2d"), ("pool", "Affine", 27, "SumPool2d"),
        ("fc", "Affine", 5, None), ("output", "Output", 5, None)]
    assert t["conv.weight"].shape == (108, 72) and t["pool.weight"].shape == (27, 108)
    x = rng.normal(size=(2, 6, 6))
    h = t["conv.weight"].astype(np.float64) @ x.reshape(-1) + t["conv.bias"]
    h = t["pool.weight"].astype(np.float64) @ h + t["pool.bias"]
    y = t["fc.weight"].astype(np.float64) @ h + t["fc.bias"]
    xt = torch.from_numpy(x)[None]
    ht = F.conv2d(xt, torch.from_numpy(conv_w), torch.from_numpy(conv_b), padding=1)
    ht = F.avg_pool2d(ht, 2) * 4
    yt = torch.from_numpy(fc_w) @ ht.reshape(-1) + torch.from_numpy(fc_b)
    np.testing.assert_allclose(y, yt.numpy(), rtol=1e-4, atol=1e-4)  # F32 parameters


def test_conv_too_large_is_an_error(tmp_path):
    graph = nir.NIRGraph(
        nodes={"input": nir.Input(input_type=np.array([1, 100, 100])),
               "big": nir.Conv2d(input_shape=(100, 100), weight=np.ones((16, 1, 3, 3)), stride=1, padding=1,
                                 dilation=1, groups=1, bias=np.zeros(16)),
               "output": nir.Output(output_type=np.array([16, 100, 100]))},
        edges=[("input", "big"), ("big", "output")])
    nir.write(tmp_path / "big.nir", graph)
    done = run_converter(tmp_path / "big.nir", tmp_path / "big.safetensors")
    assert done.returncode == 1
    assert "big" in done.stderr and "160000 x 10000" in done.stderr and "2^26" in done.stderr
    assert not (tmp_path / "big.safetensors").exists()


def test_pool_without_input_shape_is_an_error(tmp_path):
    graph = nir.NIRGraph(
        nodes={"input": nir.Input(input_type=np.array([8])),
               "fc": nir.Affine(weight=np.ones((8, 8)), bias=np.zeros(8)),
               "pool": nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]), padding=np.array([0, 0])),
               "output": nir.Output(output_type=np.array([4]))},
        edges=[("input", "fc"), ("fc", "pool"), ("pool", "output")], type_check=False)
    nir.write(tmp_path / "n.nir", graph)
    done = run_converter(tmp_path / "n.nir", tmp_path / "n.safetensors")
    assert done.returncode == 1 and "pool" in done.stderr and "[C, H, W]" in done.stderr
