#!/usr/bin/env python3
"""Differential test of `sessiondb query --clickhouse` (SPEC §9).

Generates a store (several bots, tags, aliases, plus hand-made sessions with
odd bytes and tied start times), ships it to the local ClickHouse cluster
(`sessiondb ship --cluster sessiondb`), and compares thousands of generated
requests (getsessions_requests.py: every rule of SPEC §3, §4 and §7, cursor
walks included) between `sessiondb query --db` and `sessiondb query
--clickhouse --cluster sessiondb`, byte for byte, through `--batch`. Then
again after upserts that move sessions between bots and change their
fields, purge, forget-user and a re-ship, on the reader's opt-in one FINAL
read (`--one-pass-rows 1000000`), on its default two statements, and on
the two statements after a refused one pass (`--one-pass-rows 1`). Any
difference fails the test, printing the first differing pair.

  clickhouse_query_test.py --cli build/release/tools/sessiondb \\
      --urls http://127.0.0.1:18303,http://127.0.0.1:18305 [--requests N]

Exits 77 (ctest: skipped) when no URL answers. SESSIONDB_TEST_SEED replaces
the request seed; failures print it.
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import getsessions_requests as requests_gen  # noqa: E402

SEED = int(os.environ.get("SESSIONDB_TEST_SEED", "15"))
FIRST_DAY = "2026-03-02"  # the data spans America/New_York's DST start (03-08)
DAYS = 14
NOW = "2026-03-12T15:30:00Z"


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, **kw)
    if p.returncode != 0:
        sys.stderr.write(f"command failed ({p.returncode}): {' '.join(cmd)}\n"
                         f"{p.stderr.decode(errors='replace')}\n")
        sys.exit(1)
    return p.stdout


def answers(urls):
    for url in urls.split(","):
        try:
            with urllib.request.urlopen(url + "/?query=SELECT%201", timeout=5):
                return True
        except OSError:
            continue
    return False


def odd_sessions(bots):
    """Sessions whose bytes test quoting and order: quotes, backslashes,
    non-ASCII and control characters in ids, users and tags; ties on
    start_time broken by sessionId bytes; empty tag values."""
    base = dict(channel="web", session_lang=["en"], sessionType="interactive",
                containmentType="agent", isDeveloper=False,
                sessionStatus="closed", noOfMessagesExchanged=3,
                noOfTasksExecuted=1)
    out = []
    ids = ["odd-'quote'", "odd-\\back\\slash", "odd-é-ü", "odd-z", "odd-\t-tab",
           "odd-\u2603", "odd-Z", "odd-%s-sql' OR '1'='1"]
    for i, sid in enumerate(ids):
        s = dict(base)
        s.update(sessionId=sid, botId=bots[i % 2],
                 userId="u-'odd\\user" if i % 3 == 0 else "u-plain",
                 start_time="2026-03-08T06:59:59.999Z",  # a tie, near DST
                 end_time="2026-03-08T07:10:00.000Z",
                 containmentType=["agent", "dropOff", "selfService"][i % 3],
                 tags={"userTags": [{"name": "tier", "value": "it's \\ \"odd\""},
                                    {"name": "empty", "value": ""}],
                       "sessionTags": [{"name": "intent", "value": "billing"},
                                       {"name": "nota'tion", "value": "é"}]})
        out.append(s)
    live = dict(base)  # live: no end_time
    live.update(sessionId="odd-live", botId=bots[0], userId="u-plain",
                start_time="2026-03-10T23:45:00.000Z", sessionStatus="active",
                tags={"userTags": [], "sessionTags": []})
    out.append(live)
    return out


class Differ:
    def __init__(self, args, work):
        self.args = args
        self.work = work
        self.db = os.path.join(work, "db")
        self.compared = 0
        # The reader's paths: the count and keys in one FINAL read (opt-in,
        # --one-pass-rows N), and the two statements it falls back to
        # (--one-pass-rows 1: every read is refused by max_rows_to_read,
        # Code 158, first; the default, 0, runs them without the attempt).
        self.variants = {"one pass": ["--one-pass-rows", "1000000"]}

    def query(self, source, batch_file):
        return run([self.args.cli, "query", *source, "--now", NOW, "--batch",
                    batch_file]).decode("utf-8", errors="surrogateescape")

    def compare(self, lines, label):
        """Runs `lines` on both backends (ClickHouse once per variant of
        self.variants); returns the embedded answers."""
        path = os.path.join(self.work, f"batch-{label}.ndjson")
        with open(path, "w", encoding="utf-8") as f:
            f.write("".join(line + "\n" for line in lines))
        embedded = self.query(["--db", self.db], path).split("\n")[:-1]
        for variant, flags in self.variants.items():
            shipped = self.query(["--clickhouse", self.args.urls, "--cluster",
                                  "sessiondb", "--database",
                                  self.args.database, *flags],
                                 path).split("\n")[:-1]
            if len(embedded) != len(lines) or len(shipped) != len(lines):
                sys.exit(f"{label} ({variant}): {len(lines)} requests, "
                         f"{len(embedded)} embedded answers, {len(shipped)} "
                         "ClickHouse answers")
            diffs = [i for i in range(len(lines)) if embedded[i] != shipped[i]]
            self.compared += len(lines)
            if diffs:
                i = diffs[0]
                sys.exit(f"{label} ({variant}): {len(diffs)} of {len(lines)} "
                         f"answers differ (seed {SEED}); the first, request "
                         f"{i}:\nrequest:    {lines[i]}\n"
                         f"embedded:   {embedded[i][:3000]}\n"
                         f"clickhouse: {shipped[i][:3000]}")
        return embedded

    def round(self, label, count, seed):
        sessions = requests_gen.load(os.path.join(self.work, "export.ndjson"))
        users = requests_gen.load(os.path.join(self.work, "users.ndjson"))
        first = tuple(int(x) for x in FIRST_DAY.split("-"))
        gen = requests_gen.RequestGenerator(sessions, users, seed, first, DAYS)
        lines = [gen.line() for _ in range(count)]
        out = self.compare(lines, label)
        rng = random.Random(seed)
        statuses = {"ok": 0, "error": 0}
        for a in out:
            statuses["error" if a.startswith('{"errors"') else "ok"] += 1
        # Cursor walks: continue every walk for a few pages.
        walks = 0
        for step in range(4):
            nxt = []
            for line, answer in zip(lines, out):
                if '"nextCursor"' not in answer:
                    continue
                c = requests_gen.continuation(line, json.loads(answer), rng)
                if c is not None:
                    nxt.append(c)
            if not nxt:
                break
            walks += len(nxt)
            lines = nxt
            out = self.compare(lines, f"{label}-walk{step + 1}")
        print(f"{label}: {count} requests ({statuses['ok']} answered, "
              f"{statuses['error']} errors) and {walks} cursor pages: "
              "identical", flush=True)

    def export(self):
        with open(os.path.join(self.work, "export.ndjson"), "wb") as f:
            f.write(run([self.args.cli, "export", "--db", self.db]))

    def ship(self):
        run([self.args.cli, "ship", "--db", self.db, "--clickhouse",
             self.args.urls, "--cluster", "sessiondb", "--database",
             self.args.database])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--urls", required=True)
    ap.add_argument("--database", default=f"query_test_{os.getpid()}",
                    help="created by ship, dropped at the end")
    ap.add_argument("--requests", type=int, default=2500)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    if not answers(args.urls):
        print(f"no ClickHouse answers at {args.urls}: skipped")
        return 77
    work = tempfile.mkdtemp(prefix="ch-query-test-")
    try:
        d = Differ(args, work)
        sessions = os.path.join(work, "sessions.ndjson")
        users = os.path.join(work, "users.ndjson")
        with open(sessions, "wb") as f:
            f.write(run([args.cli, "generate", "--sessions", "4000", "--bots",
                         "5", "--users", "500", "--start", FIRST_DAY, "--days",
                         str(DAYS), "--seed", "15", "--users-out", users]))
        bots = sorted({json.loads(x)["botId"] for x in open(sessions)})
        with open(sessions, "a", encoding="utf-8") as f:
            for s in odd_sessions(bots):
                f.write(json.dumps(s, ensure_ascii=False) + "\n")
        with open(users, "a", encoding="utf-8") as f:
            f.write(json.dumps({"userId": "u-'odd\\user",
                                "aliases": ["Odd'Alias@Example.com"]}) + "\n")
        run([args.cli, "load", "--db", d.db, sessions])
        run([args.cli, "load-users", "--db", d.db, users])
        d.ship()
        d.export()
        d.round("initial", args.requests, SEED)

        # Upserts: move sessions between bots and in time, change their
        # containment, user and tags; then purge a bot's old days and forget a
        # user; then ship again.
        rng = random.Random(SEED + 1)
        exported = requests_gen.load(os.path.join(work, "export.ndjson"))
        moved = rng.sample(exported, 300)
        for s in moved:
            s["botId"] = rng.choice(bots)
            h = int(s["start_time"][11:13])
            s["start_time"] = s["start_time"][:11] + f"{(h + 5) % 24:02d}" + \
                s["start_time"][13:]
            s.pop("end_time", None)
            s["sessionStatus"] = "active"
            s["containmentType"] = rng.choice(["agent", "dropOff",
                                               "selfService"])
            s["tags"]["sessionTags"].append({"name": "moved", "value": "yes"})
        upserts = os.path.join(work, "upserts.ndjson")
        with open(upserts, "w", encoding="utf-8") as f:
            for s in moved:
                f.write(json.dumps(s, ensure_ascii=False) + "\n")
        run([args.cli, "load", "--db", d.db, upserts])
        run([args.cli, "purge", "--db", d.db, "--before", "2026-03-05",
             "--bot", bots[0]])
        forgotten = sorted({s["userId"] for s in exported})[:3]
        for u in forgotten:
            run([args.cli, "forget-user", "--db", d.db, u])
        d.ship()
        d.export()
        d.variants["two statements (the default)"] = []
        d.variants["two statements after a refused one pass"] = [
            "--one-pass-rows", "1"]
        d.round("after-changes", args.requests, SEED + 2)
        print(f"ok: {d.compared} answers compared, zero differences")
        return 0
    finally:
        if not args.keep:
            for url in args.urls.split(","):
                try:
                    sql = f"DROP DATABASE IF EXISTS {args.database}"
                    urllib.request.urlopen(url + "/", data=sql.encode(),
                                           timeout=30).read()
                except OSError:
                    pass
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
