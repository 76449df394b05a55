#!/usr/bin/env bash
# concurrency: 10,000 executions in flight at once. The fake delays every answer by 2 s, the load
# generator keeps 10,000 RunWorkflow calls of the chat workflow in flight (closed loop), so flowhost
# holds 10,000 executions, each waiting on its upstream request. Reports: calls by status (all must
# succeed), the fake's most requests in flight (it proves the 10,000 were concurrent upstream too),
# flowhost's peak RSS, thread count idle and under load, CPU, and memory per in-flight execution
# ((peak RSS - idle RSS) / in flight).
#
# UPSTREAM=h2 puts nghttpx in front of the fake, so flowhost reaches it over TLS + HTTP/2 as it
# reaches OpenRouter: the executions then share a few multiplexed connections instead of one
# HTTP/1.1 connection each.
#
#   bench/scenarios/concurrency.sh [BUILD_DIR]   env: IN_FLIGHT=10000 DELAY_MS=2000 DURATION=10s
#                                                     UPSTREAM=http1|h2
source "$(dirname "$0")/lib.sh"
IN_FLIGHT=${IN_FLIGHT:-10000}
DELAY_MS=${DELAY_MS:-2000}
DURATION=${DURATION:-10s}
UPSTREAM=${UPSTREAM:-http1}

machine_header "concurrency: $IN_FLIGHT executions in flight, upstream answers after $DELAY_MS ms ($UPSTREAM)"
start_fake --latency-ms "$DELAY_MS"
# Over HTTP/1.1 every execution needs its own upstream connection, so the connection cap is raised
# above the load; over HTTP/2 a connection carries 100 streams (nghttpx's default), so 200 carry
# 20,000. The client's queue and the admission cap are raised above the load either way.
UPSTREAM_FLAGS=(--http-max-connections $(( IN_FLIGHT + 1000 )))
if [[ $UPSTREAM == h2 ]]; then
  start_h2_front
  UPSTREAM_URL=$H2_URL
  UPSTREAM_FLAGS=(--http-ca-file "$H2_CA" --http-max-connections 200
                  --http-max-requests-in-flight $(( IN_FLIGHT * 2 )))
fi
mkdir -p "$WORK/workflows"
cp "$BENCH_DIR/workflows/chat.yaml" "$WORK/workflows/"
start_flowhost "$WORK/workflows" --max-executions-in-flight $(( IN_FLIGHT * 2 )) \
  --http-max-queued-requests $(( IN_FLIGHT * 2 )) "${UPSTREAM_FLAGS[@]}"

loadgen --target "$FLOWHOST_TARGET" --workflow chat --concurrency 8 --warmup 0s --duration 3s >/dev/null
idle_rss=$(proc_rss_kb "$FLOWHOST_PID"); idle_threads=$(proc_threads "$FLOWHOST_PID")
echo "idle after warm-up: RSS $(( idle_rss / 1024 )) MiB, $idle_threads threads"

# Samples flowhost's RSS and threads every 200 ms while the load runs.
( while kill -0 "$FLOWHOST_PID" 2>/dev/null; do
    echo "$(proc_rss_kb "$FLOWHOST_PID") $(proc_threads "$FLOWHOST_PID")"; sleep 0.2
  done ) >"$WORK/samples.txt" 2>/dev/null &
sampler=$!
STARTED_PIDS+=("$sampler")

fake_reset
h0=$(proc_cpu_ticks "$FLOWHOST_PID"); f0=$(proc_cpu_ticks "$FAKE_PID"); t0=$(date +%s%N)
out=$(loadgen --target "$FLOWHOST_TARGET" --workflow chat --concurrency "$IN_FLIGHT" --channels 4 \
        --warmup 0s --duration "$DURATION" --deadline 60s --label "concurrency@$IN_FLIGHT")
t1=$(date +%s%N); h1=$(proc_cpu_ticks "$FLOWHOST_PID"); f1=$(proc_cpu_ticks "$FAKE_PID")
kill "$sampler" 2>/dev/null || true
stats=$(fake_stats)

peak_rss=$(awk 'BEGIN {m = 0} $1 > m {m = $1} END {print m}' "$WORK/samples.txt")
hwm=$(proc_hwm_kb "$FLOWHOST_PID")
max_threads=$(awk 'BEGIN {m = 0} $2 > m {m = $2} END {print m}' "$WORK/samples.txt")
pct() { awk -v d="$1" -v hz="$CLK_TCK" -v ns="$(( t1 - t0 ))" 'BEGIN {printf "%.0f", d / hz * 1e9 / ns * 100}'; }
echo
echo "loadgen:  $(jget "$out" measured) measured calls: $(jget "$out" ok) ok, $(jget "$out" failed) failed, $(jget "$out" unfinished) unfinished; codes $(jget "$out" codes)"
echo "          $(jget "$out" max_in_flight) in flight at most; $(jget "$out" throughput) ok/s; latency p50 $(jget "$out" latency_us.p50) us, p99 $(jget "$out" latency_us.p99) us, max $(jget "$out" latency_us.max) us"
echo "fake:     max_in_flight $(python3 -c 'import json,sys; s=json.loads(sys.argv[1]); print(s["max_in_flight"], "requests", s["requests"], "connections_accepted", s["connections_accepted"])' "$stats")"
echo "flowhost: peak RSS $(( peak_rss / 1024 )) MiB sampled (VmHWM $(( hwm / 1024 )) MiB), idle $(( idle_rss / 1024 )) MiB;" \
     "threads idle $idle_threads, under load at most $max_threads; CPU $(pct $(( h1 - h0 )))% over $(awk -v ns=$(( t1 - t0 )) 'BEGIN {printf "%.1f", ns / 1e9}') s"
echo "          memory per in-flight execution: $(awk -v p="$peak_rss" -v i="$idle_rss" -v n="$IN_FLIGHT" 'BEGIN {printf "%.1f", (p - i) / n}') KiB"
echo "fake CPU $(pct $(( f1 - f0 )))%, loadgen CPU $(jget "$out" client_cpu_percent)% with $(jget "$out" client_threads) threads"
