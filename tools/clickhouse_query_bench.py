#!/usr/bin/env python3
"""Side-by-side latency of getSessions on the embedded store and on ClickHouse.

For each request it runs `sessiondb query --batch` with the request once and
with it 1 + N times, on both backends; (time(1 + N) - time(1)) / N is the
per-request time without the process start and the store open. Each
measurement is the minimum of --runs runs. Prints a Markdown table (ms).
--baseline-cli adds a column: the same ClickHouse requests through another
build (e.g. one from before a change), measured in the same run, each
request right after the other build's.

  clickhouse_query_bench.py --cli build/release/tools/sessiondb --db /tmp/st1m \\
      --clickhouse http://127.0.0.1:18303,http://127.0.0.1:18305 --cluster sessiondb \\
      --database sessiondb --bot st-840fdde6-aa9b-5cfa-984c-6774a8023714 \\
      --from 2026-01-19 --to 2026-01-25
"""
import argparse
import json
import os
import subprocess
import tempfile
import time


def batch_time(cmd, line, n, runs):
    with tempfile.NamedTemporaryFile("w", suffix=".ndjson", delete=False) as f:
        f.write((line + "\n") * n)
        path = f.name
    best = None
    try:
        for _ in range(runs):
            t = time.perf_counter()
            p = subprocess.run(cmd + ["--batch", path], capture_output=True)
            dt = time.perf_counter() - t
            if p.returncode != 0 or b'"errors"' in p.stdout:
                raise SystemExit(f"failed: {line}\n{p.stdout[:500]}{p.stderr[:500]}")
            best = dt if best is None else min(best, dt)
    finally:
        os.unlink(path)
    return best


def per_request(cmd, line, n, runs):
    return (batch_time(cmd, line, 1 + n, runs) - batch_time(cmd, line, 1, runs)) / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--baseline-cli", default=None)
    ap.add_argument("--db", required=True)
    ap.add_argument("--clickhouse", required=True)
    ap.add_argument("--cluster", default="sessiondb")
    ap.add_argument("--database", default="sessiondb")
    ap.add_argument("--bot", required=True)
    ap.add_argument("--from", dest="date_from", required=True)
    ap.add_argument("--to", dest="date_to", required=True)
    ap.add_argument("--user", default=None)
    ap.add_argument("--n", type=int, default=10)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    embedded = [args.cli, "query", "--db", args.db]
    clickhouse = [args.cli, "query", "--clickhouse", args.clickhouse,
                  "--cluster", args.cluster, "--database", args.database]
    week = {"dateFrom": args.date_from, "dateTo": args.date_to}
    facets = ["containmentType", "sessionType", "day"]
    first = json.loads(subprocess.run(
        embedded + [json.dumps({**week, "limit": 100, "cursor": ""}),
                    "--bot", args.bot], capture_output=True).stdout)
    requests = [
        ("bot week: page (100) + total", args.bot, {**week, "limit": 100}),
        ("bot week: + facets (UTC)", args.bot,
         {**week, "limit": 100, "facets": facets}),
        ("bot week: + facets (Asia/Kolkata)", args.bot,
         {**week, "limit": 100, "facets": facets, "timeZone": "Asia/Kolkata"}),
        ("bot week: cursor page 2", args.bot,
         {"limit": 100, "cursor": first["nextCursor"]}),
        ("bot week: skip 5000", args.bot, {**week, "limit": 100, "skip": 5000}),
        ("bot week: containmentType=agent", args.bot,
         {**week, "limit": 100, "_containment": "agent"}),
        ("bot week: one session tag", args.bot,
         {**week, "limit": 100,
          "tags": {"sessionTags": [{"name": "intent", "value": "billing"}]}}),
        ("account-wide week: page + total", None, {**week, "limit": 100}),
        ("account-wide week: + facets (UTC)", None,
         {**week, "limit": 100, "facets": facets}),
        ("lookup by 10 ids", args.bot,
         {"sessionId": [s["sessionId"] for s in first["sessions"][:10]]}),
    ]
    if args.user:
        requests.append(("bot week: userId", args.bot,
                         {**week, "limit": 100, "userId": args.user}))
    baseline = None
    if args.baseline_cli:
        baseline = [args.baseline_cli] + clickhouse[1:]
        print("| request | embedded (ms) | ClickHouse, baseline (ms) | "
              "ClickHouse (ms) |")
        print("|---|--:|--:|--:|")
    else:
        print("| request | embedded (ms) | ClickHouse (ms) |")
        print("|---|--:|--:|")
    for label, bot, body in requests:
        containment = body.pop("_containment", None)
        line = json.dumps({"bot": bot, "containmentType": containment,
                           "body": body})
        e = per_request(embedded, line, args.n, args.runs) * 1000
        if baseline:
            b = per_request(baseline, line, args.n, args.runs) * 1000
        c = per_request(clickhouse, line, args.n, args.runs) * 1000
        if baseline:
            print(f"| {label} | {e:.1f} | {b:.1f} | {c:.1f} |", flush=True)
        else:
            print(f"| {label} | {e:.1f} | {c:.1f} |", flush=True)


if __name__ == "__main__":
    main()
