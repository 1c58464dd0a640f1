#!/usr/bin/env bash
# Sets everything up from a bare Debian machine and runs every test: the
# release build and the ASan+UBSan build, each through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
for config in release asan; do
  echo "== $config: build"
  tools/build.sh "$config"
  echo "== $config: test"
  (cd "build/$config" && ctest --output-on-failure -j "$(nproc)" --timeout 1200)
done
