#!/usr/bin/env bash
# callgrind_steady.sh BENCH STORE FILTER: instructions per request of one
# facets_bench (or query_bench) case in its steady state, under callgrind:
# the counters are zeroed once the store is open and the cache warm (6 s
# in), dumped 6 s later. Deterministic where wall times on a shared VM are
# not; but a count is not a time (a cache miss costs no instructions, a
# large memcpy counts per byte).
#   bench/callgrind_steady.sh build/release/bench/facets_bench /tmp/st1m 'BotWeek/Asia/Kolkata/facets'
set -euo pipefail
bench=$1 store=$2 filter=$3
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$out/cg" "$bench" --db="$store" \
    --benchmark_filter="$filter" --benchmark_min_time=20 > /dev/null 2>&1 &
pid=$!
sleep 6; callgrind_control -z "$pid" > /dev/null 2>&1
sleep 6; callgrind_control -d "$pid" > /dev/null 2>&1; sleep 1
kill "$pid" 2> /dev/null || true; wait "$pid" 2> /dev/null || true
dump=$(ls -t "$out"/cg.* | head -1)
calls=$(callgrind_annotate --inclusive=yes --tree=caller "$dump" 2> /dev/null |
  grep -E "=> .*StoreImpl::HandleGetSessions" | head -1 | grep -oE "\([0-9,]+x\)" | tr -d '(),x' || true)
[ -n "$calls" ] || { echo "callgrind_steady.sh: no HandleGetSessions calls found (a build with -g, run from the repository's root)" >&2; exit 1; }
callgrind_annotate --inclusive=yes "$dump" 2> /dev/null | sed 's/(anonymous namespace):://g' |
  grep -E '^ *[0-9,]+ \([ 0-9.]+%\)  [^ =]' |
  grep -E ':sessiondb::[A-Za-z:]*(HandleGetSessions|SumCounters|ReadRecordPage|DecomposeLocalDays|AppendFacetsJson|DecodeCellCounts)\(' |
  awk -v n="$calls" '{ c = $1; gsub(",", "", c); name = $0; sub(/^[^:]*:/, "", name); sub(/\(.*/, "", name);
    if (!seen[name]++) printf "%10.1fk instructions per request  %s\n", c / n / 1000, name }'
echo "requests in the window: $calls"
