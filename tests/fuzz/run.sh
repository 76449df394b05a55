#!/usr/bin/env bash
# Fuzzes one target of tests/fuzz with libFuzzer, or minimises its corpus.
#
#   tests/fuzz/run.sh TARGET SECONDS [FLAG...]   fuzz TARGET for SECONDS (extra libFuzzer flags last)
#   tests/fuzz/run.sh --merge TARGET             minimise the committed corpus (-merge=1)
#   tests/fuzz/run.sh --list                     the targets and their input size cap
#
# Builds the `fuzz` preset's binary first when needed (clang-14, libfuzzer-14-dev; .ci/setup
# installs them). FLOWHOST_FUZZ_PRESET=fuzz-fast takes the `fuzz-fast` preset instead (libFuzzer
# and UBSan without ASan: several times the runs per second, for long campaigns) and its
# build/fuzz-fast; FLOWHOST_FUZZ_BUILD names another build directory (BUILD below, build/fuzz by
# default). A run reads the committed corpus (tests/fuzz/corpus/TARGET, regressions/ included) and
# writes what it finds to BUILD/fuzz-work/TARGET/: new inputs in corpus/, crashes, leaks (ASan
# builds only), timeouts and out-of-memory inputs in artifacts/, libFuzzer's output in fuzz-0.log;
# the dictionary make_seeds.py writes for the target, if any, goes with every run. `--merge` then
# keeps the smallest set of inputs covering everything the committed corpus, the work corpus and
# the seeds (make_seeds.py) cover, and replaces the committed corpus's top-level files with it;
# regressions/ (named inputs that once crashed) is never touched. One fuzzer at a time: -jobs=1.
# workflow_loader also takes seeds made from every node type's parameter schema, written into its
# work corpus before a run: `flowhost nodes --json | tests/fuzz/node_param_seeds.py
# BUILD/fuzz-work/workflow_loader/corpus` (the merge then keeps those that add coverage).
# On a shared machine run it as `nice -n 19 tests/fuzz/run.sh ...`.
set -euo pipefail
cd "$(dirname "$0")/../.."
source_dir=$PWD
preset="${FLOWHOST_FUZZ_PRESET:-fuzz}"
build_dir="${FLOWHOST_FUZZ_BUILD:-$source_dir/build/$preset}"

# Input size caps: long enough for every seed that matters, short enough to keep runs fast. The
# workflow loader's cap also keeps a YAML alias's expansion far below the RSS limit.
declare -A max_len=(
  [workflow_loader]=8192
  [expression]=2048
  [sse_parser]=4096
  [chat_response]=8192
  [error_classifier]=4096
  [catalogue]=16384
  [run_workflow_request]=4096
  [host_config]=4096
  [json_text]=4096
  [plugin_boundary]=4096
  [worker_protocol]=4096
  [traceparent]=256
  [openai_request]=8192
  [http_request]=8192
)

usage() {
  sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# The seeds and dictionaries of make_seeds.py, made afresh in $seeds.
seeds="$build_dir/fuzz-seeds"
make_seeds() {
  rm -rf "$seeds" && /usr/bin/python3 "$source_dir/tests/fuzz/make_seeds.py" "$seeds" >/dev/null
}

fuzzer_binary() {
  local target=$1
  [ -n "${max_len[$target]:-}" ] || { echo "unknown target '$target' (--list)" >&2; exit 2; }
  if [ ! -f "$build_dir/CMakeCache.txt" ]; then
    cmake --preset "$preset" -B "$build_dir" >&2
  fi
  cmake --build "$build_dir" --target "${target}_fuzzer" >&2
  echo "$build_dir/tests/fuzz/${target}_fuzzer"
}

case "${1:-}" in
  --list)
    for target in "${!max_len[@]}"; do echo "$target ${max_len[$target]}"; done | sort
    ;;
  --merge)
    [ $# -eq 2 ] || usage
    target=$2
    binary=$(fuzzer_binary "$target")
    committed="$source_dir/tests/fuzz/corpus/$target"
    work="$build_dir/fuzz-work/$target"
    make_seeds
    mkdir -p "$committed" "$work/corpus" "$seeds/$target"  # a target may have no generated seeds
    merged=$(mktemp -d)
    trap 'rm -rf "$merged"' EXIT
    # -use_counters=0: keep the inputs that add coverage edges, not every new hit count of an edge,
    # which keeps the same edges with about half the inputs (expression: 746 inputs, not 1,394).
    "$binary" -merge=1 -use_counters=0 -max_len="${max_len[$target]}" -timeout=30 \
      "$merged" "$committed" "$work/corpus" "$seeds/$target" 2>&1 | grep -E '^MERGE-OUTER' || true
    [ -n "$(ls -A "$merged")" ] || { echo "the merge kept nothing" >&2; exit 1; }
    find "$committed" -maxdepth 1 -type f -delete
    cp "$merged"/* "$committed"/
    echo "$target: $(find "$committed" -maxdepth 1 -type f | wc -l) inputs," \
      "$(find "$committed" -maxdepth 1 -type f -exec cat {} + | wc -c) bytes in tests/fuzz/corpus/$target"
    ;;
  ''|-*)
    usage
    ;;
  *)
    [ $# -ge 2 ] || usage
    target=$1 seconds=$2
    shift 2
    binary=$(fuzzer_binary "$target")
    work="$build_dir/fuzz-work/$target"
    mkdir -p "$work/corpus" "$work/artifacts"
    make_seeds
    dict=()
    [ -f "$seeds/$target.dict" ] && dict=(-dict="$seeds/$target.dict")
    cd "$work"
    rm -f fuzz-0.log
    status=0
    "$binary" -jobs=1 -max_total_time="$seconds" -max_len="${max_len[$target]}" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/artifacts/" "${dict[@]}" "$@" \
      "$work/corpus" "$source_dir/tests/fuzz/corpus/$target" || status=$?
    tail -n 30 fuzz-0.log
    echo "log: $work/fuzz-0.log; new inputs: $work/corpus; crashes: $work/artifacts"
    exit $status
    ;;
esac
