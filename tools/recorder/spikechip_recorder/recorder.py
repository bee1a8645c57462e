"""Runs the model over a prompt (and greedily generated tokens) and streams every linear
layer's input into a trace, one block per (token position, stage).

The prompt is fed in chunks through the KV cache, so memory stays bounded by one chunk's
activations however long the prompt is; `chunk=1` is pure token-by-token decoding. Forward
pre-hooks see each Linear's input: q/k/v (and gate/up) must receive the very same tensor,
which is checked, because the trace stores it once as the stage's input.
"""

from __future__ import annotations

import datetime as _dt
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import __version__
from .model import LoadedModel, RecorderError, linear_modules
from .spike_encoder import SpikingBrainConfig
from .trace_writer import TraceWriter, make_header, spike_payload

DEFAULT_ENCODER = "spikingbrain:k=3,T=8,coding=bitwise"


@dataclass
class RecordResult:
    path: Path
    tokens: int
    blocks: int
    prompt_ids: list[int]
    generated_ids: list[int] = field(default_factory=list)
    generated_text: str = ""


def suggested_steps(encoder: str, time_steps: int | None) -> int:
    """T for the header: given explicitly, or the spikingbrain string's T (default 8)."""
    if time_steps is not None:
        return time_steps
    name, _, rest = encoder.partition(":")
    if name.strip().lower() != "spikingbrain":
        raise RecorderError(f"give --time-steps for encoder '{encoder}' (the recorder derives T only for spikingbrain)")
    for item in rest.split(","):
        key, _, value = item.partition("=")
        if key.strip() == "T":
            try:
                return int(value)
            except ValueError:
                raise RecorderError(f"encoder '{encoder}': T={value} is not an integer") from None
    return 8


class _Capture:
    """Forward pre-hooks that keep, per stage, the input tensor of the current forward pass."""

    def __init__(self, loaded: LoadedModel):
        modules, head = linear_modules(loaded.model)
        groups = [mods for layer in modules for mods in layer] + [[head]]
        self.names = [f"layer {s.layer} {s.kind}" for s in loaded.stages]
        self.inputs: list[object | None] = [None] * len(groups)
        self.handles = []
        for index, mods in enumerate(groups):
            self.handles.append(mods[0].register_forward_pre_hook(self._first(index)))
            for m in mods[1:]:
                self.handles.append(m.register_forward_pre_hook(self._shared(index)))

    def _first(self, index: int):
        def hook(_module, args):
            self.inputs[index] = args[0].detach()
        return hook

    def _shared(self, index: int):
        def hook(_module, args):
            import torch

            first = self.inputs[index]
            x = args[0]
            if first is None or (x is not first and not torch.equal(x, first)):
                raise RecorderError(f"{self.names[index]}: the projections of this stage received different "
                                    f"inputs; the model is not a standard Llama/Qwen2 layer")
        return hook

    def take(self) -> list[np.ndarray]:
        """The stages' inputs of the last forward as float32 [tokens, width] arrays; resets."""
        missing = [self.names[i] for i, x in enumerate(self.inputs) if x is None]
        if missing:
            raise RecorderError(f"no input was seen for {', '.join(missing[:3])}: the forward pass skipped them")
        out = [x[0].float().cpu().numpy() for x in self.inputs]
        self.inputs = [None] * len(self.inputs)
        return out

    def remove(self) -> None:
        for h in self.handles:
            h.remove()


def record(loaded: LoadedModel, prompt: str, output: str | Path, *, generate: int = 0,
           content: str = "activations", precision: str = "float16", encoder: str = DEFAULT_ENCODER,
           time_steps: int | None = None, chunk: int = 32, overwrite: bool = False,
           max_positions: int | None = None, progress: bool = False) -> RecordResult:
    """Records the prompt's positions (at most `max_positions`) and `generate` greedy tokens.

    Raises RecorderError for user mistakes; a KeyboardInterrupt or crash leaves the trace
    truncated after its last complete block (no end block).
    """
    import torch

    if content not in ("activations", "spikes"):
        raise RecorderError(f"content '{content}' must be activations or spikes")
    if generate < 0 or chunk < 1:
        raise RecorderError("--generate must be ≥ 0 and --chunk ≥ 1")
    if precision not in ("float16", "float32"):
        raise RecorderError(f"precision '{precision}' must be float16 or float32")
    spikes_config = SpikingBrainConfig.parse(encoder) if content == "spikes" else None
    steps = spikes_config.steps if spikes_config else suggested_steps(encoder, time_steps)
    if spikes_config and time_steps is not None and time_steps != steps:
        raise RecorderError(f"--time-steps {time_steps} disagrees with the encoder's T={steps}")

    ids = loaded.tokenizer(prompt, return_tensors="pt").input_ids[0].tolist()
    if max_positions is not None:
        ids = ids[:max_positions]
    if not ids:
        raise RecorderError("the prompt is empty after tokenization")
    total = len(ids) + generate
    if total > loaded.spec["contextLength"]:
        raise RecorderError(f"{total} positions exceed the model's context of {loaded.spec['contextLength']}")

    provenance = {
        "tool": f"spikechip-record {__version__}",
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "model": loaded.source["model"],
        "ggufFile": loaded.source["ggufFile"],
        "dtype": loaded.source["dtype"],
        "device": loaded.source["device"],
        "prompt": prompt,
        "promptTokenIds": ids,
        # Position of the first recorded token: replay prices attention over this many cached positions.
        "context": 0,
        "generatedTokens": generate,
        "precision": precision if content == "activations" else None,
        "torch": torch.__version__,
        "transformers": __import__("transformers").__version__,
    }
    header = make_header(loaded.spec, loaded.stages, content, encoder, steps, tokens=0, provenance=provenance)
    try:
        writer = TraceWriter.create(output, header, overwrite=overwrite)
    except FileExistsError:
        raise RecorderError(f"{output} exists; pass --force to overwrite it") from None

    capture = _Capture(loaded)
    device = next(loaded.model.parameters()).device
    generated: list[int] = []

    def emit(activations: list[np.ndarray]) -> None:
        for j in range(activations[0].shape[0]):
            for x in activations:
                if spikes_config:
                    writer.write_spikes(spike_payload(spikes_config.spikes(x[j])))
                else:
                    writer.write_activations(x[j], precision)
            if progress:
                print(f"\rrecorded {writer.next_position[0]}/{total} positions", end="", file=sys.stderr, flush=True)

    with writer:
        try:
            cache = None
            logits = None
            with torch.inference_mode():
                pieces = [ids[i:i + chunk] for i in range(0, len(ids), chunk)]
                for step in range(len(pieces) + generate):
                    if step < len(pieces):
                        piece = pieces[step]
                    else:
                        piece = [int(torch.argmax(logits))]
                        generated.append(piece[0])
                    out = loaded.model(input_ids=torch.tensor([piece], device=device),
                                       past_key_values=cache, use_cache=True)
                    cache = out.past_key_values
                    logits = out.logits[0, -1]
                    emit(capture.take())
        finally:
            capture.remove()
            if progress:
                print(file=sys.stderr)
        blocks = writer.blocks_written
    return RecordResult(path=Path(output), tokens=total, blocks=blocks, prompt_ids=ids, generated_ids=generated,
                        generated_text=loaded.tokenizer.decode(generated) if generated else "")
