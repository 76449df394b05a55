#!/usr/bin/env bash
# Runs flowhost locally with the example workflows in workflows/, then makes a first call.
#
#   deploy/run-local.sh            build (release preset), serve until Ctrl-C
#   deploy/run-local.sh --once     build, serve, make the first call, stop (a smoke test)
#
# Upstream: OpenRouter when OPENROUTER_API_KEY is set (OPENROUTER_BASE_URL to override the endpoint);
# otherwise `flowhost serve --offline`: the bundled fake OpenRouter (tests/fake_openrouter) on a free
# loopback port, whose answers are canned ("Fake answer to: ..."). The script says which one it uses.
# Listens on FLOWHOST_LISTEN (default 127.0.0.1:50051). Executions are recorded under
# FLOWHOST_DATA_DIR (default ~/.local/state/flowhost; `flowhost executions list` shows them); --once
# records into a temporary directory it removes.
set -euo pipefail
cd "$(dirname "$0")/.."
once=0
[ "${1:-}" = "--once" ] && once=1

.ci/setup
cmake --preset release >/dev/null
cmake --build --preset release --target flowhost -j "$(nproc)"
bin=build/release
listen="${FLOWHOST_LISTEN:-127.0.0.1:50051}"

offline=()
if [ -z "${OPENROUTER_API_KEY:-}" ]; then
  offline=(--offline)
  echo "== OPENROUTER_API_KEY is not set: serving --offline, with the bundled OFFLINE FAKE OpenRouter"
  echo "== (answers are canned; set OPENROUTER_API_KEY to talk to the real OpenRouter)"
else
  echo "== using OpenRouter at ${OPENROUTER_BASE_URL:-https://openrouter.ai/api/v1}"
fi

history=()
scratch=
if [ "$once" = 1 ]; then
  scratch=$(mktemp -d)
  history=(--data-dir "$scratch")
fi

server=
cleanup() {
  # flowhost stops the fake it started (--offline) when it stops.
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  [ -n "$scratch" ] && rm -rf "$scratch"
}
trap cleanup EXIT INT TERM

"$bin/flowhost" serve "${offline[@]}" "${history[@]}" --listen "$listen" --workflows workflows &
server=$!
ready=0
for _ in $(seq 1 100); do
  kill -0 "$server" 2>/dev/null || { echo "flowhost serve exited; see the log above" >&2; exit 1; }
  if "$bin/flowhost" call word-stats --target "$listen" --input '{"text": "ping"}' >/dev/null 2>&1; then
    ready=1
    break
  fi
  sleep 0.1
done
[ "$ready" = 1 ] || { echo "flowhost serve did not answer on $listen within 10 s" >&2; exit 1; }

echo "== flowhost is serving workflows/ on $listen. First call:"
echo "\$ $bin/flowhost call ask --target $listen --stream --input '{\"question\": \"What is a workflow runtime?\"}'"
"$bin/flowhost" call ask --target "$listen" --stream --input '{"question": "What is a workflow runtime?"}'

[ "$once" = 1 ] && exit 0
cat <<MSG
== More:
   $bin/flowhost call triage --target $listen --input '{"ticket": "URGENT: checkout is down"}'
   $bin/flowhost call free-models --target $listen --input '{"limit": 3}'
   $bin/flowhost list --target $listen
   grpcurl -plaintext $listen list            # reflection is on (grpcurl is not a Debian package)
== Ctrl-C to stop.
MSG
wait "$server"
