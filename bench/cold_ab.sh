#!/usr/bin/env bash
# cold_ab.sh MIX RUNS LABEL=CLI:DB ...: bench/cold_pass.sh's measurement
# (CPU ms of `query --batch` over no query, the mix once and eleven times,
# from perf stat's task-clock) for several binaries or stores, interleaved
# within every run so the machine's load hits all alike; medians over RUNS
# of first = T(1) - T(0), warm = (T(11) - T(1)) / 10. COLD_AB_RAW=FILE keeps
# every run's T(0) T(1) T(11) (for minima: noise only adds).
#   bench/cold_ab.sh mix200k.ndjson 9 before=old/sessiondb:st200 after=new/sessiondb:st200
set -euo pipefail
mix=$1 runs=$2; shift 2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
: > "$tmp/0.ndjson"; cp "$mix" "$tmp/1.ndjson"
for _ in $(seq 11); do cat "$mix"; done > "$tmp/11.ndjson"
once() { perf stat -x, -e task-clock "$1" query --db "$2" --batch "$3" 2>&1 >/dev/null | awk -F, '/task-clock/ {print $1}'; }
for r in $(seq "$runs"); do
  for v in "$@"; do
    label=${v%%=*}; rest=${v#*=}; cli=${rest%%:*}; db=${rest#*:}
    t0=$(once "$cli" "$db" "$tmp/0.ndjson"); t1=$(once "$cli" "$db" "$tmp/1.ndjson"); t11=$(once "$cli" "$db" "$tmp/11.ndjson")
    echo "$label $t0 $t1 $t11"
  done
done > "$tmp/cpu"
[ -n "${COLD_AB_RAW:-}" ] && cp "$tmp/cpu" "$COLD_AB_RAW"  # T(0) T(1) T(11) of every run
n=$(grep -c . "$mix")
for v in "$@"; do
  label=${v%%=*}
  awk -v l="$label" -v n="$n" '$1 == l {f[++k] = $3 - $2; w[k] = ($4 - $3) / 10; o[k] = $2; r[k] = ($3 - $2) / (($4 - $3) / 10)
      if (k == 1 || $2 < m0) m0 = $2; if (k == 1 || $3 < m1) m1 = $3; if (k == 1 || $4 < m11) m11 = $4}
    function med(a, k,   i, j, t) { for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }; return a[int((k + 1) / 2)] }
    END { printf "%-10s open %.0f ms; first %.1f ms (%.3f ms/query); warm %.1f ms (%.3f ms/query); first/warm %.2fx (median of per-run ratios %.2fx), %d runs\n", l, med(o, k), med(f, k), med(f, k) / n, med(w, k), med(w, k) / n, med(f, k) / med(w, k), med(r, k), k
      printf "%-10s minima: first %.1f ms, warm %.1f ms, first/warm %.2fx (min T(1) - min T(0), (min T(11) - min T(1)) / 10)\n", l, m1 - m0, (m11 - m1) / 10, (m1 - m0) / ((m11 - m1) / 10) }' "$tmp/cpu"
done
