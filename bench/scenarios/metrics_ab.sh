#!/usr/bin/env bash
# metrics_ab: gRPC throughput with Prometheus metrics on against off (`--metrics off`), one binary,
# two servers side by side in alternating rounds (ab_rounds in lib.sh): A is metrics off, B on, so
# the B/A row is the cost of counting (target: exec/s ratio at least 0.95).
#
#   bench/scenarios/metrics_ab.sh [BUILD_DIR]
#     env: ROUNDS=5 CONCURRENCY=16 RATE=1000 DURATION=5s WARMUP=1s WORKFLOW=chat
source "$(dirname "$0")/lib.sh"
ab_settings

machine_header "metrics_ab: $FLOWHOST with --metrics off (A) and on (B)"
start_fake
mkdir -p "$WORK/workflows"
cp "$BENCH_DIR/workflows/"*.yaml "$WORK/workflows/"

declare -A TARGET PID
for side in A B; do
  [[ $side == A ]] && metrics=off || metrics=on
  start_flowhost "$WORK/workflows" --max-executions-in-flight 20000 --metrics "$metrics"
  TARGET[$side]=$FLOWHOST_TARGET
  PID[$side]=$FLOWHOST_PID
  loadgen --target "$FLOWHOST_TARGET" --workflow "$WORKFLOW" --concurrency 4 --warmup 0s \
    --duration 500ms >/dev/null
done

declare -A WORKFLOW_OF=([A]=$WORKFLOW [B]=$WORKFLOW)
ab_rounds
