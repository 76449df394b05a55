#!/usr/bin/env bash
# The Node.js worker SDK end to end (check_node_worker.mjs): the example node web.page_text served
# by sdk/node to the real `flowhost serve`.
#
#   check_node_worker.sh FLOWHOST_BINARY FAKE_OPENROUTER_BINARY
#
# Exits 77 (ctest: skipped) when node or the SDK's npm packages are missing; .ci/setup installs them
# (`npm ci --prefix sdk/node`).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sdk="$here/../../sdk/node"

missing=()
command -v node >/dev/null 2>&1 || missing+=("node (Debian: nodejs)")
[ -d "$sdk/node_modules/@grpc/grpc-js" ] || missing+=("sdk/node/node_modules (npm ci --prefix sdk/node)")
if [ ${#missing[@]} -gt 0 ]; then
  echo "skipped: missing ${missing[*]}; .ci/setup installs them"
  exit 77
fi
exec node "$here/check_node_worker.mjs" "$1" "$2"
