#!/usr/bin/env bash
# remote_ab: a one-node workflow with its node built in, and remote on a worker over gRPC, side by
# side in one run, on one server:
#   A  noop: the built-in noop (bench/workflows/noop.yaml);
#   B  test.noop on the minimal C++ worker (tests/remote/test_worker.cc), one connection;
#   C  bench.py_noop on the Python SDK (bench/remote/python_noop_worker.py), one connection;
#   U  test.noop on the same C++ worker program dialling a Unix-domain socket: a second server,
#      alike but for `remote.listen: unix:PATH` (a server has one worker address), so B − U is what
#      the TCP loopback stack costs the remote hop;
#   F  the floor of one more process on the path: relay_floor (bench/floor/) answering RunWorkflow
#      at once, so one gRPC round trip between two processes and nothing else (left out when the
#      relay_floor target is not built). B − A cannot be much below F's latency: a remote node adds
#      one such round trip (a message each way on the worker's stream) to A's path.
# Rounds rotate the sides' order; each measures, per side, executions/s and the server's CPU per
# execution closed-loop at CONCURRENCY in flight (for B and C: the items/s one worker connection
# carries, one item per assignment), and latency p50/p99 open-loop at RATE/s. Medians and the ratios
# to A are printed last. B's and C's CPU counts their worker's process with the server's (the
# items section likewise, for both of its sides: the C++ worker idles during A).
# Then the items/s one worker connection carries when a node run holds ITEMS items (split_out, then
# the node: one assignment of ITEMS items), closed-loop at CONCURRENCY, against the built-in noop
# run the same way, in rounds of alternating order.
#
#   bench/scenarios/remote_ab.sh BUILD_DIR          e.g. build/release
#     env: ROUNDS=5 CONCURRENCY=16 RATE=1000 DURATION=5s WARMUP=1s  CPP_CREDITS=1024 PY_CREDITS=64
#          ITEMS=64  SIDES_OVERRIDE="A B F" (the sides measured in the rounds; default all)
#          UDS=0 leaves side U out
#   needs the targets flowhost fake_openrouter flowhost_loadgen flowhost_probe remote_test_worker
#   (and relay_floor for side F)
source "$(dirname "$0")/lib.sh"
ab_settings
WORKER=${WORKER:-$BUILD_DIR/tests/remote/remote_test_worker}
[ -x "$WORKER" ] || { echo "no $WORKER: cmake --build $BUILD_DIR --target remote_test_worker" >&2; exit 2; }

machine_header "remote_ab: built-in noop (A), remote noop on the C++ worker (B), on the Python worker (C)"
start_fake
mkdir -p "$WORK/workflows" "$WORK/schemas"
cp "$BENCH_DIR/workflows/noop.yaml" "$BENCH_DIR/workflows/remote/remote-noop.yaml" \
   "$BENCH_DIR/workflows/remote/python-noop.yaml" "$BENCH_DIR/workflows/remote/noop-items.yaml" \
   "$BENCH_DIR/workflows/remote/remote-noop-items.yaml" "$WORK/workflows/"
"$WORKER" --write-schemas "$WORK/schemas"
REMOTE_PORT=$(free_port)
# The C++ worker offers all its test types, so all are declared.
{
  printf 'remote:\n  listen: 127.0.0.1:%s\n  types:\n' "$REMOTE_PORT"
  for schema in "$WORK"/schemas/*.schema.json; do
    printf '    %s: {schema_file: %s}\n' "$(basename "$schema" .schema.json)" "$schema"
  done
  printf '    bench.py_noop: {schema_file: %s}\n' "$BENCH_DIR/remote/py_noop.schema.json"
} >"$WORK/host.yaml"
start_flowhost "$WORK/workflows" --config "$WORK/host.yaml" --max-executions-in-flight 20000

# Started directly, not through run(): $! must be the worker's own pid, which the exit trap stops
# (a backgrounded function is a subshell, and stopping it would leave the worker running).
CPP_CMD=("$WORKER" --address "127.0.0.1:$REMOTE_PORT" --id cpp-noop --credits "${CPP_CREDITS:-1024}")
echo "+ $(printf '%q ' "${CPP_CMD[@]}")" >&2
"${CPP_CMD[@]}" >"$WORK/cpp-worker.out" 2>"$WORK/cpp-worker.err" &
STARTED_PIDS+=("$!")
wait_for_line "$WORK/cpp-worker.out" CONNECTED "$!" >/dev/null
CPP_PID=$!
PY_CMD=(/usr/bin/python3 "$BENCH_DIR/remote/python_noop_worker.py" --address "127.0.0.1:$REMOTE_PORT"
        --credits "${PY_CREDITS:-64}")
echo "+ $(printf '%q ' "${PY_CMD[@]}")" >&2
"${PY_CMD[@]}" >"$WORK/py-worker.out" 2>"$WORK/py-worker.err" &
STARTED_PIDS+=("$!")
PY_PID=$!
wait_for_line "$WORK/py-worker.out" CONNECTED "$!" >/dev/null
"$FLOWHOST" workers --target "$FLOWHOST_TARGET"
if [[ "${UDS:-1}" != 0 ]]; then
  # Side U's server: the same configuration but for the worker address, a socket in $WORK.
  UDS_ADDRESS="unix:$WORK/workers.sock"
  sed "s|listen: 127.0.0.1:$REMOTE_PORT|listen: $UDS_ADDRESS|" "$WORK/host.yaml" >"$WORK/host-uds.yaml"
  main_server=("$FLOWHOST_PID" "$FLOWHOST_PORT" "$FLOWHOST_TARGET" "$FLOWHOST_START_MS")
  start_flowhost "$WORK/workflows" --config "$WORK/host-uds.yaml" --max-executions-in-flight 20000
  UDS_SERVER_PID=$FLOWHOST_PID; UDS_TARGET=$FLOWHOST_TARGET
  read -r FLOWHOST_PID FLOWHOST_PORT FLOWHOST_TARGET FLOWHOST_START_MS <<<"${main_server[*]}"
  UDS_CMD=("$WORKER" --address "$UDS_ADDRESS" --id cpp-noop-uds --credits "${CPP_CREDITS:-1024}")
  echo "+ $(printf '%q ' "${UDS_CMD[@]}")" >&2
  "${UDS_CMD[@]}" >"$WORK/uds-worker.out" 2>"$WORK/uds-worker.err" &
  STARTED_PIDS+=("$!")
  UDS_WORKER_PID=$!
  wait_for_line "$WORK/uds-worker.out" CONNECTED "$!" >/dev/null
  echo "socket: $(stat -c '%A %n' "$WORK/workers.sock")"
  "$FLOWHOST" workers --target "$UDS_TARGET"
fi
# What the connected but idle workers cost every side (heartbeats, gRPC's own threads).
idle_s=5
s0=$(proc_cpu_ticks "$FLOWHOST_PID"); c0=$(proc_cpu_ticks "$CPP_PID"); p0=$(proc_cpu_ticks "$PY_PID")
sleep "$idle_s"
s1=$(proc_cpu_ticks "$FLOWHOST_PID"); c1=$(proc_cpu_ticks "$CPP_PID"); p1=$(proc_cpu_ticks "$PY_PID")
idle_pct() { awk -v t="$1" -v hz="$CLK_TCK" -v s="$idle_s" 'BEGIN { printf "%.1f", 100 * t / hz / s }'; }
echo "idle, % of one core over ${idle_s}s: server $(idle_pct $((s1 - s0))), C++ worker $(idle_pct $((c1 - c0))), Python worker $(idle_pct $((p1 - p0)))"

declare -A WORKFLOW_OF=([A]=noop [B]=remote-noop [C]=python-noop)
declare -A TARGET=([A]=$FLOWHOST_TARGET [B]=$FLOWHOST_TARGET [C]=$FLOWHOST_TARGET)
# B's and C's CPU per execution is the server's and their worker's together.
declare -A PID=([A]=$FLOWHOST_PID [B]="$FLOWHOST_PID $CPP_PID" [C]="$FLOWHOST_PID $PY_PID")
SIDES="A B C"
if [[ -n "${UDS_TARGET:-}" ]]; then
  WORKFLOW_OF[U]=remote-noop; TARGET[U]=$UDS_TARGET; PID[U]="$UDS_SERVER_PID $UDS_WORKER_PID"
  SIDES="A B C U"
fi
RELAY=${RELAY:-$BUILD_DIR/bench/relay_floor}
if [[ -x "$RELAY" ]]; then
  RELAY_TARGET="127.0.0.1:$(free_port)"
  start_probed relay "$RELAY_TARGET" "$RELAY" --listen "$RELAY_TARGET"
  WORKFLOW_OF[F]=noop; TARGET[F]=$RELAY_TARGET; PID[F]=$PROBED_PID
  SIDES="$SIDES F"
fi
# SIDES="A B U F" leaves the Python worker out of the rounds: at RATE it runs near its limit, and
# the backlog it leaves behind drains while the next side is measured.
SIDES=${SIDES_OVERRIDE:-$SIDES}
for side in $SIDES; do
  loadgen --target "$FLOWHOST_TARGET" --workflow "${WORKFLOW_OF[$side]}" --concurrency 4 --warmup 0s \
    --duration 500ms >/dev/null
done

AB_SIDES=$SIDES ab_rounds

# Items per node run: ITEMS items in one assignment.
ITEMS=${ITEMS:-64}
ITEMS_INPUT=$(python3 -c 'import json,sys; print(json.dumps({"items": list(range(int(sys.argv[1])))}))' "$ITEMS")
declare -A ITEMS_WORKFLOW=([A]=noop-items [B]=remote-noop-items)
echo
echo "Items per node run: $ITEMS (one assignment of $ITEMS items on side B), closed-loop at $CONCURRENCY in flight."
echo
echo "| round | side | exec/s | items/s | CPU µs/item |"
echo "|---|---|---|---|---|"
declare -A ITEM_SAMPLES
for round in $(seq 1 "$ROUNDS"); do
  sides="A B"; (( round % 2 == 0 )) && sides="B A"
  for side in $sides; do
    c0=$(procs_cpu_ticks "$FLOWHOST_PID" "$CPP_PID"); t0=$(date +%s%N)
    out=$(loadgen --target "$FLOWHOST_TARGET" --workflow "${ITEMS_WORKFLOW[$side]}" --input "$ITEMS_INPUT" \
            --concurrency "$CONCURRENCY" --warmup "$WARMUP" --duration "$DURATION" --label "$side@${ITEMS}items")
    c1=$(procs_cpu_ticks "$FLOWHOST_PID" "$CPP_PID"); t1=$(date +%s%N)
    rps=$(jget "$out" throughput)
    items=$(awk -v r="$rps" -v n="$ITEMS" 'BEGIN { printf "%.0f", r * n }')
    cpu=$(awk -v t=$((c1 - c0)) -v hz="$CLK_TCK" -v r="$rps" -v n="$ITEMS" -v ns=$((t1 - t0)) \
          'BEGIN { i = r * n * ns / 1e9; printf "%.1f", (i > 0) ? t / hz * 1e6 / i : 0 }')
    echo "| $round | $side | $rps | $items | $cpu |"
    ITEM_SAMPLES[$side.items]+="$items "; ITEM_SAMPLES[$side.cpu]+="$cpu "
  done
done
echo
echo "| median | items/s | CPU µs/item |"
echo "|---|---|---|"
for side in A B; do
  echo "| $side | $(median "${ITEM_SAMPLES[$side.items]}") | $(median "${ITEM_SAMPLES[$side.cpu]}") |"
done

# The workers after the run: every credit back and nothing in flight, or something leaked.
echo
"$FLOWHOST" workers --target "$FLOWHOST_TARGET"
