#!/usr/bin/env bash
# Fuzzes one target (or all) with libFuzzer for a while, growing a scratch
# corpus seeded from fuzz/corpus/<target>/. Crashes land in
# build/fuzz-findings/<target>/ — copy each into fuzz/corpus/<target>/ as a
# regression input once fixed (the test suite replays that directory).
#   tools/fuzz.sh TARGET|all [SECONDS per target, default 120] [extra libFuzzer flags]
# Targets: api_time request_parser session_json record get_sessions http_head
# page_cursor.
# Builds with tools/build.sh fuzz (clang, ASan+UBSan); SESSIONDB_BUILD_DIR
# overrides build/fuzz. The last lines of each run (executions, corpus size)
# are what docs/RELIABILITY.md records.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(api_time request_parser session_json record get_sessions http_head page_cursor)
target="${1:?usage: $0 TARGET|all [SECONDS] [libFuzzer flags]}"
seconds="${2:-120}"
shift $(( $# >= 2 ? 2 : 1 ))
dir="${SESSIONDB_BUILD_DIR:-build/fuzz}"
SESSIONDB_BUILD_DIR="$dir" tools/build.sh fuzz >/dev/null
if [ "$target" = all ]; then run=("${targets[@]}"); else run=("$target"); fi
for t in "${run[@]}"; do
  work="build/fuzz-work/$t"
  findings="build/fuzz-findings/$t"
  mkdir -p "$work" "$findings"
  echo "== $t: ${seconds}s"
  "$dir/fuzz/${t}_fuzzer" "$work" "fuzz/corpus/$t" \
    -max_total_time="$seconds" -artifact_prefix="$findings/" \
    -print_final_stats=1 "$@" 2>&1 | tail -n 14
done
