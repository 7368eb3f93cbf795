#!/usr/bin/env bash
# Prove the suites that start processes and wait on each other hold on a busy machine: run them
# RUNS times while BUSY CPU-bound competitors (busy loops) fight for the cores, and count the runs
# that passed. Prints one line per run and a closing "N passed, M failed".
#
#   tests/stress.sh                      # 6 runs of the engine suites beside 2 busy loops
#   RUNS=10 BUSY=4 tests/stress.sh tests/engine/test_concurrency.py
#
# Uses the python on PATH (activate the project's virtual environment first). Exit 0 only when
# every run passed.
set -uo pipefail
cd "$(dirname "$0")/.."
runs="${RUNS:-6}"
busy="${BUSY:-2}"
if [ "$#" -gt 0 ]; then
  suites=("$@")
else
  suites=(tests/engine/test_concurrency.py tests/engine/test_crash.py tests/engine/test_apply_faults.py)
fi
export HYPOTHESIS_PROFILE="${HYPOTHESIS_PROFILE:-ci}"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
}
trap cleanup EXIT INT TERM
for _ in $(seq "$busy"); do
  python -c 'while True: pass' &
  pids+=("$!")
done

log_dir="$(mktemp -d)"
passed=0
failed=0
start=$(date +%s)
for i in $(seq "$runs"); do
  log="$log_dir/run-$i.log"
  t0=$(date +%s)
  if python -m pytest -q -p no:cacheprovider "${suites[@]}" >"$log" 2>&1; then
    passed=$((passed + 1))
    echo "run $i: passed in $(($(date +%s) - t0)) s ($(tail -n 1 "$log"))"
  else
    failed=$((failed + 1))
    echo "run $i: FAILED in $(($(date +%s) - t0)) s, log: $log"
    grep -E '^(FAILED|ERROR)' "$log" | sed 's/^/  /'
  fi
done
echo "load: $busy busy loops on $(nproc) cores; $runs runs in $(($(date +%s) - start)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
