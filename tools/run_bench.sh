#!/usr/bin/env bash
# Builds the release configuration, generates N sessions (default 100,000)
# with gen_sessions.py and runs bench/get_sessions_bench on them.
#   tools/run_bench.sh [SESSIONS] [extra Google Benchmark flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"; shift || true
tools/setup.sh
tools/build.sh release
data="build/bench-data/sessions-$n.ndjson"
mkdir -p build/bench-data
[ -f "$data" ] || python3 ../shared/tools/gen_sessions.py --sessions "$n" --seed 5 > "$data"
SESSIONDB_BENCH_NDJSON="$data" build/release/bench/get_sessions_bench \
  --benchmark_repetitions=5 --benchmark_report_aggregates_only=true "$@"
