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
source "$(dirname "$0")/lib.sh"
ROUNDS=${ROUNDS:-5}
CONCURRENCY=${CONCURRENCY:-16}
RATE=${RATE:-1000}
DURATION=${DURATION:-5s}
WARMUP=${WARMUP:-1s}
PLUGIN="$BUILD_DIR/bench/libbench_core_plugin.so"
[ -f "$PLUGIN" ] || { echo "no $PLUGIN: cmake --build $BUILD_DIR --target bench_core_plugin" >&2; exit 2; }

machine_header "plugin_ab: built-in set (A) against plugin_set from $PLUGIN (B)"
start_fake
mkdir -p "$WORK/workflows"
cp "$BENCH_DIR/workflows/set.yaml" "$BENCH_DIR/workflows/plugin/set-plugin.yaml" "$WORK/workflows/"
start_flowhost "$WORK/workflows" --max-executions-in-flight 20000 --plugin "$PLUGIN"
declare -A WORKFLOW=([A]=set [B]=set-plugin)
for side in A B; do
  loadgen --target "$FLOWHOST_TARGET" --workflow "${WORKFLOW[$side]}" --concurrency 4 --warmup 0s \
    --duration 500ms >/dev/null
done

echo
echo "| round | side | exec/s at $CONCURRENCY in flight | CPU µs/exec | p50 µs at $RATE/s | p99 µs at $RATE/s |"
echo "|---|---|---|---|---|---|"
declare -A SAMPLES
for round in $(seq 1 "$ROUNDS"); do
  for side in A B; do
    c0=$(proc_cpu_ticks "$FLOWHOST_PID"); t0=$(date +%s%N)
    out=$(loadgen --target "$FLOWHOST_TARGET" --workflow "${WORKFLOW[$side]}" \
            --concurrency "$CONCURRENCY" --warmup "$WARMUP" --duration "$DURATION" --label "$side@$CONCURRENCY")
    c1=$(proc_cpu_ticks "$FLOWHOST_PID"); t1=$(date +%s%N)
    rps=$(jget "$out" throughput)
    cpu=$(awk -v t=$((c1 - c0)) -v hz="$CLK_TCK" -v r="$rps" -v ns=$((t1 - t0)) \
          'BEGIN { execs = r * ns / 1e9; printf "%.1f", (execs > 0) ? t / hz * 1e6 / execs : 0 }')
    lat=$(loadgen --target "$FLOWHOST_TARGET" --workflow "${WORKFLOW[$side]}" --rate "$RATE" \
            --warmup "$WARMUP" --duration "$DURATION" --label "$side@${RATE}/s")
    p50=$(jget "$lat" latency_us.p50); p99=$(jget "$lat" latency_us.p99)
    echo "| $round | $side | $rps | $cpu | $p50 | $p99 |"
    SAMPLES[$side.rps]+="$rps "; SAMPLES[$side.cpu]+="$cpu "
    SAMPLES[$side.p50]+="$p50 "; SAMPLES[$side.p99]+="$p99 "
  done
done

median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
echo
echo "| median | exec/s | CPU µs/exec | p50 µs | p99 µs |"
echo "|---|---|---|---|---|"
for side in A B; do
  echo "| $side | $(median "${SAMPLES[$side.rps]}") | $(median "${SAMPLES[$side.cpu]}") |" \
       "$(median "${SAMPLES[$side.p50]}") | $(median "${SAMPLES[$side.p99]}") |"
done
ratio() { awk -v a="$(median "$1")" -v b="$(median "$2")" 'BEGIN { printf "%.2f", (a > 0) ? b / a : 0 }'; }
echo "| B/A | $(ratio "${SAMPLES[A.rps]}" "${SAMPLES[B.rps]}") | $(ratio "${SAMPLES[A.cpu]}" "${SAMPLES[B.cpu]}") |" \
     "$(ratio "${SAMPLES[A.p50]}" "${SAMPLES[B.p50]}") | $(ratio "${SAMPLES[A.p99]}" "${SAMPLES[B.p99]}") |"
