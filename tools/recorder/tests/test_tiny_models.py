"""Directory (safetensors) loading and both supported families on tiny random models built
here with transformers: Qwen2 (q/k/v biases, untied head, sliding-window layers) and Llama."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from safetensors.numpy import load_file
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

from minimal_reader import read_trace
from spikechip_recorder.model import load
from spikechip_recorder.recorder import record

WORDS = ["[UNK]", "the", "chip", "spikes", "when", "tokens", "arrive", "."]


def save_tiny(path, family, context=64):
    torch.manual_seed(5)
    common = dict(vocab_size=len(WORDS), hidden_size=32, intermediate_size=48, num_hidden_layers=3,
                  num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=context,
                  tie_word_embeddings=False)
    if family == "qwen2":
        config = Qwen2Config(**common, use_sliding_window=True, sliding_window=16, max_window_layers=1,
                             layer_types=["full_attention", "sliding_attention", "sliding_attention"])
        model = Qwen2ForCausalLM(config)
    else:
        model = LlamaForCausalLM(LlamaConfig(**common))
    model.save_pretrained(path)
    tok = Tokenizer(models.WordLevel(vocab={w: i for i, w in enumerate(WORDS)}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]").save_pretrained(path)


@pytest.mark.parametrize("family", ["qwen2", "llama"])
def test_tiny_model_directory_is_recorded(family, tmp_path):
    model_dir = tmp_path / family
    save_tiny(model_dir, family)
    loaded = load(str(model_dir))
    # transformers 5 picks the family's own tokenizer class for a qwen2 directory, which cannot
    # read this toy word-level tokenizer; real checkpoints ship their own, so use it directly.
    loaded.tokenizer = PreTrainedTokenizerFast(tokenizer_file=str(model_dir / "tokenizer.json"), unk_token="[UNK]")
    out = tmp_path / "t.trace"
    result = record(loaded, "the chip spikes when tokens arrive .", out, precision="float32", chunk=2)
    trace = read_trace(out.read_bytes())
    h = trace.header
    assert result.prompt_ids == [1, 2, 3, 4, 5, 6, 7] and trace.end == (7, 7 * 13)
    spec = h["spec"]
    assert (spec["architecture"], spec["layers"], spec["hidden"], spec["ffn"], spec["heads"], spec["kvHeads"],
            spec["vocabulary"], spec["tiedEmbeddings"]) == (family, 3, 32, 48, 4, 2, len(WORDS), False)
    if family == "qwen2":
        assert spec["attention"] == ["full", "sliding_window", "sliding_window"] and spec["slidingWindow"] == 16
    else:
        assert spec["attention"] == ["full"] * 3
    assert [s["inputs"] for s in h["stages"]] == [32, 32, 32, 48] * 3 + [32]
    weights = load_file(str(model_dir / "model.safetensors"))
    eps = json.loads((model_dir / "config.json").read_text())["rms_norm_eps"]
    embedding, norm = weights["model.embed_tokens.weight"], weights["model.layers.0.input_layernorm.weight"]
    head = weights["lm_head.weight"]
    stages = len(h["stages"])
    for t, token_id in enumerate(result.prompt_ids):
        x = embedding[token_id].astype(np.float64)
        first = np.frombuffer(trace.blocks[t * stages][3], "<f4")
        np.testing.assert_allclose(first, x / np.sqrt(np.mean(x * x) + eps) * norm, rtol=1e-5, atol=1e-6)
        assert trace.blocks[t * stages + stages - 1][2] == stages - 1
    # The untied head's input of the last position gives the logits that would pick the next token.
    last = np.frombuffer(trace.blocks[-1][3], "<f4")
    with torch.inference_mode():
        logits = loaded.model(torch.tensor([result.prompt_ids])).logits[0, -1].numpy()
    np.testing.assert_allclose(head @ last, logits, rtol=1e-4, atol=1e-5)


def test_killed_recorder_leaves_a_trace_readable_to_its_last_block(tmp_path):
    model_dir = tmp_path / "llama"
    save_tiny(model_dir, "llama", context=4096)
    out = tmp_path / "killed.trace"
    recorder_dir = __import__("conftest").RECORDER
    proc = subprocess.Popen([sys.executable, "-m", "spikechip_recorder", "--model", str(model_dir), "--prompt", "the chip",
                             "--generate", "4000", "--quiet", "--device", "cpu", "-o", str(out)],
                            cwd=str(recorder_dir), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if out.exists() and out.stat().st_size > 20_000:  # header plus ~100 blocks
                break
            time.sleep(0.01)
        assert proc.poll() is None, f"the recorder ended before it could be killed: {proc.stderr.read()!r}"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    data = out.read_bytes()
    trace = read_trace(data)
    assert trace.end is None and len(trace.blocks) >= 100
    assert trace.truncated_at <= len(data)  # any partial block is after the last complete one
