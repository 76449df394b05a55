#!/usr/bin/env bash
# The out-of-tree plugin example, as its author would build it: installs the SDK from BUILD into a
# fresh prefix (`cmake --install --component sdk`), configures examples/plugin against it with
# find_package(flowhost CONFIG), builds libtextkit.so and runs its own tests, then loads it into a
# real `flowhost serve --plugin` (loopback, port 0) and calls the example workflow that uses it.
#
#   tests/plugins/out_of_tree_example.sh BUILD     e.g. build/dev (needs its flowhost binary)
#
# Registered as the ctest `PluginExample.OutOfTree` in builds without sanitizers.
set -euo pipefail
build=$(cd "$1" && pwd)
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

echo "== install the SDK into $work/prefix"
cmake --install "$build" --component sdk --prefix "$work/prefix" >/dev/null

echo "== build examples/plugin out of tree against it"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$source_dir/examples/plugin" -B "$work/textkit" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_PREFIX_PATH="$work/prefix" "${launcher[@]}" >/dev/null
cmake --build "$work/textkit"
ctest --test-dir "$work/textkit" --output-on-failure

echo "== load libtextkit.so into flowhost serve and call chunk-document"
"$build/flowhost" plugin check "$work/textkit/libtextkit.so"
"$build/flowhost" serve --listen 127.0.0.1:0 --store none --plugin "$work/textkit/libtextkit.so" \
  --workflows "$source_dir/examples/plugin/workflows" >"$work/serve.out" 2>"$work/serve.log" &
server=$!
for _ in $(seq 1 100); do
  grep -q '^LISTENING ' "$work/serve.out" 2>/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$work/serve.log" >&2; echo "flowhost serve exited" >&2; exit 1; }
  sleep 0.1
done
port=$(sed -n 's/^LISTENING //p' "$work/serve.out")
[ -n "$port" ] || { cat "$work/serve.log" >&2; echo "flowhost serve did not start" >&2; exit 1; }
text="First paragraph of the document, long enough to need a cut.

Second paragraph. It has two sentences."
input=$(/usr/bin/python3 -c 'import json,sys; print(json.dumps({"text": sys.argv[1], "size": 70, "overlap": 0}))' "$text")
out=$("$build/flowhost" call chunk-document --target "127.0.0.1:$port" --input "$input")
echo "$out"
for expected in '"chunk_count":2' 'First paragraph of the document, long enough to need a cut.' \
                'Second paragraph. It has two sentences.'; do
  if ! tr -d ' \n' <<<"$out" | grep -qF "$(tr -d ' \n' <<<"$expected")"; then
    echo "the output lacks $expected" >&2
    exit 1
  fi
done
echo "== the out-of-tree plugin loaded and ran"
