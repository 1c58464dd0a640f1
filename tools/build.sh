#!/usr/bin/env bash
# Configures and builds one configuration into build/<name>.
#   tools/build.sh [release|asan|tsan]   (default: release)
set -euo pipefail
cd "$(dirname "$0")/.."
config="${1:-release}"
case "$config" in
  release) args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  asan)    args=(-DCMAKE_BUILD_TYPE=Debug -DSESSIONDB_SANITIZE=asan -DSESSIONDB_BUILD_BENCHMARKS=OFF) ;;
  tsan)    args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DSESSIONDB_SANITIZE=tsan -DSESSIONDB_BUILD_BENCHMARKS=OFF) ;;
  *) echo "usage: $0 [release|asan|tsan]" >&2; exit 2 ;;
esac
jobs="${SESSIONDB_JOBS:-$(nproc)}"
cmake -S . -B "build/$config" -G Ninja "${args[@]}" >/dev/null
cmake --build "build/$config" -j "$jobs"
