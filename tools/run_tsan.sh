#!/usr/bin/env bash
# Builds the ThreadSanitizer configuration and runs the concurrency tests
# under it with tests/tsan_suppressions.txt (docs/RELIABILITY.md explains
# each suppression). Fails on any TSan report or test failure.
#   tools/run_tsan.sh [ctest -R regex, default: concurrency|reader_consistency|store_reader|reader_catch_up]
set -euo pipefail
cd "$(dirname "$0")/.."
regex="${1:-concurrency|reader_consistency|store_reader|reader_catch_up}"
dir="${SESSIONDB_BUILD_DIR:-build/tsan}"
SESSIONDB_BUILD_DIR="$dir" tools/build.sh tsan
export TSAN_OPTIONS="suppressions=$PWD/tests/tsan_suppressions.txt halt_on_error=1 abort_on_error=1 ${TSAN_OPTIONS:-}"
(cd "$dir" && ctest --output-on-failure -R "$regex" --timeout 3600)
