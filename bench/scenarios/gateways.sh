#!/usr/bin/env bash
# gateways: the ways into one flowhost, side by side in one run, for the one-node chat workflow
# against one fake upstream, driven by one load tool (flowhost_loadgen):
#   fake      the fake alone (HTTP), the floor
#   grpc      RunWorkflow over gRPC
#   http      POST /v1/workflows/chat:run, the HTTP/JSON listener
#   openai    POST /v1/chat/completions, the OpenAI-compatible endpoint (the model id goes to the
#             default workflow `chat`, whose `model` input gets it)
#   portkey   Portkey's gateway, single target, on the same fake (when PORTKEY_URL names a running
#             one, e.g. started by ../shared/peers/run-peers.sh portkey; loopback only)
# Rounds alternate the cases so drift in the machine's load hits all alike. Each round measures,
# per case, ok/s closed-loop at CONCURRENCY in flight and latency p50/p99 open-loop at RATE/s;
# then the medians and the ratios: http/grpc and openai/grpc throughput, the latency HTTP adds
# over gRPC, and openai/portkey.
#
#   bench/scenarios/gateways.sh [BUILD_DIR]
#     env: ROUNDS=5 CONCURRENCY=16 RATE=500 DURATION=5s WARMUP=1s
#          FAKE_URL (an OpenRouter base URL to use instead of starting the project's fake; the
#          peers' fake for the Portkey comparison: http://127.0.0.1:18080/api/v1)
#          PORTKEY_URL (e.g. http://127.0.0.1:8787), PORTKEY_CONFIG (default
#          ../shared/peers/portkey-config-single.json)
source "$(dirname "$0")/lib.sh"
ROUNDS=${ROUNDS:-5}
CONCURRENCY=${CONCURRENCY:-16}
RATE=${RATE:-500}
DURATION=${DURATION:-5s}
WARMUP=${WARMUP:-1s}
PORTKEY_URL=${PORTKEY_URL:-}
PORTKEY_CONFIG=${PORTKEY_CONFIG:-$REPO_DIR/../shared/peers/portkey-config-single.json}

machine_header "gateways: gRPC, HTTP/JSON, OpenAI endpoint (and Portkey) against one fake"
[[ -n "${FAKE_URL:-}" ]] || start_fake
mkdir -p "$WORK/workflows"
cp "$BENCH_DIR/workflows/chat.yaml" "$WORK/workflows/"
HTTP_PORT=$(free_port)
start_flowhost "$WORK/workflows" --max-executions-in-flight 20000 \
  --http-listen "127.0.0.1:$HTTP_PORT" --openai-default-workflow chat
HTTP="http://127.0.0.1:$HTTP_PORT"
MODEL="fake/ok"
QUESTION="Summarise the benefits of loopback benchmarking in one sentence."
INPUT="{\"model\":\"$MODEL\"}"
CHAT_BODY='{"model":"'$MODEL'","stream":false,"messages":[{"role":"system","content":"You are a terse assistant."},{"role":"user","content":"'$QUESTION'"}]}'
JSON=(--header "Content-Type: application/json")

CASES="fake grpc http openai"
if [[ -n "$PORTKEY_URL" ]]; then
  [[ -f "$PORTKEY_CONFIG" ]] || { echo "no Portkey config at $PORTKEY_CONFIG" >&2; exit 1; }
  PK_CONFIG=$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1])), separators=(",", ":")))' "$PORTKEY_CONFIG")
  CASES+=" portkey"
else
  echo "PORTKEY_URL unset: Portkey skipped (start it with ../shared/peers/run-peers.sh portkey, FAKE_URL at the peers' fake)"
fi

run_case() {
  local name=$1; shift
  case $name in
    fake) loadgen --url "$FAKE_URL/chat/completions" "${JSON[@]}" \
            --header "Authorization: Bearer $FAKE_KEY" --body "$CHAT_BODY" "$@" ;;
    grpc) loadgen --target "$FLOWHOST_TARGET" --workflow chat --input "$INPUT" "$@" ;;
    http) loadgen --url "$HTTP/v1/workflows/chat:run" "${JSON[@]}" \
            --body "{\"input\":$INPUT}" "$@" ;;
    openai) loadgen --url "$HTTP/v1/chat/completions" "${JSON[@]}" --body "$CHAT_BODY" "$@" ;;
    portkey) loadgen --url "$PORTKEY_URL/v1/chat/completions" "${JSON[@]}" \
               --header "Authorization: Bearer sk-fake-not-used" \
               --header "x-portkey-config: $PK_CONFIG" --body "$CHAT_BODY" "$@" ;;
  esac
}
for name in $CASES; do  # warm-up, and a check that every case answers
  out=$(run_case "$name" --concurrency 4 --warmup 0s --duration 500ms --label "$name warm-up")
  [[ "$(jget "$out" failed)" == 0 ]] || { echo "$name fails: $out" >&2; exit 1; }
done

echo
echo "| round | case | ok/s at $CONCURRENCY in flight | p50 µs at $RATE/s | p99 µs at $RATE/s | errors |"
echo "|---|---|---|---|---|---|"
declare -A SAMPLES
for round in $(seq 1 "$ROUNDS"); do
  for name in $CASES; do
    out=$(run_case "$name" --concurrency "$CONCURRENCY" --warmup "$WARMUP" --duration "$DURATION" \
            --label "$name@$CONCURRENCY")
    lat=$(run_case "$name" --rate "$RATE" --warmup "$WARMUP" --duration "$DURATION" \
            --label "$name@${RATE}/s")
    rps=$(jget "$out" throughput); p50=$(jget "$lat" latency_us.p50); p99=$(jget "$lat" latency_us.p99)
    errors=$(( $(jget "$out" failed) + $(jget "$lat" failed) ))
    echo "| $round | $name | $rps | $p50 | $p99 | $errors |"
    SAMPLES[$name.rps]+="$rps "; SAMPLES[$name.p50]+="$p50 "; SAMPLES[$name.p99]+="$p99 "
  done
done

median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
echo
echo "| median | ok/s | p50 µs | p99 µs |"
echo "|---|---|---|---|"
declare -A MED
for name in $CASES; do
  for k in rps p50 p99; do MED[$name.$k]=$(median "${SAMPLES[$name.$k]}"); done
  echo "| $name | ${MED[$name.rps]} | ${MED[$name.p50]} | ${MED[$name.p99]} |"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }
echo
echo "- throughput http/grpc $(ratio "${MED[http.rps]}" "${MED[grpc.rps]}"), openai/grpc $(ratio "${MED[openai.rps]}" "${MED[grpc.rps]}")" \
     "$( [[ -n "$PORTKEY_URL" ]] && echo ", openai/portkey $(ratio "${MED[openai.rps]}" "${MED[portkey.rps]}")")"
echo "- latency HTTP adds over gRPC at $RATE/s: p50 $(( ${MED[http.p50]%.*} - ${MED[grpc.p50]%.*} )) µs," \
     "p99 $(( ${MED[http.p99]%.*} - ${MED[grpc.p99]%.*} )) µs; the OpenAI endpoint adds p50" \
     "$(( ${MED[openai.p50]%.*} - ${MED[grpc.p50]%.*} )) µs"
