#!/usr/bin/env bash
# The OpenAI-compatible endpoint driven by the official `openai` npm package (openai_client.mjs):
# starts the fake OpenRouter and `flowhost serve` with the HTTP listener and a caller token on
# loopback, serving workflows/, then runs the client against http://127.0.0.1:PORT/v1; then a
# second server with TLS on its HTTP listener, and the client over https:// trusting the test's
# self-signed certificate through NODE_EXTRA_CA_CERTS (when the openssl command is installed).
#
#   check_openai_client.sh FLOWHOST_BINARY FAKE_OPENROUTER_BINARY
#
# Exits 77 (ctest: skipped) when node or the npm package is missing; .ci/setup installs them
# (`npm ci --prefix tests/openai`).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
flowhost=$1
fake=$2

missing=()
command -v node >/dev/null 2>&1 || missing+=("node (Debian: nodejs)")
[ -d "$here/node_modules/openai" ] || missing+=("tests/openai/node_modules (npm ci --prefix tests/openai)")
if [ ${#missing[@]} -gt 0 ]; then
  echo "skipped: missing ${missing[*]}; .ci/setup installs them"
  exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/flowhost-openai.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Waits for a line "PREFIX PORT" in FILE; prints PORT.
port_from() {
  local file=$1 prefix=$2 pid=$3
  for _ in $(seq 1 600); do
    local line
    line=$(grep -m1 "^$prefix " "$file" 2>/dev/null || true)
    if [ -n "$line" ]; then echo "${line#"$prefix "}"; return; fi
    kill -0 "$pid" 2>/dev/null || { echo "process $pid exited:"; cat "$file" "$file.err" 2>/dev/null; return 1; }
    sleep 0.1
  done
  echo "timed out waiting for '$prefix' in $file"
  return 1
}

"$fake" --port 0 >"$work/fake.out" 2>"$work/fake.out.err" &
pids+=($!)
fake_port=$(port_from "$work/fake.out" LISTENING "${pids[0]}")
printf 'sk-or-v1-fake\n' >"$work/key.txt"
printf 'test-caller-token\n' >"$work/tokens.txt"

"$flowhost" serve --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --store none \
  --workflows "$here/workflows" --openrouter-base-url "http://127.0.0.1:$fake_port/api/v1" \
  --openrouter-api-key-file "$work/key.txt" --auth-tokens-file "$work/tokens.txt" \
  --log-level warning >"$work/serve.out" 2>"$work/serve.out.err" &
pids+=($!)
http_port=$(port_from "$work/serve.out" "HTTP LISTENING" "${pids[1]}")

if ! node "$here/openai_client.mjs" "http://127.0.0.1:$http_port/v1" test-caller-token; then
  echo "--- flowhost stderr:"; tail -n 40 "$work/serve.out.err"
  exit 1
fi

command -v openssl >/dev/null 2>&1 || { echo "skipped the https run: no openssl command"; exit 0; }
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$work/tls-key.pem" -out "$work/tls-cert.pem" \
  >/dev/null 2>&1
"$flowhost" serve --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --store none \
  --workflows "$here/workflows" --openrouter-base-url "http://127.0.0.1:$fake_port/api/v1" \
  --openrouter-api-key-file "$work/key.txt" --auth-tokens-file "$work/tokens.txt" \
  --http-tls-cert-file "$work/tls-cert.pem" --http-tls-key-file "$work/tls-key.pem" \
  --log-level warning >"$work/tls.out" 2>"$work/tls.out.err" &
pids+=($!)
tls_port=$(port_from "$work/tls.out" "HTTP LISTENING" "${pids[2]}")
if ! NODE_EXTRA_CA_CERTS="$work/tls-cert.pem" \
    node "$here/openai_client.mjs" "https://127.0.0.1:$tls_port/v1" test-caller-token https; then
  echo "--- flowhost (TLS) stderr:"; tail -n 40 "$work/tls.out.err"
  exit 1
fi
