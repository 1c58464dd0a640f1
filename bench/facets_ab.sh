#!/usr/bin/env bash
# facets_ab.sh STORE ROUNDS BENCH[:STORE]...: what day facets add to the plain bot
# week (issue 14), for several facets_bench binaries, alternating every
# round. Each round runs each binary's plain and facets cases interleaved
# in one process (5 repetitions); "added" is facets over plain, medians of
# that round's repetitions, so a noisy moment hits both sides alike. Prints
# per binary and zone every round's added % (sorted) and their median.
#   bench/facets_ab.sh /tmp/st1m 20 before/facets_bench after/facets_bench
# STORE is opened for writing: use a copy; BENCH:STORE runs that binary on
# its own store (a store its options built). FACETS_AB_FILTER overrides the
# cases (default: the New York and Kolkata bot weeks).
set -euo pipefail
store=$1 rounds=$2; shift 2
filter=${FACETS_AB_FILTER:-BotWeek/(Asia|America)}
raw=$(mktemp); trap 'rm -f "$raw"' EXIT
for r in $(seq "$rounds"); do
  for arg in "$@"; do
    b=${arg%%:*} db=$store
    [[ $arg == *:* ]] && db=${arg#*:}
    "$b" --db="$db" --benchmark_filter="$filter" --benchmark_repetitions=5 \
        --benchmark_enable_random_interleaving=true --benchmark_min_time=0.2 2>/dev/null |
      awk -v b="$arg" -v r="$r" '/^BM_/ && !/_(mean|median|stddev|cv) / {print r, b, $1, $4}'
  done
done > "$raw"
python3 - "$raw" <<'PY'
import collections, statistics, sys
reps = collections.defaultdict(list)
for line in open(sys.argv[1]):
    r, b, name, cpu_us = line.split()
    case, variant = name.removeprefix("BM_Page/").rsplit("/", 1)
    reps[(b, case, r, variant)].append(float(cpu_us))
for b, case in sorted({(k[0], k[1]) for k in reps}):
    added = []
    for r in sorted({k[2] for k in reps if k[:2] == (b, case)}, key=int):
        plain, facets = reps.get((b, case, r, "plain")), reps.get((b, case, r, "facets"))
        if plain and facets:
            added.append(statistics.median(facets) / statistics.median(plain) - 1)
    added.sort()
    print(f"{b} {case}: added per round " + " ".join(f"{a:+.0%}" for a in added)
          + f" | median {statistics.median(added):+.1%}")
PY
