#!/usr/bin/env bash
# cold_pass.sh CLI DB MIX [RUNS]: a fresh process's first pass over a query
# mix (bench/query_mix.py) against its warm second pass, from the CPU time
# (user + sys) of `query --batch` runs over no query, the mix once and the
# mix five times: first = T(1) - T(0), warm = (T(5) - T(1)) / 4; medians of
# RUNS (default 5) runs each. The OS page cache is warm (the files were just
# read); what is cold is the process: its block cache, open table readers,
# and the decompression of every block the mix touches.
set -euo pipefail
cli=$1 db=$2 mix=$3 runs=${4:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: > "$tmp/0.ndjson"
cp "$mix" "$tmp/1.ndjson"
cat "$mix" "$mix" "$mix" "$mix" "$mix" > "$tmp/5.ndjson"
cpu() {  # median CPU seconds of RUNS runs over one batch file
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%U %S" "$cli" query --db "$db" --batch "$1" 2>&1 >/dev/null |
      tail -1 | awk '{print $1 + $2}'
  done | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'
}
t0=$(cpu "$tmp/0.ndjson"); t1=$(cpu "$tmp/1.ndjson"); t5=$(cpu "$tmp/5.ndjson")
n=$(grep -c . "$mix")
awk -v t0="$t0" -v t1="$t1" -v t5="$t5" -v n="$n" 'BEGIN {
  first = t1 - t0; warm = (t5 - t1) / 4
  printf "open %.3f s; first pass %.3f s (%.2f ms/query); warm pass %.3f s (%.2f ms/query); first/warm %.2fx\n",
         t0, first, 1000 * first / n, warm, 1000 * warm / n, (warm > 0 ? first / warm : 0)
}'
