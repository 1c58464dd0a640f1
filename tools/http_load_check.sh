#!/usr/bin/env bash
# Load check of the HTTP endpoint (docs/PERFORMANCE.md, "HTTP endpoint"):
# requests/s and latency percentiles of one page query with wrk at 1, 8 and
# 64 connections on loopback, next to the in-process latency of the same
# query. Not a test: it prints numbers.
#
#   tools/http_load_check.sh [SESSIONS] [SECONDS]      (default 100000, 10)
#
# The query is get_sessions_bench's BM_GetSessions_BotWeek: the busiest bot of
# `sessiondb generate --seed 5` data, one week, limit 100, no containment filter.
# SESSIONDB_CLI picks the tool (default build/release/tools/sessiondb, built
# by tools/build.sh release); SESSIONDB_SERVE_THREADS the worker count (64).
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"
seconds="${2:-10}"
cli="${SESSIONDB_CLI:-build/release/tools/sessiondb}"
threads="${SESSIONDB_SERVE_THREADS:-64}"
port="${SESSIONDB_LOAD_PORT:-18181}"
[ -x "$cli" ] || { echo "no $cli: run tools/build.sh release" >&2; exit 1; }
command -v wrk > /dev/null || { echo "no wrk: run tools/setup.sh" >&2; exit 1; }

data="build/bench-data/sessions-$n.ndjson"
mkdir -p build/bench-data
[ -f "$data" ] || "$cli" generate --sessions "$n" --seed 5 > "$data"
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$cli" load --db "$work/store" "$data" > /dev/null
bot=$("$cli" stats --db "$work/store" | awk '/^  st-/ {print $2, $1}' | sort -rn | head -1 | cut -d' ' -f2)
body='{"limit": 100, "dateFrom": "2026-01-19", "dateTo": "2026-01-25"}'

# A secret of 32 bytes or more (serve refuses shorter ones), in a file only
# its owner reads (serve warns otherwise).
(umask 077 && cat > "$work/apps.json" <<EOF
{"apps": [{"appId": "cs-load", "clientSecret": "load-check-secret-0123456789abcdefgh", "scopes": ["admin:bot-sessions"]}]}
EOF
)
token=$("$cli" token --apps "$work/apps.json" --app cs-load)
"$cli" serve --db "$work/store" --apps "$work/apps.json" --listen "127.0.0.1:$port" \
  --threads "$threads" > "$work/serve.out" 2> "$work/serve.log" &
server_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" > /dev/null 2>&1 && break; sleep 0.1; done
cat > "$work/post.lua" <<EOF
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["auth"] = "$token"
EOF
url="http://127.0.0.1:$port/api/public/bot/$bot/getSessions"
curl -sf -X POST "$url" -H "auth: $token" --data-raw "$body" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["sessions"]) == 100, d; print("http: page of", len(d["sessions"]), "of", d["total"])'
echo "server: $threads worker threads; wrk ${seconds}s per row"
# server-side latency: the request log's latency (headers parsed -> response
# written) over the lines each wrk row added.
server_percentiles() {
  tail -n +"$1" "$work/serve.log" | python3 -c '
import sys
v = sorted(float(l.split()[4][:-2]) for l in sys.stdin if " 200 " in l and l.split()[4].endswith("ms"))
if v: print("    server-side (request log): mean %.3fms p50 %.3fms p99 %.3fms over %d requests" % (sum(v)/len(v), v[len(v)//2], v[int(len(v)*0.99)], len(v)))'
}
for c in 1 8 64; do
  t=$(( c < 2 ? 1 : 2 ))
  from=$(( $(wc -l < "$work/serve.log") + 1 ))
  echo "== wrk -t$t -c$c -d${seconds}s --latency -s post.lua $url"
  wrk -t"$t" -c"$c" -d"${seconds}s" --latency -s "$work/post.lua" "$url" \
    | grep -E "Requests/sec|Latency|50%|90%|99%|requests in|Non-2xx|Socket errors"
  server_percentiles "$from"
done
kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""

# In process, after the server stopped (so the compactions that follow the
# load are done, as they were for the server): the same request through
# Store::HandleGetSessions in `query --batch` runs of 200 and 2,200 lines;
# the difference over 2,000 is the per-request time without process start
# and store open (median of 3).
line="{\"bot\": \"$bot\", \"containmentType\": null, \"body\": $body}"
for _ in $(seq 200); do echo "$line"; done > "$work/b200.ndjson"
for _ in $(seq 2200); do echo "$line"; done > "$work/b2200.ndjson"
run_ns() {
  local s e; s=$(date +%s%N)
  "$cli" query --db "$work/store" --batch "$1" > /dev/null
  e=$(date +%s%N); echo $(( e - s ))
}
run_ns "$work/b2200.ndjson" > /dev/null  # warm-up
per=()
for _ in 1 2 3; do
  short=$(run_ns "$work/b200.ndjson"); long=$(run_ns "$work/b2200.ndjson")
  per+=($(( (long - short) / 2000 / 1000 )))
done
sorted=($(printf '%s\n' "${per[@]}" | sort -n))
total=$("$cli" query --db "$work/store" --bot "$bot" "$body" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
echo "in-process: ${sorted[1]} us per request (median of ${per[*]}), bot $bot, total $total, page 100"

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
