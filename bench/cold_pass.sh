#!/usr/bin/env bash
# cold_pass.sh CLI DB MIX [RUNS]: a fresh process's first pass over a query
# mix (bench/query_mix.py) against its warm second pass, from the CPU time
# (user + sys) of `query --batch` runs over no query, the mix once and the
# mix eleven times: first = T(1) - T(0), warm = (T(11) - T(1)) / 10; medians
# of RUNS (default 5) runs each. CPU comes from `perf stat` (task-clock, in
# ms) where perf is installed, else from /usr/bin/time, whose 10 ms ticks
# are coarse against a ~30 ms warm pass. The OS page cache is warm (the
# files were just read); what is cold is the process: its block cache, open
# table readers, and the decompression of every block the mix touches.
set -euo pipefail
cli=$1 db=$2 mix=$3 runs=${4:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: > "$tmp/0.ndjson"
cp "$mix" "$tmp/1.ndjson"
for _ in $(seq 11); do cat "$mix"; done > "$tmp/11.ndjson"
once() {  # CPU seconds of one run over one batch file
  if command -v perf >/dev/null && perf stat -e task-clock true 2>/dev/null; then
    perf stat -x, -e task-clock "$cli" query --db "$db" --batch "$1" 2>&1 >/dev/null |
      awk -F, '/task-clock/ {print $1 / 1000}'
  else
    /usr/bin/time -f "%U %S" "$cli" query --db "$db" --batch "$1" 2>&1 >/dev/null |
      tail -1 | awk '{print $1 + $2}'
  fi
}
# Each run measures the three batches back to back, so drift in the
# machine's load hits all three alike; then the median of each.
for _ in $(seq "$runs"); do
  for k in 0 1 11; do echo "$k $(once "$tmp/$k.ndjson")"; done
done > "$tmp/cpu"
median() {
  awk -v k="$1" '$1 == k {print $2}' "$tmp/cpu" | sort -n |
    awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'
}
t0=$(median 0); t1=$(median 1); t11=$(median 11)
n=$(grep -c . "$mix")
awk -v t0="$t0" -v t1="$t1" -v t11="$t11" -v n="$n" 'BEGIN {
  first = t1 - t0; warm = (t11 - t1) / 10
  printf "open %.3f s; first pass %.3f s (%.2f ms/query); warm pass %.3f s (%.2f ms/query); first/warm %.2fx\n",
         t0, first, 1000 * first / n, warm, 1000 * warm / n, (warm > 0 ? first / warm : 0)
}'
