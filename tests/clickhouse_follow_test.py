#!/usr/bin/env python3
"""`sessiondb ship --follow` beside a writer (SPEC §9, docs/SCALE-OUT.md).

Loads `sessiondb generate` data into a store and starts `ship --follow`
(a reader beside the writer). While it runs, writers upsert sessions that
move between bots and change start times, add new ones, change content in
place, purge, forget a user, link aliases, and finally empty the store and
bulk-load it again (an `everything` change: follow reships the snapshot).
After each burst and after the writers stop, follow catches up: ClickHouse
FINAL/deleted = 0 holds exactly the store's sessions (ids, bots, JSON
bytes, each bot on its shard) and aliases, meta shipped_through equals the
store's SHIPPED file, and SIGTERM stops follow cleanly. Writes made while
no follow runs reach ClickHouse through a restarted follow that resumes at
the position ClickHouse's meta holds, without shipping the whole snapshot.

  python3 clickhouse_follow_test.py --cli build/release/tools/sessiondb \\
      --urls http://127.0.0.1:18523,http://127.0.0.1:18525

Exits 77 (skipped) where clickhouse-server is not installed.
"""
import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clickhouse_ship_test as ship_test  # noqa: E402  (Cluster, export, ch)

SEED = int(os.environ.get("SESSIONDB_TEST_SEED", "20261202"))
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def run(cli, *args):
    r = subprocess.run([cli, *args], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"sessiondb {' '.join(args)} failed ({r.returncode}):\n{r.stderr}")
    return r


def mirrors(cli, db, cluster, aliases):
    """None when ClickHouse holds exactly the store, else what differs."""
    store = ship_test.export(cli, db)
    live, dup = cluster.live()
    if dup:
        return f"{len(dup)} sessions live at two keys"
    if set(live) != set(store):
        return (f"{len(set(live) - set(store))} extra, "
                f"{len(set(store) - set(live))} missing")
    wrong = [s for s in store if (live[s][0], live[s][1]) != store[s]]
    if wrong:
        return f"{len(wrong)} sessions differ in bot or JSON"
    misplaced = [s for s, (bot, _, shard) in live.items()
                 if cluster.shard_of(bot) != shard]
    if misplaced:
        return f"{len(misplaced)} sessions on the wrong shard"
    for url in cluster.urls:
        if cluster.aliases(url) != aliases:
            return f"aliases on {url} differ"
    return None


def shipped(db):
    try:
        return int(open(os.path.join(db, "SHIPPED")).read())
    except (OSError, ValueError):
        return None


def catch_up(cli, db, cluster, aliases, follow, label, timeout=300):
    """Waits until ClickHouse mirrors the store and meta agrees with SHIPPED."""
    deadline = time.time() + timeout
    why = "not looked"
    while time.time() < deadline:
        if follow.poll() is not None:
            check(False, f"{label}: ship --follow is running (exited {follow.returncode})")
            return
        if not cluster.ready():  # follow has not created its tables yet
            why = "no tables yet"
            time.sleep(0.5)
            continue
        why = mirrors(cli, db, cluster, aliases)
        mark = shipped(db)
        meta = [cluster.meta(u).get(b"shipped_through") for u in cluster.urls]
        if why is None and mark is not None and all(m == str(mark).encode() for m in meta):
            # The mark must also be stable: follow has nothing left to ship.
            time.sleep(1.0)
            if shipped(db) == mark and mirrors(cli, db, cluster, aliases) is None:
                check(True, f"{label}: ClickHouse holds exactly the store "
                            f"(shipped through change {mark})")
                return
        time.sleep(0.5)
    check(False, f"{label}: follow caught up within {timeout} s ({why})")


def write_burst(cli, db, tmp, rng, store, n, label):
    """Upserts n sessions: moved to another bot, shifted, changed in place,
    or new."""
    records = [json.loads(line) for _, line in store.values()]
    rng.shuffle(records)
    bots = sorted({r["botId"] for r in records})
    out = []
    for i, r in enumerate(records[:n]):
        r = dict(r)
        kind = i % 4
        if kind == 0:
            r["botId"] = rng.choice([b for b in bots if b != r["botId"]] or ["bot-x"])
        elif kind == 1:
            hours = rng.choice([-30, -2, 5, 40])
            r["start_time"] = ship_test.shift_iso(r["start_time"], hours)
            if r.get("end_time"):
                r["end_time"] = ship_test.shift_iso(r["end_time"], hours)
        elif kind == 2:
            r["noOfMessagesExchanged"] += 1
        else:
            r["sessionId"] = f"{label}-new-{i}"
        out.append(r)
    path = os.path.join(tmp, f"{label}.ndjson")
    with open(path, "w") as f:
        for r in out:
            f.write(json.dumps(r) + "\n")
    run(cli, "load", "--db", db, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--urls", required=True)
    a = ap.parse_args()
    if not (shutil.which("clickhouse-server") or os.path.exists("/usr/sbin/clickhouse-server")):
        print("clickhouse-server is not installed: skipped")
        return 77
    urls = a.urls.split(",")
    rng = random.Random(SEED)
    print(f"seed {SEED} (SESSIONDB_TEST_SEED)")
    database = f"follow_test_{os.getpid()}"
    cluster = ship_test.Cluster(urls, database)
    with tempfile.TemporaryDirectory(prefix="sessiondb-follow-") as tmp:
        data, db, identities, aliases = ship_test.generated_store(
            a.cli, tmp, sessions=5000, bots=5, days=10, seed=11)

        log = open(os.path.join(tmp, "follow.log"), "w+")
        follow = subprocess.Popen(
            [a.cli, "ship", "--db", db, "--clickhouse", ",".join(urls), "--cluster",
             "sessiondb", "--database", database, "--follow", "--poll", "0.2"],
            stdout=log, stderr=subprocess.STDOUT)
        try:
            catch_up(a.cli, db, cluster, aliases, follow, "first ship")
            first_mark = shipped(db)

            # Bursts while follow runs: each load is one writer process; follow
            # ships as they come, without waiting for the bursts to end.
            for burst in range(3):
                store = ship_test.export(a.cli, db)
                write_burst(a.cli, db, tmp, rng, store, 400, f"b{burst}")
                time.sleep(rng.choice([0, 0.3]))
            store = ship_test.export(a.cli, db)
            records = [json.loads(line) for _, line in store.values()]
            bots = sorted({r["botId"] for r in records})
            run(a.cli, "purge", "--db", db, "--before", "2026-01-08", "--bot", bots[0])
            victim = next(i for i in identities
                          if any(r["userId"] == i["userId"] for r in records))
            run(a.cli, "forget-user", "--db", db, victim["aliases"][0])
            for alias in victim["aliases"]:
                key = ship_test.ascii_lower(alias).encode()
                if aliases.get(key) == victim["userId"].encode():
                    del aliases[key]
            linked = os.path.join(tmp, "linked.ndjson")
            with open(linked, "w") as f:
                f.write(json.dumps({"userId": "u-linked", "aliases": ["Linked@Example"]}) + "\n")
            run(a.cli, "load-users", "--db", db, linked)
            aliases[b"linked@example"] = b"u-linked"
            catch_up(a.cli, db, cluster, aliases, follow, "after upserts, purge, forget-user")
            mark = shipped(db)
            check(mark is not None and first_mark is not None and mark > first_mark,
                  f"the shipped mark advanced ({first_mark} -> {mark})")

            # Empty the store, then bulk-load it again: the load's one
            # `everything` change makes follow ship the snapshot again.
            run(a.cli, "purge", "--db", db, "--before", "2100-01-01")
            check(not ship_test.export(a.cli, db), "the store is empty after a purge of all")
            catch_up(a.cli, db, cluster, aliases, follow, "after purging everything")
            run(a.cli, "load", "--db", db, data)
            catch_up(a.cli, db, cluster, aliases, follow, "after a bulk load (everything)")
            log.flush()
            log.seek(0)
            text = log.read()
            check(text.count("(whole snapshot)") >= 2,
                  "follow reshipped the whole snapshot for the bulk load")

            follow.send_signal(signal.SIGTERM)
            try:
                code = follow.wait(timeout=30)
            except subprocess.TimeoutExpired:
                follow.kill()
                code = None
            log.seek(0)
            text = log.read()
            check(code == 0 and "stopped" in text,
                  f"SIGTERM stops follow cleanly (exit {code}): {text[-300:]!r}")

            # Writes while no follow runs, then a new follow: ClickHouse's
            # meta says it holds the store through the stopped follow's
            # position, so the new one ships only the changes after it.
            store = ship_test.export(a.cli, db)
            write_burst(a.cli, db, tmp, rng, store, 200, "stopped")
            relinked = os.path.join(tmp, "relinked.ndjson")
            with open(relinked, "w") as f:
                f.write(json.dumps({"userId": "u-relinked",
                                    "aliases": ["Linked@Example"]}) + "\n")
            run(a.cli, "load-users", "--db", db, relinked)
            aliases[b"linked@example"] = b"u-relinked"
            log = open(os.path.join(tmp, "follow-again.log"), "w+")
            follow = subprocess.Popen(
                [a.cli, "ship", "--db", db, "--clickhouse", ",".join(urls), "--cluster",
                 "sessiondb", "--database", database, "--follow", "--poll", "0.2"],
                stdout=log, stderr=subprocess.STDOUT)
            catch_up(a.cli, db, cluster, aliases, follow, "a restarted follow")
            follow.send_signal(signal.SIGTERM)
            follow.wait(timeout=30)
            log.seek(0)
            text = log.read()
            check("following from there" in text and "(whole snapshot)" not in text,
                  f"a restarted follow resumes without a whole ship: {text[-300:]!r}")
        finally:
            if follow.poll() is None:
                follow.kill()
                follow.wait()
            for url in urls:
                ship_test.ch(url, f"DROP DATABASE IF EXISTS {database}")
    if failures:
        print(f"{len(failures)} failures (seed {SEED})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
