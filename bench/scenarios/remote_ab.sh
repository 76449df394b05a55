#!/usr/bin/env bash
# remote_ab: a one-node workflow with its node built in, and remote on a worker over gRPC, side by
# side in one run, on one server:
#   A  noop: the built-in noop (bench/workflows/noop.yaml);
#   B  test.noop on the minimal C++ worker (tests/remote/test_worker.cc), one connection;
#   C  bench.py_noop on the Python SDK (bench/remote/python_noop_worker.py), one connection.
# Rounds rotate the sides' order; each measures, per side, executions/s and the server's CPU per
# execution closed-loop at CONCURRENCY in flight (for B and C: the items/s one worker connection
# carries, one item per assignment), and latency p50/p99 open-loop at RATE/s. Medians and the ratios
# to A are printed last.
#
#   bench/scenarios/remote_ab.sh BUILD_DIR          e.g. build/release
#     env: ROUNDS=5 CONCURRENCY=16 RATE=1000 DURATION=5s WARMUP=1s  CPP_CREDITS=1024 PY_CREDITS=64
#   needs the targets flowhost fake_openrouter flowhost_loadgen flowhost_probe remote_test_worker
source "$(dirname "$0")/lib.sh"
ab_settings
WORKER=${WORKER:-$BUILD_DIR/tests/remote/remote_test_worker}
[ -x "$WORKER" ] || { echo "no $WORKER: cmake --build $BUILD_DIR --target remote_test_worker" >&2; exit 2; }

machine_header "remote_ab: built-in noop (A), remote noop on the C++ worker (B), on the Python worker (C)"
start_fake
mkdir -p "$WORK/workflows" "$WORK/schemas"
cp "$BENCH_DIR/workflows/noop.yaml" "$BENCH_DIR/workflows/remote/remote-noop.yaml" \
   "$BENCH_DIR/workflows/remote/python-noop.yaml" "$WORK/workflows/"
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

run "$WORKER" --address "127.0.0.1:$REMOTE_PORT" --id cpp-noop --credits "${CPP_CREDITS:-1024}" \
  >"$WORK/cpp-worker.out" 2>"$WORK/cpp-worker.err" &
STARTED_PIDS+=("$!")
wait_for_line "$WORK/cpp-worker.out" CONNECTED "$!" >/dev/null
run /usr/bin/python3 "$BENCH_DIR/remote/python_noop_worker.py" --address "127.0.0.1:$REMOTE_PORT" \
  --credits "${PY_CREDITS:-64}" >"$WORK/py-worker.out" 2>"$WORK/py-worker.err" &
STARTED_PIDS+=("$!")
wait_for_line "$WORK/py-worker.out" CONNECTED "$!" >/dev/null
"$FLOWHOST" workers --target "$FLOWHOST_TARGET"

declare -A WORKFLOW_OF=([A]=noop [B]=remote-noop [C]=python-noop)
declare -A TARGET=([A]=$FLOWHOST_TARGET [B]=$FLOWHOST_TARGET [C]=$FLOWHOST_TARGET)
declare -A PID=([A]=$FLOWHOST_PID [B]=$FLOWHOST_PID [C]=$FLOWHOST_PID)
for side in A B C; do
  loadgen --target "$FLOWHOST_TARGET" --workflow "${WORKFLOW_OF[$side]}" --concurrency 4 --warmup 0s \
    --duration 500ms >/dev/null
done

AB_SIDES="A B C" ab_rounds
