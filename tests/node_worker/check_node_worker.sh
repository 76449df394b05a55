#!/usr/bin/env bash
# Runs one of this directory's node:test checks with node, skipping when node or the Node SDK's npm
# packages are missing:
#
#   check_node_worker.sh check_node_worker.mjs FLOWHOST_BINARY FAKE_OPENROUTER_BINARY
#   check_node_worker.sh page_text_parts.mjs
#
# Exits 77 (ctest: skipped) when node or sdk/node/node_modules is missing; .ci/setup installs them
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
check=$1
shift
exec node "$here/$check" "$@"
