#!/usr/bin/env python3
"""End-to-end test of the offline tools of the built `sessiondb` CLI:
export (NDJSON and CSV), purge, forget-user and compact, on `sessiondb generate`
data.

- `export` of a filter equals the concatenation of `query` pages for the
  same filter taken 7-day window by window, newest first.
- CSV: a header row, RFC 4180 (Python's csv module reads it back), the same
  values as the NDJSON lines.
- `purge --before` and `forget-user` print how many sessions went, exactly
  the ones selected, and leave `export`/`query` answering without them.
- `query`, `explain`, `stats`, `check` and `export` on a path without a
  store fail naming it and create nothing; `compact` shrinks the store
  after the deletions and changes no answer; no write-ahead log holds data
  once the commands have closed the store.

  cli_offline_test.py --cli build/release/tools/sessiondb
"""
import argparse
import csv
import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
import tempfile

START = dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc)
DAYS = 28
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def run(cli, *args, stdin=None):
    r = subprocess.run([cli, *args], capture_output=True, text=True, input=stdin)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(args)} exited {r.returncode}: {r.stderr}")
    return r


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def export(cli, db, *flags):
    out = run(cli, "export", "--db", db, *flags).stdout
    return [json.loads(line) for line in out.splitlines() if line]


def paged(cli, db, bot, containment, body):
    """The sessions of every page of every 7-day window, newest first."""
    sessions = []
    flags = []
    if bot:
        flags += ["--bot", bot]
    if containment:
        flags += ["--containment", containment]
    for w in range(DAYS // 7 - 1, -1, -1):
        frm = START + dt.timedelta(days=7 * w)
        body.update({"dateFrom": iso(frm), "dateTo": iso(frm + dt.timedelta(days=7)),
                     "limit": 500})
        skip = 0
        while True:
            body["skip"] = skip
            r = json.loads(run(cli, "query", "--db", db, *flags, json.dumps(body)).stdout)
            sessions += r["sessions"]
            if not r["moreAvailable"]:
                break
            skip += 500
    return sessions


def check_store_opening(cli, tmp, db):
    """Read-only commands, and those that only delete, never create a
    store; compact keeps the answers; closing leaves no write-ahead log data
    behind."""
    absent = os.path.join(tmp, "absent")
    for args in (["query"], ["explain"], ["stats"], ["check"], ["export"],
                 ["purge", "--before", "2026-01-01"], ["forget-user", "u-1"],
                 ["compact"]):
        r = subprocess.run([cli, *args, "--db", absent], capture_output=True, text=True)
        check(r.returncode != 0 and absent in r.stderr,
              f"{args[0]} on a missing store fails naming it: {r.returncode} {r.stderr!r}")
        check(not os.path.exists(absent), f"{args[0]} on a missing store creates nothing")
    # A bad flag is refused, naming it, before any connection is tried.
    for command in ("query", "explain", "serve"):
        r = subprocess.run([cli, command, "--clickhouse", "http://127.0.0.1:9",
                            "--one-pass-rows", "-1"], capture_output=True, text=True)
        check(r.returncode != 0 and "--one-pass-rows" in r.stderr
              and "127.0.0.1" not in r.stderr,
              f"{command} --one-pass-rows -1 is refused naming the flag: {r.stderr!r}")

    before = export(cli, db)
    out = run(cli, "compact", "--db", db).stdout
    sizes = re.findall(r"^(before|after):\s+(\d+) bytes$", out, re.M)
    check([k for k, _ in sizes] == ["before", "after"], f"compact prints both sizes: {out!r}")
    if len(sizes) == 2:
        check(int(sizes[1][1]) < int(sizes[0][1]),
              f"compact after purge and forget-user shrinks the store: {out!r}")
    check(export(cli, db) == before, "compact changes no answer")

    wals = [f for f in os.listdir(db) if f.endswith(".log")]
    check(len(wals) <= 1, f"one write-ahead log at most after the commands: {wals}")
    check(all(os.path.getsize(os.path.join(db, f)) == 0 for f in wals),
          "closing flushed every write out of the write-ahead log")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="sessiondb-offline-") as tmp:
        data = os.path.join(tmp, "s.ndjson")
        users = os.path.join(tmp, "u.ndjson")
        with open(data, "w") as f:
            subprocess.run([a.cli, "generate", "--sessions", "4000", "--bots", "3",
                            "--days", str(DAYS), "--seed", "11", "--users-out", users],
                           stdout=f, check=True)
        records = [json.loads(line) for line in open(data)]
        identities = [json.loads(line) for line in open(users)]
        db = os.path.join(tmp, "db")
        run(a.cli, "load", "--db", db, data)
        run(a.cli, "load-users", "--db", db, users)
        bots = sorted({r["botId"] for r in records})
        window = ["--from", START.strftime("%Y-%m-%d"),
                  "--to", (START + dt.timedelta(days=DAYS - 1)).strftime("%Y-%m-%d")]

        # export == getSessions pages, window by window.
        user = identities[3]
        cases = [
            ("account-wide", [], None, None, {}),
            ("one bot", ["--bot", bots[0]], bots[0], None, {}),
            ("bot + containment", ["--bot", bots[1], "--containment", "selfservice"],
             bots[1], "selfservice", {}),
            ("user by alias", ["--user", user["aliases"][0].upper()], None, None,
             {"userId": user["aliases"][0].upper()}),
        ]
        for name, flags, bot, containment, body in cases:
            got = export(a.cli, db, *flags, *window)
            want = paged(a.cli, db, bot, containment, body)
            check(len(want) > 0, f"{name}: the case selects sessions")
            check(got == want, f"{name}: export ({len(got)}) != pages ({len(want)})")
        everything = export(a.cli, db)
        check(len(everything) == len(records), "export without dates holds every session")

        # CSV: RFC 4180, same values as NDJSON.
        # Bytes, not text mode: universal newlines would hide the CRLFs.
        text = subprocess.run([a.cli, "export", "--db", db, "--format", "csv"],
                              capture_output=True, check=True).stdout.decode()
        check(text.endswith("\r\n") and "\r\n" in text[:300], "CSV rows end with CRLF")
        r = subprocess.run([a.cli, "export", "--db", db, "--format", "csv", "--out",
                            os.path.join(tmp, "out.csv")], capture_output=True, text=True)
        check(r.returncode == 0 and re.search(r"exported 4000 sessions, \d+ bytes in", r.stderr),
              f"export prints a summary on stderr: {r.stderr!r}")
        with open(os.path.join(tmp, "out.csv"), newline="") as f:
            check(f.read() == text, "--out writes what stdout gets")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        check(rows[0][:4] == ["sessionId", "botId", "channel", "userId"], "CSV header")
        check(len(rows) == len(everything) + 1, "one CSV row per session")
        for row, obj in zip(rows[1:], everything):
            rec = dict(zip(rows[0], row))
            check(rec["sessionId"] == obj["sessionId"] and
                  rec["start_time"] == obj["start_time"] and
                  rec["end_time"] == obj.get("end_time", "") and
                  json.loads(rec["tags"]) == obj["tags"] and
                  json.loads(rec["session_lang"]) == obj["session_lang"] and
                  rec["isDeveloper"] == json.dumps(obj["isDeveloper"]) and
                  int(rec["noOfMessagesExchanged"]) == obj["noOfMessagesExchanged"],
                  f"CSV row of {obj['sessionId']} carries its values")

        # purge: exactly the sessions before the cutoff, on one bot.
        cutoff = START + dt.timedelta(days=9, hours=5)
        doomed = [r for r in records if r["botId"] == bots[0] and r["start_time"] < iso(cutoff)]
        out = run(a.cli, "purge", "--db", db, "--before", iso(cutoff), "--bot", bots[0]).stdout
        check(f"deleted {len(doomed)} sessions" in out, f"purge reports {len(doomed)}: {out!r}")
        left = {s["sessionId"] for s in export(a.cli, db)}
        check(left == {r["sessionId"] for r in records} - {r["sessionId"] for r in doomed},
              "purge deletes exactly the sessions before the cutoff")

        # forget-user by alias: every session of the user, and its aliases.
        victim = identities[5]
        mine = [r for r in records if r["userId"] == victim["userId"] and
                r["sessionId"] in left]
        out = run(a.cli, "forget-user", "--db", db, victim["aliases"][1]).stdout
        check(f"deleted {len(mine)} sessions and {len(victim['aliases'])} aliases" in out,
              f"forget-user reports {len(mine)} sessions: {out!r}")
        check(export(a.cli, db, "--user", victim["userId"]) == [] and
              export(a.cli, db, "--user", victim["aliases"][0]) == [],
              "nothing of the user is left")
        check(len(export(a.cli, db)) == len(left) - len(mine),
              "forget-user deletes only the user's sessions")

        check_store_opening(a.cli, tmp, db)
    if failures:
        print(f"{len(failures)} failures", file=sys.stderr)
        return 1
    print("cli_offline: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
