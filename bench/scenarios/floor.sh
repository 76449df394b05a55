#!/usr/bin/env bash
# floor: what the stack under flowhost costs by itself, next to flowhost, in one run. `relay_floor`
# (bench/floor/) serves the same RunWorkflow with the same gRPC callback API and sends the same
# upstream request through the same pooled HTTP client, with no workflow, executor or node in
# between. Whatever relay_floor cannot do, flowhost cannot do either on this gRPC and libcurl;
# the gap between the two is flowhost's own.
#   1. latency at RATE/s, open loop: the request straight at the fake, relay_floor (upstream),
#      flowhost `chat`; relay_floor answering at once and flowhost `noop` (the gRPC round trip).
#   2. throughput at CONCURRENCY in flight, closed loop: the fake alone, relay_floor, flowhost.
#   3. IN_FLIGHT calls held (the fake answers after DELAY_MS): peak RSS and memory per call of
#      relay_floor and of flowhost.
#
#   bench/scenarios/floor.sh [BUILD_DIR]   env: RATE=1000 CONCURRENCY=64 DURATION=10s WARMUP=2s
#                                               IN_FLIGHT=10000 DELAY_MS=2000
source "$(dirname "$0")/lib.sh"
RATE=${RATE:-1000}
CONCURRENCY=${CONCURRENCY:-64}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
IN_FLIGHT=${IN_FLIGHT:-10000}
DELAY_MS=${DELAY_MS:-2000}
RELAY=${RELAY:-$BUILD_DIR/bench/relay_floor}
[[ -x "$RELAY" ]] || { echo "missing $RELAY: build the relay_floor target" >&2; exit 1; }

# start_relay [FLAGS...]: relay_floor on a free port, waits for SERVING. Sets RELAY_PID, RELAY_TARGET.
start_relay() {
  RELAY_TARGET="127.0.0.1:$(free_port)"
  start_probed relay "$RELAY_TARGET" "$RELAY" --listen "$RELAY_TARGET" "$@" || return 1
  RELAY_PID=$PROBED_PID
}

machine_header "floor: the gRPC + HTTP client stack alone (relay_floor) next to flowhost"
start_fake
mkdir -p "$WORK/workflows"
cp "$BENCH_DIR/workflows/chat.yaml" "$BENCH_DIR/workflows/noop.yaml" "$WORK/workflows/"
start_flowhost "$WORK/workflows" --max-executions-in-flight 20000
# Every path sends exactly the request flowhost sends (taken from the fake's request log).
loadgen --target "$FLOWHOST_TARGET" --workflow chat --concurrency 1 --warmup 0s --duration 200ms >/dev/null
direct_request_from_fake_log
start_relay --upstream "$FAKE_URL" --body "$BODY"
RELAY_UP=$RELAY_TARGET; RELAY_UP_PID=$RELAY_PID
start_relay
RELAY_NOW=$RELAY_TARGET

echo
echo "## 1. latency at $RATE/s (open loop, $DURATION after $WARMUP warm-up)"
echo
echo "| path | p50 µs | p90 µs | p99 µs | added p50 µs | added p99 µs |"
echo "|---|---|---|---|---|---|"
declare -A P50 P99
for path in direct relay flowhost relay-at-once flowhost-noop; do
  case $path in
    direct) out=$(loadgen "${DIRECT[@]}" --rate "$RATE" --warmup "$WARMUP" --duration "$DURATION" --label "$path") ;;
    relay) out=$(loadgen --target "$RELAY_UP" --workflow chat --rate "$RATE" --warmup "$WARMUP" --duration "$DURATION" --label "$path") ;;
    flowhost) out=$(loadgen --target "$FLOWHOST_TARGET" --workflow chat --rate "$RATE" --warmup "$WARMUP" --duration "$DURATION" --label "$path") ;;
    relay-at-once) out=$(loadgen --target "$RELAY_NOW" --workflow noop --rate "$RATE" --warmup "$WARMUP" --duration "$DURATION" --label "$path") ;;
    flowhost-noop) out=$(loadgen --target "$FLOWHOST_TARGET" --workflow noop --rate "$RATE" --warmup "$WARMUP" --duration "$DURATION" --label "$path") ;;
  esac
  [[ $(jget "$out" failed) == 0 ]] || echo "warning: $path had failed calls: $(jget "$out" codes)"
  P50[$path]=$(jget "$out" latency_us.p50); P99[$path]=$(jget "$out" latency_us.p99)
  added50=-; added99=-
  if [[ $path == relay || $path == flowhost ]]; then
    added50=$(awk -v a="${P50[$path]}" -v b="${P50[direct]}" 'BEGIN {printf "%.0f", a - b}')
    added99=$(awk -v a="${P99[$path]}" -v b="${P99[direct]}" 'BEGIN {printf "%.0f", a - b}')
  fi
  echo "| $path | $(jget "$out" latency_us.p50) | $(jget "$out" latency_us.p90) | ${P99[$path]} | $added50 | $added99 |"
done

echo
echo "## 2. throughput at $CONCURRENCY in flight (closed loop, $DURATION after $WARMUP warm-up)"
echo
echo "| path | ok/s | × the fake alone | server CPU µs per call |"
echo "|---|---|---|---|"
declare -A RPS
for path in fake relay flowhost; do
  case $path in
    fake) pid=$FAKE_PID; args=("${DIRECT[@]}") ;;
    relay) pid=$RELAY_UP_PID; args=(--target "$RELAY_UP" --workflow chat) ;;
    flowhost) pid=$FLOWHOST_PID; args=(--target "$FLOWHOST_TARGET" --workflow chat) ;;
  esac
  c0=$(proc_cpu_ticks "$pid"); t0=$(date +%s%N)
  out=$(loadgen "${args[@]}" --concurrency "$CONCURRENCY" --warmup "$WARMUP" --duration "$DURATION" --label "$path@$CONCURRENCY")
  c1=$(proc_cpu_ticks "$pid"); t1=$(date +%s%N)
  RPS[$path]=$(jget "$out" throughput)
  cpu=$(awk -v t=$((c1 - c0)) -v hz="$CLK_TCK" -v r="${RPS[$path]}" -v ns=$((t1 - t0)) \
        'BEGIN { n = r * ns / 1e9; printf "%.1f", (n > 0) ? t / hz * 1e6 / n : 0 }')
  [[ $path == fake ]] && cpu="$cpu (the fake)"
  echo "| $path | ${RPS[$path]} | $(awk -v a="${RPS[$path]}" -v b="${RPS[fake]}" 'BEGIN {printf "%.2f", a / b}') | $cpu |"
done

echo
echo "## 3. $IN_FLIGHT calls in flight, the fake answering after $DELAY_MS ms"
stop_pid "$FLOWHOST_PID"
for pid in "${STARTED_PIDS[@]}"; do stop_pid "$pid"; done
STARTED_PIDS=()
start_fake --latency-ms "$DELAY_MS"
echo
echo "| server | calls ok / sent | idle RSS MiB | peak RSS MiB | KiB per call in flight |"
echo "|---|---|---|---|---|"
for server in relay flowhost; do
  if [[ $server == relay ]]; then
    start_relay --upstream "$FAKE_URL" --body "$BODY" --http-max-connections $(( IN_FLIGHT + 1000 ))
    pid=$RELAY_PID; target=$RELAY_TARGET
  else
    start_flowhost "$WORK/workflows" --max-executions-in-flight $(( IN_FLIGHT * 2 )) \
      --http-max-queued-requests $(( IN_FLIGHT * 2 )) --http-max-connections $(( IN_FLIGHT + 1000 ))
    pid=$FLOWHOST_PID; target=$FLOWHOST_TARGET
  fi
  loadgen --target "$target" --workflow chat --concurrency 8 --warmup 0s --duration 3s >/dev/null
  idle=$(proc_rss_kb "$pid")
  out=$(loadgen --target "$target" --workflow chat --concurrency "$IN_FLIGHT" --channels 4 \
          --warmup 0s --duration "$DURATION" --deadline 60s --label "$server@$IN_FLIGHT")
  peak=$(proc_hwm_kb "$pid")
  echo "| $server | $(jget "$out" ok) / $(jget "$out" measured) (at most $(jget "$out" max_in_flight) in flight) | $(( idle / 1024 )) | $(( peak / 1024 )) | $(awk -v p="$peak" -v i="$idle" -v n="$IN_FLIGHT" 'BEGIN {printf "%.1f", (p - i) / n}') |"
  stop_pid "$pid"
done
