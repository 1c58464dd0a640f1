#!/usr/bin/env bash
# The getSessions benchmark suite: sessiondb vs SQLite vs the floor on every
# query shape, ingest rates and disk sizes, as one markdown table.
#
#   tools/run_bench.sh [1m|10m|N] [Google Benchmark flags...]
#
# 1. tools/setup.sh; builds build/bench (RelWithDebInfo, no tests,
#    -j${SESSIONDB_JOBS:-2}): bench_data, query_bench, ingest_bench;
# 2. checks the C++ generator against ../shared/tools/gen_sessions.py
#    (byte-identical NDJSON for 20,000 sessions);
# 3. builds the dataset once (default 1m) under build/bench-data/<size>/: a
#    sessiondb store, a SQLite file and their sidecars; later runs reuse it
#    (the store is rebuilt when src/storage or schema/ changed);
# 4. runs query_bench (every shape on sessiondb, SQLite and the floor, answers
#    checked first) and ingest_bench with ${BENCH_REPETITIONS:-5} interleaved
#    repetitions; BENCH_SKIP_INGEST=1 skips ingest;
# 5. prints the table (tools/perf_table.py), with latency growth against
#    the 1m results when the size is not 1m.
# BENCH_REUSE_STORE=1 keeps a store built by older storage code instead of
# rebuilding it (answers are still checked against SQLite): for read-path
# changes on the 10m set, whose store takes most of an hour to build.
# Results: build/bench-results/<size>-query.json, <size>-ingest.json,
# <size>-table.md. Extra flags go to both benchmark binaries, e.g.
# --benchmark_filter=BotWeek/ or --benchmark_min_time=1.
set -euo pipefail
cd "$(dirname "$0")/.."
size="${1:-1m}"
shift || true
reps="${BENCH_REPETITIONS:-5}"
out=build/bench-results
bin=build/bench/bench
gen=../shared/tools/gen_sessions.py

tools/setup.sh
cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSESSIONDB_BUILD_TESTS=OFF >/dev/null
cmake --build build/bench -j "${SESSIONDB_JOBS:-2}" \
  --target bench_data query_bench ingest_bench

if [ -f "$gen" ]; then
  if ! cmp -s <(python3 "$gen" --sessions 20000 --seed 5) \
              <("$bin/bench_data" ndjson --sessions=20000 --seed=5); then
    echo "run_bench: the C++ generator no longer matches $gen" >&2
    exit 1
  fi
  echo "run_bench: C++ generator == gen_sessions.py (20,000 sessions)"
fi

reuse=()
if [ "${BENCH_REUSE_STORE:-0}" = 1 ]; then reuse=(--reuse_store); fi
"$bin/bench_data" build --dataset="$size" "${reuse[@]}"

mkdir -p "$out"
flags=(--benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true
       --benchmark_enable_random_interleaving=true --benchmark_out_format=json)
status=0
"$bin/query_bench" --dataset="$size" "${reuse[@]}" "${flags[@]}" \
  --benchmark_out="$out/$size-query.json" "$@" || status=$?
files=("$out/$size-query.json")
if [ "${BENCH_SKIP_INGEST:-0}" != 1 ]; then
  "$bin/ingest_bench" "${flags[@]}" \
    --benchmark_out="$out/$size-ingest.json" "$@" || status=$?
  files+=("$out/$size-ingest.json")
fi

baseline=()
if [ "$size" != 1m ] && [ -f "$out/1m-query.json" ]; then
  baseline=(--baseline "$out/1m-query.json")
fi
python3 tools/perf_table.py "${files[@]}" "${baseline[@]}" | tee "$out/$size-table.md"
exit "$status"
