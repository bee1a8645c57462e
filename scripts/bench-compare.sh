#!/usr/bin/env bash
# Interleaved runs of one `spikechip bench` suite for several builds, so that before/after
# ratios come from the same minutes of a machine whose speed drifts (shared cores, noisy
# neighbours). Prints a Markdown table of the median value of every row per build.
#
#   scripts/bench-compare.sh [-n RUNS] [-s SUITE] NAME=BINARY [NAME=BINARY ...]
#
# Example (before = a build of an older commit, after = this checkout):
#   scripts/bench-compare.sh -n 7 -s neurons before=/tmp/old/.build/release/spikechip after=.build/release/spikechip
set -euo pipefail
runs=7 suite=neurons
while getopts "n:s:" opt; do
  case $opt in
    n) runs=$OPTARG ;;
    s) suite=$OPTARG ;;
    *) echo "usage: $0 [-n RUNS] [-s SUITE] NAME=BINARY ..." >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "usage: $0 [-n RUNS] [-s SUITE] NAME=BINARY ..." >&2; exit 2; }
for spec in "$@"; do
  bin=${spec#*=}
  [ -x "$bin" ] || { echo "error: '$bin' (from '$spec') is not an executable; build it with swift build -c release" >&2; exit 2; }
done
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT
for i in $(seq "$runs"); do
  [ -t 2 ] && printf '\rrun %d/%d' "$i" "$runs" >&2
  for spec in "$@"; do
    "${spec#*=}" bench "$suite" --repetitions 5 2>/dev/null | grep '^| ' | grep -v '^| suite' \
      | awk -F'|' -v n="${spec%%=*}" '{gsub(/^ +| +$/, "", $3); gsub(/^ +| +$/, "", $5); print n "\t" $3 "\t" $4 + 0 "\t" $5}' >> "$raw"
  done
done
[ -t 2 ] && printf '\n' >&2
python3 - "$raw" "$@" <<'PY'
import collections, statistics, sys
raw, specs = sys.argv[1], sys.argv[2:]
names = [s.split('=', 1)[0] for s in specs]
values, units, rows = collections.defaultdict(list), {}, []
for line in open(raw):
    name, row, value, unit = line.rstrip('\n').split('\t')
    values[(name, row)].append(float(value))
    units[row] = unit
    if row not in rows:
        rows.append(row)
print('| case | unit | ' + ' | '.join(names) + ' |')
print('|---|---|' + '---|' * len(names))
for row in rows:
    cells = ['%.4g' % statistics.median(values[(n, row)]) if values[(n, row)] else '–' for n in names]
    print(f'| {row} | {units[row]} | ' + ' | '.join(cells) + ' |')
PY
