#!/usr/bin/env bash
# startup: time from process start (fork + exec of `flowhost serve`) to the standard gRPC health
# service answering SERVING, with 100 workflow files in the workflows directory, and the idle RSS
# once it serves. flowhost_probe starts the server itself and polls health every millisecond.
#
#   bench/scenarios/startup.sh [BUILD_DIR]       env: WORKFLOWS=100 RUNS=10
source "$(dirname "$0")/lib.sh"
WORKFLOWS=${WORKFLOWS:-100}
RUNS=${RUNS:-10}

machine_header "startup: $WORKFLOWS workflow files to SERVING"
start_fake
dir="$WORK/workflows"
mkdir -p "$dir"
# The three benchmark workflows in turn, each copy under its own name.
sources=("$BENCH_DIR/workflows/chat.yaml" "$BENCH_DIR/workflows/fallback.yaml" "$BENCH_DIR/workflows/pipeline.yaml")
for i in $(seq -w 1 "$WORKFLOWS"); do
  src=${sources[$(( 10#$i % 3 ))]}
  sed "s/^name: .*/name: wf-$i/" "$src" >"$dir/wf-$i.yaml"
done
echo "$(ls "$dir" | wc -l) files in the workflows directory"

echo
echo "| run | start to SERVING ms | RSS at SERVING MiB | idle RSS after 1 s MiB | threads |"
echo "|---|---|---|---|---|"
times=()
for run in $(seq 1 "$RUNS"); do
  start_flowhost "$dir"
  rss0=$(proc_rss_kb "$FLOWHOST_PID")
  sleep 1
  rss1=$(proc_rss_kb "$FLOWHOST_PID"); threads=$(proc_threads "$FLOWHOST_PID")
  times+=("$FLOWHOST_START_MS")
  echo "| $run | $FLOWHOST_START_MS | $(awk -v k="$rss0" 'BEGIN {printf "%.1f", k / 1024}') | $(awk -v k="$rss1" 'BEGIN {printf "%.1f", k / 1024}') | $threads |"
  # One workflow of each kind answers, so the 100 files were really loaded.
  if [[ $run == 1 ]]; then
    out=$(loadgen --target "$FLOWHOST_TARGET" --workflow wf-001 --concurrency 1 --warmup 0s --duration 100ms)
    [[ $(jget "$out" failed) == 0 && $(jget "$out" ok) -gt 0 ]] || { echo "wf-001 does not run: $out" >&2; exit 1; }
    after=$(proc_rss_kb "$FLOWHOST_PID")
    echo "(after serving a few executions: RSS $(awk -v k="$after" 'BEGIN {printf "%.1f", k / 1024}') MiB)"
  fi
  stop_pid "$FLOWHOST_PID"
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
echo
echo "start to SERVING over $RUNS runs: min $(head -1 <<<"$sorted") ms, median $(sed -n "$(( (RUNS + 1) / 2 ))p" <<<"$sorted") ms, max $(tail -1 <<<"$sorted") ms"
