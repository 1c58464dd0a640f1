#!/usr/bin/env bash
# Installs every Debian package sessiondb needs to build, test and benchmark.
# Idempotent: packages already present are left alone, and apt is not touched
# at all when nothing is missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config python3
  librocksdb-dev libgflags-dev libsnappy-dev liblz4-dev libzstd-dev libbz2-dev zlib1g-dev
  libflatbuffers-dev flatbuffers-compiler
  libabsl-dev
  libsimdjson-dev nlohmann-json3-dev
  libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libsqlite3-dev
  libmicrohttpd-dev  # bench/mhd_peer: the HTTP-stack comparison's peer (docs/HTTP.md)
  clang libclang-rt-14-dev
  libboost1.81-dev libcpp-httplib-dev libssl-dev wrk curl
  tzdata  # SPEC §7 timeZone: IANA zones read by Abseil from /usr/share/zoneinfo
  chromium chromium-driver python3-selenium  # the explorer's browser test (SPEC §8)
  clickhouse-server clickhouse-client  # SPEC §9 scale-out: tools/clickhouse_cluster.sh runs two shards
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
