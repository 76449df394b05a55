#!/usr/bin/env bash
# Renders the deploy files that need rendering and validates them, offline (docs/deploy.md):
#   - the kustomize base and every overlay under deploy/kubernetes/overlays, rendered with
#     `kubectl kustomize`, then checked by validate_manifests.mjs (the Kubernetes JSON schemas, and
#     how the objects fit together);
#   - deploy/compose/compose.yaml, alone and with offline.yaml, by `docker-compose config`, and its
#     prometheus.yml by `promtool check config`.
# Exits 77 (ctest: skipped) naming what is missing when a tool is; .ci/setup installs them all.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/tests/deploy"

missing=()
command -v kubectl >/dev/null 2>&1 || missing+=("kubectl (Debian: kubernetes-client)")
command -v node >/dev/null 2>&1 || missing+=("node (Debian: nodejs)")
[ -d "$here/node_modules/kubernetes-models" ] || missing+=("tests/deploy/node_modules (npm ci --prefix tests/deploy)")
command -v docker-compose >/dev/null 2>&1 || missing+=("docker-compose")
command -v promtool >/dev/null 2>&1 || missing+=("promtool (Debian: prometheus)")
if [ ${#missing[@]} -gt 0 ]; then
  echo "skipped: missing ${missing[*]}; .ci/setup installs them"
  exit 77
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
for dir in "$root"/deploy/kubernetes/base "$root"/deploy/kubernetes/overlays/*/; do
  name=$(basename "$dir")
  if ! kubectl kustomize "$dir" > "$work/$name.yaml" 2> "$work/$name.err"; then
    echo "FAIL kustomize $name:"; cat "$work/$name.err"; failed=1; continue
  fi
  echo -n "$name: "
  node "$here/validate_manifests.mjs" "$work/$name.yaml" || failed=1
done

compose="$root/deploy/compose"
for files in "compose.yaml" "compose.yaml offline.yaml"; do
  args=()
  for file in $files; do args+=(-f "$compose/$file"); done
  if docker-compose "${args[@]}" config -q; then
    echo "compose ($files): valid"
  else
    echo "FAIL compose ($files)"; failed=1
  fi
done
if promtool check config "$compose/prometheus.yml" > "$work/promtool.out" 2>&1; then
  echo "compose prometheus.yml: valid"
else
  echo "FAIL compose prometheus.yml:"; cat "$work/promtool.out"; failed=1
fi
exit $failed
