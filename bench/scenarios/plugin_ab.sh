#!/usr/bin/env bash
# plugin_ab: the same node built in and loaded from a plugin library, side by side in one run, on
# one server. flowhost serves bench/workflows/set.yaml (the built-in `set`) and
# bench/workflows/plugin/set-plugin.yaml (`plugin_set`: the core family's very sources, built into
# libbench_core_plugin.so and loaded with --plugin). Rounds alternate A (built in) and B (plugin) so
# drift in the machine's load hits both alike; each round measures, per side:
#   - closed loop at CONCURRENCY in flight: executions/s and the server's CPU per execution;
#   - open loop at RATE/s: latency p50 and p99.
# The medians over the rounds, and B/A ratios, are printed last.
#
#   bench/scenarios/plugin_ab.sh BUILD_DIR          e.g. build/release
#     env: ROUNDS=5 CONCURRENCY=16 RATE=1000 DURATION=5s WARMUP=1s
#          CONTROL=1: both sides run the built-in `set` (an A/A run: the method's own noise)
source "$(dirname "$0")/lib.sh"
ab_settings
PLUGIN="$BUILD_DIR/bench/libbench_core_plugin.so"
[ -f "$PLUGIN" ] || { echo "no $PLUGIN: cmake --build $BUILD_DIR --target bench_core_plugin" >&2; exit 2; }

machine_header "plugin_ab: built-in set (A) against $([ "${CONTROL:-0}" = 1 ] && echo "built-in set again (B, CONTROL=1)" || echo "plugin_set from $PLUGIN (B)")"
start_fake
mkdir -p "$WORK/workflows"
cp "$BENCH_DIR/workflows/set.yaml" "$BENCH_DIR/workflows/plugin/set-plugin.yaml" "$WORK/workflows/"
start_flowhost "$WORK/workflows" --max-executions-in-flight 20000 --plugin "$PLUGIN"
declare -A WORKFLOW_OF=([A]=set [B]=set-plugin) TARGET=([A]=$FLOWHOST_TARGET [B]=$FLOWHOST_TARGET)
[ "${CONTROL:-0}" = 1 ] && WORKFLOW_OF[B]=set
declare -A PID=([A]=$FLOWHOST_PID [B]=$FLOWHOST_PID)
for side in A B; do
  loadgen --target "$FLOWHOST_TARGET" --workflow "${WORKFLOW_OF[$side]}" --concurrency 4 --warmup 0s \
    --duration 500ms >/dev/null
done

ab_rounds
