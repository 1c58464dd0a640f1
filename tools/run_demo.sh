#!/usr/bin/env bash
# Sets everything up, builds a demo store of 100,000 generated sessions (8
# bots, 28 days from 2026-01-05, with user aliases), writes a demo apps file,
# starts `sessiondb serve` on localhost in the background (it keeps running
# after this script ends), prints a ready-to-paste curl request, with a
# freshly minted token, that returns real sessions, and ends with the URL of
# the sessions explorer (SPEC §8) showing the busiest bot's last week of data.
#
# Rerunning reuses the store, stops the server of the previous run and starts
# a new one. Files: demo/store, demo/apps.json, demo/server.pid,
# demo/server.log (one line per request). Port: SESSIONDB_DEMO_PORT (8080).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/build.sh release
DEMO=demo
CLI=build/release/tools/sessiondb
PORT="${SESSIONDB_DEMO_PORT:-8080}"
mkdir -p "$DEMO"

# The server of a previous run holds the store's lock: stop it first.
if [ -f "$DEMO/server.pid" ]; then
  pid="$(cat "$DEMO/server.pid")"
  if kill -0 "$pid" 2>/dev/null && grep -qa "sessiondb" "/proc/$pid/cmdline" 2>/dev/null; then
    echo "== stopping the demo server of the previous run (pid $pid)"
    kill -TERM "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$DEMO/server.pid"
fi

# A store this build cannot open (e.g. written by an older format version)
# is rebuilt.
if [ ! -f "$DEMO/.loaded" ] || ! "$CLI" stats --db "$DEMO/store" > /dev/null 2>&1; then
  rm -rf "$DEMO/store"
  echo "== generating 100,000 sessions (sessiondb generate)"
  "$CLI" generate --sessions 100000 --seed 1 \
    --users-out "$DEMO/users.ndjson" > "$DEMO/sessions.ndjson"
  echo "== loading"
  "$CLI" load --db "$DEMO/store" "$DEMO/sessions.ndjson"
  "$CLI" load-users --db "$DEMO/store" "$DEMO/users.ndjson"
  touch "$DEMO/.loaded"
fi
"$CLI" stats --db "$DEMO/store"
BOT=$("$CLI" stats --db "$DEMO/store" | awk '/^  st-/ {print $2, $1}' | sort -rn | head -1 | cut -d' ' -f2)

# Demo apps (SPEC §5) with fresh random secrets: a reader of the busiest bot,
# an admin of every bot, a writer for ingest.
secret() { python3 -c 'import secrets; print(secrets.token_urlsafe(32))'; }
umask 077
cat > "$DEMO/apps.json" <<EOF
{"apps": [
  {"appId": "cs-demo-bot-reader", "clientSecret": "$(secret)", "scopes": ["bot:sessions"], "bots": ["$BOT"]},
  {"appId": "cs-demo-admin", "clientSecret": "$(secret)", "scopes": ["admin:bot-sessions"]},
  {"appId": "cs-demo-writer", "clientSecret": "$(secret)", "scopes": ["sessions:write"]}
]}
EOF
umask 022

echo "== starting sessiondb serve on 127.0.0.1:$PORT (log: $DEMO/server.log)"
# setsid: the server outlives this script and the terminal it ran in.
setsid "$CLI" serve --db "$DEMO/store" --apps "$DEMO/apps.json" \
  --listen "127.0.0.1:$PORT" > "$DEMO/server.out" 2> "$DEMO/server.log" < /dev/null &
echo $! > "$DEMO/server.pid"
for _ in $(seq 100); do
  if curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null 2>&1; then break; fi
  if ! kill -0 "$(cat "$DEMO/server.pid")" 2>/dev/null; then
    echo "sessiondb serve did not start:" >&2; cat "$DEMO/server.log" >&2; exit 1
  fi
  sleep 0.1
done
cat "$DEMO/server.out"

TOKEN=$("$CLI" token --apps "$DEMO/apps.json" --app cs-demo-bot-reader --ttl 86400)
BODY='{"skip": 0, "limit": 3, "dateFrom": "2026-01-20", "dateTo": "2026-01-21"}'
URL="http://127.0.0.1:$PORT/api/public/bot/$BOT/getSessions?containmentType=selfService"
read -r -d '' REQUEST <<EOF || true
curl --location --request POST '$URL' \\
     --header 'auth: $TOKEN' \\
     --header 'Content-Type: application/json' \\
     --data-raw '$BODY'
EOF
echo "== the answer to"
echo "$REQUEST"
# The first 40 lines of the pretty-printed answer, cut by python itself: with
# pipefail, `json.tool | head` fails the script when head closes the pipe.
eval "$REQUEST" --silent --show-error | python3 -c \
  'import json, sys; print("\n".join(json.dumps(json.load(sys.stdin), indent=4).splitlines()[:40]))'
echo "   ..."
echo
echo "== the server keeps running (pid $(cat "$DEMO/server.pid")); paste this to ask it yourself:"
echo
echo "$REQUEST"
echo
echo "   token valid 24 h, for bot $BOT only; an admin token for every bot and the"
echo "   account-wide route: $CLI token --apps $DEMO/apps.json --app cs-demo-admin"
echo "   stop the server: kill \$(cat $DEMO/server.pid)    routes, scopes, ingest: docs/HTTP.md"
echo
# The explorer: an admin token (so "every bot" works too) in the URL's
# fragment, which the browser keeps to itself; the page moves it to the
# tab's sessionStorage and out of the address bar. The dates are the data's
# last week (the demo data ends 2026-02-01; the default window is the last 7
# days before now).
ADMIN_TOKEN=$("$CLI" token --apps "$DEMO/apps.json" --app cs-demo-admin --ttl 86400)
echo "== the sessions explorer (token valid 24 h; docs/HTTP.md, 'The sessions explorer'):"
echo
echo "   http://127.0.0.1:$PORT/#token=$ADMIN_TOKEN&bot=$BOT&dateFrom=2026-01-26&dateTo=2026-02-01"
