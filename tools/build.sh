#!/usr/bin/env bash
# Configures and builds one configuration into build/<name>.
#   tools/build.sh [release|asan|tsan|fuzz]   (default: release)
# fuzz: clang, ASan+UBSan+libFuzzer coverage, the fuzz/ targets only
# (docs/RELIABILITY.md). SESSIONDB_BUILD_DIR overrides the output directory.
set -euo pipefail
cd "$(dirname "$0")/.."
config="${1:-release}"
case "$config" in
  release) args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  asan)    args=(-DCMAKE_BUILD_TYPE=Debug -DSESSIONDB_SANITIZE=asan -DSESSIONDB_BUILD_BENCHMARKS=OFF) ;;
  # tsan links the shared librocksdb so tests/tsan_suppressions.txt can tell
  # its (uninstrumented) accesses apart: tools/run_tsan.sh.
  tsan)    args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DSESSIONDB_SANITIZE=tsan -DSESSIONDB_BUILD_BENCHMARKS=OFF
                 -DSESSIONDB_ROCKSDB_STATIC=OFF) ;;
  fuzz)    export CC=clang CXX=clang++
           args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DSESSIONDB_SANITIZE=asan -DSESSIONDB_BUILD_FUZZERS=ON
                 -DSESSIONDB_BUILD_TESTS=OFF -DSESSIONDB_BUILD_TOOLS=OFF -DSESSIONDB_BUILD_BENCHMARKS=OFF
                 -DSESSIONDB_BUILD_SHARED=OFF
                 "-DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link" "-DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link") ;;
  *) echo "usage: $0 [release|asan|tsan|fuzz]" >&2; exit 2 ;;
esac
jobs="${SESSIONDB_JOBS:-$(nproc)}"
dir="${SESSIONDB_BUILD_DIR:-build/$config}"
cmake -S . -B "$dir" -G Ninja "${args[@]}" >/dev/null
cmake --build "$dir" -j "$jobs"
