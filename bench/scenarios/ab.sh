#!/usr/bin/env bash
# ab: two builds of the server side by side in one run, for judging a change on a shared, noisy
# machine. Both serve the one-node chat workflow against the same fake; rounds alternate A, B, A,
# B, ... so drift in the machine's load hits both alike. Each round measures, per server:
#   - closed loop at CONCURRENCY in flight: executions/s and the server's CPU per execution;
#   - open loop at RATE/s: latency p50 and p99.
# The medians over the rounds, and B/A ratios, are printed last.
#
#   bench/scenarios/ab.sh BUILD_DIR FLOWHOST_A FLOWHOST_B
#     env: ROUNDS=5 CONCURRENCY=16 RATE=1000 DURATION=5s WARMUP=1s WORKFLOW=chat
# BUILD_DIR provides the fake, the load generator and the probe; A and B are `flowhost` binaries.
source "$(dirname "$0")/lib.sh"
A_BIN=$(realpath "${2:?usage: ab.sh BUILD_DIR FLOWHOST_A FLOWHOST_B}")
B_BIN=$(realpath "${3:?usage: ab.sh BUILD_DIR FLOWHOST_A FLOWHOST_B}")
ROUNDS=${ROUNDS:-5}
CONCURRENCY=${CONCURRENCY:-16}
RATE=${RATE:-1000}
DURATION=${DURATION:-5s}
WARMUP=${WARMUP:-1s}
WORKFLOW=${WORKFLOW:-chat}

machine_header "ab: $A_BIN (A) against $B_BIN (B)"
start_fake
mkdir -p "$WORK/workflows"
cp "$BENCH_DIR/workflows/"*.yaml "$WORK/workflows/"

declare -A TARGET PID
for side in A B; do
  bin_var="${side}_BIN"
  FLOWHOST=${!bin_var}
  start_flowhost "$WORK/workflows" --max-executions-in-flight 20000
  TARGET[$side]=$FLOWHOST_TARGET
  PID[$side]=$FLOWHOST_PID
  loadgen --target "$FLOWHOST_TARGET" --workflow "$WORKFLOW" --concurrency 4 --warmup 0s \
    --duration 500ms >/dev/null
done

echo
echo "| round | side | exec/s at $CONCURRENCY in flight | CPU µs/exec | p50 µs at $RATE/s | p99 µs at $RATE/s |"
echo "|---|---|---|---|---|---|"
declare -A SAMPLES
for round in $(seq 1 "$ROUNDS"); do
  for side in A B; do
    c0=$(proc_cpu_ticks "${PID[$side]}"); t0=$(date +%s%N)
    out=$(loadgen --target "${TARGET[$side]}" --workflow "$WORKFLOW" --concurrency "$CONCURRENCY" \
            --warmup "$WARMUP" --duration "$DURATION" --label "$side@$CONCURRENCY")
    c1=$(proc_cpu_ticks "${PID[$side]}"); t1=$(date +%s%N)
    rps=$(jget "$out" throughput)
    # CPU over the whole run (warm-up included) per execution at the measured rate.
    cpu=$(awk -v t=$((c1 - c0)) -v hz="$CLK_TCK" -v r="$rps" -v ns=$((t1 - t0)) \
          'BEGIN { execs = r * ns / 1e9; printf "%.1f", (execs > 0) ? t / hz * 1e6 / execs : 0 }')
    lat=$(loadgen --target "${TARGET[$side]}" --workflow "$WORKFLOW" --rate "$RATE" \
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
