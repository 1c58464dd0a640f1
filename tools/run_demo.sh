#!/usr/bin/env bash
# Sets everything up, builds a demo store of 100,000 generated sessions (8
# bots, 28 days, with user aliases) and answers a real getSessions request
# against it. Rerunning reuses the store.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/build.sh release
SHARED="$(cd .. && pwd)/shared"
DEMO=demo
CLI=build/release/tools/sessiondb
mkdir -p "$DEMO"
if [ ! -f "$DEMO/.loaded" ]; then
  rm -rf "$DEMO/store"
  echo "== generating 100,000 sessions with $SHARED/tools/gen_sessions.py"
  python3 "$SHARED/tools/gen_sessions.py" --sessions 100000 --seed 1 \
    --users-out "$DEMO/users.ndjson" > "$DEMO/sessions.ndjson"
  echo "== loading"
  "$CLI" load --db "$DEMO/store" "$DEMO/sessions.ndjson"
  "$CLI" load-users --db "$DEMO/store" "$DEMO/users.ndjson"
  touch "$DEMO/.loaded"
fi
"$CLI" stats --db "$DEMO/store"
BOT=$("$CLI" stats --db "$DEMO/store" | awk '/^  st-/ {print $2, $1}' | sort -rn | head -1 | cut -d' ' -f2)
BODY='{"skip": 0, "limit": 3, "dateFrom": "2026-01-20", "dateTo": "2026-01-21", "tags": {"and": [{"name": "intent", "values": ["billing"], "type": "session"}]}}'
echo "== POST /api/public/bot/$BOT/getSessions?containmentType=selfService"
echo "   body: $BODY"
"$CLI" query --db "$DEMO/store" --bot "$BOT" --containment selfService "$BODY" | python3 -m json.tool
echo "== how it was answered"
"$CLI" explain --db "$DEMO/store" --bot "$BOT" --containment selfService "$BODY"
