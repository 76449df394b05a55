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
ab_settings

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

declare -A WORKFLOW_OF=([A]=$WORKFLOW [B]=$WORKFLOW)
ab_rounds
