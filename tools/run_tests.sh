#!/usr/bin/env bash
# Sets everything up from a bare Debian machine and runs every test: the
# release build and the ASan+UBSan build, each through ctest, and the
# release build's install (tools/check_install.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
for config in release asan; do
  echo "== $config: build"
  tools/build.sh "$config"
  echo "== $config: test"
  (cd "build/$config" && ctest --output-on-failure -j "$(nproc)" --timeout 1200)
  if [ "$config" = release ]; then
    echo "== release: install into a temporary prefix, build examples/bot_runtime against it"
    tools/check_install.sh "build/$config"
  fi
done
