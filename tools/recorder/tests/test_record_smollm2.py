"""End to end on the real SmolLM2-135M GGUF (Q4_1): record, re-read with the independent
reader, and rebuild the recorded activations by hand from the GGUF weights with numpy."""

import subprocess
import sys

import numpy as np
import pytest
from gguf import GGUFReader
from gguf.quants import dequantize

from minimal_reader import decode_spikes, read_trace
from spikechip_recorder.model import RecorderError, load
from spikechip_recorder.recorder import record
from spikechip_recorder.spike_encoder import SpikingBrainConfig

SENTENCE = "The cat sat on the mat and watched the rain fall over the quiet town."
LAYERS, HIDDEN, FFN = 30, 576, 1536
KINDS = ["qkv", "o", "gate_up", "down"]


@pytest.fixture(scope="module")
def loaded(smollm2_gguf):
    return load(str(smollm2_gguf), device="cpu", dtype="float32")


@pytest.fixture(scope="module")
def weights(smollm2_gguf):
    reader = GGUFReader(str(smollm2_gguf))
    tensors = {t.name: t for t in reader.tensors}

    def get(name):
        t = tensors[name]
        return dequantize(t.data, t.tensor_type).astype(np.float64)

    eps_field = reader.fields["llama.attention.layer_norm_rms_epsilon"]
    eps = float(eps_field.parts[eps_field.data[0]][0])
    return get, eps


@pytest.fixture(scope="module")
def act32(loaded, tmp_path_factory):
    path = tmp_path_factory.mktemp("rec") / "smollm2.act32.trace"
    result = record(loaded, SENTENCE, path, max_positions=3, precision="float32")
    return result, read_trace(path.read_bytes())


def activations(trace, token, stage):
    kind, _, _, payload = trace.blocks[token * len(trace.header["stages"]) + stage]
    return np.frombuffer(payload, "<f4" if kind == 2 else "<f2").astype(np.float64)


def rms_norm(x, w, eps):
    return x / np.sqrt(np.mean(x * x) + eps) * w


def test_header_and_blocks(act32, loaded):
    result, trace = act32
    h = trace.header
    assert trace.end == (3, 3 * 121) and result.tokens == 3
    assert [(s["kind"], s["layer"]) for s in h["stages"]] == \
        [(k, l) for l in range(LAYERS) for k in KINDS] + [("lm_head", LAYERS)]
    assert [s["inputs"] for s in h["stages"][:5]] == [HIDDEN, HIDDEN, HIDDEN, FFN, HIDDEN]
    assert {s["inputs"] for s in h["stages"][3:-1:4]} == {FFN}
    assert h["content"] == "activations" and h["timeSteps"] == 8
    assert h["encoder"] == "spikingbrain:k=3,T=8,coding=bitwise" and h["tokens"] == 0
    spec = h["spec"]
    assert (spec["architecture"], spec["layers"], spec["hidden"], spec["ffn"], spec["heads"], spec["kvHeads"],
            spec["vocabulary"], spec["tiedEmbeddings"]) == ("llama", 30, 576, 1536, 9, 3, 49152, True)
    assert spec["attention"] == ["full"] * 30 and spec["contextLength"] == 8192
    assert all(kind == 2 for kind, *_ in trace.blocks)
    ids = h["provenance"]["promptTokenIds"]
    assert len(ids) == 3 and SENTENCE.startswith(loaded.tokenizer.decode(ids))


def test_first_stage_is_rmsnorm_of_the_embedding(act32, weights):
    get, eps = weights
    _, trace = act32
    embedding, norm = get("token_embd.weight"), get("blk.0.attn_norm.weight")
    assert embedding.shape == (49152, HIDDEN)
    for t, token_id in enumerate(trace.header["provenance"]["promptTokenIds"]):
        np.testing.assert_allclose(activations(trace, t, 0), rms_norm(embedding[token_id], norm, eps),
                                   rtol=1e-5, atol=1e-6)


def test_every_stage_follows_from_the_residual_stream(act32, weights):
    """Rebuild the residual stream from the recorded o/down inputs and the GGUF weights:
    each layer's qkv and gate_up inputs are its RMSNorms, down is SwiGLU of gate_up, and the
    LM head sees the final norm. A stage recorded at the wrong place breaks this chain."""
    get, eps = weights
    _, trace = act32
    embedding = get("token_embd.weight")
    for t, token_id in enumerate(trace.header["provenance"]["promptTokenIds"]):
        h = embedding[token_id].copy()
        for layer in range(LAYERS):
            blk = f"blk.{layer}."
            base = 4 * layer
            qkv, o, gate_up, down = (activations(trace, t, base + k) for k in range(4))
            scale = np.abs(h).max()
            np.testing.assert_allclose(qkv, rms_norm(h, get(blk + "attn_norm.weight"), eps), rtol=2e-3, atol=2e-3)
            h = h + get(blk + "attn_output.weight") @ o
            np.testing.assert_allclose(gate_up, rms_norm(h, get(blk + "ffn_norm.weight"), eps), rtol=2e-3, atol=2e-3)
            g, u = get(blk + "ffn_gate.weight") @ gate_up, get(blk + "ffn_up.weight") @ gate_up
            swiglu = g / (1 + np.exp(-g)) * u
            np.testing.assert_allclose(down, swiglu, rtol=1e-3, atol=1e-3 * np.abs(swiglu).max())
            h = h + get(blk + "ffn_down.weight") @ down
            assert np.abs(h).max() >= 0.1 * scale  # the stream really is being followed
        np.testing.assert_allclose(activations(trace, t, 4 * LAYERS), rms_norm(h, get("output_norm.weight"), eps),
                                   rtol=2e-3, atol=2e-3)


def test_float16_trace_is_the_rounded_float32_trace(act32, loaded, tmp_path):
    _, trace32 = act32
    path = tmp_path / "f16.trace"
    record(loaded, SENTENCE, path, max_positions=3, precision="float16")
    trace16 = read_trace(path.read_bytes())
    assert trace16.end == trace32.end
    for (k16, _, _, p16), (_, _, _, p32) in zip(trace16.blocks, trace32.blocks):
        assert k16 == 3
        assert np.array_equal(np.frombuffer(p16, "<f2"), np.frombuffer(p32, "<f4").astype(np.float16))
    assert path.stat().st_size < 0.6 * sum(13 + 4 + len(p) for *_, p in trace32.blocks)


def test_token_by_token_decoding_matches_the_chunked_prefill(act32, loaded, tmp_path):
    _, chunked = act32
    path = tmp_path / "c1.trace"
    record(loaded, SENTENCE, path, max_positions=3, precision="float32", chunk=1)
    single = read_trace(path.read_bytes())
    for i in range(len(chunked.blocks)):
        a = np.frombuffer(single.blocks[i][3], "<f4")
        b = np.frombuffer(chunked.blocks[i][3], "<f4")
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-3 * max(1.0, np.abs(b).max()))


def test_greedy_generation_records_the_argmax_token(loaded, weights, tmp_path):
    get, eps = weights
    path = tmp_path / "gen.trace"
    result = record(loaded, SENTENCE, path, max_positions=2, generate=2, precision="float32")
    trace = read_trace(path.read_bytes())
    assert trace.end == (4, 4 * 121) and len(result.generated_ids) == 2
    embedding = get("token_embd.weight")
    for step, token_id in enumerate(result.generated_ids):
        position = 2 + step
        logits = embedding @ activations(trace, position - 1, 4 * LAYERS)  # tied LM head
        assert int(np.argmax(logits)) == token_id
        np.testing.assert_allclose(activations(trace, position, 0),
                                   rms_norm(embedding[token_id], get("blk.0.attn_norm.weight"), eps),
                                   rtol=1e-5, atol=1e-6)


def test_spike_trace_holds_the_encoded_activations(act32, loaded, tmp_path):
    _, trace32 = act32
    path = tmp_path / "spk.trace"
    encoder = "spikingbrain:k=3,T=4,coding=ternary"
    record(loaded, SENTENCE, path, max_positions=3, content="spikes", encoder=encoder)
    trace = read_trace(path.read_bytes())
    h = trace.header
    assert (h["content"], h["encoder"], h["timeSteps"], trace.end) == ("spikes", encoder, 4, (3, 363))
    enc = SpikingBrainConfig.parse(encoder)
    fired = 0
    for i, (kind, _, stage, payload) in enumerate(trace.blocks):
        assert kind == 1
        n = h["stages"][stage]["inputs"]
        expected = enc.spikes(np.frombuffer(trace32.blocks[i][3], "<f4"))
        got = np.array(decode_spikes(payload, 4, n))
        assert np.array_equal(got, expected)
        fired += np.count_nonzero(got)
    assert 0.05 < fired / (4 * sum(s["inputs"] for s in h["stages"]) * 3) < 0.95


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "spikechip_recorder", *args], capture_output=True, text=True,
                          cwd=str(__import__("conftest").RECORDER), timeout=600)


def test_cli_records_then_refuses_to_overwrite(smollm2_gguf, tmp_path):
    out = tmp_path / "cli.trace"
    args = ["--model", str(smollm2_gguf), "--prompt", "Hello there.", "-o", str(out), "--quiet", "--generate", "1"]
    ok = run_cli(*args)
    assert ok.returncode == 0, ok.stderr
    first = read_trace(out.read_bytes())
    n = len(first.header["provenance"]["promptTokenIds"]) + 1
    assert first.end == (n, n * 121) and "wrote" in ok.stdout and "generated:" in ok.stdout
    refused = run_cli(*args)
    assert refused.returncode == 2 and "exists; pass --force" in refused.stderr
    assert read_trace(out.read_bytes()).blocks == first.blocks


def test_record_overwrites_only_when_told(loaded, tmp_path):
    path = tmp_path / "x.trace"
    path.write_bytes(b"keep me")
    with pytest.raises(RecorderError, match="exists; pass --force"):
        record(loaded, SENTENCE, path, max_positions=1)
    assert path.read_bytes() == b"keep me"
    record(loaded, SENTENCE, path, max_positions=1, overwrite=True)
    assert read_trace(path.read_bytes()).end == (1, 121)
