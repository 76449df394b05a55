#!/usr/bin/env bash
# Puts Debian's nghttpx (package nghttp2-proxy) in front of a running fake_openrouter, so a client can
# talk TLS + HTTP/2 (multiplexed streams on one connection) to the fake. Loopback only.
#
#   tests/fake_openrouter/h2_front.sh BACKEND_PORT [FRONT_PORT]
#
# Generates a throw-away self-signed certificate for 127.0.0.1 (openssl req), starts nghttpx on
# FRONT_PORT (a free port when omitted) forwarding to 127.0.0.1:BACKEND_PORT over HTTP/1.1, waits until
# it accepts connections, then prints, flushed, one line each:
#   LISTENING <front port>
#   CA <path of the certificate to trust, e.g. CURLOPT_CAINFO>
# and runs until it gets SIGTERM/SIGINT (or nghttpx exits); the certificate directory is removed then.
# Clients use https://127.0.0.1:<front port>/api/v1 as the base URL.
set -euo pipefail

backend_port=${1:?usage: h2_front.sh BACKEND_PORT [FRONT_PORT]}
front_port=${2:-0}
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

if [[ "$front_port" == 0 ]]; then
  # Ask the kernel for a free port (nghttpx cannot report one it picked itself).
  front_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
fi

nghttpx --frontend="127.0.0.1,${front_port}" --backend="127.0.0.1,${backend_port};;proto=http/1.1" \
  --workers=1 --no-ocsp --conf=/dev/null --pid-file="$workdir/nghttpx.pid" \
  --errorlog-file=/dev/stderr --accesslog-file=/dev/null \
  "$workdir/key.pem" "$workdir/cert.pem" &
nghttpx_pid=$!

# Wait (bounded) until the front accepts connections.
for _ in $(seq 1 300); do
  if (exec 3<>"/dev/tcp/127.0.0.1/${front_port}") 2>/dev/null; then
    echo "LISTENING ${front_port}"
    echo "CA ${workdir}/cert.pem"
    wait "$nghttpx_pid"
    exit $?
  fi
  kill -0 "$nghttpx_pid" 2>/dev/null || { echo "h2_front.sh: nghttpx exited" >&2; exit 1; }
  sleep 0.05
done
echo "h2_front.sh: nghttpx did not start listening on ${front_port}" >&2
exit 1
