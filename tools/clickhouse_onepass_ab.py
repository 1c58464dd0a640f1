#!/usr/bin/env python3
"""The statements of ClickHouseSessionBackend::RunPage side by side, on shipped
data: the count and the page keys run at once (the fallback), the keys of every
match sorted as tuples in one pass, and the one pass that sorts only the keys
from the N-th latest start (OnePassSql). Interleaved, --reps times each; prints
wall ms per request (median and min, client side), ClickHouse CPU ms per
request (User + System time of the initial query and the shards', from
query_log) and the largest query's memory.

  clickhouse_onepass_ab.py --urls http://127.0.0.1:18903,http://127.0.0.1:18905 \\
      --bot st-840fdde6-aa9b-5cfa-984c-6774a8023714 --from 2026-01-19 --to 2026-01-26 [--reps 7]

--to is exclusive; day facets are the window's UTC days.
"""
import argparse, calendar, concurrent.futures, statistics, time, urllib.request, uuid
ap = argparse.ArgumentParser()
ap.add_argument("--urls", required=True)
ap.add_argument("--database", default="sessiondb")
ap.add_argument("--bot", required=True)
ap.add_argument("--from", dest="date_from", required=True)
ap.add_argument("--to", dest="date_to", required=True)
ap.add_argument("--reps", type=int, default=7)
args = ap.parse_args()
URLS = [u.rstrip("/") + "/" for u in args.urls.split(",")]
URL = URLS[0]
T = f"{args.database}.sessions"
def ms(day):
    return calendar.timegm(time.strptime(day, "%Y-%m-%d")) * 1000
F, TO = ms(args.date_from), ms(args.date_to)
BOT = args.bot
DAYS = list(range(F + 86400000, TO, 86400000))
DAY = "toUInt32(multiIf(" + "".join(f"start_ms < {d}, {i}, " for i, d in enumerate(DAYS)) + f"{len(DAYS)}))"

def q(sql, qid, extra=""):
    u = URL + "?log_queries=1&query_id=" + qid + extra
    return urllib.request.urlopen(u, data=sql.encode()).read()

def forms(where, facets, limit=101, skip=0):
    frm = f" FROM {T} FINAL WHERE {where}"
    if facets:
        count = f"SELECT {DAY} AS day, containment, session_type, count(){frm} GROUP BY day, containment, session_type FORMAT RowBinary"
        one = f"SELECT {DAY} AS day, containment, session_type, count(), arraySlice(arrayReverseSort(groupArray((start_ms, session_id, bot))), 1, {skip + limit}){frm} GROUP BY day, containment, session_type FORMAT RowBinary"
    else:
        count = f"SELECT count(){frm} FORMAT RowBinary"
        one = f"SELECT count(), arraySlice(arrayReverseSort(groupArray((start_ms, session_id, bot))), 1, {skip + limit}){frm} FORMAT RowBinary"
    N = skip + limit
    sel = (f"groupArray(start_ms) AS s, arrayReverseSort(s)[least({N}, length(s))] AS t, "
           f"arraySlice(arrayReverseSort(arrayMap((a, b, c) -> (a, b, c), arrayFilter(x -> x >= t, s), "
           f"arrayFilter((x, y) -> y >= t, groupArray(session_id), s), arrayFilter((x, y) -> y >= t, groupArray(bot), s))), 1, {N}) AS k")
    if facets:
        thr = f"SELECT {DAY} AS day, containment, session_type, count(), {sel}{frm} GROUP BY day, containment, session_type FORMAT Null"
    else:
        thr = f"SELECT count(), {sel}{frm} FORMAT Null"
    keys = f"SELECT bot, start_ms, session_id{frm} ORDER BY start_ms DESC, session_id DESC LIMIT {skip}, {limit} FORMAT RowBinary"
    return count, keys, one, thr

pool = concurrent.futures.ThreadPoolExecutor(2)
def two(count, keys, tag):
    t = time.perf_counter()
    a = pool.submit(q, count, tag + "-c")
    b = pool.submit(q, keys, tag + "-k")
    a.result(); b.result()
    return time.perf_counter() - t

def one(sql, tag):
    t = time.perf_counter()
    q(sql, tag + "-o", "&distributed_group_by_no_merge=1&max_rows_to_read=1000000")
    return time.perf_counter() - t

def mem(prefix):
    """The largest memory_usage of one query (initial or a shard's), MiB."""
    m = 0
    for u in URLS:
        sql = (f"SELECT max(memory_usage) FROM system.query_log WHERE type = 2 AND "
               f"(query_id LIKE '{prefix}%' OR initial_query_id LIKE '{prefix}%')")
        m = max(m, int(urllib.request.urlopen(u, data=sql.encode()).read() or 0))
    return m / 1048576

def cpu(prefix):
    tot = 0
    for u in URLS:
        urllib.request.urlopen(u, data=b"SYSTEM FLUSH LOGS").read()
        sql = (f"SELECT sum(ProfileEvents.Values[indexOf(ProfileEvents.Names, 'UserTimeMicroseconds')] + "
               f"ProfileEvents.Values[indexOf(ProfileEvents.Names, 'SystemTimeMicroseconds')]) FROM system.query_log "
               f"WHERE type = 2 AND (query_id LIKE '{prefix}%' OR initial_query_id LIKE '{prefix}%')")
        tot += int(urllib.request.urlopen(u, data=sql.encode()).read() or 0)
    return tot / 1000

cases = {
  "bot week": (f"deleted = 0 AND bot = '{BOT}' AND start_ms >= {F} AND start_ms < {TO}", False, 0),
  "bot week + facets": (f"deleted = 0 AND bot = '{BOT}' AND start_ms >= {F} AND start_ms < {TO}", True, 0),
  "bot week skip 5000": (f"deleted = 0 AND bot = '{BOT}' AND start_ms >= {F} AND start_ms < {TO}", False, 5000),
  "account-wide week": (f"deleted = 0 AND start_ms >= {F} AND start_ms < {TO}", False, 0),
  "account-wide week + facets": (f"deleted = 0 AND start_ms >= {F} AND start_ms < {TO}", True, 0),
}
reps = args.reps
run = uuid.uuid4().hex[:6]
print("| statements | two at once: wall median (min) ms | one pass (tuples sorted) | one pass (start_ms threshold) | CPU ms/request: two | one (tuples) | one (threshold) | MiB, largest query: two / tuples / threshold |")
print("|---|--:|--:|--:|--:|--:|--:|--:|")
for name, (where, facets, skip) in cases.items():
    count, keys, onesql, thrsql = forms(where, facets, skip=skip)
    w2, w1, w3 = [], [], []
    tag = name.replace(' ', '_').replace('+', 'f')
    for i in range(reps):
        w2.append(two(count, keys, f"ab{run}-{i}-{tag}-two"))
        w1.append(one(onesql, f"ab{run}-{i}-{tag}-one"))
        w3.append(one(thrsql, f"ab{run}-{i}-{tag}-thr"))
    time.sleep(8)
    c2 = sum(cpu(f"ab{run}-{i}-{tag}-two") for i in range(reps)) / reps
    c1 = sum(cpu(f"ab{run}-{i}-{tag}-one") for i in range(reps)) / reps
    c3 = sum(cpu(f"ab{run}-{i}-{tag}-thr") for i in range(reps)) / reps
    m2, m1, m3 = (mem(f"ab{run}-0-{tag}-{f}") for f in ("two", "one", "thr"))
    print(f"| {name} | {statistics.median(w2)*1000:.0f} ({min(w2)*1000:.0f}) | {statistics.median(w1)*1000:.0f} ({min(w1)*1000:.0f}) | {statistics.median(w3)*1000:.0f} ({min(w3)*1000:.0f}) | {c2:.0f} | {c1:.0f} | {c3:.0f} | {m2:.0f} / {m1:.0f} / {m3:.0f} |", flush=True)
