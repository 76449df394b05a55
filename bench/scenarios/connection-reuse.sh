#!/usr/bin/env bash
# connection-reuse: under sustained load, how many TCP connections flowhost opened to the upstream
# against how many requests it sent (the fake counts both). Reuse = 1 - connections / requests.
# Runs at concurrencies below and above flowhost's upstream connection cap (http.max_connections,
# 64 by default), with the chat workflow and the 3-node pipeline.
#
#   bench/scenarios/connection-reuse.sh [BUILD_DIR]   env: CONCURRENCY="32 256" DURATION=20s
source "$(dirname "$0")/lib.sh"
CONCURRENCY=${CONCURRENCY:-"32 256"}
DURATION=${DURATION:-20s}

machine_header "connection reuse: upstream connections opened vs requests sent"
start_fake
mkdir -p "$WORK/workflows"
cp "$BENCH_DIR/workflows/chat.yaml" "$BENCH_DIR/workflows/pipeline.yaml" "$WORK/workflows/"
start_flowhost "$WORK/workflows" --max-executions-in-flight 20000

echo
echo "| in flight | workflow | executions ok | upstream requests | connections accepted | reuse |"
echo "|---|---|---|---|---|---|"
for c in $CONCURRENCY; do
  for wf in chat pipeline; do
    fake_reset
    out=$(loadgen --target "$FLOWHOST_TARGET" --workflow "$wf" --concurrency "$c" --warmup 0s \
            --duration "$DURATION" --label "$wf@$c")
    read -r requests conns < <(fake_stats | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["requests"], s["connections_accepted"])')
    conns=$(( conns - 1 ))  # the stats request's own connection
    echo "| $c | $wf | $(jget "$out" total_finished) | $requests | $conns | $(awk -v r="$requests" -v c="$conns" 'BEGIN {printf "%.4f%%", 100 * (1 - c / r)}') |"
  done
done
