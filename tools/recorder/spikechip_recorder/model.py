"""Loading a Llama/Qwen2 causal LM with transformers and describing it as SpikeChip sees it.

The architecture is checked from the config (or the GGUF header) before any weight is read,
so an unsupported model fails in a second with a message, not after minutes of loading.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .trace_writer import Stage

SUPPORTED_ARCHITECTURES = ("llama", "qwen2")
# Linear layers whose inputs the trace records, per decoder layer, grouped by stage.
STAGE_PROJECTIONS = (
    ("qkv", ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj")),
    ("o", ("self_attn.o_proj",)),
    ("gate_up", ("mlp.gate_proj", "mlp.up_proj")),
    ("down", ("mlp.down_proj",)),
)


class RecorderError(Exception):
    """A problem the user can fix (bad path, unsupported model, ...); the CLI prints it and exits 2."""


@dataclass
class LoadedModel:
    model: object  # transformers PreTrainedModel
    tokenizer: object
    spec: dict  # ModelSpec JSON as the Swift Models module encodes it
    stages: list[Stage]
    source: dict  # provenance of the weights: path, gguf file, architecture


def _gguf_architecture(path: Path) -> tuple[str, str | None]:
    from gguf import GGUFReader  # the gguf package; transformers needs it for GGUF files anyway

    try:
        reader = GGUFReader(str(path))
    except Exception as e:  # a truncated or foreign file
        raise RecorderError(f"{path} is not a readable GGUF file ({e})") from None

    def text(key: str) -> str | None:
        field = reader.fields.get(key)
        if field is None:
            return None
        return bytes(field.parts[field.data[0]]).decode("utf-8", "replace")

    arch = text("general.architecture")
    if arch is None:
        raise RecorderError(f"{path} has no general.architecture key; is it a model GGUF file?")
    return arch, text("general.name")


def resolve_source(model: str, gguf_file: str | None) -> tuple[str, str | None, Path | None]:
    """(from_pretrained argument, gguf file name inside it, GGUF path) for a model directory, a
    GGUF file path, or a directory plus --gguf-file. Hub names pass through unchanged."""
    p = Path(model)
    if gguf_file is None and p.suffix.lower() == ".gguf":
        if not p.is_file():
            raise RecorderError(f"model file {p} does not exist")
        return str(p.parent), p.name, p
    if gguf_file is not None:
        g = Path(gguf_file)
        full = g if g.is_absolute() else p / g
        if not full.is_file():
            raise RecorderError(f"GGUF file {full} does not exist")
        return str(full.parent), full.name, full
    if p.exists():
        if not p.is_dir():
            raise RecorderError(f"{p} is neither a model directory nor a .gguf file")
        if not (p / "config.json").is_file():
            ggufs = sorted(x.name for x in p.glob("*.gguf"))
            hint = f"; it holds {', '.join(ggufs)}: pass one with --gguf-file" if ggufs else ""
            raise RecorderError(f"model directory {p} has no config.json{hint}")
        return str(p), None, None
    if model.count("/") != 1 or model.startswith((".", "/", "~")):
        raise RecorderError(f"model path {model} does not exist")
    return model, None, None  # a hub name "org/name" (needs network or a local HF cache)


def check_architecture(pretrained: str, gguf_path: Path | None) -> tuple[str, str | None]:
    if gguf_path is not None:
        arch, name = _gguf_architecture(gguf_path)
    else:
        config_path = Path(pretrained) / "config.json"
        if config_path.is_file():
            config = json.loads(config_path.read_text())
            arch, name = config.get("model_type", "?"), config.get("_name_or_path")
        else:
            from transformers import AutoConfig

            try:
                config = AutoConfig.from_pretrained(pretrained)
            except Exception as e:
                raise RecorderError(f"cannot load the config of '{pretrained}': {e}") from None
            arch, name = config.model_type, getattr(config, "_name_or_path", None)
    if arch not in SUPPORTED_ARCHITECTURES:
        raise RecorderError(f"architecture '{arch}' is not supported; the recorder handles "
                            f"{' and '.join(SUPPORTED_ARCHITECTURES)} (Llama and Qwen2 families)")
    return arch, name


def _attention_kinds(config) -> list[str]:
    layer_types = getattr(config, "layer_types", None)
    n = config.num_hidden_layers
    if layer_types:
        return ["sliding_window" if "sliding" in t else "full" for t in layer_types][:n]
    if getattr(config, "use_sliding_window", False) and getattr(config, "sliding_window", None):
        first = getattr(config, "max_window_layers", n)
        return ["full" if i < first else "sliding_window" for i in range(n)]
    return ["full"] * n


def model_spec(config, name: str) -> dict:
    """The ModelSpec JSON (Sources/Models/ModelSpec.swift) of a transformers config."""
    n = config.num_hidden_layers
    return {
        "name": name,
        "architecture": config.model_type,
        "layers": n,
        "hidden": config.hidden_size,
        "ffn": config.intermediate_size,
        "heads": config.num_attention_heads,
        "kvHeads": getattr(config, "num_key_value_heads", None) or config.num_attention_heads,
        "vocabulary": config.vocab_size,
        "contextLength": config.max_position_embeddings,
        "tiedEmbeddings": bool(getattr(config, "tie_word_embeddings", False)),
        "attention": _attention_kinds(config),
        "slidingWindow": getattr(config, "sliding_window", None) or 4096,
    }


def linear_modules(model) -> tuple[list[list[list[object]]], object]:
    """Per layer, per stage, the Linear modules sharing that stage's input; and the LM head."""
    try:
        layers = model.model.layers
        head = model.lm_head
    except AttributeError:
        raise RecorderError(f"{type(model).__name__} does not have model.layers and lm_head "
                            f"(not a Llama/Qwen2 causal LM)") from None
    out = []
    for i, layer in enumerate(layers):
        stages = []
        for _, names in STAGE_PROJECTIONS:
            mods = []
            for dotted in names:
                m = layer
                for part in dotted.split("."):
                    m = getattr(m, part, None)
                if m is None or not hasattr(m, "in_features"):
                    raise RecorderError(f"layer {i} has no linear {dotted}: not a Llama/Qwen2 decoder layer")
                mods.append(m)
            widths = {m.in_features for m in mods}
            if len(widths) != 1:
                raise RecorderError(f"layer {i}: {', '.join(names)} take inputs of different widths {sorted(widths)}")
            stages.append(mods)
        out.append(stages)
    return out, head


def stage_list(modules, head) -> list[Stage]:
    stages = []
    for i, layer in enumerate(modules):
        for (kind, _), mods in zip(STAGE_PROJECTIONS, layer):
            stages.append(Stage(kind, i, mods[0].in_features))
    stages.append(Stage("lm_head", len(modules), head.in_features))
    return stages


def load(model: str, gguf_file: str | None = None, device: str = "cpu", dtype: str = "auto") -> LoadedModel:
    """Loads tokenizer and model (eval mode, on `device`) after checking the architecture."""
    pretrained, gguf_name, gguf_path = resolve_source(model, gguf_file)
    arch, name = check_architecture(pretrained, gguf_path)
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if dtype == "auto":
        dtype = "bfloat16" if str(device).startswith("cuda") else "float32"
    torch_dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[dtype]
    kwargs = {"gguf_file": gguf_name} if gguf_name else {}
    try:
        tokenizer = AutoTokenizer.from_pretrained(pretrained, **kwargs)
        # device_map places the weights on the GPU as they load, not after a full copy in RAM.
        lm = AutoModelForCausalLM.from_pretrained(pretrained, dtype=torch_dtype, device_map=device, **kwargs)
    except (OSError, ValueError, ImportError) as e:
        raise RecorderError(f"transformers could not load '{model}': {e}") from None
    lm.eval()
    if lm.config.model_type not in SUPPORTED_ARCHITECTURES:
        raise RecorderError(f"transformers loaded a '{lm.config.model_type}' model; expected llama or qwen2")
    modules, head = linear_modules(lm)
    display = name or Path(pretrained).name or arch
    return LoadedModel(model=lm, tokenizer=tokenizer, spec=model_spec(lm.config, display),
                       stages=stage_list(modules, head),
                       source={"model": str(model), "ggufFile": str(gguf_path) if gguf_path else None,
                               "architecture": arch, "dtype": dtype, "device": str(device)})
