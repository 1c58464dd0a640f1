-- wrk script: POST one getSessions body with the `auth` token header.
--
--   wrk -t2 -c64 -d10s --latency -s bench/http_wrk.lua http://127.0.0.1:PORT \
--       -- TOKEN BOT ['BODY']
--
-- or with the environment: SESSIONDB_BENCH_TOKEN, SESSIONDB_BENCH_BOT,
-- SESSIONDB_BENCH_BODY (wrk's arguments win). With a bot the path is
-- /api/public/bot/<BOT>/getSessions, without one the URL's own path.
-- Default body: one week, limit 100 (tools/http_load_check.sh's query).
-- No response() callback (it would cost wrk a Lua call per answer): wrk's
-- own "Non-2xx or 3xx responses" line tells a run that measured errors.

function init(args)
  local token = args[1] or os.getenv("SESSIONDB_BENCH_TOKEN")
  local bot = args[2] or os.getenv("SESSIONDB_BENCH_BOT")
  local body = args[3] or os.getenv("SESSIONDB_BENCH_BODY") or
      '{"limit": 100, "dateFrom": "2026-01-19", "dateTo": "2026-01-25"}'
  if token == nil or token == "" then
    error("http_wrk.lua: no token (wrk ... -- TOKEN BOT or SESSIONDB_BENCH_TOKEN)")
  end
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["auth"] = token
  if bot ~= nil and bot ~= "" then
    wrk.path = "/api/public/bot/" .. bot .. "/getSessions"
  end
end
