#!/usr/bin/env bash
# Requests per second and latency of the pooled HTTP client against the fake OpenRouter, next to the
# same load sent straight at the fake by wrk (Debian's `wrk`), at the same concurrency.
#
#   bench/http_client.sh [BUILD_DIR] [CONCURRENCY] [DURATION_S]
#
# BUILD_DIR defaults to build/release (cmake --preset release && cmake --build --preset release
# --target http_client_bench fake_openrouter). Both tools POST the same small chat request
# (model fake/ok) to one fake process started here on a free loopback port.
set -euo pipefail

BUILD_DIR=${1:-build/release}
CONCURRENCY=${2:-64}
DURATION_S=${3:-10}
FAKE="$BUILD_DIR/tests/fake_openrouter/fake_openrouter"
BENCH="$BUILD_DIR/bench/http_client_bench"
for binary in "$FAKE" "$BENCH"; do
  [[ -x "$binary" ]] || { echo "missing $binary: build it first" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

WORK=$(mktemp -d)
FAKE_PID=""
cleanup() {
  [[ -n "$FAKE_PID" ]] && kill "$FAKE_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"$FAKE" --port 0 >"$WORK/fake.out" 2>"$WORK/fake.err" &
FAKE_PID=$!
for _ in $(seq 1 100); do
  grep -q '^LISTENING ' "$WORK/fake.out" 2>/dev/null && break
  sleep 0.1
done
PORT=$(awk '/^LISTENING /{print $2; exit}' "$WORK/fake.out")
[[ -n "$PORT" ]] || { echo "the fake did not start:" >&2; cat "$WORK/fake.err" >&2; exit 1; }

URL="http://127.0.0.1:$PORT/api/v1/chat/completions"
KEY="sk-or-v1-fake"
BODY='{"model":"fake/ok","messages":[{"role":"user","content":"ping"}]}'
cat >"$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$BODY'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $KEY"
LUA

echo "== wrk, straight at the fake (fake on 1 thread, port $PORT)"
echo "+ wrk -t2 -c$CONCURRENCY -d${DURATION_S}s --latency -s post.lua $URL"
wrk -t2 -c"$CONCURRENCY" -d"${DURATION_S}s" --latency -s "$WORK/post.lua" "$URL"

echo
echo "== flowhost's pooled client (one I/O thread, two completion threads)"
"$BENCH" --url "$URL" --method POST --header "Content-Type: application/json" \
  --header "Authorization: Bearer $KEY" --body "$BODY" \
  --concurrency "$CONCURRENCY" --duration_s "$DURATION_S" --warmup_s 2
