#!/usr/bin/env bash
# async_executions: background executions (StartWorkflow) and the execution store (issue 15).
#
#  1. StartWorkflow to first node started, p50/p99: one server on SQLite, then one on PostgreSQL,
#     LATENCY_COUNT executions of the chat workflow sent open loop at RATE/s (async_bench --latency:
#     the call's send time to the first node's recorded start, one machine, one clock).
#  2. Executions per second on PostgreSQL: COUNT executions sent closed loop with CONCURRENCY
#     StartWorkflow calls in flight, round-robin over one replica and then over two replicas on the
#     same database (each run on a fresh database), ROUNDS rounds alternating; medians. The time
#     runs from the first call to the moment no execution is queued or running any more.
#  3. The store's size per SIZE_COUNT (10,000) chat executions: the SQLite file (after the
#     server's clean stop), and pg_total_relation_size of the store's tables on PostgreSQL.
#
# PostgreSQL is Debian's postgresql-15 (.ci/setup installs it), started here in a temporary
# directory on a unix socket with its default durability (fsync on, synchronous_commit on), as
# `nobody` when run as root; SQLite runs with the store's defaults (synchronous=normal).
#
#   bench/scenarios/async_executions.sh BUILD_DIR
#     env: ROUNDS=3 COUNT=3000 CONCURRENCY=32 RATE=50 LATENCY_COUNT=500 SIZE_COUNT=10000
#          WORKFLOW=chat (one of bench/workflows; pipeline has three nodes)
#   needs the targets flowhost fake_openrouter flowhost_loadgen flowhost_probe async_bench
source "$(dirname "$0")/lib.sh"
ROUNDS=${ROUNDS:-3}
COUNT=${COUNT:-3000}
CONCURRENCY=${CONCURRENCY:-32}
RATE=${RATE:-50}
LATENCY_COUNT=${LATENCY_COUNT:-500}
SIZE_COUNT=${SIZE_COUNT:-10000}
WORKFLOW=${WORKFLOW:-chat}
ASYNC_BENCH=${ASYNC_BENCH:-$BUILD_DIR/bench/async_bench}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
[[ -x "$ASYNC_BENCH" ]] || { echo "missing $ASYNC_BENCH: cmake --build $BUILD_DIR --target async_bench" >&2; exit 1; }
[[ -x "$PG_BIN/postgres" ]] || { echo "PostgreSQL 15 is not installed ($PG_BIN): run .ci/setup" >&2; exit 1; }

# PostgreSQL in a directory of its own (the server user must reach it; $WORK is private).
PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/flowhost-bench-pg.XXXXXX")
chmod 755 "$PG_DIR"
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u nobody -- "$@"; else "$@"; fi; }
[[ $(id -u) -eq 0 ]] && chown nobody "$PG_DIR"
pg_cleanup() {
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -m fast stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
  bench_cleanup
}
trap pg_cleanup EXIT
run as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U flowhost --auth=trust -E UTF8 >/dev/null
run as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -l "$PG_DIR/log" \
  -o "-k $PG_DIR -c listen_addresses= -p 5432 -c max_connections=50" start >/dev/null
psql_on() { local db=$1; shift; "$PG_BIN/psql" -h "$PG_DIR" -p 5432 -U flowhost -d "$db" -Atq "$@"; }
DB_SERIAL=0
# new_database: a fresh, empty database; sets PG_URL.
new_database() {
  DB_SERIAL=$((DB_SERIAL + 1))
  PG_DB="bench$DB_SERIAL"
  psql_on postgres -c "CREATE DATABASE $PG_DB"
  PG_URL="host=$PG_DIR port=5432 user=flowhost dbname=$PG_DB"
}

async_bench() {
  echo "+ $(printf '%q ' "$ASYNC_BENCH" "$@")" >&2
  "$ASYNC_BENCH" "$@"
}
median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }

machine_header "async_executions: StartWorkflow on SQLite and PostgreSQL, replicas, store size"
echo "postgres: $("$PG_BIN/postgres" --version); workflow=$WORKFLOW count=$COUNT concurrency=$CONCURRENCY rate=$RATE/s" \
     "latency_count=$LATENCY_COUNT size_count=$SIZE_COUNT rounds=$ROUNDS"
start_fake
mkdir -p "$WORK/workflows"
cp "$BENCH_DIR/workflows/"*.yaml "$WORK/workflows/"

echo
echo "## 1. StartWorkflow to first node started (open loop, $RATE/s, $LATENCY_COUNT executions)"
start_flowhost "$WORK/workflows" --store sqlite --data-dir "$WORK/latency-sqlite"
async_bench --targets "$FLOWHOST_TARGET" --workflow "$WORKFLOW" --count 50 --concurrency 4 >/dev/null
SQLITE_LATENCY=$(async_bench --targets "$FLOWHOST_TARGET" --workflow "$WORKFLOW" --count "$LATENCY_COUNT" \
  --concurrency 8 --rate "$RATE" --latency)
stop_pid "$FLOWHOST_PID"
new_database
start_flowhost "$WORK/workflows" --store postgres --store-url "$PG_URL"
async_bench --targets "$FLOWHOST_TARGET" --workflow "$WORKFLOW" --count 50 --concurrency 4 >/dev/null
PG_LATENCY=$(async_bench --targets "$FLOWHOST_TARGET" --workflow "$WORKFLOW" --count "$LATENCY_COUNT" \
  --concurrency 8 --rate "$RATE" --latency)
stop_pid "$FLOWHOST_PID"
printf '%-12s %18s %18s %14s\n' store first_node_p50_ms first_node_p99_ms call_p50_ms
for side in sqlite postgres; do
  json=$SQLITE_LATENCY; [[ $side == postgres ]] && json=$PG_LATENCY
  printf '%-12s %18s %18s %14s\n' "$side" "$(jget "$json" first_node_p50_ms)" \
    "$(jget "$json" first_node_p99_ms)" "$(jget "$json" call_p50_ms)"
done

echo
echo "## 2. executions/s on PostgreSQL ($COUNT executions, $CONCURRENCY StartWorkflow calls in flight)"
declare -A RATES=([1]="" [2]="")
for round in $(seq 1 "$ROUNDS"); do
  order="1 2"; (( round % 2 == 0 )) && order="2 1"
  for replicas in $order; do
    new_database
    targets=()
    pids=()
    for _ in $(seq 1 "$replicas"); do
      start_flowhost "$WORK/workflows" --store postgres --store-url "$PG_URL" \
        --store-replicas "$replicas"
      targets+=("$FLOWHOST_TARGET")
      pids+=("$FLOWHOST_PID")
    done
    joined=$(IFS=,; echo "${targets[*]}")
    async_bench --targets "$joined" --workflow "$WORKFLOW" --count 50 --concurrency 4 >/dev/null
    json=$(async_bench --targets "$joined" --workflow "$WORKFLOW" --count "$COUNT" \
      --concurrency "$CONCURRENCY")
    echo "round $round, $replicas replica(s): $(jget "$json" exec_per_s) exec/s" \
         "($(jget "$json" queued_replies) of $COUNT queued at their replica's limit)"
    RATES[$replicas]+="$(jget "$json" exec_per_s) "
    for pid in "${pids[@]}"; do stop_pid "$pid"; done
  done
done
for replicas in 1 2; do
  echo "median, $replicas replica(s): $(tr ' ' '\n' <<<"${RATES[$replicas]}" | grep . | median) exec/s"
done

echo
echo "## 3. the store's size after $SIZE_COUNT $WORKFLOW executions"
start_flowhost "$WORK/workflows" --store sqlite --data-dir "$WORK/size-sqlite"
async_bench --targets "$FLOWHOST_TARGET" --workflow "$WORKFLOW" --count "$SIZE_COUNT" \
  --concurrency "$CONCURRENCY" >/dev/null
stop_pid "$FLOWHOST_PID"
sqlite_bytes=$(du -cb "$WORK/size-sqlite/"flowhost.db* | tail -1 | cut -f1)
echo "sqlite: $sqlite_bytes bytes (flowhost.db and any -wal/-shm left after a clean stop)"
new_database
start_flowhost "$WORK/workflows" --store postgres --store-url "$PG_URL"
async_bench --targets "$FLOWHOST_TARGET" --workflow "$WORKFLOW" --count "$SIZE_COUNT" \
  --concurrency "$CONCURRENCY" >/dev/null
stop_pid "$FLOWHOST_PID"
psql_on "$PG_DB" -c "VACUUM ANALYZE"
for table in executions execution_nodes execution_events execution_timers; do
  echo "postgres $table: $(psql_on "$PG_DB" -c "SELECT pg_total_relation_size('$table')") bytes"
done
echo "postgres total: $(psql_on "$PG_DB" -c "SELECT pg_total_relation_size('executions') + \
pg_total_relation_size('execution_nodes') + pg_total_relation_size('execution_events') + \
pg_total_relation_size('execution_timers')") bytes (pg_total_relation_size: tables, indexes, TOAST)"
