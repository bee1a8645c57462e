"""`spikechip-record`: command-line front end of the recorder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__
from .model import RecorderError
from .recorder import DEFAULT_ENCODER, suggested_steps
from .spike_encoder import EncoderConfigError, SpikingBrainConfig
from .trace_writer import MAX_TIME_STEPS, NonFiniteActivationError, TraceFormatError

EPILOG = """examples:
  spikechip-record --model SmolLM2-135M-Instruct.Q4_1.gguf --prompt "The cat sat on the mat." -o cat.act.trace
  spikechip-record --model /models/Qwen2-7B --device cuda --prompt-file prompt.txt --generate 32 -o qwen.act.trace
  spikechip-record --model /models/Llama-2-7b-hf --device cuda --content spikes \\
      --encoder "spikingbrain:k=3,T=8,coding=bitwise" --prompt "Hello" -o llama.spk.trace
"""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="spikechip-record", epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                description="Record the inputs of every linear layer of a Llama/Qwen2 model "
                                            "into a SpikeChip trace (docs/trace-format.md).")
    p.add_argument("--model", required=True,
                   help="a transformers model directory, a .gguf file, or a hub name (org/name, needs network)")
    p.add_argument("--gguf-file", help="GGUF file inside --model (a directory) to load instead of safetensors")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--prompt", help="the prompt text")
    src.add_argument("--prompt-file", type=Path, help="file holding the prompt text (UTF-8)")
    p.add_argument("-o", "--output", required=True, type=Path, help="trace file to write")
    p.add_argument("--force", action="store_true", help="overwrite --output if it exists")
    p.add_argument("--generate", type=int, default=0, metavar="N",
                   help="also record N greedily generated tokens after the prompt (default 0)")
    p.add_argument("--max-positions", type=int, metavar="N", help="record only the first N prompt tokens")
    p.add_argument("--content", choices=("activations", "spikes"), default="activations",
                   help="activations (float, encoded at replay) or spikes (SpikingBrain encoder here)")
    p.add_argument("--precision", choices=("float16", "float32"), default="float16",
                   help="activation precision in the file (default float16)")
    p.add_argument("--encoder", default=DEFAULT_ENCODER,
                   help=f"encoder (ConfiguredEncoder syntax): used for --content spikes, suggested to replay "
                        f"otherwise (default {DEFAULT_ENCODER})")
    p.add_argument("--time-steps", type=int, help="header T for a non-spikingbrain suggested encoder")
    p.add_argument("--device", default="auto", help="cpu, cuda, cuda:1, ... (default: cuda if available)")
    p.add_argument("--dtype", choices=("auto", "float32", "bfloat16", "float16"), default="auto",
                   help="compute dtype (default: bfloat16 on GPU, float32 on CPU)")
    p.add_argument("--chunk", type=int, default=32, help="prompt tokens per forward pass (default 32)")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.output.exists() and not args.force:
            raise RecorderError(f"{args.output} exists; pass --force to overwrite it")
        if not args.output.parent.is_dir():
            raise RecorderError(f"directory {args.output.parent} does not exist")
        if args.prompt_file is not None:
            try:
                prompt = args.prompt_file.read_text(encoding="utf-8")
            except OSError as e:
                raise RecorderError(f"cannot read --prompt-file: {e}") from None
        else:
            prompt = args.prompt
        from .model import load
        from .recorder import record

        import torch

        device = args.device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        elif device.startswith("cuda") and not torch.cuda.is_available():
            raise RecorderError(f"--device {device}, but torch {torch.__version__} sees no CUDA GPU; "
                                f"use --device cpu or a CUDA build of torch")
        # Validate the cheap options before the (slow) model load.
        if args.content == "spikes":
            SpikingBrainConfig.parse(args.encoder)
        elif not 1 <= suggested_steps(args.encoder, args.time_steps) <= MAX_TIME_STEPS:
            raise RecorderError(f"time steps must lie in 1...{MAX_TIME_STEPS}")
        loaded = load(args.model, args.gguf_file, device=device, dtype=args.dtype)
        result = record(loaded, prompt, args.output, generate=args.generate, content=args.content,
                        precision=args.precision, encoder=args.encoder, time_steps=args.time_steps,
                        chunk=args.chunk, overwrite=args.force, max_positions=args.max_positions,
                        progress=not args.quiet)
    except (RecorderError, EncoderConfigError) as e:
        print(f"spikechip-record: error: {e}", file=sys.stderr)
        return 2
    except (NonFiniteActivationError, TraceFormatError) as e:
        print(f"spikechip-record: error: {e}; {args.output} ends after its last complete block", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"spikechip-record: interrupted; {args.output} ends after its last complete block "
              f"(no end block, readers report it truncated)", file=sys.stderr)
        return 130
    size = result.path.stat().st_size
    print(f"wrote {result.path}: {result.tokens} positions, {result.blocks} blocks, {size} bytes")
    if result.generated_ids:
        print(f"generated: {result.generated_text!r}")
    return 0
