#!/usr/bin/env bash
# Runs the remote-worker conformance kit (sdk/conformance/check_worker.py) against one reference
# SDK's conformance worker:
#
#   run_conformance.sh python|node STUBS_DIR
#
# Exits 77 (ctest: skipped) when what the kit or the SDK needs is missing: Debian's python3-grpcio
# (and python3-grpc-tools for the stubs); for node, node and sdk/node/node_modules (.ci/setup runs
# `npm ci --prefix sdk/node`).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root="$here/../.."
sdk=$1
stubs=$2

missing=()
/usr/bin/python3 -c 'import grpc, google.protobuf' 2>/dev/null \
  || missing+=("Debian's python3-grpcio and python3-protobuf")
case "$sdk" in
  python) worker=(/usr/bin/python3 "$root/sdk/conformance/workers/python_worker.py") ;;
  node)
    command -v node >/dev/null 2>&1 || missing+=("node (Debian: nodejs)")
    [ -d "$root/sdk/node/node_modules/@grpc/grpc-js" ] \
      || missing+=("sdk/node/node_modules (npm ci --prefix sdk/node)")
    worker=(node "$root/sdk/conformance/workers/node_worker.js") ;;
  *) echo "run_conformance.sh: python or node, not '$sdk'" >&2; exit 2 ;;
esac
if [ ${#missing[@]} -gt 0 ]; then
  echo "skipped: missing ${missing[*]}"
  exit 77
fi
exec /usr/bin/python3 "$root/sdk/conformance/check_worker.py" --stubs "$stubs" -- "${worker[@]}"
