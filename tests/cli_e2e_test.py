#!/usr/bin/env python3
"""End-to-end tests of the `sessiondb` command-line tool (SPEC §6).

Generates sessions and identities with `sessiondb generate`, loads them
with `sessiondb load` / `load-users`, and compares `sessiondb query --batch`
answers for a few hundred random requests against a reference evaluator of
SPEC §2-§4 written here from the SPEC (not from the C++ code): it filters every
session, sorts by (start_time desc, sessionId desc) and slices the page.

  python3 cli_e2e_test.py --cli build/release/tools/sessiondb [unittest args]

The request generator's seed is fixed; SESSIONDB_TEST_SEED overrides it, and
every failure message prints it.
"""
import argparse
import base64
import bisect
import collections
import datetime as dt
import hashlib
import hmac
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

OrderedDict = collections.OrderedDict

CLI = None
SEED = int(os.environ.get("SESSIONDB_TEST_SEED", "20260105"))

# SPEC constants, restated.
DAY_MS = 86400 * 1000
WEEK_MS = 7 * DAY_MS
PAGE_CAP = 10000
DEFAULT_LIMIT = 50
LOOKUP_CAP = 50
TAG_VALUES_CAP = 1000      # SPEC §5: tag values per request, in total
TAG_CONDITIONS_CAP = 100   # and tag conditions

# `sessiondb generate` parameters: 20,000 sessions, 6 skewed bots, 12 days from 2026-01-05,
# so an account-wide week holds more than the 10,000 page size cap.
GEN_SESSIONS = 20000
GEN_BOTS = 6
GEN_SEED = 7
GEN_START = "2026-01-05"
GEN_DAYS = 12
# "now" for the batch: inside the data, so the default window holds sessions.
BATCH_NOW = "2026-01-14T12:00:00Z"

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def iso(ms):
    t = EPOCH + dt.timedelta(milliseconds=ms)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def day_ms(y, m, d):
    return (dt.datetime(y, m, d, tzinfo=dt.timezone.utc) - EPOCH) // dt.timedelta(milliseconds=1)


# ---------------------------------------------------------------------------
# SPEC §3 dates: YYYY-MM-DD, or YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm), a
# single space tolerated before the T, the fraction truncated to ms.

DATE_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})\Z")
TIME_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2}) ?T([0-9]{2}):([0-9]{2}):([0-9]{2})"
                     r"(?:\.([0-9]+))?(Z|[+-][0-9]{2}:[0-9]{2})\Z")


def parse_api_date(text):
    """Returns (ms, has_time) or None when the text is not a valid date."""
    if not isinstance(text, str):
        return None
    m = DATE_RE.match(text)
    if m:
        try:
            d = dt.datetime(int(m[1]), int(m[2]), int(m[3]), tzinfo=dt.timezone.utc)
        except ValueError:
            return None
        return (d - EPOCH) // dt.timedelta(milliseconds=1), False
    m = TIME_RE.match(text)
    if not m:
        return None
    try:
        d = dt.datetime(int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6]),
                        tzinfo=dt.timezone.utc)
    except ValueError:
        return None
    ms = (d - EPOCH) // dt.timedelta(milliseconds=1)
    if m[7]:
        ms += int((m[7] + "00")[:3])
    zone = m[8]
    if zone != "Z":
        hh, mm = int(zone[1:3]), int(zone[4:6])
        if hh > 23 or mm > 59:
            return None
        offset = (hh * 60 + mm) * 60000
        ms -= offset if zone[0] == "+" else -offset
    return ms, True


# ---------------------------------------------------------------------------
# The reference store: sessions in the response shape, the alias map, and the
# getSessions evaluator.

CONTAINMENTS = {"dropoff": "dropOff", "selfservice": "selfService", "agent": "agent"}
SESSION_TYPES = {"interactive": "interactive", "non-interactive": "non-interactive"}


class ApiError(Exception):
    """A 400 answer; `fields` are names its msg may use (empty: any)."""

    def __init__(self, *fields):
        super().__init__(", ".join(fields))
        self.fields = list(fields)


class Session:
    __slots__ = ("sid", "bot", "user", "start", "ctype", "stype", "user_tags", "session_tags",
                 "out")

    def __init__(self, obj):
        start = parse_api_date(obj["start_time"])[0]
        end = parse_api_date(obj["end_time"])[0] if obj.get("end_time") is not None else None
        tags = obj.get("tags") or {}
        utags = [(t["name"], t.get("value", "")) for t in tags.get("userTags", [])]
        stags = [(t["name"], t.get("value", "")) for t in tags.get("sessionTags", [])]
        self.sid = obj["sessionId"]
        self.bot = obj["botId"]
        self.user = obj["userId"]
        self.start = start
        self.ctype = CONTAINMENTS[obj["containmentType"].lower()]
        self.stype = SESSION_TYPES[obj["sessionType"].lower()]
        self.user_tags = utags
        self.session_tags = stags
        status = obj.get("sessionStatus")
        status = status.lower() if status else ("closed" if end is not None else "active")
        out = OrderedDict()
        out["sessionId"] = self.sid
        out["botId"] = self.bot
        out["channel"] = obj["channel"]
        out["userId"] = self.user
        out["start_time"] = iso(start)
        if end is not None:
            out["end_time"] = iso(end)
        out["session_lang"] = list(obj.get("session_lang", []))
        out["sessionType"] = self.stype
        out["containmentType"] = self.ctype
        out["isDeveloper"] = bool(obj.get("isDeveloper", False))
        out["sessionStatus"] = status
        out["tags"] = OrderedDict([
            ("userTags", [OrderedDict([("value", v), ("name", n)]) for n, v in utags]),
            ("sessionTags", [OrderedDict([("value", v), ("name", n)]) for n, v in stags]),
        ])
        out["noOfMessagesExchanged"] = obj.get("noOfMessagesExchanged", 0)
        out["noOfTasksExecuted"] = obj.get("noOfTasksExecuted", 0)
        self.out = out

    def order_key(self):
        # Newest first: start_time descending, then sessionId descending (UTF-8
        # byte order equals code point order).
        return (-self.start, tuple(-b for b in self.sid.encode("utf-8")) + (1,))


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


class TagCondition:
    def __init__(self, name, values, kind):
        self.name, self.values, self.kind = name, values, kind  # kind: None, "user", "session"

    def matches(self, s):
        kinds = [s.user_tags, s.session_tags] if self.kind is None else \
            [s.user_tags if self.kind == "user" else s.session_tags]
        for tags in kinds:
            for n, v in tags:
                if n == self.name and (self.values is None or v in self.values):
                    return True
        return False


def parse_tag_entry(e, allow_type):
    if not isinstance(e, dict):
        raise ApiError("tags")
    name = e.get("name")
    if not isinstance(name, str) or not name:
        raise ApiError("name")
    kind = None
    if allow_type and "type" in e:
        if e["type"] not in ("user", "session"):
            raise ApiError("type")
        kind = e["type"]
    if "values" in e:
        vs = e["values"]
        if not isinstance(vs, list) or not vs or not all(isinstance(v, str) for v in vs):
            raise ApiError("values")
        values = list(vs)
    elif "value" in e:
        if not isinstance(e["value"], str):
            raise ApiError("value")
        values = [e["value"]]
    else:
        values = None
    return TagCondition(name, values, kind)


def parse_tags(tags):
    """Returns (all_of, any_of) condition lists."""
    if not isinstance(tags, dict):
        raise ApiError("tags")
    all_of, any_of = [], []
    for key, val in tags.items():
        if key not in ("and", "or", "userTags", "sessionTags"):
            raise ApiError(key, "tags")
        if not isinstance(val, list):
            raise ApiError(key, "tags")
        if key == "or" and not val:
            raise ApiError("or", "tags")
        for e in val:
            c = parse_tag_entry(e, allow_type=key in ("and", "or"))
            if key == "userTags":
                c.kind = "user"
            elif key == "sessionTags":
                c.kind = "session"
            (any_of if key == "or" else all_of).append(c)
    conditions = all_of + any_of
    if len(conditions) > TAG_CONDITIONS_CAP:
        raise ApiError("tags", "at most %d conditions" % TAG_CONDITIONS_CAP)
    if sum(len(c.values or []) for c in conditions) > TAG_VALUES_CAP:
        raise ApiError("tags", "at most %d values" % TAG_VALUES_CAP)
    return all_of, any_of


class ReferenceStore:
    def __init__(self):
        self.sessions = {}  # sessionId -> Session
        self.aliases = {}  # lower(alias) -> userId
        self._index = None

    def put(self, obj):
        self.sessions[obj["sessionId"]] = Session(obj)
        self._index = None

    def link(self, identity):
        for a in identity["aliases"]:
            self.aliases[a.lower()] = identity["userId"]

    def _ordered(self):
        if self._index is None:
            ordered = sorted(self.sessions.values(), key=Session.order_key)
            by_bot = collections.defaultdict(list)
            for s in ordered:
                by_bot[s.bot].append(s)
            users = {s.user for s in ordered}
            self._index = (ordered, dict(by_bot), users,
                           {b: [-s.start for s in l] for b, l in list(by_bot.items()) + [(None, ordered)]})
        return self._index

    def resolve_user(self, value):
        _, _, users, _ = self._ordered()
        if value in users:
            return value
        return self.aliases.get(value.lower())

    def evaluate(self, bot, containment, body, now_ms):
        """The response object for one request, or raises ApiError."""
        ordered, by_bot, _, neg_starts = self._ordered()
        if body is None:
            body = {}
        if not isinstance(body, dict):
            raise ApiError()
        if "sessionId" in body:
            ids = body["sessionId"]
            if isinstance(ids, str):
                ids = [ids]
            if not isinstance(ids, list) or not 1 <= len(ids) <= LOOKUP_CAP or \
                    not all(isinstance(i, str) for i in ids):
                raise ApiError("sessionId")
            found, invalid = {}, []
            for i in ids:
                s = self.sessions.get(i)
                if s is not None and (bot is None or s.bot == bot):
                    found[i] = s
                elif i not in invalid:
                    invalid.append(i)
            page = sorted(found.values(), key=Session.order_key)
            return OrderedDict([("total", len(page)), ("moreAvailable", False),
                                ("sessions", [s.out for s in page]),
                                ("invalidSessions", invalid)])
        ctype = None
        if containment is not None:
            ctype = CONTAINMENTS.get(containment.lower())
            if ctype is None:
                raise ApiError("containmentType")
        stype = None
        if "sessionType" in body:
            v = body["sessionType"]
            stype = SESSION_TYPES.get(v.lower()) if isinstance(v, str) else None
            if stype is None:
                raise ApiError("sessionType")
        user = None
        if "userId" in body:
            if not isinstance(body["userId"], str):
                raise ApiError("userId")
            user = body["userId"]
        skip = 0
        for key in ("skip", "offset"):
            if key in body:
                v = body[key]
                if not is_int(v) or v < 0:
                    raise ApiError(key)
        if "skip" in body and "offset" in body and body["skip"] != body["offset"]:
            raise ApiError("skip", "offset")
        skip = body.get("skip", body.get("offset", 0))
        limit = body.get("limit", DEFAULT_LIMIT)
        if not is_int(limit) or limit < 1:
            raise ApiError("limit")
        frm = to = None
        if "dateFrom" in body:
            p = parse_api_date(body["dateFrom"])
            if p is None:
                raise ApiError("dateFrom")
            frm = p[0]
        if "dateTo" in body:
            p = parse_api_date(body["dateTo"])
            if p is None:
                raise ApiError("dateTo")
            to = p[0] if p[1] else p[0] + DAY_MS  # a date alone covers that day
        if frm is None and to is None:
            to, frm = now_ms, now_ms - WEEK_MS
        elif to is None:
            to = frm + WEEK_MS
        elif frm is None:
            frm = to - WEEK_MS
        if frm > to or to - frm > WEEK_MS:
            raise ApiError("date", "window")
        all_of, any_of = parse_tags(body["tags"]) if "tags" in body else ([], [])

        matches = []
        resolved = None
        if user is not None:
            resolved = self.resolve_user(user)
        if user is None or resolved is not None:
            pool = ordered if bot is None else by_bot.get(bot, [])
            negs = neg_starts.get(bot, [])
            lo = bisect.bisect_right(negs, -to)  # first with start < to
            hi = bisect.bisect_right(negs, -frm)  # past the last with start >= from
            for s in pool[lo:hi]:
                if ctype is not None and s.ctype != ctype:
                    continue
                if stype is not None and s.stype != stype:
                    continue
                if resolved is not None and s.user != resolved:
                    continue
                if not all(c.matches(s) for c in all_of):
                    continue
                if any_of and not any(c.matches(s) for c in any_of):
                    continue
                matches.append(s)
        total = len(matches)
        page = matches[skip:skip + min(limit, PAGE_CAP)]
        return OrderedDict([("total", total), ("moreAvailable", skip + len(page) < total),
                            ("sessions", [s.out for s in page])])


# ---------------------------------------------------------------------------
# Running the tool.

def run_cli(*args, check=True, timeout=120):
    r = subprocess.run([CLI] + [str(a) for a in args], capture_output=True, text=True,
                       timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError("sessiondb %s exited %d\nstdout: %s\nstderr: %s"
                             % (" ".join(map(str, args)), r.returncode, r.stdout[-2000:],
                                r.stderr[-2000:]))
    return r


def parse_response(line):
    return json.loads(line, object_pairs_hook=OrderedDict)


def first_difference(got, want):
    """A short description of how a response differs from the expected one."""
    if not isinstance(got, dict):
        return "not an object: %s" % json.dumps(got)[:300]
    if list(got.keys()) != list(want.keys()):
        return "keys %s, want %s" % (list(got.keys()), list(want.keys()))
    for key in ("total", "moreAvailable", "invalidSessions"):
        if key in want and got[key] != want[key]:
            return "%s %s, want %s" % (key, json.dumps(got[key])[:300], json.dumps(want[key])[:300])
    gids = [s.get("sessionId") for s in got["sessions"]]
    wids = [s["sessionId"] for s in want["sessions"]]
    if gids != wids:
        i = next((k for k in range(min(len(gids), len(wids))) if gids[k] != wids[k]),
                 min(len(gids), len(wids)))
        return "sessions differ at #%d: got %s, want %s (%d vs %d sessions)" % (
            i, gids[i] if i < len(gids) else "(end)", wids[i] if i < len(wids) else "(end)",
            len(gids), len(wids))
    for g, w in zip(got["sessions"], want["sessions"]):
        if g != w:
            return "session %s:\n  got  %s\n  want %s" % (w["sessionId"], json.dumps(g),
                                                        json.dumps(w))
    return "equal"


def check_error(test, got, fields, context):
    """An error answer: {"errors": [{"msg": ..., "code": 400}]}, msg naming a field."""
    test.assertIsInstance(got, dict, context)
    test.assertEqual(list(got.keys()), ["errors"], context)
    err = got["errors"][0]
    test.assertEqual(err.get("code"), 400, context)
    msg = err.get("msg", "")
    test.assertIsInstance(msg, str, context)
    if fields:
        test.assertTrue(any(f.lower() in msg.lower() for f in fields),
                        "%s: msg %r should name one of %s" % (context, msg, fields))


# ---------------------------------------------------------------------------
# Random requests.

class RequestGenerator:
    def __init__(self, rng, ref, users, now_ms):
        self.rng = rng
        self.ref = ref
        self.users = users  # identity records
        self.now_ms = now_ms
        ordered, by_bot, _, _ = ref._ordered()
        self.sessions = ordered
        self.bots = sorted(by_bot)

    def flip_case(self, s):
        return "".join(c.swapcase() if c.isalpha() and self.rng.random() < 0.5 else c for c in s)

    def any_session(self):
        return self.rng.choice(self.sessions)

    def render_time(self, ms):
        rng = self.rng
        offset_min = 0 if rng.random() < 0.55 else rng.choice([60, -330, 840, -720, 345, -60, 0])
        zulu = offset_min == 0 and rng.random() < 0.7
        local = EPOCH + dt.timedelta(milliseconds=ms + offset_min * 60000)
        s = local.strftime("%Y-%m-%d") + (" T" if rng.random() < 0.1 else "T") + \
            local.strftime("%H:%M:%S")
        frac = ms % 1000
        choices = [3, 4, 6, 9] + ([2] if frac % 10 == 0 else []) + \
            ([1] if frac % 100 == 0 else []) + ([0, 0, 0] if frac == 0 else [])
        digits = rng.choice(choices)
        if digits:
            f = ("%03d" % frac)[:min(digits, 3)]
            f += "".join(rng.choice("0123456789") for _ in range(digits - 3))
            s += "." + f
        if zulu:
            s += "Z"
        else:
            a = abs(offset_min)
            sign = "-" if offset_min < 0 or (offset_min == 0 and rng.random() < 0.5) else "+"
            s += "%s%02d:%02d" % (sign, a // 60, a % 60)
        return s

    @staticmethod
    def date_only(ms):
        return (EPOCH + dt.timedelta(milliseconds=ms)).strftime("%Y-%m-%d")

    def anchor(self):
        rng = self.rng
        p = rng.random()
        t0 = day_ms(2026, 1, 5)
        if p < 0.4:
            return self.any_session().start
        if p < 0.5:
            return self.any_session().start + rng.choice([-1, 1])
        if p < 0.75:
            return t0 + rng.randint(-2, GEN_DAYS + 1) * DAY_MS
        return t0 + rng.randint(0, GEN_DAYS * DAY_MS)

    def span(self):
        rng = self.rng
        p = rng.random()
        if p < 0.25:
            return rng.randint(0, WEEK_MS)
        if p < 0.4:
            return WEEK_MS
        if p < 0.47:
            return 0
        if p < 0.7:
            return rng.randint(1, 7) * DAY_MS
        return rng.randint(0, 12 * 3600 * 1000)

    def add_window(self, body):
        rng = self.rng
        mode = rng.random()
        a = self.anchor()
        if mode < 0.15:
            return  # the default window, from --now
        if mode < 0.7:
            frm, to = a, a + self.span()
        elif mode < 0.85:
            frm, to = a, None
        else:
            frm, to = None, a
        if rng.random() < 0.04:  # too long by a millisecond or a day
            frm, to = a, a + WEEK_MS + rng.choice([1, DAY_MS])
        if frm is not None:
            body["dateFrom"] = self.date_only(frm) if frm % DAY_MS == 0 and rng.random() < 0.6 \
                else self.render_time(frm)
        if to is not None:
            # A date alone as dateTo covers the day: an end at midnight may be
            # written as the previous date.
            body["dateTo"] = self.date_only(to - DAY_MS) if to % DAY_MS == 0 and rng.random() < 0.6 \
                else self.render_time(to)

    def user_value(self, bot):
        rng = self.rng
        p = rng.random()
        pool = [s for s in self.sessions if bot is None or s.bot == bot] or self.sessions
        s = rng.choice(pool)
        index = {u["userId"]: u for u in self.users}
        ident = index.get(s.user)
        if p < 0.3 or ident is None:
            return s.user
        if p < 0.55:
            return self.flip_case(ident["aliases"][0])
        if p < 0.7:
            return self.flip_case(ident["aliases"][1])
        if p < 0.8:
            return s.user.upper()  # internal ids match exactly: no match
        if p < 0.9:
            return "nobody@example.com"
        return self.flip_case(rng.choice(self.users)["aliases"][0])

    def tag_entry(self, with_type):
        rng = self.rng
        s = self.any_session()
        tags = [("user", t) for t in s.user_tags] + [("session", t) for t in s.session_tags]
        if tags and rng.random() < 0.8:
            kind, (name, value) = rng.choice(tags)
        else:
            kind, name, value = rng.choice(["user", "session"]), \
                rng.choice(["tier", "intent", "csat", "region", "nosuch"]), "gold"
        e = OrderedDict([("name", name)])
        p = rng.random()
        if p < 0.3:
            pass  # any value
        elif p < 0.6:
            e["value"] = value if rng.random() < 0.8 else value.upper()
        else:
            e["values"] = [value, rng.choice(["gold", "2", "faq", "emea", "x"])]
        if with_type:
            if rng.random() < 0.6:
                e["type"] = kind
            elif rng.random() < 0.3:
                e["type"] = "session" if kind == "user" else "user"
        return e

    def tags(self):
        rng = self.rng
        p = rng.random()
        t = OrderedDict()
        if p < 0.35:
            t["and"] = [self.tag_entry(True) for _ in range(rng.randint(1, 2))]
        elif p < 0.6:
            t["or"] = [self.tag_entry(True) for _ in range(rng.randint(1, 3))]
        elif p < 0.85:
            if rng.random() < 0.7:
                t["userTags"] = [self.tag_entry(False) for _ in range(rng.randint(1, 2))]
            if rng.random() < 0.7 or not t:
                t["sessionTags"] = [self.tag_entry(False) for _ in range(rng.randint(1, 2))]
        else:
            t["or"] = [self.tag_entry(True) for _ in range(rng.randint(1, 2))]
            t[rng.choice(["userTags", "sessionTags"])] = [self.tag_entry(False)]
        return t

    def lookup(self, bot):
        rng = self.rng
        n = rng.randint(1, 6) if rng.random() < 0.85 else rng.randint(7, 50)
        ids = []
        for _ in range(n):
            p = rng.random()
            if p < 0.6:
                ids.append(self.any_session().sid)
            elif p < 0.8 and ids:
                ids.append(rng.choice(ids))
            else:
                ids.append("missing-%d" % rng.randint(0, 5))
        body = OrderedDict([("sessionId", ids[0] if n == 1 and rng.random() < 0.5 else ids)])
        # Lookup ignores, and does not validate, every other field.
        if rng.random() < 0.3:
            body["limit"] = "10"
        if rng.random() < 0.3:
            body["dateFrom"] = "2026-02-30"
        if rng.random() < 0.3:
            body["skip"] = -1
        if rng.random() < 0.3:
            body["userId"] = "nobody@example.com"
        return body

    def error_body(self):
        rng = self.rng
        cases = [
            ({"limit": "10"}, None), ({"limit": 0}, None), ({"limit": 2.5}, None),
            ({"skip": -1}, None), ({"offset": -3}, None), ({"skip": 1, "offset": 2}, None),
            ({"sessionType": "chatty"}, None), ({"dateFrom": "2026-02-30"}, None),
            ({"dateTo": "2026-01-10T10:00:00"}, None), ({"dateFrom": "2026-01-10T24:30:00Z"}, None),
            ({"dateFrom": "2026-01-11", "dateTo": "2026-01-18"}, None),
            ({"dateFrom": "2026-01-12T00:00:00Z", "dateTo": "2026-01-11T23:59:59.999Z"}, None),
            ({"tags": {"or": []}}, None), ({"tags": {"and": [{"value": "gold"}]}}, None),
            ({"tags": {"and": [{"name": "tier", "type": "message"}]}}, None),
            ({"tags": {"nand": []}}, None), ({"tags": {"or": [{"name": "tier", "values": []}]}}, None),
            ({"userId": 42}, None), ({"sessionId": []}, None),
            ({"sessionId": ["x"] * 51}, None), ({}, "containmentType"),
        ]
        body, param = rng.choice(cases)
        return dict(body), ("Selfservicex" if param else None)

    def request(self):
        """One batch line: (bot, containmentType, body or a missing body)."""
        rng = self.rng
        p = rng.random()
        bot = None if p < 0.3 else (rng.choice(self.bots) if p < 0.95 else "st-unknown")
        containment = None
        if rng.random() < 0.3:
            containment = rng.choice(["dropOff", "DropOff", "selfService", "Selfservice",
                                      "SELFSERVICE", "agent", "Agent"])
        kind = rng.random()
        if kind < 0.12:
            return bot, containment, self.lookup(bot)
        if kind < 0.22:
            body, bad_param = self.error_body()
            return bot, bad_param or containment, body
        if kind < 0.25:
            return bot, containment, rng.choice([None, {}, [1, 2], "x"])
        body = OrderedDict()
        if rng.random() < 0.1:
            body["callId"] = "cl-1"  # unknown fields are ignored
        if rng.random() < 0.3:
            body["userId"] = self.user_value(bot)
        if rng.random() < 0.25:
            body["sessionType"] = rng.choice(["interactive", "Interactive", "non-interactive",
                                              "NON-INTERACTIVE"])
        if rng.random() < 0.35:
            body["tags"] = self.tags()
        self.add_window(body)
        p = rng.random()
        skip = 0 if p < 0.6 else rng.randint(0, 30) if p < 0.85 else rng.randint(0, 3000) \
            if p < 0.95 else rng.randint(10 ** 6, 10 ** 12)
        if skip or rng.random() < 0.3:
            q = rng.random()
            if q < 0.5:
                body["skip"] = skip
            elif q < 0.9:
                body["offset"] = skip
            else:
                body["skip"] = body["offset"] = skip
        p = rng.random()
        if p < 0.25:
            pass  # default 50
        elif p < 0.55:
            body["limit"] = rng.randint(1, 20)
        elif p < 0.8:
            body["limit"] = rng.randint(1, 300)
        elif p < 0.96:
            body["limit"] = 1000
        else:
            body["limit"] = rng.choice([10000, 10001, 50000])
        return bot, containment, body


# ---------------------------------------------------------------------------

def crafted_sessions(gen_lines, bots):
    """Sessions beyond the generator's: start_time ties, live sessions,
    defaults, duplicate tags, and upserts that move generated sessions."""
    out = []
    tie = "2026-01-13T10:00:00.000Z"
    for sid in ["tie-a", "tie-b", "tie-ab", "tie-B", "tie-a0", "tie-", "tie-\u00e9"]:
        out.append({"sessionId": sid, "botId": bots[0], "channel": "rtm", "userId": "u-crafted",
                    "start_time": tie, "end_time": "2026-01-13T10:05:00.000Z",
                    "session_lang": ["en"], "sessionType": "interactive",
                    "containmentType": "dropOff", "isDeveloper": False, "sessionStatus": "closed",
                    "tags": {"userTags": [{"name": "tier", "value": "gold"}],
                             "sessionTags": [{"name": "tier", "value": "gold"},
                                             {"name": "tier", "value": "gold"}]},
                    "noOfMessagesExchanged": 2, "noOfTasksExecuted": 0})
    for i in range(3):  # live sessions: no end_time, no sessionStatus
        out.append({"sessionId": "live-%d" % i, "botId": bots[i % len(bots)], "channel": "web",
                    "userId": "u-crafted", "start_time": "2026-01-12T0%d:00:00.000Z" % i,
                    "sessionType": "non-interactive", "containmentType": "selfService",
                    "tags": {"userTags": [], "sessionTags": [{"name": "intent", "value": ""}]}})
    # Only the required fields: every optional one takes its default.
    out.append({"sessionId": "minimal", "botId": bots[1], "channel": "slack", "userId": "u-crafted",
                "start_time": "2026-01-11T23:59:59.999Z", "end_time": "2026-01-12T00:00:00.000Z",
                "sessionType": "interactive", "containmentType": "agent"})
    # Upserts: move generated sessions to another bot, time and containment.
    rng = random.Random(GEN_SEED)
    for line in rng.sample(gen_lines, 25):
        s = json.loads(line)
        s["botId"] = rng.choice(bots)
        start = parse_api_date(s["start_time"])[0] + rng.randint(-3, 3) * DAY_MS
        s["start_time"] = iso(start)
        s["end_time"] = iso(start + 1000)
        s["containmentType"] = rng.choice(["dropOff", "selfService", "agent"])
        out.append(s)
    return out


class CliEndToEndTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sessiondb_cli_e2e_")
        cls.db = os.path.join(cls.tmp, "db")
        sessions_path = os.path.join(cls.tmp, "sessions.ndjson")
        users_path = os.path.join(cls.tmp, "users.ndjson")
        with open(sessions_path, "w") as f:
            subprocess.run([CLI, "generate", "--sessions", str(GEN_SESSIONS), "--bots", str(GEN_BOTS),
                            "--seed", str(GEN_SEED), "--start", GEN_START, "--days", str(GEN_DAYS),
                            "--users-out", users_path], stdout=f, check=True)
        with open(sessions_path) as f:
            gen_lines = f.read().splitlines()
        with open(users_path) as f:
            cls.users = [json.loads(l) for l in f if l.strip()]
        ref = ReferenceStore()
        for line in gen_lines:
            ref.put(json.loads(line))
        cls.bots = sorted({s.bot for s in ref.sessions.values()},
                          key=lambda b: -sum(1 for s in ref.sessions.values() if s.bot == b))
        extra = crafted_sessions(gen_lines, cls.bots)
        extra_path = os.path.join(cls.tmp, "extra.ndjson")
        with open(extra_path, "w") as f:
            for s in extra:
                f.write(json.dumps(s) + "\n")
                ref.put(s)
        extra_users = [{"userId": "u-crafted", "aliases": ["Crafted@Example.com"]},
                       {"userId": "u-nosessions", "aliases": ["ghost@example.com"]}]
        users_extra_path = os.path.join(cls.tmp, "users_extra.ndjson")
        with open(users_extra_path, "w") as f:
            for u in extra_users:
                f.write(json.dumps(u) + "\n")
        for u in cls.users + extra_users:
            ref.link(u)
        cls.users = cls.users + extra_users
        cls.ref = ref
        cls.load_results = [run_cli("load", "--db", cls.db, sessions_path, check=False),
                            run_cli("load", "--db", cls.db, extra_path, check=False),
                            run_cli("load-users", "--db", cls.db, users_path, check=False),
                            run_cli("load-users", "--db", cls.db, users_extra_path, check=False)]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def context(self, what):
        return "SESSIONDB_TEST_SEED=%d: %s" % (SEED, what)

    def test_load_of_valid_files_exits_zero(self):
        for r in self.load_results:
            self.assertEqual(r.returncode, 0, "stdout: %s\nstderr: %s" % (r.stdout, r.stderr[-2000:]))

    def test_batch_answers_match_the_reference_evaluator(self):
        rng = random.Random(SEED)
        now_ms = parse_api_date(BATCH_NOW)[0]
        gen = RequestGenerator(rng, self.ref, self.users, now_ms)
        requests = [gen.request() for _ in range(400)]
        # Named edges the random mix may miss.
        requests += [
            (self.bots[0], None, {"dateFrom": "2026-01-13", "dateTo": "2026-01-13", "limit": 20,
                                  "tags": {"and": [{"name": "tier", "value": "gold"}]}}),
            (None, None, {"userId": "CRAFTED@example.COM", "limit": 100}),
            (None, None, {"userId": "ghost@example.com"}),
            (None, None, {"dateFrom": "2026-01-11", "dateTo": "2026-01-12",
                          "tags": {"sessionTags": [{"name": "intent", "value": ""}]}}),
            (self.bots[0], "Selfservice", {"dateFrom": "2026-01-07", "dateTo": "2026-01-13",
                                           "limit": 10000}),
            # More matches than the page size cap: served 10,000, moreAvailable.
            (None, None, {"dateFrom": "2026-01-06", "dateTo": "2026-01-12", "limit": 10001}),
            (None, None, {"dateFrom": "2026-01-06T00:00:00Z", "skip": 5, "limit": 50000}),
            (None, None, {"sessionId": ["tie-b", "live-1", "tie-a", "nope", "tie-b", "nope"]}),
            (self.bots[1], None, {"sessionId": "tie-a"}),
            (None, None, {"dateFrom": "2026-01-12 T00:00:00.000000+00:00", "limit": 5}),
        ]
        batch_path = os.path.join(self.tmp, "queries.ndjson")
        with open(batch_path, "w") as f:
            for i, (bot, containment, body) in enumerate(requests):
                line = OrderedDict([("bot", bot), ("containmentType", containment)])
                if body is not None or i % 2:
                    line["body"] = body if body is not None else {}
                f.write(json.dumps(line) + "\n")
        r = run_cli("query", "--db", self.db, "--now", BATCH_NOW, "--batch", batch_path,
                    check=False)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        out = r.stdout.split("\n")
        self.assertEqual(out[-1], "", "output should end with a newline")
        out = out[:-1]
        self.assertEqual(len(out), len(requests), "one output line per input line")
        failures = []
        counts = collections.Counter()
        for (bot, containment, body), line in zip(requests, out):
            what = "bot=%s containmentType=%s body=%s" % (json.dumps(bot), json.dumps(containment),
                                                         json.dumps(body))
            try:
                got = parse_response(line)
            except ValueError as e:
                failures.append("%s\n  not JSON (%s): %s" % (what, e, line[:300]))
                continue
            try:
                want = self.ref.evaluate(bot, containment, body, now_ms)
            except ApiError as e:
                counts["error"] += 1
                try:
                    check_error(self, got, e.fields, what)
                except AssertionError as a:
                    failures.append(str(a) + "\n  got " + line[:300])
                continue
            counts["lookup" if isinstance(body, dict) and "sessionId" in body else "page"] += 1
            counts["non-empty"] += bool(want["sessions"])
            if got != want:
                failures.append("%s\n  %s" % (what, first_difference(got, want)))
        sys.stderr.write("cli_e2e: %d requests checked %s\n" % (len(requests), dict(counts)))
        self.assertFalse(failures, self.context("%d of %d answers differ:\n%s" % (
            len(failures), len(requests), "\n".join(failures[:8]))))

    def test_single_query_prints_exactly_one_line(self):
        body = {"dateFrom": "2026-01-08", "limit": 7, "offset": 3}
        r = run_cli("query", "--db", self.db, "--bot", self.bots[0], "--containment", "selfservice",
                    "--now", BATCH_NOW, json.dumps(body))
        self.assertEqual(r.stdout.count("\n"), 1, r.stdout[:300])
        self.assertTrue(r.stdout.endswith("\n"))
        want = self.ref.evaluate(self.bots[0], "selfservice", body, 0)
        got = parse_response(r.stdout)
        self.assertEqual(got, want, first_difference(got, want))
        self.assertEqual(len(got["sessions"]), 7)

    def test_single_query_with_an_error_prints_one_error_line(self):
        r = run_cli("query", "--db", self.db, "--now", BATCH_NOW, '{"limit": 0}', check=False)
        self.assertEqual(r.stdout.count("\n"), 1, r.stdout[:300])
        check_error(self, parse_response(r.stdout), ["limit"], "limit 0")

    def test_now_fixes_the_default_window(self):
        answers = []
        for now in ["2026-01-12T06:30:00.250Z", "2026-01-16T00:00:00Z", "2026-01-10"]:
            r = run_cli("query", "--db", self.db, "--now", now, '{"limit": 10000}')
            got = parse_response(r.stdout)
            want = self.ref.evaluate(None, None, {"limit": 10000}, parse_api_date(now)[0])
            self.assertGreater(want["total"], 0)
            self.assertEqual(got, want, "--now %s: %s" % (now, first_difference(got, want)))
            answers.append(got["total"])
        self.assertEqual(len(set(answers)), len(answers), "each --now gives its own window")
        # Without a body argument at all: the same defaults.
        r = run_cli("query", "--db", self.db, "--bot", self.bots[1], "--now", BATCH_NOW)
        want = self.ref.evaluate(self.bots[1], None, None, parse_api_date(BATCH_NOW)[0])
        got = parse_response(r.stdout)
        self.assertEqual(got, want, first_difference(got, want))

    def test_explain_describes_the_plan(self):
        r = run_cli("explain", "--db", self.db, "--bot", self.bots[0], "--now", BATCH_NOW,
                    '{"limit": 5, "tags": {"sessionTags": [{"name": "intent", "value": "refund"}]}}')
        self.assertTrue(r.stdout.strip())
        self.assertIn("plan", r.stdout.lower())

    def test_stats_reports_the_session_count(self):
        r = run_cli("stats", "--db", self.db)
        self.assertRegex(r.stdout, r"sessions\D*%d\b" % len(self.ref.sessions))
        for bot in self.bots:
            n = sum(1 for s in self.ref.sessions.values() if s.bot == bot)
            self.assertRegex(r.stdout, r"%s\s+%d\b" % (re.escape(bot), n))

    def test_load_reports_each_bad_line_and_loads_the_valid_ones(self):
        def session(sid, **over):
            s = {"sessionId": sid, "botId": "st-load", "channel": "rtm", "userId": "u-load",
                 "start_time": "2026-01-10T10:00:00.000Z", "end_time": "2026-01-10T10:01:00.000Z",
                 "sessionType": "interactive", "containmentType": "agent"}
            s.update(over)
            return json.dumps(s)
        lines = [
            session("ok-1"),                                               # 1
            '{"sessionId": "broken", ',                                    # 2 not JSON
            session("ok-2", start_time="2026-01-10T11:00:00.000Z",
                    end_time="2026-01-10T11:00:00.000Z"),                  # 3
            '{"sessionId": "bad-missing"}',                                # 4 required fields
            session("ok-3", start_time="2026-01-10T09:00:00.000Z"),        # 5
            session("bad-order", end_time="2026-01-10T09:59:59.999Z"),     # 6 end < start
            "[]",                                                          # 7 not an object
            session("ok-4"),                                               # 8 same time as ok-1
            session("bad-enum", containmentType="maybe"),                  # 9
        ]
        bad = {2: None, 4: None, 6: "end_time", 7: None, 9: "containmentType"}
        db = os.path.join(self.tmp, "db_bad_lines")
        path = os.path.join(self.tmp, "bad_lines.ndjson")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        r = run_cli("load", "--db", db, path, check=False)
        self.assertNotEqual(r.returncode, 0, "load with rejected lines exits non-zero")
        for n in range(1, len(lines) + 1):
            reported = [l for l in r.stderr.splitlines() if re.search(r"\bline %d\b" % n, l)]
            if n in bad:
                self.assertTrue(reported, "line %d should be reported: %s" % (n, r.stderr))
                if bad[n]:
                    self.assertIn(bad[n], reported[0], "the reason names the field")
            else:
                self.assertFalse(reported, "line %d is valid: %s" % (n, r.stderr))
        ref = ReferenceStore()
        for n, l in enumerate(lines, 1):
            if n not in bad:
                ref.put(json.loads(l))
        body = {"sessionId": ["ok-1", "ok-2", "ok-3", "ok-4", "bad-missing", "bad-order",
                              "bad-enum", "broken"]}
        r = run_cli("query", "--db", db, json.dumps(body))
        got = parse_response(r.stdout)
        want = ref.evaluate(None, None, body, 0)
        self.assertEqual(got, want, first_difference(got, want))
        self.assertEqual([s["sessionId"] for s in got["sessions"]], ["ok-2", "ok-4", "ok-1", "ok-3"])


class TagLimitsTest(unittest.TestCase):
    """SPEC §5: at most 1,000 tag values and 100 tag conditions a request,
    through the CLI's JSON front door too."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sessiondb_cli_limits_")
        cls.db = os.path.join(cls.tmp, "db")
        path = os.path.join(cls.tmp, "one.ndjson")
        with open(path, "w") as f:
            f.write(json.dumps({"sessionId": "s-1", "botId": "st-1", "channel": "rtm",
                                "userId": "u-1", "start_time": "2026-01-05T10:00:00Z",
                                "sessionType": "interactive", "containmentType": "agent",
                                "tags": {"userTags": [{"name": "k", "value": "v0"}]}}) + "\n")
        run_cli("load", "--db", cls.db, path)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def query(self, conditions, values):
        per = [values // conditions + (1 if c < values % conditions else 0)
               for c in range(conditions)]
        body = {"dateFrom": "2026-01-05",
                "tags": {"or": [{"name": "k", "values": ["v%d" % v for v in range(n)]}
                                for n in per]}}
        return run_cli("query", "--db", self.db, "--bot", "st-1", json.dumps(body), check=False)

    def test_up_to_the_limits_is_served(self):
        for conditions, values in ((1, TAG_VALUES_CAP), (TAG_CONDITIONS_CAP, TAG_VALUES_CAP)):
            r = self.query(conditions, values)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(json.loads(r.stdout)["total"], 1)

    def test_over_the_limits_is_an_error_naming_the_limit(self):
        r = self.query(1, TAG_VALUES_CAP + 1)
        self.assertEqual(r.returncode, 1)
        self.assertIn("tags: at most 1000 values in total, got 1001", r.stdout + r.stderr)
        r = self.query(TAG_CONDITIONS_CAP + 1, TAG_CONDITIONS_CAP + 1)
        self.assertEqual(r.returncode, 1)
        self.assertIn("tags: at most 100 conditions in total, got 101", r.stdout + r.stderr)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def hs256(claims, secret):
    """Signs a JWT as clients of the platform do (jsonwebtoken's HS256), with
    Python's standard library only: an HMAC independent of the server's."""
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64url(json.dumps(claims).encode())
    signing_input = ("%s.%s" % (header, payload)).encode("ascii")
    mac = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    return "%s.%s.%s" % (header, payload, b64url(mac))


class ServeTokensTest(unittest.TestCase):
    """`sessiondb serve` against tokens signed here (SPEC §5): the shapes real
    clients send, and `sessiondb token`'s tokens checked by Python's HMAC."""

    APPS = {"apps": [
        {"appId": "cs-py-admin", "clientSecret": "py-admin-secret-0123456789abcdefghij",
         "scopes": ["admin:bot-sessions"]},
        {"appId": "cs-py-reader", "clientSecret": "py-reader-secret-0123456789abcdefghi",
         "scopes": ["bot:sessions"], "bots": ["st-py"]}]}

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sessiondb_cli_serve_")
        cls.apps_path = os.path.join(cls.tmp, "apps.json")
        with open(os.open(cls.apps_path, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            json.dump(cls.APPS, f)
        cls.stderr = open(os.path.join(cls.tmp, "stderr"), "w+")
        cls.serve = subprocess.Popen(
            [CLI, "serve", "--db", os.path.join(cls.tmp, "db"), "--apps", cls.apps_path,
             "--listen", "127.0.0.1:0", "--max-token-age", "600"],
            stdout=subprocess.PIPE, stderr=cls.stderr, text=True)
        line = cls.serve.stdout.readline()
        m = re.search(r"listening on (http://127\.0\.0\.1:[0-9]+)", line)
        if not m:
            cls.serve.kill()
            raise AssertionError("serve did not start: %r" % line)
        cls.url = m.group(1)

    @classmethod
    def tearDownClass(cls):
        cls.serve.terminate()
        cls.serve.wait(timeout=60)
        cls.stderr.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def post(self, path, token):
        req = urllib.request.Request(self.url + path, data=b"{}", method="POST",
                                     headers={"auth": token,
                                              "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def secret(self, app_id):
        return next(a["clientSecret"] for a in self.APPS["apps"] if a["appId"] == app_id)

    def test_iss_token_as_the_analytics_client_signs_it(self):
        now = int(time.time())
        token = hs256({"iss": "cs-py-reader", "sub": "st-py", "iat": now, "exp": now + 3600,
                       "aud": "https://bots.kore.ai"}, self.secret("cs-py-reader"))
        status, body = self.post("/api/public/bot/st-py/getSessions", token)
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["total"], 0)
        status, _ = self.post("/api/public/bot/st-other/getSessions", token)
        self.assertEqual(status, 403)

    def test_client_id_token_as_its_earlier_version_signed_it(self):
        now = int(time.time())
        token = hs256({"clientId": "cs-py-admin", "iat": now, "exp": now + 60},
                      self.secret("cs-py-admin"))
        status, body = self.post("/api/public/getSessions", token)
        self.assertEqual(status, 200, body)

    def test_refused_tokens_all_get_one_body(self):
        now = int(time.time())
        claims = {"iss": "cs-py-admin", "iat": now, "exp": now + 60}
        answers = [
            self.post("/api/public/getSessions", hs256(claims, "x" * 40)),  # wrong key
            self.post("/api/public/getSessions",
                      hs256(dict(claims, iss="cs-nobody"), "x" * 40)),  # unknown app
            self.post("/api/public/getSessions",
                      hs256(dict(claims, exp=now - 3600), self.secret("cs-py-admin"))),
            self.post("/api/public/getSessions",  # older than --max-token-age 600
                      hs256(dict(claims, iat=now - 3600, exp=now + 3600),
                            self.secret("cs-py-admin"))),
            self.post("/api/public/getSessions", "not.a.jwt"),
        ]
        self.assertEqual(answers[0][0], 401)
        for answer in answers[1:]:
            self.assertEqual(answer, answers[0])

    def test_token_command_signs_what_python_verifies(self):
        token = run_cli("token", "--apps", self.apps_path, "--app", "cs-py-admin").stdout.strip()
        header, payload, signature = token.split(".")
        mac = hmac.new(self.secret("cs-py-admin").encode(),
                       ("%s.%s" % (header, payload)).encode("ascii"), hashlib.sha256).digest()
        self.assertEqual(signature, b64url(mac))
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        self.assertEqual(claims["appId"], "cs-py-admin")
        self.assertEqual(self.post("/api/public/getSessions", token)[0], 200)


def main():
    global CLI
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cli", required=True, help="the built sessiondb binary")
    args, rest = ap.parse_known_args()
    CLI = os.path.abspath(args.cli)
    sys.stderr.write("cli_e2e: SESSIONDB_TEST_SEED=%d\n" % SEED)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
