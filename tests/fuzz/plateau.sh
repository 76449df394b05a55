#!/usr/bin/env bash
# Fuzzes targets in chunks until their coverage stops growing (issue 12's "until it stops finding
# new coverage"), one target after another on one core:
#
#   tests/fuzz/plateau.sh [--chunk RUNS] [--max-chunks N] TARGET...
#
# Each chunk is `run.sh TARGET ... -runs=RUNS` (2,000,000 by default) on top of the target's whole
# corpus (committed and work). A target has plateaued when a chunk ends without raising the highest
# edge count (libFuzzer's `cov`) reached before it: at the start or end of an earlier chunk, or at
# its own start (the replay of the corpus, which holds the inputs the chunk before found last);
# otherwise the next chunk runs, up to --max-chunks (3). Comparing maxima rather than one chunk's
# start and end keeps a few edges that come and go between processes (first-use paths) from
# counting as new. Prints one line per chunk (runs, exec/s, cov at the start and at the end, the run at which
# cov last grew, new inputs) and keeps each chunk's libFuzzer log in BUILD/fuzz-work/TARGET/.
# Honors FLOWHOST_FUZZ_PRESET and FLOWHOST_FUZZ_BUILD as run.sh does; afterwards, `run.sh --merge
# TARGET` folds what the chunks found into the committed corpus.
set -euo pipefail
cd "$(dirname "$0")/../.."
chunk=2000000
max_chunks=3
while [ $# -gt 0 ]; do
  case "$1" in
    --chunk) chunk=$2; shift 2 ;;
    --max-chunks) max_chunks=$2; shift 2 ;;
    -*) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
preset="${FLOWHOST_FUZZ_PRESET:-fuzz}"
build_dir="${FLOWHOST_FUZZ_BUILD:-$PWD/build/$preset}"

# "init_cov end_cov runs exec_per_s last_growth new_units" of one libFuzzer log.
summarise() {
  /usr/bin/python3 - "$1" <<'EOF'
import re, sys
init = end = grew = None
previous = None
stats = {}
for line in open(sys.argv[1], errors="replace"):
    m = re.match(r"#(\d+)\s+(\w+)\s+cov: (\d+)", line)
    if m:
        run, kind, cov = int(m.group(1)), m.group(2), int(m.group(3))
        if kind == "INITED":
            init = previous = cov
            continue
        if previous is not None and cov > previous:
            grew = run
        previous = end = cov
    m = re.match(r"stat::(\w+):\s+(\d+)", line)
    if m:
        stats[m.group(1)] = m.group(2)
if init is None:
    sys.exit("no INITED line: the run did not start")
print(init, end if end is not None else init, stats.get("number_of_executed_units", "?"),
      stats.get("average_exec_per_sec", "?"), grew if grew is not None else "-",
      stats.get("new_units_added", "?"))
EOF
}

for target in "$@"; do
  best=0
  for i in $(seq 1 "$max_chunks"); do
    FLOWHOST_FUZZ_BUILD="$build_dir" FLOWHOST_FUZZ_PRESET="$preset" \
      tests/fuzz/run.sh "$target" 86400 -runs="$chunk" >/dev/null 2>&1 || {
      echo "$target: chunk $i failed; see $build_dir/fuzz-work/$target/fuzz-0.log" >&2
      exit 1
    }
    log="$build_dir/fuzz-work/$target/plateau-$i.log"
    cp "$build_dir/fuzz-work/$target/fuzz-0.log" "$log"
    read -r init end runs speed grew added < <(summarise "$log")
    echo "$target chunk $i: $runs runs at $speed/s, cov $init -> $end" \
      "(highest before: $best), last grew at run $grew, $added new inputs"
    [ "$init" -gt "$best" ] && best=$init  # found by the chunk before (its last inputs replayed)
    if [ "$i" -gt 1 ] && [ "$end" -le "$best" ]; then
      echo "$target: plateau (chunk $i raised no new maximum)"
      continue 2
    fi
    [ "$end" -gt "$best" ] && best=$end
  done
  echo "$target: still growing after $max_chunks chunks (highest cov $best)"
done
