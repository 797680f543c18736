#!/usr/bin/env bash
# Measures `npm start` the way a person sees it: seconds from the command to the "all ready" line,
# then a Ctrl-C (SIGINT to its process group, as a terminal sends it), the seconds until it has
# stopped, and the processes of this checkout still alive afterwards (there must be none).
# Used for docs/benchmarks.md. Settings (ports, OMNIBUS_HOME …) come from the environment.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
log=${1:-$(mktemp)}
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

: >"$log" # empty before the background start, so an old log cannot be mistaken for this run
started=$(now)
setsid npm start >>"$log" 2>&1 &
group=$!
until grep -q '^all ready' "$log"; do
  if ! kill -0 "$group" 2>/dev/null; then cat "$log" >&2; echo "npm start ended before all was ready" >&2; exit 1; fi
  if [ "$(since "$started" | cut -d. -f1)" -gt "${MEASURE_TIMEOUT:-900}" ]; then kill -INT -- -"$group"; echo "not ready in time" >&2; exit 1; fi
  sleep 0.2
done
ready=$(since "$started")

stopping=$(now)
kill -INT -- -"$group"
while kill -0 "$group" 2>/dev/null; do sleep 0.2; done
stopped=$(since "$stopping")

left=$(ps -eo pid=,args= | grep -F "$PWD/" | grep -v -e grep -e measure-start || true)
echo "ready_s=$ready stop_s=$stopped log=$log"
if [ -n "$left" ]; then echo "left behind:"; echo "$left"; exit 1; fi
echo "left behind: none"
