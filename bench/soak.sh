#!/usr/bin/env bash
# soak: flowhost under hours-long mixed load with scripted upstream faults, watched for what it
# does not give back. Three open-loop load generators run side by side for DURATION against one
# `flowhost serve` and the fake OpenRouter:
#   soak_chat    RunWorkflow, two chat calls per execution, each to a healthy model or one of the
#                fake's faults (errors 402-503, malformed JSON, resets, hangs, heads without a body,
#                slow drips, generation errors, 8 MiB bodies), with retries and a 1 s timeout;
#   soak_router  RunWorkflow, router.fallback whose first route is often faulty (cool-downs, route
#                timeouts, fallbacks);
#   soak_stream  StreamWorkflow, a streamed chat call to a healthy or faulty model (drips,
#                mid-stream errors, resets, cut events).
# On top, every INCIDENT_EVERY an "incident" is scripted through the fake's control rules: the
# healthy model answers 503 for the next 300 requests, or 1.5 s late for the next 300.
#
# flowhost's RSS, open file descriptors and threads are sampled every SAMPLE_EVERY; the script
# prints the samples, then RSS and fds at the start (after a warm-up), at the end and at their
# peak, RSS growth over the run and over its second half, the calls by gRPC status code, and what
# the fake saw. Run it on the release build, under nice on a shared machine:
#
#   nice -n 19 bench/soak.sh [BUILD_DIR]   env: DURATION=30m CHAT_RATE=20 ROUTER_RATE=10
#                                              STREAM_RATE=8 SAMPLE_EVERY=10 INCIDENT_EVERY=300
source "$(dirname "$0")/scenarios/lib.sh"
DURATION=${DURATION:-30m}
CHAT_RATE=${CHAT_RATE:-20}
ROUTER_RATE=${ROUTER_RATE:-10}
STREAM_RATE=${STREAM_RATE:-8}
SAMPLE_EVERY=${SAMPLE_EVERY:-10}
INCIDENT_EVERY=${INCIDENT_EVERY:-300}

seconds_of() {  # 30m, 90s, 1h, 45 -> seconds
  local d=$1
  case $d in
    *h) echo $(( ${d%h} * 3600 )) ;;
    *m) echo $(( ${d%m} * 60 )) ;;
    *s) echo "${d%s}" ;;
    *) echo "$d" ;;
  esac
}
DURATION_S=$(seconds_of "$DURATION")

machine_header "soak: $DURATION of mixed load with scripted faults (chat $CHAT_RATE/s, router $ROUTER_RATE/s, stream $STREAM_RATE/s)"
echo "+ DURATION=$DURATION CHAT_RATE=$CHAT_RATE ROUTER_RATE=$ROUTER_RATE STREAM_RATE=$STREAM_RATE SAMPLE_EVERY=$SAMPLE_EVERY INCIDENT_EVERY=$INCIDENT_EVERY bench/soak.sh $BUILD_DIR"
mkdir -p "$WORK/workflows"
for workflow in soak_chat soak_router soak_stream; do
  cp "$BENCH_DIR/workflows/$workflow.yaml" "$WORK/workflows/"
done
run "$FLOWHOST" validate "$WORK"/workflows/*.yaml >&2
start_fake --latency-ms 20
start_flowhost "$WORK/workflows"

# Warm-up: a minute of the same load, so that the start figures are the server's steady state
# (connections, caches, the allocator's arenas), not its empty start.
WARMUP_S=$(( DURATION_S < 600 ? DURATION_S / 10 : 60 ))
warm() {
  loadgen --target "$FLOWHOST_TARGET" --workflow "$1" --call "$2" --rate "$3" --warmup 0s \
    --duration "${WARMUP_S}s" --deadline 30s >/dev/null
}
warm soak_chat run "$CHAT_RATE" & w1=$!
warm soak_router run "$ROUTER_RATE" & w2=$!
warm soak_stream stream "$STREAM_RATE" & w3=$!
wait "$w1" "$w2" "$w3"  # not a bare `wait`: the fake is a child of this shell too

fds_of() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
rss0=$(proc_rss_kb "$FLOWHOST_PID"); fds0=$(fds_of "$FLOWHOST_PID"); threads0=$(proc_threads "$FLOWHOST_PID")
fake_reset

# Samples: seconds since the start, RSS kB, fds, threads.
( start=$(date +%s)
  while kill -0 "$FLOWHOST_PID" 2>/dev/null; do
    echo "$(( $(date +%s) - start )) $(proc_rss_kb "$FLOWHOST_PID") $(fds_of "$FLOWHOST_PID") $(proc_threads "$FLOWHOST_PID")"
    sleep "$SAMPLE_EVERY"
  done ) >"$WORK/samples.txt" 2>/dev/null &
STARTED_PIDS+=("$!")

# Incidents: the healthy model fails or slows down for a while, in turn.
( n=0
  while sleep "$INCIDENT_EVERY"; do
    if (( n % 2 == 0 )); then behavior='{"status": 503, "message": "soak incident: no provider"}'
    else behavior='{"latency_ms": 1500}'; fi
    curl -sf -X PUT "${FAKE_URL%/api/v1}/_control/rules" -H 'Content-Type: application/json' \
      -d "{\"rules\": [{\"model\": \"fake/ok\", \"times\": 300, \"behavior\": $behavior}]}" >/dev/null || true
    echo "$(date -u +%H:%M:%S) incident: fake/ok $behavior x300" >&2
    n=$(( n + 1 ))
  done ) &
STARTED_PIDS+=("$!")

chat=$WORK/chat.json router=$WORK/router.json stream=$WORK/stream.json
loadgen --target "$FLOWHOST_TARGET" --workflow soak_chat --rate "$CHAT_RATE" --warmup 0s \
  --duration "${DURATION_S}s" --deadline 30s --label soak_chat >"$chat" &
p1=$!
loadgen --target "$FLOWHOST_TARGET" --workflow soak_router --rate "$ROUTER_RATE" --warmup 0s \
  --duration "${DURATION_S}s" --deadline 30s --label soak_router >"$router" &
p2=$!
loadgen --target "$FLOWHOST_TARGET" --workflow soak_stream --call stream --rate "$STREAM_RATE" \
  --warmup 0s --duration "${DURATION_S}s" --deadline 30s --label soak_stream >"$stream" &
p3=$!
STARTED_PIDS+=("$p1" "$p2" "$p3")
# A server that dies ends the soak at once (its load generators would only count refusals).
while kill -0 "$p1" 2>/dev/null || kill -0 "$p2" 2>/dev/null || kill -0 "$p3" 2>/dev/null; do
  if ! kill -0 "$FLOWHOST_PID" 2>/dev/null; then
    echo "flowhost died $(awk 'END {print $1}' "$WORK/samples.txt") s into the soak; the end of its stderr:" >&2
    tail -n 20 "$WORK/flowhost.err" >&2
    exit 1
  fi
  sleep 1
done
wait "$p1" "$p2" "$p3"

# Once the load has stopped and every execution has ended (the fake has no request open): what is
# left.
for _ in $(seq 1 600); do
  [[ $(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["in_flight"])' "$(fake_stats)") == 0 ]] && break
  sleep 0.1
done
kill -0 "$FLOWHOST_PID" 2>/dev/null ||
  { echo "flowhost died during the soak; the end of its stderr:" >&2; tail -n 50 "$WORK/flowhost.err" >&2; exit 1; }
rss1=$(proc_rss_kb "$FLOWHOST_PID"); fds1=$(fds_of "$FLOWHOST_PID"); threads1=$(proc_threads "$FLOWHOST_PID")
stats=$(fake_stats)

echo
echo "## Samples (every ${SAMPLE_EVERY} s; one line a minute shown)"
echo
echo "| t (s) | RSS (MiB) | fds | threads |"
echo "|---:|---:|---:|---:|"
awk -v every="$SAMPLE_EVERY" 'NR == 1 || ($1 % 60) < every {printf "| %d | %.1f | %d | %d |\n", $1, $2 / 1024, $3, $4}' "$WORK/samples.txt"
echo
half=$(( DURATION_S / 2 ))
read -r rss_peak fds_peak < <(awk 'BEGIN {r = 0; f = 0} $2 > r {r = $2} $3 > f {f = $3} END {print r, f}' "$WORK/samples.txt")
rss_half=$(awk -v h="$half" '$1 >= h {print $2; exit}' "$WORK/samples.txt")
echo "## Summary"
echo
echo "| | start (after warm-up) | end (load stopped) | peak (sampled) |"
echo "|---|---:|---:|---:|"
echo "| RSS | $(awk -v k="$rss0" 'BEGIN {printf "%.1f MiB", k / 1024}') | $(awk -v k="$rss1" 'BEGIN {printf "%.1f MiB", k / 1024}') | $(awk -v k="$rss_peak" 'BEGIN {printf "%.1f MiB", k / 1024}') |"
echo "| open fds | $fds0 | $fds1 | $fds_peak |"
echo "| threads | $threads0 | $threads1 | |"
echo
echo "RSS growth over the run: $(awk -v a="$rss0" -v b="$rss1" 'BEGIN {printf "%+.1f MiB (%+.1f %%)", (b - a) / 1024, (b - a) * 100 / a}');" \
     "over its second half: $(awk -v a="${rss_half:-$rss0}" -v b="$rss1" 'BEGIN {printf "%+.1f MiB", (b - a) / 1024}')"
echo
echo "| workflow | call | calls | ok | failed | dropped | unfinished | codes | p50 (ms) | p99 (ms) |"
echo "|---|---|---:|---:|---:|---:|---:|---|---:|---:|"
for out in "$chat" "$router" "$stream"; do
  json=$(tail -n 1 "$out")
  echo "| $(jget "$json" label) | $(jget "$json" call) | $(jget "$json" measured) | $(jget "$json" ok) | $(jget "$json" failed) | $(jget "$json" dropped) | $(jget "$json" unfinished) | $(jget "$json" codes) | $(awk -v u="$(jget "$json" latency_us.p50)" 'BEGIN {printf "%.1f", u / 1000}') | $(awk -v u="$(jget "$json" latency_us.p99)" 'BEGIN {printf "%.1f", u / 1000}') |"
done
echo
echo "fake: $(python3 -c 'import json,sys; s=json.loads(sys.argv[1]); print(s["chat_requests"], "chat requests,", s["requests_aborted"], "aborted by the client,", s["connections_accepted"], "connections accepted,", s["connections_open"], "open at the end; statuses", json.dumps(s["status_counts"], sort_keys=True))' "$stats")"
