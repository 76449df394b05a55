#!/usr/bin/env bash
# overhead: the latency flowhost adds to one chat call. At each rate, open loop (calls sent on
# schedule whatever the answers do), the one-node chat workflow through `flowhost serve`
# (RunWorkflow) and the very same upstream request sent straight at the fake by the same load
# generator (its HTTP mode: the project's pooled libcurl client). Added latency = flowhost - direct,
# per percentile. A third path, the one-node `noop` workflow (no upstream call), is the gRPC round
# trip and the executor alone, so the added latency splits into that and the rest (flowhost's
# upstream call: request building, the HTTP client's hand-offs, parsing, the reply).
# A closed-loop cross-check at equal concurrency with wrk follows.
#
#   bench/scenarios/overhead.sh [BUILD_DIR]      env: RATES="100 500 1000 2000" DURATION=15s WARMUP=3s
source "$(dirname "$0")/lib.sh"
RATES=${RATES:-"100 500 1000 2000"}
DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-3s}

machine_header "overhead: latency added by flowhost to one chat call (open loop)"
start_fake
mkdir -p "$WORK/workflows"
cp "$BENCH_DIR/workflows/chat.yaml" "$BENCH_DIR/workflows/noop.yaml" "$WORK/workflows/"
start_flowhost "$WORK/workflows" --max-executions-in-flight 20000

# The direct path sends exactly the request flowhost sent (taken from the fake's request log).
loadgen --target "$FLOWHOST_TARGET" --workflow chat --concurrency 1 --warmup 0s --duration 200ms >/dev/null
direct_request_from_fake_log
echo "upstream body: $BODY"

echo
echo "| rate/s | path | ok/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors | flowhost CPU% | fake CPU% |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
declare -A P50 P99
for rate in $RATES; do
  for path in direct flowhost noop; do
    f0=$(proc_cpu_ticks "$FAKE_PID"); h0=$(proc_cpu_ticks "$FLOWHOST_PID"); t0=$(date +%s%N)
    if [[ $path == direct ]]; then
      out=$(loadgen "${DIRECT[@]}" --rate "$rate" --warmup "$WARMUP" --duration "$DURATION" --label "direct@$rate")
    else
      workflow=$( [[ $path == noop ]] && echo noop || echo chat )
      out=$(loadgen --target "$FLOWHOST_TARGET" --workflow "$workflow" --rate "$rate" --warmup "$WARMUP" \
              --duration "$DURATION" --label "$path@$rate")
    fi
    t1=$(date +%s%N); f1=$(proc_cpu_ticks "$FAKE_PID"); h1=$(proc_cpu_ticks "$FLOWHOST_PID")
    pct() { awk -v d="$1" -v hz="$CLK_TCK" -v ns="$(( t1 - t0 ))" 'BEGIN {printf "%.0f", d / hz * 1e9 / ns * 100}'; }
    hcpu=$( [[ $path != direct ]] && pct $(( h1 - h0 )) || echo - )
    ms() { awk -v us="$(jget "$out" "latency_us.$1")" 'BEGIN {printf "%.3f", us / 1000}'; }
    P50[$path]=$(jget "$out" latency_us.p50); P99[$path]=$(jget "$out" latency_us.p99)
    echo "| $rate | $path | $(jget "$out" throughput) | $(ms p50) | $(ms p90) | $(ms p99) | $(ms p999) | $(ms max) | $(( $(jget "$out" failed) + $(jget "$out" dropped) )) | $hcpu | $(pct $(( f1 - f0 ))) |"
    echo "$out" >>"$WORK/results.jsonl"
  done
  echo "| $rate | **added** | | **$(awk -v a="${P50[flowhost]}" -v b="${P50[direct]}" 'BEGIN {printf "%.0f us", a - b}')** | | **$(awk -v a="${P99[flowhost]}" -v b="${P99[direct]}" 'BEGIN {printf "%.0f us", a - b}')** | | | | | |"
  echo "| $rate | added beyond the gRPC round trip (flowhost - direct - noop) | | $(awk -v a="${P50[flowhost]}" -v b="${P50[direct]}" -v n="${P50[noop]}" 'BEGIN {printf "%.0f us", a - b - n}') | | | | | | | |"
done

echo
echo "closed-loop cross-check at 16 in flight (wrk -t1 -c16 straight at the fake; the load generator"
echo "through flowhost and direct):"
printf 'wrk.method = "POST"\nwrk.body = [[%s]]\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["Authorization"] = "Bearer %s"\n' \
  "$BODY" "$FAKE_KEY" >"$WORK/post.lua"
run wrk -t1 -c16 -d"${DURATION}" --latency -s "$WORK/post.lua" "$FAKE_URL/chat/completions" |
  grep -E 'Requests/sec|^ +(50|90|99)%'
out=$(loadgen "${DIRECT[@]}" --concurrency 16 --warmup "$WARMUP" --duration "$DURATION" --label direct-closed16)
echo "direct (loadgen):   $(jget "$out" throughput) ok/s, p50 $(jget "$out" latency_us.p50) us, p99 $(jget "$out" latency_us.p99) us"
out=$(loadgen --target "$FLOWHOST_TARGET" --workflow chat --concurrency 16 --warmup "$WARMUP" --duration "$DURATION" --label flowhost-closed16)
echo "flowhost (loadgen): $(jget "$out" throughput) ok/s, p50 $(jget "$out" latency_us.p50) us, p99 $(jget "$out" latency_us.p99) us"
