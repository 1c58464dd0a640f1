#!/usr/bin/env bash
# A local two-shard ClickHouse cluster on loopback for tests, benchmarks and
# the demo (SPEC §9): two clickhouse-server processes (Debian's package), each
# with its own config, data and log directory, named as one cluster.
#
#   tools/clickhouse_cluster.sh start   # prints the shards' HTTP URLs (comma-separated)
#   tools/clickhouse_cluster.sh urls    # the same, without starting anything
#   tools/clickhouse_cluster.sh stop    # stops both servers; data stays
#   tools/clickhouse_cluster.sh wipe    # stops them and removes the directory
#
# Environment:
#   SESSIONDB_CH_DIR   where configs, data and logs live (default: build/clickhouse)
#   SESSIONDB_CH_PORT  first of the four ports it listens on (default 18120):
#                      shard 1 HTTP = PORT+3, native = PORT+4; shard 2 = PORT+5, +6
#                      (spaced so two checkouts can pick bases 10 apart)
# The cluster's name in remote_servers is `sessiondb` (sessiondb ship/query
# --cluster sessiondb). No ZooKeeper: shards have one replica each.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
dir="${SESSIONDB_CH_DIR:-$here/build/clickhouse}"
base="${SESSIONDB_CH_PORT:-18120}"
server="$(command -v clickhouse-server || echo /usr/sbin/clickhouse-server)"
shards=(1 2)

http_port() { echo $((base + 1 + 2 * $1)); }
tcp_port() { echo $((base + 2 + 2 * $1)); }
urls() {
  local out=()
  for s in "${shards[@]}"; do out+=("http://127.0.0.1:$(http_port "$s")"); done
  (IFS=,; echo "${out[*]}")
}

write_config() {  # write_config SHARD
  local s=$1 d="$dir/shard$1"
  mkdir -p "$d/data" "$d/tmp" "$d/user_files" "$d/format_schemas" "$d/log"
  cat > "$d/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>$d/log/server.log</log>
    <errorlog>$d/log/server.err.log</errorlog>
    <size>100M</size>
    <count>2</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$(http_port "$s")</http_port>
  <tcp_port>$(tcp_port "$s")</tcp_port>
  <max_connections>256</max_connections>
  <keep_alive_timeout>30</keep_alive_timeout>
  <max_concurrent_queries>64</max_concurrent_queries>
  <uncompressed_cache_size>1073741824</uncompressed_cache_size>
  <mark_cache_size>536870912</mark_cache_size>
  <path>$d/data/</path>
  <tmp_path>$d/tmp/</tmp_path>
  <user_files_path>$d/user_files/</user_files_path>
  <format_schema_path>$d/format_schemas/</format_schema_path>
  <users_config>$d/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
  <remote_servers>
    <sessiondb>
      <shard><replica><host>127.0.0.1</host><port>$(tcp_port 1)</port></replica></shard>
      <shard><replica><host>127.0.0.1</host><port>$(tcp_port 2)</port></replica></shard>
    </sessiondb>
  </remote_servers>
</yandex>
EOF
  cat > "$d/users.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <profiles>
    <default>
      <max_memory_usage>4000000000</max_memory_usage>
      <load_balancing>random</load_balancing>
    </default>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas>
    <default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
      <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time>
    </interval></default>
  </quotas>
</yandex>
EOF
}

running() {  # running SHARD: its pid file names a live process
  local pidfile="$dir/shard$1/server.pid"
  [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

ping() {  # ping SHARD
  curl -fsS --max-time 2 "http://127.0.0.1:$(http_port "$1")/ping" 2>/dev/null | grep -q Ok
}

start() {
  if [ ! -x "$server" ]; then
    echo "clickhouse_cluster: clickhouse-server not found (run tools/setup.sh)" >&2
    exit 1
  fi
  for s in "${shards[@]}"; do
    write_config "$s"
    if running "$s"; then continue; fi
    if ping "$s"; then
      echo "clickhouse_cluster: port $(http_port "$s") already answers (another cluster?)" >&2
      exit 1
    fi
    # exec: the pid file must name the server itself, not a shell around
    # it, or `stop` kills the shell and leaves the server running.
    (cd "$dir/shard$s" && exec nohup "$server" --config-file="$dir/shard$s/config.xml" \
       > "$dir/shard$s/log/stdout.log" 2>&1) &
    echo $! > "$dir/shard$s/server.pid"
  done
  for s in "${shards[@]}"; do
    for _ in $(seq 1 300); do
      ping "$s" && break
      if ! running "$s"; then
        echo "clickhouse_cluster: shard $s exited; its log:" >&2
        tail -20 "$dir/shard$s/log/server.err.log" "$dir/shard$s/log/stdout.log" >&2 || true
        exit 1
      fi
      sleep 0.1
    done
    if ! ping "$s"; then
      echo "clickhouse_cluster: shard $s did not answer on port $(http_port "$s") in 30 s" >&2
      exit 1
    fi
  done
  urls
}

stop() {
  for s in "${shards[@]}"; do
    local pidfile="$dir/shard$s/server.pid"
    [ -f "$pidfile" ] || continue
    local pid
    pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  urls) urls ;;
  wipe) stop; rm -rf "$dir" ;;
  *) echo "usage: $0 start|stop|urls|wipe" >&2; exit 2 ;;
esac
