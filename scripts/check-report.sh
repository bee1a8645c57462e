#!/usr/bin/env bash
# Renders a SpikeChip HTML report in headless Chromium, checks that it loaded with its charts,
# and saves a PNG screenshot.
#
#   scripts/check-report.sh REPORT.html [OUT.png]
#   scripts/check-report.sh RUNS.sqlite [OUT.png]     # writes the newest run's report first (swift run spikechip report)
#
# Needs chromium (Debian: apt-get install chromium). Exits non-zero if the page fails to render.
set -euo pipefail

input=${1:?usage: scripts/check-report.sh REPORT.html|RUNS.sqlite [OUT.png]}
case "$input" in
  *.html) html=$input ;;
  *) html="${input%.*}-report.html"
     swift run -c release spikechip report "$input" --out "$html" ;;
esac
png=${2:-${html%.html}.png}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "check-report: chromium not found; install it with: apt-get install chromium" >&2; exit 2; }

url="file://$(realpath "$html")"
flags=(--headless --no-sandbox --disable-gpu --no-first-run --disable-dev-shm-usage --user-data-dir="$(mktemp -d)")
dom=$("$browser" "${flags[@]}" --dump-dom "$url" 2>/dev/null)
svgs=$(grep -o '<svg' <<<"$dom" | wc -l)
[ "$svgs" -ge 4 ] || { echo "check-report: $html rendered with $svgs charts, expected at least 4" >&2; exit 1; }
grep -q '<h1>SpikeChip run' <<<"$dom" || { echo "check-report: $html has no report title after rendering" >&2; exit 1; }

rm -f "$png"
"$browser" "${flags[@]}" --hide-scrollbars --window-size=1200,3000 --screenshot="$png" "$url" >/dev/null 2>&1
[ -s "$png" ] || { echo "check-report: no screenshot written to $png" >&2; exit 1; }
echo "check-report: $html rendered ($svgs SVG charts); screenshot $png ($(stat -c %s "$png") bytes)"
