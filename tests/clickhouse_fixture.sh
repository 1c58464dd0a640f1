#!/usr/bin/env bash
# ctest fixture of the ClickHouse tests: clickhouse_fixture.sh start|wipe
# CLUSTER_SCRIPT. Exits 77 (ctest: skipped) where clickhouse-server is not
# installed; SESSIONDB_CH_PORT and SESSIONDB_CH_DIR come from ctest.
set -euo pipefail
step=$1 script=$2
if ! command -v clickhouse-server >/dev/null && [ ! -x /usr/sbin/clickhouse-server ]; then
  echo "clickhouse-server is not installed (tools/setup.sh): ClickHouse tests skip"
  exit 77
fi
exec bash "$script" "$step"
