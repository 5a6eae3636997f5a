#!/usr/bin/env bash
# Runs the whole unit suite N times in a row beside 4 CPU-bound busy loops, to show that no unit test
# depends on the machine's speed (a sleep-then-assert, a tight timeout).
#
# Usage: bash scripts/stress-unit.sh [runs] [-- vitest arguments...]     (runs: default 10)
#   Arguments after `--` go to each `vitest run --project unit` (e.g. `--exclude <glob>` to leave out
#   a file someone is still writing; the final line then says which arguments were used).
#   Stops at the first failing run (its output is kept in a temporary file, whose path is printed).
#   The busy loops are stopped on exit, on failure and on Ctrl-C.
#   Exit status: 0 every run passed, 1 a run failed, 2 bad usage, 130 interrupted.
set -uo pipefail

runs=10
if [[ $# -gt 0 && $1 != -- ]]; then
  runs=$1
  shift
fi
if [[ $# -gt 0 ]]; then
  if [[ $1 != -- ]]; then
    echo "usage: bash scripts/stress-unit.sh [runs] [-- vitest arguments...]" >&2
    exit 2
  fi
  shift
fi
extra=("$@")
if ! [[ $runs =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: bash scripts/stress-unit.sh [runs] [-- vitest arguments...]   (runs: a positive integer, default 10)" >&2
  exit 2
fi
with=""
if [[ ${#extra[@]} -gt 0 ]]; then with=" (vitest ${extra[*]})"; fi
loops=4
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 2

busy=()
stop_loops() {
  # Only the loops this script started, by pid.
  for pid in "${busy[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${busy[@]}"; do wait "$pid" 2>/dev/null; done
  busy=()
}
trap stop_loops EXIT
# Vitest runs in the background and is waited for: a trapped signal interrupts `wait` at once (a
# foreground child would make bash wait for it, then ignore the signal if the child handled it).
child=""
interrupted() {
  echo
  echo "stress: interrupted"
  if [[ -n $child ]]; then
    kill "$child" 2>/dev/null
    wait "$child" 2>/dev/null
  fi
  rm -f "${log:-}"
  exit 130
}
trap interrupted INT TERM

for _ in $(seq "$loops"); do
  sh -c 'while :; do :; done' &
  busy+=("$!")
done

load() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime | sed 's/.*load averages*: //'; }

log=$(mktemp "${TMPDIR:-/tmp}/hearth-stress-unit.XXXXXX")
started=$SECONDS
for run in $(seq "$runs"); do
  began=$SECONDS
  env -u NODE_PATH node node_modules/vitest/vitest.mjs run --project unit "${extra[@]}" >"$log" 2>&1 &
  child=$!
  wait "$child"
  status=$?
  child=""
  # Ctrl-C reaches vitest too, which then exits 130 (143 for SIGTERM): that is no failing run.
  if [[ $status -eq 130 || $status -eq 143 ]]; then interrupted; fi
  if [[ $status -eq 0 ]]; then
    summary=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^ +Tests ' | tr -s ' ' | sed 's/^ //')
    echo "run $run/$runs: passed in $((SECONDS - began)) s (${summary:-no summary}; load avg $(load))"
  else
    echo "run $run/$runs: FAILED after $((SECONDS - began)) s (load avg $(load)); its output: $log"
    sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^ *(FAIL|×|✗)|Error:|Tests +[0-9]' | head -40
    echo "stress: $((run - 1)) of $runs unit runs passed beside $loops busy loops before run $run failed$with"
    exit 1
  fi
done
rm -f "$log"
echo "stress: $runs of $runs unit runs passed beside $loops busy loops (load avg $(load); $((SECONDS - started)) s in all)$with"
