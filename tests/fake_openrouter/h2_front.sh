#!/usr/bin/env bash
# Puts Debian's nghttpx (package nghttp2-proxy) in front of a running fake_openrouter, so a client can
# talk TLS + HTTP/2 (multiplexed streams on one connection) to the fake. Loopback only.
#
#   tests/fake_openrouter/h2_front.sh BACKEND_PORT [FRONT_PORT]
#
# Generates a throw-away self-signed certificate for 127.0.0.1 (openssl req), starts nghttpx on
# FRONT_PORT (a free port when omitted) forwarding to 127.0.0.1:BACKEND_PORT over HTTP/1.1, waits until
# it accepts connections, then prints, one line each:
#   LISTENING <front port>
#   CA <path of the certificate to trust, e.g. CURLOPT_CAINFO>
# and runs until it gets SIGTERM/SIGINT (or nghttpx exits); the certificate directory is removed then.
# Clients use https://127.0.0.1:<front port>/api/v1 as the base URL. The C++ wrapper is h2_front.h.
set -euo pipefail

backend_port=${1:?usage: h2_front.sh BACKEND_PORT [FRONT_PORT]}
wanted_port=${2:-0}
command -v nghttpx >/dev/null || { echo "h2_front.sh: nghttpx not found (apt-get install nghttp2-proxy)" >&2; exit 2; }

workdir=$(mktemp -d)
nghttpx_pid=""
cleanup() {
  if [[ -n "$nghttpx_pid" ]]; then kill "$nghttpx_pid" 2>/dev/null || true; wait "$nghttpx_pid" 2>/dev/null || true; fi
  rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 0' TERM INT

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
  -keyout "$workdir/key.pem" -out "$workdir/cert.pem" 2>/dev/null

# Starts nghttpx on $1 and waits until it accepts connections; fails if it exits first (port taken).
start_front() {
  local port=$1
  nghttpx --frontend="127.0.0.1,${port}" --backend="127.0.0.1,${backend_port};;proto=http/1.1" \
    --workers=1 --no-ocsp --conf=/dev/null --errorlog-file=/dev/stderr --accesslog-file=/dev/null \
    "$workdir/key.pem" "$workdir/cert.pem" &
  nghttpx_pid=$!
  for _ in $(seq 1 400); do
    if (exec 3<>"/dev/tcp/127.0.0.1/${port}") 2>/dev/null; then return 0; fi
    kill -0 "$nghttpx_pid" 2>/dev/null || { wait "$nghttpx_pid" 2>/dev/null || true; nghttpx_pid=""; return 1; }
    sleep 0.05
  done
  return 1
}

front_port=""
if [[ "$wanted_port" != 0 ]]; then
  start_front "$wanted_port" && front_port=$wanted_port
else
  # nghttpx cannot report a port the kernel picked, so try a few random high ports.
  for _ in 1 2 3 4 5 6 7 8; do
    candidate=$((20000 + RANDOM % 30000))
    if start_front "$candidate"; then front_port=$candidate; break; fi
  done
fi
[[ -n "$front_port" ]] || { echo "h2_front.sh: nghttpx did not start listening" >&2; exit 1; }

echo "LISTENING ${front_port}"
echo "CA ${workdir}/cert.pem"
wait "$nghttpx_pid"
