#!/usr/bin/env bash
# HTTP stack comparison (docs/HTTP.md, "Choosing the HTTP stack"): builds one
# demo store, starts every server given on its own copy of it (loopback, a
# free port each), runs the same wrk command against each at 1, 8, 64 and
# 512 connections -- interleaved: every server at 1, then every server at 8,
# ... -- prints one table, then runs bench/http_hostile.py against each
# server in turn, then stops them. Not a test: it prints numbers.
#
#   bench/http_bench.sh [STACK...]
#
# STACK is LABEL=COMMAND, COMMAND a template in which {db}, {apps} and {port}
# are replaced, or the path of a sessiondb binary alone (its `serve`), e.g.
#
#   bench/http_bench.sh \
#     httplib=build/release/tools/sessiondb \
#     'mhd=build/release/bench/mhd_server --db {db} --apps {apps} --port {port}' \
#     beast=/tmp/sessiondb-beast
#
# Default: build/release/tools/sessiondb. A binary STACK runs
# `BIN serve --db {db} --apps {apps} --listen 127.0.0.1:{port}`.
#
# Environment: SESSIONS (100000, the store's size), DURATION (10, seconds per
# wrk row), LEVELS ("1 8 64 512"), WRK_THREADS (2; 1 for one connection,
# wrk needs threads <= connections), WRK_TIMEOUT (10s), HOSTILE (1; 0 skips
# the hostile cases), HOSTILE_ARGS (extra http_hostile.py flags),
# SESSIONDB_CLI (the sessiondb that generates and loads the store and mints
# the token; default the first binary STACK, else build/release/tools/sessiondb),
# OUT (build/http-bench/<time>: wrk's outputs and each server's log).
set -euo pipefail
cd "$(dirname "$0")/.."
here="$(pwd)"
sessions="${SESSIONS:-100000}"
duration="${DURATION:-10}"
levels="${LEVELS:-1 8 64 512}"
wrk_threads="${WRK_THREADS:-2}"
wrk_timeout="${WRK_TIMEOUT:-10s}"
hostile="${HOSTILE:-1}"
out="${OUT:-build/http-bench/$(date -u +%Y%m%dT%H%M%SZ)}"
command -v wrk > /dev/null || { echo "no wrk: run tools/setup.sh" >&2; exit 1; }

[ $# -gt 0 ] || set -- "build/release/tools/sessiondb"
labels=(); templates=()
cli="${SESSIONDB_CLI:-}"
for spec in "$@"; do
  label="${spec%%=*}"; cmd="${spec#*=}"
  if [ "$label" = "$spec" ]; then label="$(basename "$spec")"; cmd="$spec"; fi
  if [[ "$cmd" != *"{port}"* ]]; then  # a sessiondb binary
    [ -x "$cmd" ] || { echo "no executable $cmd" >&2; exit 1; }
    [ -n "$cli" ] || cli="$cmd"
    cmd="$cmd serve --db {db} --apps {apps} --listen 127.0.0.1:{port}"
  fi
  labels+=("$label"); templates+=("$cmd")
done
cli="${cli:-build/release/tools/sessiondb}"
[ -x "$cli" ] || { echo "no $cli: build it, or set SESSIONDB_CLI" >&2; exit 1; }

mkdir -p "$out" build/bench-data
work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

# The store: `sessiondb generate` data (tools/http_load_check.sh's), one copy
# per server (a store is opened by one process at a time).
data="build/bench-data/sessions-$sessions.ndjson"
[ -f "$data" ] || "$cli" generate --sessions "$sessions" --seed 5 > "$data"
"$cli" load --db "$work/store" "$data" > /dev/null
bot=$("$cli" stats --db "$work/store" | awk '/^  st-/ {print $2, $1}' | sort -rn | head -1 | cut -d' ' -f2)
secret=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')
cat > "$work/apps.json" <<EOF
{"apps": [{"appId": "cs-bench", "clientSecret": "$secret", "scopes": ["admin:bot-sessions"]}]}
EOF
chmod 600 "$work/apps.json"
token=$("$cli" token --apps "$work/apps.json" --app cs-bench --ttl 86400)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

ports=()
for i in "${!labels[@]}"; do
  cp -a "$work/store" "$work/store-$i"
  port=$(free_port)
  cmd="${templates[$i]//\{db\}/$work/store-$i}"
  cmd="${cmd//\{apps\}/$work/apps.json}"
  cmd="${cmd//\{port\}/$port}"
  echo "== ${labels[$i]}: $cmd"
  # shellcheck disable=SC2086  # the template is split into words on purpose
  $cmd > "$out/${labels[$i]}.out" 2> "$out/${labels[$i]}.log" &
  pids+=($!); ports+=("$port")
  up=0
  for _ in $(seq 100); do
    if curl -sf "http://127.0.0.1:$port/healthz" > /dev/null 2>&1; then up=1; break; fi
    kill -0 "${pids[$i]}" 2>/dev/null || break
    sleep 0.1
  done
  if [ "$up" != 1 ]; then echo "${labels[$i]} did not start:" >&2; cat "$out/${labels[$i]}.log" >&2; exit 1; fi
  curl -sf -X POST "http://127.0.0.1:$port/api/public/bot/$bot/getSessions" -H "auth: $token" \
    -H 'Content-Type: application/json' \
    --data-raw '{"limit": 100, "dateFrom": "2026-01-19", "dateTo": "2026-01-25"}' |
    python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["sessions"]) == 100, d; print("   a page of", len(d["sessions"]), "of", d["total"])'
done

echo "store: $sessions sessions (sessiondb generate --seed 5), bot $bot; $(nproc) cores"
echo "wrk: wrk -t$wrk_threads -cC -d${duration}s --timeout $wrk_timeout --latency -s bench/http_wrk.lua http://127.0.0.1:PORT -- TOKEN $bot  (-t1 at -c1)"
printf '%-10s %6s %10s %10s %10s %10s %9s %14s %s\n' stack conns 'req/s' p50 p99 max non-2xx 'socket errors' 'load(1m)'
for c in $levels; do
  t=$(( c < wrk_threads ? c : wrk_threads ))
  for i in "${!labels[@]}"; do
    load=$(cut -d' ' -f1 /proc/loadavg)
    f="$out/wrk-${labels[$i]}-c$c.txt"
    wrk -t"$t" -c"$c" -d"${duration}s" --timeout "$wrk_timeout" --latency \
      -s bench/http_wrk.lua "http://127.0.0.1:${ports[$i]}" -- "$token" "$bot" > "$f" 2>&1 || true
    python3 - "$f" "${labels[$i]}" "$c" "$load" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
def grab(pattern, default="-"):
    m = re.search(pattern, text, re.M)
    return m.group(1) if m else default
rps = grab(r"^Requests/sec:\s+(\S+)")
p50 = grab(r"^\s+50%\s+(\S+)")
p99 = grab(r"^\s+99%\s+(\S+)")
mx = grab(r"^\s+Latency\s+\S+\s+\S+\s+(\S+)")
non2xx = grab(r"Non-2xx or 3xx responses:\s+(\d+)", "0")
sock = grab(r"Socket errors:\s+(.*)$", "0")
sock = "0" if sock == "0" else ",".join(
    f"{k[0]}{v}" for k, v in re.findall(r"(\w+) (\d+)", sock) if v != "0")
print(f"{sys.argv[2]:<10} {sys.argv[3]:>6} {rps:>10} {p50:>10} {p99:>10} {mx:>10} {non2xx:>9} {sock:>14} {sys.argv[4]}")
EOF
  done
done
echo "(socket errors: c=connect r=read w=write t=timeout; wrk's outputs in $out)"

for i in "${!labels[@]}"; do
  st="/proc/${pids[$i]}/status"
  echo "${labels[$i]}: $(awk '/^VmRSS|^Threads/ {printf "%s %s%s  ", $1, $2, $3}' "$st") after the wrk rows"
done

if [ "$hostile" = 1 ]; then
  echo
  echo "== hostile cases (bench/http_hostile.py ${HOSTILE_ARGS:-})"
  for i in "${!labels[@]}"; do
    # shellcheck disable=SC2086
    python3 "$here/bench/http_hostile.py" --port "${ports[$i]}" --token "$token" \
      --bot "$bot" --label "${labels[$i]}" ${HOSTILE_ARGS:-} || echo "${labels[$i]}: http_hostile.py failed"
    st="/proc/${pids[$i]}/status"
    [ -f "$st" ] && echo "${labels[$i]}: $(awk '/^VmRSS|^Threads/ {printf "%s %s%s  ", $1, $2, $3}' "$st") after the hostile cases" \
      || echo "${labels[$i]}: the server is gone"
  done
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
