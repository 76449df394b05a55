#!/usr/bin/env bash
# throughput: executions per second at saturation (closed loop), for the one-node chat workflow
# and the 3-node pipeline (model list from the catalogue cache, a fallback router whose first
# route fails, a chat node), next to what the fake alone serves the same load generator (and wrk)
# at the same concurrency. Load generator, fake and server share the machine's cores; the load
# generator calls flowhost through gRPC completion queues polled by its own thread (--grpc-api cq),
# which costs it ~20 % less CPU per call than the callback API and leaves that to the server.
# GRPC_API=callback restores the callback client.
#
#   bench/scenarios/throughput.sh [BUILD_DIR]    env: CONCURRENCY="16 64 256" DURATION=15s WARMUP=3s
#   PERF=1 also records a CPU profile of flowhost during the chat run at the first concurrency
#   (perf record -g; the report goes to stdout).
source "$(dirname "$0")/lib.sh"
CONCURRENCY=${CONCURRENCY:-"16 64 256"}
DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-3s}
GRPC_API=${GRPC_API:-cq}

machine_header "throughput: executions/s at saturation"
start_fake
mkdir -p "$WORK/workflows"
cp "$BENCH_DIR/workflows/chat.yaml" "$BENCH_DIR/workflows/pipeline.yaml" "$WORK/workflows/"
start_flowhost "$WORK/workflows" --max-executions-in-flight 20000
loadgen --target "$FLOWHOST_TARGET" --workflow chat --concurrency 1 --warmup 0s --duration 200ms >/dev/null
direct_request_from_fake_log
printf 'wrk.method = "POST"\nwrk.body = [[%s]]\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["Authorization"] = "Bearer %s"\n' \
  "$BODY" "$FAKE_KEY" >"$WORK/post.lua"

echo
echo "| in flight | what | ok/s | p50 ms | p99 ms | errors | upstream req/exec | flowhost CPU% | fake CPU% | loadgen CPU% |"
echo "|---|---|---|---|---|---|---|---|---|---|"
first=1
for c in $CONCURRENCY; do
  declare -A RPS=()
  for what in fake-wrk fake chat pipeline; do
    fake_reset
    f0=$(proc_cpu_ticks "$FAKE_PID"); h0=$(proc_cpu_ticks "$FLOWHOST_PID"); t0=$(date +%s%N)
    perf_pid=""
    if [[ -n "${PERF:-}" && $what == chat && $first == 1 ]]; then
      echo "+ perf record -F 999 -g -p $FLOWHOST_PID -o $WORK/perf.data" >&2
      perf record -F 999 -g -p "$FLOWHOST_PID" -o "$WORK/perf.data" >/dev/null 2>&1 &
      perf_pid=$!
    fi
    case $what in
      fake-wrk)
        w=$(run wrk -t1 -c"$c" -d"$DURATION" --latency -s "$WORK/post.lua" "$FAKE_URL/chat/completions")
        rps=$(awk '/Requests\/sec/ {print $2}' <<<"$w")
        p50=$(awk '$1 == "50%" {print $2}' <<<"$w"); p99=$(awk '$1 == "99%" {print $2}' <<<"$w")
        errors=$(awk '/Non-2xx/ {print $NF}' <<<"$w"); errors=${errors:-0}
        lcpu=-
        ;;
      *)
        if [[ $what == fake ]]; then
          out=$(loadgen "${DIRECT[@]}" --concurrency "$c" --warmup "$WARMUP" --duration "$DURATION" --label "fake@$c")
        else
          out=$(loadgen --target "$FLOWHOST_TARGET" --workflow "$what" --concurrency "$c" \
                  --grpc-api "$GRPC_API" --warmup "$WARMUP" --duration "$DURATION" --label "$what@$c")
        fi
        rps=$(jget "$out" throughput)
        p50=$(awk -v us="$(jget "$out" latency_us.p50)" 'BEGIN {printf "%.3fms", us / 1000}')
        p99=$(awk -v us="$(jget "$out" latency_us.p99)" 'BEGIN {printf "%.3fms", us / 1000}')
        errors=$(( $(jget "$out" failed) + $(jget "$out" unfinished) ))
        lcpu=$(jget "$out" client_cpu_percent)
        echo "$out" >>"$WORK/results.jsonl"
        ;;
    esac
    [[ -n "$perf_pid" ]] && { kill -INT "$perf_pid"; wait "$perf_pid" || true; }
    t1=$(date +%s%N); f1=$(proc_cpu_ticks "$FAKE_PID"); h1=$(proc_cpu_ticks "$FLOWHOST_PID")
    pct() { awk -v d="$1" -v hz="$CLK_TCK" -v ns="$(( t1 - t0 ))" 'BEGIN {printf "%.0f", d / hz * 1e9 / ns * 100}'; }
    per_exec=-
    if [[ $what == chat || $what == pipeline ]]; then
      requests=$(fake_stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
      per_exec=$(awk -v r="$requests" -v x="$(jget "$out" total_finished)" 'BEGIN {printf "%.2f", r / x}')
    fi
    hcpu=$( [[ $what == chat || $what == pipeline ]] && pct $(( h1 - h0 )) || echo - )
    RPS[$what]=$rps
    echo "| $c | $what | $rps | $p50 | $p99 | $errors | $per_exec | $hcpu | $(pct $(( f1 - f0 ))) | $lcpu |"
  done
  echo "| $c | **chat / fake (loadgen)** | **$(awk -v a="${RPS[chat]}" -v b="${RPS[fake]}" 'BEGIN {printf "%.2f", a / b}')** | | | | | | | |"
  echo "| $c | **chat / fake (wrk)** | **$(awk -v a="${RPS[chat]}" -v b="${RPS[fake-wrk]}" 'BEGIN {printf "%.2f", a / b}')** | | | | | | | |"
  first=0
done

if [[ -n "${PERF:-}" && -f "$WORK/perf.data" ]]; then
  echo
  echo "## perf report (flowhost during chat at $(awk '{print $1}' <<<"$CONCURRENCY") in flight), top symbols by self time"
  # (|| true: head closing the pipe early is not a failure)
  perf report -i "$WORK/perf.data" --no-children --sort dso,symbol --stdio -g none 2>/dev/null |
    grep -E '^ +[0-9]' | sed 's/  */ /g' | cut -c1-160 | head -40 || true
  echo
  echo "## by shared object"
  perf report -i "$WORK/perf.data" --no-children --sort dso --stdio -g none 2>/dev/null |
    grep -E '^ +[0-9]' | sed 's/  */ /g' | head -12 || true
fi
