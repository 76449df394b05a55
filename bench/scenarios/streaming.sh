#!/usr/bin/env bash
# streaming: time to first token through flowhost (StreamWorkflow of the chat workflow: the first
# TokenDelta event) minus time to first token from the fake directly (the first SSE chunk with
# content, same request with "stream": true, the same load generator's HTTP mode), open loop.
#
#   bench/scenarios/streaming.sh [BUILD_DIR]     env: RATES="100 500" DURATION=15s WARMUP=3s
source "$(dirname "$0")/lib.sh"
RATES=${RATES:-"100 500"}
DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-3s}

machine_header "streaming: time to first token added by flowhost"
start_fake
mkdir -p "$WORK/workflows"
cp "$BENCH_DIR/workflows/chat.yaml" "$WORK/workflows/"
start_flowhost "$WORK/workflows" --max-executions-in-flight 20000

loadgen --target "$FLOWHOST_TARGET" --workflow chat --call stream --concurrency 1 --warmup 0s --duration 200ms >/dev/null
direct_request_from_fake_log
echo "upstream body: $BODY"
grep -q '"stream": *true' <<<"$BODY" || echo "warning: flowhost did not ask the upstream for a stream" >&2

echo
echo "| rate/s | path | ok/s | first token p50 ms | p90 ms | p99 ms | whole call p50 ms | p99 ms | errors |"
echo "|---|---|---|---|---|---|---|---|---|"
for rate in $RATES; do
  declare -A P50=() P99=()
  for path in direct flowhost; do
    if [[ $path == direct ]]; then
      out=$(loadgen "${DIRECT[@]}" --rate "$rate" --warmup "$WARMUP" --duration "$DURATION" --label "direct-stream@$rate")
    else
      out=$(loadgen --target "$FLOWHOST_TARGET" --workflow chat --call stream --rate "$rate" \
              --warmup "$WARMUP" --duration "$DURATION" --label "flowhost-stream@$rate")
    fi
    ms() { awk -v us="$(jget "$out" "$1")" 'BEGIN {printf "%.3f", us / 1000}'; }
    P50[$path]=$(jget "$out" first_token_us.p50); P99[$path]=$(jget "$out" first_token_us.p99)
    echo "| $rate | $path | $(jget "$out" throughput) | $(ms first_token_us.p50) | $(ms first_token_us.p90) | $(ms first_token_us.p99) | $(ms latency_us.p50) | $(ms latency_us.p99) | $(( $(jget "$out" failed) + $(jget "$out" dropped) )) |"
  done
  echo "| $rate | **added** | | **$(awk -v a="${P50[flowhost]}" -v b="${P50[direct]}" 'BEGIN {printf "%.0f us", a - b}')** | | **$(awk -v a="${P99[flowhost]}" -v b="${P99[direct]}" 'BEGIN {printf "%.0f us", a - b}')** | | | |"
done
