#!/usr/bin/env bash
# The long crash torture (docs/RELIABILITY.md): SIGKILLs a writer process
# KILLS times at random moments and verifies after every kill that every
# acknowledged write is there and nothing is half-applied.
#   tools/torture.sh [KILLS, default 500] [SEED, default 20261126] [BUILD_DIR, default build/release]
set -euo pipefail
cd "$(dirname "$0")/.."
kills="${1:-500}"
seed="${2:-20261126}"
dir="${3:-build/release}"
[ -x "$dir/tests/crash_torture_test" ] || SESSIONDB_BUILD_DIR="$dir" tools/build.sh release
start=$(date +%s)
SESSIONDB_TORTURE_KILLS="$kills" SESSIONDB_TEST_SEED="$seed" \
  "$dir/tests/crash_torture_test" --gtest_filter='CrashTorture.*'
echo "torture: $kills kills, seed $seed, $(( $(date +%s) - start )) s wall"
