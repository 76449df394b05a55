#!/usr/bin/env bash
# history_ab: what recording executions costs. One `flowhost` binary served twice against one fake,
# A with the execution history off (--store none) and B recording every execution in SQLite
# (--store sqlite, a fresh data directory under the run's work directory); ab_rounds alternates
# them: exec/s and server CPU per execution with CONCURRENCY in flight, p50/p99 at RATE/s. The
# target (issue 15) is B/A exec/s >= 0.8 for the one-node chat workflow at 16 in flight.
#
#   bench/scenarios/history_ab.sh BUILD_DIR
#     env: ROUNDS=5 CONCURRENCY=16 RATE=1000 DURATION=5s WARMUP=1s WORKFLOW=chat
#          HISTORY_FLAGS="--store-sqlite-synchronous full" (more flags for B)
source "$(dirname "$0")/lib.sh"
ab_settings

machine_header "history_ab: $FLOWHOST without history (A) against SQLite history (B)"
start_fake
mkdir -p "$WORK/workflows"
cp "$BENCH_DIR/workflows/"*.yaml "$WORK/workflows/"

declare -A TARGET PID
for side in A B; do
  history=(--store none)
  # shellcheck disable=SC2206 # HISTORY_FLAGS is a list of flags
  [ "$side" = B ] && history=(--store sqlite --data-dir "$WORK/history" ${HISTORY_FLAGS:-})
  start_flowhost "$WORK/workflows" --max-executions-in-flight 20000 "${history[@]}"
  TARGET[$side]=$FLOWHOST_TARGET
  PID[$side]=$FLOWHOST_PID
  loadgen --target "$FLOWHOST_TARGET" --workflow "$WORKFLOW" --concurrency 4 --warmup 0s \
    --duration 500ms >/dev/null
done

declare -A WORKFLOW_OF=([A]=$WORKFLOW [B]=$WORKFLOW)
ab_rounds
echo
echo "B's history after the run: $(du -h "$WORK/history/flowhost.db" | cut -f1) in flowhost.db" \
     "(plus its WAL: $(du -ch "$WORK/history/"flowhost.db-wal 2>/dev/null | tail -1 | cut -f1))"
