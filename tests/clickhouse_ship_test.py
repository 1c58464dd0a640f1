#!/usr/bin/env python3
"""`sessiondb ship` to a two-shard ClickHouse cluster (SPEC §9).

Loads `sessiondb generate` data into a store, ships it with --cluster, and
checks ClickHouse against `sessiondb export`: every live session's id, bot
and JSON bytes, counts per bot through the Distributed table, each bot's
rows on the one shard cityHash64(bot) % 2 picks, the aliases, the meta rows.
Then upserts that move sessions between bots (one new bot with quote,
backslash and tab in its id) and change start times, purge and forget-user,
and re-ships: ClickHouse FINAL/deleted=0 holds exactly the store again, and
shipping twice more changes nothing.

  python3 clickhouse_ship_test.py --cli build/release/tools/sessiondb \\
      --urls http://127.0.0.1:18523,http://127.0.0.1:18525

Exits 77 (skipped) where clickhouse-server is not installed.
"""
import argparse
import collections
import datetime as dt
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

SEED = int(os.environ.get("SESSIONDB_TEST_SEED", "20261202"))
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(cli, *args, stdin=None):
    r = subprocess.run([cli, *args], capture_output=True, text=True, input=stdin)
    if r.returncode != 0:
        sys.exit(f"sessiondb {' '.join(args)} failed ({r.returncode}):\n{r.stderr}")
    return r


def ch(url, sql):
    req = urllib.request.Request(url + "/", data=sql.encode(), method="POST")
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.read()
    except urllib.error.HTTPError as e:
        sys.exit(f"clickhouse {url}: {sql[:200]}: {e.read().decode(errors='replace')}")


def hex_rows(url, sql):
    """Rows of a query whose every column is hex(...), decoded to bytes."""
    out = []
    for line in ch(url, sql + " FORMAT TabSeparated").decode().splitlines():
        out.append(tuple(bytes.fromhex(f) for f in line.split("\t")))
    return out


def shift_iso(text, hours):
    t = dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ") + dt.timedelta(hours=hours)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def ascii_lower(s):
    return "".join(c.lower() if "A" <= c <= "Z" else c for c in s)


def export(cli, db):
    """{sessionId: (botId, JSON bytes)} as `sessiondb export` writes them."""
    r = subprocess.run([cli, "export", "--db", db], capture_output=True, check=True)
    out = {}
    for line in r.stdout.split(b"\n"):
        if line:
            obj = json.loads(line)
            out[obj["sessionId"].encode()] = (obj["botId"].encode(), line)
    return out


class Cluster:
    def __init__(self, urls, database):
        self.urls = urls
        self.db = database

    def ready(self):
        """Every shard has the tables live(), aliases() and meta() read (a
        ship creates them when it starts)."""
        sql = (f"SELECT count() FROM system.tables WHERE database = '{self.db}' "
               "AND name IN ('sessions_local', 'aliases_local', 'meta_local')")
        return all(ch(url, sql).strip() == b"3" for url in self.urls)

    def live(self):
        """{session_id: (bot, json, shard)} of every live row, shard by shard."""
        out = {}
        dup = []
        for i, url in enumerate(self.urls):
            for bot, sid, js in hex_rows(
                    url, f"SELECT hex(bot), hex(session_id), hex(json) FROM "
                         f"{self.db}.sessions_local FINAL WHERE deleted = 0"):
                if sid in out:
                    dup.append(sid)
                out[sid] = (bot, js, i)
        return out, dup

    def bots_per_shard(self):
        """Every bot with any row (tombstones and old versions too) per shard."""
        return [{b for (b,) in hex_rows(url, f"SELECT DISTINCT hex(bot) FROM "
                                             f"{self.db}.sessions_local")}
                for url in self.urls]

    def aliases(self, url):
        return dict(hex_rows(url, f"SELECT hex(alias), hex(user_id) FROM "
                                  f"{self.db}.aliases_local FINAL WHERE deleted = 0"))

    def meta(self, url):
        return dict(hex_rows(url, f"SELECT hex(key), hex(value) FROM "
                                  f"{self.db}.meta_local FINAL"))

    def state(self):
        live, _ = self.live()
        return (live, [self.aliases(u) for u in self.urls],
                [self.meta(u) for u in self.urls])

    def shard_of(self, bot):
        lit = "unhex('" + bot.hex() + "')"
        return int(ch(self.urls[0], f"SELECT cityHash64({lit}) % {len(self.urls)}"))


def ship(cli, db, urls, database):
    r = run(cli, "ship", "--db", db, "--clickhouse", ",".join(urls),
            "--cluster", "sessiondb", "--database", database)
    m = re.search(r"shipped (\d+) sessions .*?, (\d+) tombstones, (\d+) aliases "
                  r"\((\d+) tombstones\) at version (\d+)", r.stderr)
    if not m:
        sys.exit(f"unexpected ship summary: {r.stderr!r}")
    return dict(zip(["sessions", "tombstones", "aliases", "alias_tombstones", "version"],
                    map(int, m.groups())))


def check_mirrors(cli, db, cluster, expected_aliases, label):
    """ClickHouse's live rows are exactly the store's sessions."""
    store = export(cli, db)
    live, dup = cluster.live()
    check(not dup, f"{label}: no session is live at two keys ({len(dup)} are)")
    check(set(live) == set(store),
          f"{label}: live session ids == the store's ({len(live)} vs {len(store)}; "
          f"{len(set(live) - set(store))} extra, {len(set(store) - set(live))} missing)")
    wrong = [sid for sid in store if sid in live and
             (live[sid][0], live[sid][1]) != store[sid]]
    check(not wrong, f"{label}: bot and JSON bytes of every session match export "
                     f"({len(wrong)} differ)")
    per_bot = collections.Counter(b for b, _ in store.values())
    dist = dict(hex_rows(cluster.urls[0],
                         f"SELECT hex(bot), hex(toString(count())) FROM "
                         f"{cluster.db}.sessions FINAL WHERE deleted = 0 GROUP BY bot"))
    check({b: int(n) for b, n in dist.items()} == dict(per_bot),
          f"{label}: counts per bot through the Distributed table match export")
    shards = cluster.bots_per_shard()
    check(not (shards[0] & shards[1]), f"{label}: no bot has rows on both shards")
    misplaced = [b for i, bots in enumerate(shards) for b in bots
                 if cluster.shard_of(b) != i]
    check(not misplaced, f"{label}: every bot's rows are on shard cityHash64(bot) % 2 "
                         f"({len(misplaced)} misplaced)")
    for url in cluster.urls:
        check(cluster.aliases(url) == expected_aliases,
              f"{label}: aliases on {url} == the store's ({len(expected_aliases)})")
    return store


def generated_store(cli, tmp, sessions, bots, days, seed):
    """Generates sessions and identities into `tmp`, loads both into a new
    store there; returns (ndjson path, store dir, identities, the alias map
    ClickHouse should hold: lowercased alias bytes -> userId bytes)."""
    data = os.path.join(tmp, "s.ndjson")
    users = os.path.join(tmp, "u.ndjson")
    with open(data, "w") as f:
        subprocess.run([cli, "generate", "--sessions", str(sessions), "--bots", str(bots),
                        "--days", str(days), "--seed", str(seed), "--users-out", users],
                       stdout=f, check=True)
    identities = [json.loads(line) for line in open(users)]
    db = os.path.join(tmp, "db")
    run(cli, "load", "--db", db, data)
    run(cli, "load-users", "--db", db, users)
    aliases = {}
    for ident in identities:
        for alias in ident["aliases"]:
            aliases[ascii_lower(alias).encode()] = ident["userId"].encode()
    return data, db, identities, aliases


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
    database = f"ship_test_{os.getpid()}"
    cluster = Cluster(urls, database)
    with tempfile.TemporaryDirectory(prefix="sessiondb-ship-") as tmp:
        data, db, identities, aliases = generated_store(
            a.cli, tmp, sessions=20000, bots=6, days=12, seed=7)
        try:
            first = ship(a.cli, db, urls, database)
            check(first["sessions"] == 20000 and first["tombstones"] == 0,
                  f"first ship: 20000 sessions, no tombstones ({first})")
            store = check_mirrors(a.cli, db, cluster, aliases, "first ship")
            meta = cluster.meta(urls[1])
            check(meta.get(b"shipped_through") == str(first["version"]).encode() and
                  meta.get(b"store_format") == b"1" and
                  re.fullmatch(rb"[0-9a-f]{64}", meta.get(b"cursor_key", b"")) is not None,
                  f"meta on every server: cursor_key, shipped_through, store_format ({meta})")

            # Upserts: move sessions to another bot (a new one, with bytes
            # SQL and TSV would need escaped, among them), change start
            # times, change content in place.
            records = [json.loads(line) for _, line in store.values()]
            rng.shuffle(records)
            bots = sorted({r["botId"] for r in records})
            odd_bot = "new'bot\\\t✓"
            changed = []
            for i, r in enumerate(records[:600]):
                r = dict(r)
                if i % 3 == 0:
                    r["botId"] = odd_bot if i % 2 else rng.choice([b for b in bots if b != r["botId"]])
                elif i % 3 == 1:
                    hours = rng.choice([-50, -7, 3, 30])
                    r["start_time"] = shift_iso(r["start_time"], hours)
                    if r.get("end_time"):
                        r["end_time"] = shift_iso(r["end_time"], hours)
                else:
                    r["noOfMessagesExchanged"] += 1
                changed.append(r)
            upserts = os.path.join(tmp, "upserts.ndjson")
            with open(upserts, "w") as f:
                for r in changed:
                    f.write(json.dumps(r) + "\n")
            run(a.cli, "load", "--db", db, upserts)
            run(a.cli, "purge", "--db", db, "--before", "2026-01-20", "--bot", bots[0])
            victim = next(i for i in identities
                          if any(r["userId"] == i["userId"] for r in records[600:]))
            run(a.cli, "forget-user", "--db", db, victim["aliases"][0])
            for alias in victim["aliases"]:
                if aliases.get(ascii_lower(alias).encode()) == victim["userId"].encode():
                    del aliases[ascii_lower(alias).encode()]

            second = ship(a.cli, db, urls, database)
            check(second["version"] > first["version"], f"re-ship writes a newer version ({second})")
            check(second["tombstones"] > 0 and second["alias_tombstones"] > 0,
                  f"re-ship writes tombstones for moved, purged and forgotten sessions and aliases ({second})")
            check_mirrors(a.cli, db, cluster, aliases, "after upserts, purge, forget-user")

            before = cluster.state()
            third = ship(a.cli, db, urls, database)
            fourth = ship(a.cli, db, urls, database)
            check(third["tombstones"] == 0 and fourth["tombstones"] == 0 and
                  third["alias_tombstones"] == 0 and fourth["alias_tombstones"] == 0,
                  f"re-shipping an unchanged store writes no tombstone ({third}, {fourth})")
            check(cluster.state() == before, "re-shipping twice changes nothing ClickHouse answers")

            # One store per database: another store's ship is refused.
            other = os.path.join(tmp, "other")
            run(a.cli, "load", "--db", other, upserts)
            r = subprocess.run([a.cli, "ship", "--db", other, "--clickhouse", ",".join(urls),
                                "--cluster", "sessiondb", "--database", database],
                               capture_output=True, text=True)
            check(r.returncode != 0 and "another store" in r.stderr,
                  f"a second store is refused the database: {r.stderr.strip()!r}")
            r = subprocess.run([a.cli, "ship", "--db", db, "--clickhouse", ",".join(reversed(urls)),
                                "--cluster", "sessiondb", "--database", database],
                               capture_output=True, text=True)
            check(r.returncode != 0 and "shard order" in r.stderr,
                  f"URLs out of shard order are refused: {r.stderr.strip()!r}")
        finally:
            for url in urls:
                ch(url, f"DROP DATABASE IF EXISTS {database}")
    if failures:
        print(f"{len(failures)} failures (seed {SEED})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
