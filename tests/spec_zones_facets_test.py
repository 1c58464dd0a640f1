#!/usr/bin/env python3
"""SPEC §7 timeZone and facets, end to end, against an independent model.

Loads `sessiondb generate` data spanning the 2026 DST changes of
America/New_York, Europe/London and Australia/Lord_Howe into a store, then
compares `sessiondb query --batch` answers (total, page, facets, or the 400
naming the field) with a model written here from SPEC §3, §4 and §7: windows
are resolved with Python's zoneinfo (not Abseil), every session is filtered
by brute force, and facets are counted per local day from each session's
start_time. `sessiondb explain` must say how the facets were counted.

  python3 spec_zones_facets_test.py --cli build/release/tools/sessiondb
"""
import argparse
import collections
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from zoneinfo import ZoneInfo

CLI = None
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
HOUR_MS = 3600 * 1000
WEEK_MS = 7 * 24 * HOUR_MS
NOW = "2026-03-10T12:00:00Z"
# Two generated sets: March-April (New York springs forward on 03-08,
# London on 03-29, Lord Howe falls back half an hour on 04-05) and
# October-November (Lord Howe springs forward 10-04, London falls back
# 10-25, New York 11-01).
DATASETS = [("2026-03-02", 40, 11), ("2026-09-28", 40, 12)]
CONTAINMENTS = ["selfService", "agent", "dropOff"]
SESSION_TYPES = ["interactive", "non-interactive"]


def to_ms(t):
    return (t - EPOCH) // dt.timedelta(milliseconds=1)


def from_ms(ms):
    return EPOCH + dt.timedelta(milliseconds=ms)


def iso(ms):
    return from_ms(ms).strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def local_date(ms, zone):
    return from_ms(ms).astimezone(zone).date()


def day_start(day, zone):
    """The first instant whose local date is `day`, by bisection."""
    lo = to_ms(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)) - 16 * HOUR_MS
    hi = lo + 32 * HOUR_MS
    while lo < hi:
        mid = (lo + hi) // 2
        if local_date(mid, zone) >= day:
            hi = mid
        else:
            lo = mid + 1
    return lo


def shift_days(ms, days, zone):
    """Same wall-clock time `days` calendar days away (fold=0 in a gap)."""
    local = from_ms(ms).astimezone(zone).replace(tzinfo=None)
    moved = (local + dt.timedelta(days=days)).replace(tzinfo=zone)
    return to_ms(moved.astimezone(dt.timezone.utc))


def parse_bound(text):
    """('day', date) or ('ms', int) for dates this test writes."""
    if len(text) == 10:
        return ("day", dt.date.fromisoformat(text))
    return ("ms", to_ms(dt.datetime.fromisoformat(text.replace("Z", "+00:00"))))


class Model:
    def __init__(self, sessions, now_ms):
        self.sessions = sessions
        self.now_ms = now_ms

    def window(self, body):
        """(from, to) or the name of the field a 400 names."""
        zone = ZoneInfo(body.get("timeZone", "UTC"))
        f = parse_bound(body["dateFrom"]) if "dateFrom" in body else None
        t = parse_bound(body["dateTo"]) if "dateTo" in body else None
        lo = hi = None
        if f:
            lo = day_start(f[1], zone) if f[0] == "day" else f[1]
        if t:
            hi = day_start(t[1] + dt.timedelta(days=1), zone) if t[0] == "day" else t[1]
        if f and not t:
            hi = (day_start(f[1] + dt.timedelta(days=7), zone) if f[0] == "day"
                  else shift_days(lo, 7, zone))
        elif t and not f:
            lo = (day_start(t[1] - dt.timedelta(days=6), zone) if t[0] == "day"
                  else shift_days(hi, -7, zone))
        elif not f and not t:
            hi = self.now_ms
            lo = shift_days(hi, -7, zone)
        if lo > hi:
            return "dateFrom"
        if f and t and f[0] == "day" and t[0] == "day":
            too_long = (t[1] - f[1]).days + 1 > 7
        else:
            limit = WEEK_MS
            if hi > lo and from_ms(lo).astimezone(zone).utcoffset() != \
                    from_ms(hi - 1).astimezone(zone).utcoffset():
                limit += HOUR_MS
            too_long = hi - lo > limit
        return "dateTo" if too_long else (lo, hi)

    @staticmethod
    def tag_matches(session, cond):
        kinds = {"user": ["userTags"], "session": ["sessionTags"]}.get(
            cond.get("type"), ["userTags", "sessionTags"])
        values = cond.get("values") or ([cond["value"]] if "value" in cond else None)
        return any(tag["name"] == cond["name"] and (values is None or tag["value"] in values)
                   for kind in kinds for tag in session["tags"][kind])

    def matches(self, s, bot, containment, body, lo, hi):
        if bot is not None and s["botId"] != bot:
            return False
        if containment and s["containmentType"].lower() != containment.lower():
            return False
        if "sessionType" in body and s["sessionType"] != body["sessionType"]:
            return False
        if "userId" in body and s["userId"] != body["userId"]:
            return False
        tags = body.get("tags", {})
        if not all(self.tag_matches(s, c) for c in tags.get("and", [])):
            return False
        if tags.get("or") and not any(self.tag_matches(s, c) for c in tags["or"]):
            return False
        return lo <= s["ms"] < hi

    def answer(self, bot, containment, body):
        """('ok', total, first page ids, facets or None) or ('error', field)."""
        w = self.window(body)
        if isinstance(w, str):
            return ("error", w)
        lo, hi = w
        found = [s for s in self.sessions if self.matches(s, bot, containment, body, lo, hi)]
        found.sort(key=lambda s: (s["ms"], s["sessionId"]), reverse=True)
        skip = body.get("skip", 0)
        page = [s["sessionId"] for s in found[skip:skip + body.get("limit", 50)]]
        facets = None
        if body.get("facets"):
            facets = self.facets(found, body["facets"], lo, hi, ZoneInfo(body.get("timeZone", "UTC")))
        return ("ok", len(found), page, facets)

    @staticmethod
    def facets(found, names, lo, hi, zone):
        out = collections.OrderedDict()
        if "containmentType" in names:
            out["containmentType"] = {c: sum(s["containmentType"] == c for s in found)
                                      for c in CONTAINMENTS}
        if "sessionType" in names:
            out["sessionType"] = {t: sum(s["sessionType"] == t for s in found)
                                  for t in SESSION_TYPES}
        if "day" in names:
            days = []
            if hi > lo:
                d, last = local_date(lo, zone), local_date(hi - 1, zone)
                while d <= last:
                    days.append(d)
                    d += dt.timedelta(days=1)
            per_day = collections.Counter((local_date(s["ms"], zone), s["containmentType"])
                                          for s in found)
            out["day"] = [dict([("date", d.isoformat())] +
                               [(c, per_day[(d, c)]) for c in CONTAINMENTS]) for d in days]
        return out


class ZonesFacetsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="zones_facets_")
        cls.db = os.path.join(cls.tmp, "db")
        sessions = []
        for start, days, seed in DATASETS:
            path = os.path.join(cls.tmp, "s%d.ndjson" % seed)
            with open(path, "w") as out:
                subprocess.run([CLI, "generate", "--sessions", "6000", "--bots", "3",
                                "--start", start, "--days", str(days), "--seed", str(seed)],
                               stdout=out, check=True)
            subprocess.run([CLI, "load", "--db", cls.db, path], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            with open(path) as f:
                for line in f:
                    s = json.loads(line)
                    s["ms"] = to_ms(dt.datetime.fromisoformat(s["start_time"].replace("Z", "+00:00")))
                    sessions.append(s)
        by_id = {s["sessionId"]: s for s in sessions}  # upsert: the last wins
        cls.sessions = list(by_id.values())
        cls.model = Model(cls.sessions, to_ms(dt.datetime.fromisoformat(NOW.replace("Z", "+00:00"))))
        bots = collections.Counter(s["botId"] for s in cls.sessions)
        cls.bot = bots.most_common(1)[0][0]
        users = collections.Counter(s["userId"] for s in cls.sessions if s["botId"] == cls.bot)
        cls.user = users.most_common(1)[0][0]
        cls.rare_user = [u for u, n in users.items() if n == 1][0]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def run_batch(self, requests):
        path = os.path.join(self.tmp, "batch.ndjson")
        with open(path, "w") as f:
            for bot, containment, body in requests:
                f.write(json.dumps({"bot": bot, "containmentType": containment, "body": body}) + "\n")
        out = subprocess.run([CLI, "query", "--db", self.db, "--now", NOW, "--batch", path],
                             check=True, capture_output=True, text=True).stdout
        return [json.loads(line, object_pairs_hook=collections.OrderedDict)
                for line in out.splitlines()]

    def check(self, requests):
        answers = self.run_batch(requests)
        self.assertEqual(len(answers), len(requests))
        for (bot, containment, body), got in zip(requests, answers):
            want = self.model.answer(bot, containment, body)
            where = "request bot=%s containment=%s body=%s" % (bot, containment, json.dumps(body))
            if want[0] == "error":
                self.assertIn("errors", got, "%s: %.200s" % (where, got))
                self.assertTrue(got["errors"][0]["msg"].startswith(want[1] + ":"),
                                "%s: %s" % (where, got))
                continue
            self.assertNotIn("errors", got, where)
            self.assertEqual(got["total"], want[1], where)
            self.assertEqual([s["sessionId"] for s in got["sessions"]], want[2], where)
            keys = ["total", "moreAvailable", "sessions"] + (["facets"] if want[3] is not None else [])
            self.assertEqual(list(got.keys()), keys, where)
            if want[3] is not None:
                self.assertEqual(json.dumps(got["facets"]), json.dumps(want[3]), where)

    # Windows around every DST change of the data, in both date-only and
    # ISO-with-offset forms, one- and two-sided.
    def test_windows_across_dst_changes(self):
        zones = {
            "America/New_York": ["2026-03-08", "2026-11-01"],
            "Europe/London": ["2026-03-29", "2026-10-25"],
            "Australia/Lord_Howe": ["2026-04-05", "2026-10-04"],
            "Asia/Kolkata": ["2026-03-10", "2026-10-10"],
            "UTC": ["2026-03-08", "2026-10-25"],
        }
        requests = []
        for zone, changes in zones.items():
            for change in changes:
                d = dt.date.fromisoformat(change)
                day = lambda n: (d + dt.timedelta(days=n)).isoformat()
                for body in [
                    {"dateFrom": day(0), "dateTo": day(0)},            # the 23/25 h day itself
                    {"dateFrom": day(-1), "dateTo": day(1)},
                    {"dateFrom": day(-3), "dateTo": day(3)},           # exactly 7 days
                    {"dateFrom": day(-3), "dateTo": day(4)},           # 8 days: 400
                    {"dateFrom": day(-2)},                             # +7 calendar days
                    {"dateTo": day(2)},                                # -7 calendar days
                    {"dateFrom": day(-1) + "T22:30:00+05:30"},
                    {"dateTo": day(1) + "T01:15:00-04:00"},
                    {"dateFrom": day(-1) + "T10:00:00Z", "dateTo": day(1)},
                    {"dateFrom": day(0), "dateTo": day(1) + "T00:00:00Z"},
                ]:
                    body = dict(body, timeZone=zone, limit=7,
                                facets=["day", "containmentType", "sessionType"])
                    requests.append((self.bot, None, body))
                    requests.append((None, None, dict(body, skip=40)))
        self.check(requests)

    def test_seven_day_limit_edges(self):
        requests = []
        for zone, start in [("America/New_York", "2026-03-05T00:00:00-05:00"),
                            ("America/New_York", "2026-10-29T00:00:00-04:00"),
                            ("Europe/London", "2026-10-22T12:00:00+01:00"),
                            ("Australia/Lord_Howe", "2026-04-02T00:00:00+11:00"),
                            ("Asia/Kolkata", "2026-03-05T00:00:00+05:30"),
                            ("UTC", "2026-03-05T00:00:00Z")]:
            lo = parse_bound(start)[1]
            for extra_ms in [0, 1, HOUR_MS - 30 * 60 * 1000, HOUR_MS, HOUR_MS + 1,
                             -HOUR_MS, -HOUR_MS + 1]:
                body = {"dateFrom": start, "dateTo": iso(lo + WEEK_MS + extra_ms),
                        "timeZone": zone, "facets": ["day"], "limit": 1}
                requests.append((self.bot, None, body))
        answers = self.run_batch(requests)
        # Both sides of the limit are exercised: some accepted, some refused.
        self.assertTrue(any("errors" in a for a in answers))
        self.assertTrue(any("errors" not in a for a in answers))
        self.check(requests)

    def test_default_window_in_a_zone(self):
        self.check([(self.bot, None, {"timeZone": z, "facets": ["day"], "limit": 3})
                    for z in ["UTC", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]])

    # Every plan kind counts facets: counters of the bot, of a user, of a
    # tag, of a tag pair; scans for OR tags and tags without values.
    def test_facets_under_every_plan(self):
        filters = [
            (None, {}),
            ("selfService", {}),
            (None, {"sessionType": "non-interactive"}),
            ("agent", {"sessionType": "interactive"}),
            (None, {"userId": self.user}),
            (None, {"userId": self.rare_user}),
            (None, {"tags": {"and": [{"name": "campaign", "values": ["spring"], "type": "session"}]}}),
            (None, {"tags": {"and": [{"name": "campaign", "value": "spring", "type": "session"},
                                     {"name": "tier", "value": "gold", "type": "user"}]}}),
            (None, {"tags": {"or": [{"name": "csat", "values": ["1", "2"]},
                                    {"name": "region", "value": "apac"}]}}),
            (None, {"tags": {"and": [{"name": "csat"}]}}),
            (None, {"userId": self.user, "tags": {"and": [{"name": "regular"}]}}),
        ]
        requests = []
        for containment, f in filters:
            for zone, lo, hi in [("Asia/Kolkata", "2026-03-09", "2026-03-15"),
                                 ("America/New_York", "2026-03-05", "2026-03-11"),
                                 ("Australia/Lord_Howe", "2026-10-01", "2026-10-07"),
                                 ("Europe/London", "2026-10-22T07:13:00+01:00",
                                  "2026-10-27T18:00:00Z")]:
                for bot in [self.bot, None]:
                    body = dict(f, dateFrom=lo, dateTo=hi, timeZone=zone, limit=5,
                                facets=["sessionType", "day", "containmentType"])
                    requests.append((bot, containment, body))
                    requests.append((bot, containment, dict(body, skip=3)))
        self.check(requests)

    def test_facet_zeros_and_names(self):
        requests = [
            # Days before and after the data: zeros, every day listed.
            (self.bot, None, {"dateFrom": "2026-02-25", "dateTo": "2026-03-03",
                              "timeZone": "Asia/Kolkata", "facets": ["day"]}),
            (self.bot, None, {"dateFrom": "2026-11-05", "dateTo": "2026-11-10",
                              "facets": ["containmentType", "sessionType", "day"]}),
            # A rare user: most enum values count 0.
            (self.bot, "agent", {"userId": self.rare_user, "dateFrom": "2026-03-01",
                                 "dateTo": "2026-03-07", "facets": ["containmentType", "sessionType"]}),
            # Duplicates count once; order is SPEC's whatever the request's.
            (self.bot, None, {"dateFrom": "2026-03-20", "facets": ["day", "day", "sessionType",
                                                                    "containmentType", "day"]}),
            (self.bot, None, {"dateFrom": "2026-03-20", "facets": ["sessionType"]}),
            (self.bot, None, {"dateFrom": "2026-03-20", "facets": []}),
            # An empty window touches no day.
            (self.bot, None, {"dateFrom": "2026-03-20T00:00:00Z", "dateTo": "2026-03-20T00:00:00Z",
                              "facets": ["day"]}),
        ]
        self.check(requests)
        answers = self.run_batch(requests)
        self.assertNotIn("facets", answers[5])  # an empty array asks for none
        self.assertEqual(answers[6]["facets"], {"day": []})
        self.assertEqual(answers[0]["facets"]["day"][0],
                         {"date": "2026-02-25", "selfService": 0, "agent": 0, "dropOff": 0})

    def test_bad_zone_and_facets_are_400_naming_the_field(self):
        cases = [
            ({"timeZone": "Mars/Olympus_Mons"}, "timeZone"),
            ({"timeZone": ""}, "timeZone"),
            ({"timeZone": "localtime"}, "timeZone"),
            ({"timeZone": "../../etc/passwd"}, "timeZone"),
            ({"timeZone": 5}, "timeZone"),
            ({"facets": ["week"]}, "facets[0]"),
            ({"facets": ["day", "Day"]}, "facets[1]"),
            ({"facets": "day"}, "facets"),
            ({"facets": [1]}, "facets[0]"),
            ({"facets": {"day": True}}, "facets"),
        ]
        answers = self.run_batch([(self.bot, None, body) for body, _ in cases])
        for (body, field), got in zip(cases, answers):
            self.assertIn("errors", got, "%s: %.200s" % (body, got))
            self.assertEqual(got["errors"][0]["code"], 400)
            self.assertTrue(got["errors"][0]["msg"].startswith(field + ":"), (body, got))

    def test_lookup_ignores_zone_and_facets(self):
        ids = [s["sessionId"] for s in self.sessions[:3]] + ["no-such-id"]
        got = self.run_batch([(None, None, {"sessionId": ids, "facets": ["day", "nope"],
                                            "timeZone": "Mars/X"})])[0]
        self.assertEqual(list(got.keys()), ["total", "moreAvailable", "sessions", "invalidSessions"])
        self.assertEqual(got["total"], 3)

    def test_explain_says_how_facets_were_counted(self):
        def explain(containment, body):
            args = [CLI, "explain", "--db", self.db, "--now", NOW, "--bot", self.bot]
            if containment:
                args += ["--containment", containment]
            return subprocess.run(args + [json.dumps(body)], check=True,
                                  capture_output=True, text=True).stdout
        base = {"dateFrom": "2026-03-09", "dateTo": "2026-03-15", "facets": ["day"]}
        out = explain(None, dict(base, timeZone="America/New_York"))
        self.assertIn("facets:        counted from the counters", out)
        self.assertIn("local days as differences of UTC days", out)
        out = explain(None, dict(base, timeZone="America/New_York", skip=10))
        self.assertIn("cut at local midnights", out)
        out = explain(None, dict(base, timeZone="Asia/Kolkata", userId=self.user))
        self.assertIn("facets:        counted from the", out)
        out = explain(None, dict(base, tags={"or": [{"name": "csat", "value": "1"},
                                                    {"name": "csat", "value": "2"}]}))
        self.assertIn("facets:        counted from the scan", out)
        self.assertNotIn("facets:", explain(None, {"dateFrom": "2026-03-09"}))


def main():
    global CLI
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True)
    args, rest = parser.parse_known_args()
    CLI = os.path.abspath(args.cli)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
