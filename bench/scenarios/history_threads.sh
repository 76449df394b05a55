#!/usr/bin/env bash
# history_threads: where recording executions costs CPU, thread by thread. The same servers as
# history_ab.sh (A: --store none, B: --store sqlite), plus B0: SQLite history on another flowhost
# binary (BASELINE=path, e.g. a build of the previous commit) when set. Each round runs every side
# closed-loop at CONCURRENCY in flight for DURATION seconds (rotating the order) and reads the
# server's per-thread CPU from /proc: CPU µs per execution in all, on the store thread (fh-store)
# and on every other thread. The store thread's figure is the steady one on a shared machine:
# it does the same work per execution whatever the load, where executions/s follow the machine.
#
#   bench/scenarios/history_threads.sh BUILD_DIR
#     env: ROUNDS=4 CONCURRENCY=16 DURATION=4 WORKFLOW=chat BASELINE=
source "$(dirname "$0")/lib.sh"
ROUNDS=${ROUNDS:-4}
CONCURRENCY=${CONCURRENCY:-16}
DURATION=${DURATION:-4}
WORKFLOW=${WORKFLOW:-chat}

machine_header "history_threads: CPU per execution by thread, without history (A) and with SQLite history (B${BASELINE:+, B0 on $BASELINE})"
start_fake
mkdir -p "$WORK/workflows"
cp "$BENCH_DIR/workflows/"*.yaml "$WORK/workflows/"

declare -A TARGET PID
SIDES=(A B)
[ -n "${BASELINE:-}" ] && SIDES+=(B0)
CURRENT=$FLOWHOST
for side in "${SIDES[@]}"; do
  history=(--store none)
  [ "$side" != A ] && history=(--store sqlite --data-dir "$WORK/history-$side")
  FLOWHOST=$CURRENT
  [ "$side" = B0 ] && FLOWHOST=$BASELINE
  start_flowhost "$WORK/workflows" --max-executions-in-flight 20000 "${history[@]}"
  TARGET[$side]=$FLOWHOST_TARGET
  PID[$side]=$FLOWHOST_PID
  loadgen --target "$FLOWHOST_TARGET" --workflow "$WORKFLOW" --concurrency "$CONCURRENCY" \
    --warmup 0s --duration 2s >/dev/null
done

# CPU ticks per thread name of process $1 ("name ticks" lines, sorted).
thread_ticks() {
  local task
  for task in /proc/"$1"/task/*; do
    echo "$(tr ' ' _ <"$task/comm") $(awk '{print $14 + $15}' "$task/stat")"
  done | awk '{t[$1] += $2} END {for (k in t) print k, t[k]}' | sort
}

echo
echo "| round | side | exec/s | CPU µs/exec | fh-store µs/exec | other threads µs/exec |"
echo "|---|---|---|---|---|---|"
ROWS=$WORK/rows
for round in $(seq 1 "$ROUNDS"); do
  rot=$(( (round - 1) % ${#SIDES[@]} ))
  for side in "${SIDES[@]:$rot}" "${SIDES[@]:0:$rot}"; do
    thread_ticks "${PID[$side]}" >"$WORK/ticks0"
    out=$(loadgen --target "${TARGET[$side]}" --workflow "$WORKFLOW" --concurrency "$CONCURRENCY" \
            --warmup 0s --duration "${DURATION}s" --label "$side@$CONCURRENCY")
    thread_ticks "${PID[$side]}" >"$WORK/ticks1"
    join "$WORK/ticks0" "$WORK/ticks1" | awk -v round="$round" -v side="$side" \
        -v rps="$(jget "$out" throughput)" -v seconds="$DURATION" -v hz="$CLK_TCK" '
      { us = ($3 - $2) / hz * 1e6; all += us; if ($1 == "fh-store") store += us }
      END { n = rps * seconds
            printf "| %d | %s | %.0f | %.1f | %.1f | %.1f |\n", round, side, rps, all / n, store / n, (all - store) / n }'
  done
done | tee "$ROWS"

echo
echo "| median | exec/s | CPU µs/exec | fh-store µs/exec | other threads µs/exec |"
echo "|---|---|---|---|---|"
for side in "${SIDES[@]}"; do
  awk -F'|' -v side="$side" '$3 ~ "^ " side " $" {print $4, $5, $6, $7}' "$ROWS" | python3 -c '
import statistics, sys
rows = [list(map(float, line.split())) for line in sys.stdin]
print("| " + sys.argv[1] + " | " + " | ".join("%.1f" % statistics.median(c) for c in zip(*rows)) + " |")' "$side"
done
