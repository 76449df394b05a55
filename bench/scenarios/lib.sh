# Shared by the scenario scripts (sourced, not run): finding the binaries, starting the fake
# OpenRouter and `flowhost serve` on free loopback ports, measuring processes, and stopping
# everything this script started when it exits (trap), whatever happens.
#
# Every scenario takes the build directory as its first argument (default: $BUILD_DIR, else
# build/release; configure it with -DCMAKE_BUILD_TYPE=RelWithDebInfo, e.g. `cmake --preset
# release`) and needs the targets: flowhost fake_openrouter flowhost_loadgen flowhost_probe.
# Everything it runs is echoed with a leading "+ " so a figure can be reproduced by pasting.

set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
BUILD_DIR=${1:-${BUILD_DIR:-build/release}}
BUILD_DIR=$(cd "$BUILD_DIR" 2>/dev/null && pwd) || { echo "no build directory '$BUILD_DIR'" >&2; exit 1; }
# Each binary can be overridden (FLOWHOST=... etc.), e.g. to compare two builds of the server.
FLOWHOST=${FLOWHOST:-$BUILD_DIR/flowhost}
FAKE=${FAKE:-$BUILD_DIR/tests/fake_openrouter/fake_openrouter}
LOADGEN=${LOADGEN:-$BUILD_DIR/bench/loadgen/flowhost_loadgen}
PROBE=${PROBE:-$BUILD_DIR/bench/flowhost_probe}
FAKE_KEY="sk-or-v1-fake"

for binary in "$FLOWHOST" "$FAKE" "$LOADGEN" "$PROBE"; do
  [[ -x "$binary" ]] || { echo "missing $binary: cmake --build $BUILD_DIR --target flowhost fake_openrouter flowhost_loadgen flowhost_probe" >&2; exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/flowhost-bench.XXXXXX")
STARTED_PIDS=()

bench_cleanup() {
  local pid
  for pid in "${STARTED_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${STARTED_PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  [[ -n "${KEEP_WORK:-}" ]] && echo "work files kept in $WORK" >&2 || rm -rf "$WORK"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

# Echoes a command, then runs it.
run() {
  echo "+ $(printf '%q ' "$@")" >&2
  "$@"
}

# Prints a loopback TCP port nobody listens on.
free_port() {
  local port
  while :; do
    port=$(( 20000 + RANDOM % 12000 ))
    [[ -z "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]] && { echo "$port"; return; }
  done
}

# Waits until FILE has a line starting with PREFIX; prints the line's second word.
wait_for_line() {
  local file=$1 prefix=$2 pid=$3
  for _ in $(seq 1 300); do
    if grep -q "^$prefix " "$file" 2>/dev/null; then
      awk -v p="$prefix" '$1 == p {print $2; exit}' "$file"
      return
    fi
    kill -0 "$pid" 2>/dev/null || { echo "process $pid died:" >&2; cat "$file" >&2; return 1; }
    sleep 0.1
  done
  echo "timed out waiting for '$prefix' in $file" >&2
  return 1
}

# start_fake [ARGS...]: the project's fake OpenRouter on a free port. Sets FAKE_PID, FAKE_PORT,
# FAKE_URL (the API base URL).
start_fake() {
  echo "+ $(printf '%q ' "$FAKE" --port 0 "$@")" >&2
  "$FAKE" --port 0 "$@" >"$WORK/fake.out" 2>"$WORK/fake.err" &
  FAKE_PID=$!
  STARTED_PIDS+=("$FAKE_PID")
  FAKE_PORT=$(wait_for_line "$WORK/fake.out" LISTENING "$FAKE_PID")
  FAKE_URL="http://127.0.0.1:$FAKE_PORT/api/v1"
}

# start_h2_front: Debian's nghttpx in front of the fake, speaking TLS + HTTP/2 (as OpenRouter does)
# on a free port with a throw-away certificate; HTTP/1.1 to the fake behind it. Sets H2_URL (the
# API base URL through it) and H2_CA (the certificate to trust: flowhost's --http-ca-file).
start_h2_front() {
  command -v nghttpx >/dev/null || { echo "start_h2_front: nghttpx missing (apt-get install nghttp2-proxy)" >&2; return 1; }
  H2_CA="$WORK/h2-cert.pem"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout "$WORK/h2-key.pem" -out "$H2_CA" \
    >/dev/null 2>&1
  local port; port=$(free_port)
  local cmd=(nghttpx --conf=/dev/null "--frontend=127.0.0.1,$port" "--backend=127.0.0.1,$FAKE_PORT"
             --workers=1 --no-ocsp --backend-connections-per-host=20000 --rlimit-nofile=65536
             "--errorlog-file=$WORK/nghttpx.log" "$WORK/h2-key.pem" "$H2_CA")
  echo "+ $(printf '%q ' "${cmd[@]}")" >&2
  "${cmd[@]}" &
  STARTED_PIDS+=("$!")
  for _ in $(seq 1 100); do
    grep -q "Listening on" "$WORK/nghttpx.log" 2>/dev/null && break
    sleep 0.1
  done
  grep -q "Listening on" "$WORK/nghttpx.log" || { cat "$WORK/nghttpx.log" >&2; return 1; }
  H2_URL="https://127.0.0.1:$port/api/v1"
}

# fake_stats: GET /_control/stats of the fake at FAKE_URL's origin.
fake_stats() { curl -sf "${FAKE_URL%/api/v1}/_control/stats"; }
fake_reset() { curl -sf -X POST "${FAKE_URL%/api/v1}/_control/stats/reset" >/dev/null; }

# start_probed NAME TARGET CMD...: runs CMD (a gRPC server listening on TARGET) with the fake's
# key in OPENROUTER_API_KEY under the probe, which waits until its health is SERVING. Sets
# PROBED_PID and PROBED_START_MS; the server's stderr goes to $WORK/NAME.err.
start_probed() {
  local name=$1 target=$2; shift 2
  echo "+ OPENROUTER_API_KEY=$FAKE_KEY $(printf '%q ' "$@")" >&2
  OPENROUTER_API_KEY=$FAKE_KEY "$PROBE" --target "$target" --timeout 60s -- "$@" \
    >"$WORK/$name-probe.out" 2>"$WORK/$name.err" </dev/null || true
  PROBED_PID=$(awk '$1 == "PID" {print $2}' "$WORK/$name-probe.out")
  [[ -n "$PROBED_PID" ]] && STARTED_PIDS+=("$PROBED_PID")
  grep -q '^SERVING_MS ' "$WORK/$name-probe.out" ||
    { cat "$WORK/$name-probe.out" "$WORK/$name.err" >&2; return 1; }
  PROBED_START_MS=$(awk '$1 == "SERVING_MS" {print $2}' "$WORK/$name-probe.out")
}

# start_flowhost WORKFLOWS_DIR [FLAGS...]: `flowhost serve` on a free port against UPSTREAM_URL
# (default FAKE_URL), waits until its health is SERVING. Sets FLOWHOST_PID, FLOWHOST_PORT,
# FLOWHOST_TARGET, FLOWHOST_START_MS. The execution history is off (--store none) unless FLAGS
# turn it on (--store sqlite --data-dir DIR: the last --store wins).
start_flowhost() {
  local dir=$1; shift
  FLOWHOST_PORT=$(free_port)
  FLOWHOST_TARGET="127.0.0.1:$FLOWHOST_PORT"
  start_probed flowhost "$FLOWHOST_TARGET" "$FLOWHOST" serve --listen "$FLOWHOST_TARGET" \
    --workflows "$dir" --openrouter-base-url "${UPSTREAM_URL:-$FAKE_URL}" --log-level warning \
    --store none "$@" ||
    return 1
  FLOWHOST_PID=$PROBED_PID
  FLOWHOST_START_MS=$PROBED_START_MS
}

# direct_request_from_fake_log: sets BODY to the body of the last request the fake received (run
# one flowhost call first) and DIRECT to the load generator's flags that send that very request
# straight at the fake, so both paths send the upstream the same bytes.
direct_request_from_fake_log() {
  BODY=$(curl -sf "${FAKE_URL%/api/v1}/_control/requests?limit=1" |
         python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["body"])')
  DIRECT=(--url "$FAKE_URL/chat/completions" --header "Authorization: Bearer $FAKE_KEY"
          --header "Content-Type: application/json" --body "$BODY")
}

stop_pid() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

# loadgen ARGS...: the load generator with --json, echoed; prints its JSON line.
loadgen() {
  echo "+ $(printf '%q ' "$LOADGEN" "$@")" >&2
  "$LOADGEN" --json "$@" || [[ $? -eq 1 ]]  # 1: some calls failed; the JSON says which
}

# jget JSON PATH: a field of a JSON text (jq is not assumed; python3 is).
jget() { python3 -c 'import json,sys; v=json.loads(sys.argv[1]);
for k in sys.argv[2].split("."): v=v[k] if not isinstance(v,list) else v[int(k)]
print(json.dumps(v, separators=(",", ":")) if isinstance(v, (dict, list)) else round(v, 3) if isinstance(v, float) else v)' "$1" "$2"; }

# Process figures from /proc: resident memory now and at its peak (kB), threads, CPU ticks.
proc_rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
proc_hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
proc_threads() { awk '/^Threads:/ {print $2}' "/proc/$1/status"; }
proc_cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# The CPU ticks of several processes together (pids as separate arguments).
procs_cpu_ticks() { local pid total=0; for pid in "$@"; do total=$(( total + $(proc_cpu_ticks "$pid") )); done; echo "$total"; }
CLK_TCK=$(getconf CLK_TCK)

# Where and when: the header every scenario prints first.
machine_header() {
  echo "# $1"
  echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/^Mem:/ {print $2}') GiB;" \
       "load average $(cut -d' ' -f1-3 /proc/loadavg); commit $(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo '?')"
}

# ab_settings: the defaults the A/B scenarios share (each overridable from the environment):
# ROUNDS=5 CONCURRENCY=16 RATE=1000 DURATION=5s WARMUP=1s WORKFLOW=chat.
ab_settings() {
  ROUNDS=${ROUNDS:-5}
  CONCURRENCY=${CONCURRENCY:-16}
  RATE=${RATE:-1000}
  DURATION=${DURATION:-5s}
  WARMUP=${WARMUP:-1s}
  WORKFLOW=${WORKFLOW:-chat}
}

# ab_rounds: two sides, A and B, measured in alternating rounds so that drift in the machine's load
# hits both alike (ab.sh, plugin_ab.sh): A then B in odd rounds, B then A in even ones. Reads the associative arrays TARGET, PID and WORKFLOW_OF
# (keyed A and B: each side's gRPC target, server pid (or pids, space-separated, whose CPU counts
# together) and workflow) and ROUNDS, CONCURRENCY, RATE,
# DURATION, WARMUP. Each round measures, per side, executions/s and the server's CPU per execution
# closed-loop at CONCURRENCY in flight, and latency p50/p99 open-loop at RATE/s; prints every round,
# then the medians and the B/A ratios. AB_SIDES="A B C" measures more sides (each round rotates the
# order; every side is compared with A).
ab_rounds() {
  local all=(${AB_SIDES:-A B})
  echo
  echo "| round | side | exec/s at $CONCURRENCY in flight | CPU µs/exec | p50 µs at $RATE/s | p99 µs at $RATE/s |"
  echo "|---|---|---|---|---|---|"
  declare -A SAMPLES
  for round in $(seq 1 "$ROUNDS"); do
    # A B, then B A, so that neither side always runs second (an A/A run with a fixed order,
    # plugin_ab.sh CONTROL=1, measured the second slot 9 % slower).
    local rot=$(( (round - 1) % ${#all[@]} ))
    sides="${all[*]:$rot} ${all[*]:0:$rot}"
    for side in $sides; do
      c0=$(procs_cpu_ticks ${PID[$side]}); t0=$(date +%s%N)
      out=$(loadgen --target "${TARGET[$side]}" --workflow "${WORKFLOW_OF[$side]}" --concurrency "$CONCURRENCY" \
              --warmup "$WARMUP" --duration "$DURATION" --label "$side@$CONCURRENCY")
      c1=$(procs_cpu_ticks ${PID[$side]}); t1=$(date +%s%N)
      rps=$(jget "$out" throughput)
      # CPU over the whole run (warm-up included) per execution at the measured rate.
      cpu=$(awk -v t=$((c1 - c0)) -v hz="$CLK_TCK" -v r="$rps" -v ns=$((t1 - t0)) \
            'BEGIN { execs = r * ns / 1e9; printf "%.1f", (execs > 0) ? t / hz * 1e6 / execs : 0 }')
      lat=$(loadgen --target "${TARGET[$side]}" --workflow "${WORKFLOW_OF[$side]}" --rate "$RATE" \
              --warmup "$WARMUP" --duration "$DURATION" --label "$side@${RATE}/s")
      p50=$(jget "$lat" latency_us.p50); p99=$(jget "$lat" latency_us.p99)
      echo "| $round | $side | $rps | $cpu | $p50 | $p99 |"
      SAMPLES[$side.rps]+="$rps "; SAMPLES[$side.cpu]+="$cpu "
      SAMPLES[$side.p50]+="$p50 "; SAMPLES[$side.p99]+="$p99 "
    done
  done

  median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
  echo
  echo "| median | exec/s | CPU µs/exec | p50 µs | p99 µs |"
  echo "|---|---|---|---|---|"
  for side in "${all[@]}"; do
    echo "| $side | $(median "${SAMPLES[$side.rps]}") | $(median "${SAMPLES[$side.cpu]}") |" \
         "$(median "${SAMPLES[$side.p50]}") | $(median "${SAMPLES[$side.p99]}") |"
  done
  ratio() { awk -v a="$(median "$1")" -v b="$(median "$2")" 'BEGIN { printf "%.2f", (a > 0) ? b / a : 0 }'; }
  for side in "${all[@]:1}"; do
    echo "| $side/A | $(ratio "${SAMPLES[A.rps]}" "${SAMPLES[$side.rps]}") | $(ratio "${SAMPLES[A.cpu]}" "${SAMPLES[$side.cpu]}") |" \
         "$(ratio "${SAMPLES[A.p50]}" "${SAMPLES[$side.p50]}") | $(ratio "${SAMPLES[A.p99]}" "${SAMPLES[$side.p99]}") |"
  done
}
