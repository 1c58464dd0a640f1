#!/usr/bin/env python3
"""Deterministic getSessions requests for differential tests (SPEC §3, §4, §7).

Writes `sessiondb query --batch` lines ({"bot", "containmentType", "body"})
that exercise every request rule: bot-scoped and account-wide, containment
(any case, unknown), sessionType, userId as an id, as an alias in any case and
unknown, tags in every form (and/or, user/session/any kind, values, value,
none, odd bytes), windows (dates, instants with offsets, one-sided, defaults,
too long, reversed, impossible), time zones (UTC, Asia/Kolkata,
America/New_York across a DST change, unknown), skip/offset/limit (capped),
facets, cursors ("" and tampered), lookups by id, and malformed bodies.

  getsessions_requests.py --sessions S.ndjson --users U.ndjson --count N --seed K

The answers are not computed here: a differential test compares two
backends' answers to these requests byte for byte.
"""
import argparse
import json
import random

ZONES = ["UTC", "Asia/Kolkata", "America/New_York", "Europe/London",
         "Asia/Kathmandu", "Mars/Olympus"]
CONTAINMENTS = [None, None, None, None, "dropOff", "selfService", "agent",
                "AGENT", "selfservice"]


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


class RequestGenerator:
    def __init__(self, sessions, identities, seed, first_day, days):
        self.rng = random.Random(seed)
        self.sessions = sessions
        self.bots = sorted({s["botId"] for s in sessions})
        self.users = sorted({s["userId"] for s in sessions})
        self.aliases = [a for i in identities for a in i.get("aliases", [])]
        self.ids = [s["sessionId"] for s in sessions]
        tags = {"userTags": {}, "sessionTags": {}}
        self.users_of = {}
        for s in sessions:
            self.users_of.setdefault(s["botId"], []).append(s["userId"])
            for kind in ("userTags", "sessionTags"):
                for t in s["tags"][kind]:
                    tags[kind].setdefault(t["name"], set()).add(t["value"])
        self.tags_of = {k: {n: sorted(v) for n, v in sorted(d.items())}
                        for k, d in tags.items()}
        self.tags = dict(self.tags_of["userTags"])
        for n, v in self.tags_of["sessionTags"].items():
            self.tags[n] = sorted(set(self.tags.get(n, [])) | set(v))
        alias_of = {}
        for i in identities:
            alias_of.setdefault(i["userId"], []).extend(i.get("aliases", []))
        self.alias_of = alias_of
        self.first_day = first_day  # (y, m, d) of the data's first day
        self.days = days

    def day(self, offset):
        import datetime as dt
        d = dt.date(*self.first_day) + dt.timedelta(days=offset)
        return d.isoformat()

    def instant(self):
        r = self.rng
        d = self.day(r.randrange(-1, self.days + 1))
        hh, mm, ss = r.randrange(24), r.choice([0, 30, 17]), r.randrange(60)
        frac = r.choice(["", ".5", ".123", ".123456"])
        zone = r.choice(["Z", "Z", "+05:30", "-05:00", "+00:00"])
        sep = r.choice(["T", "T", "T", " T"])
        return f"{d}{sep}{hh:02d}:{mm:02d}:{ss:02d}{frac}{zone}"

    def bound(self):
        if self.rng.random() < 0.6:
            return self.day(self.rng.randrange(-1, self.days + 1))
        return self.instant()

    def window(self, body):
        r = self.rng.random()
        if r < 0.15:
            return  # the default window, from --now
        if r < 0.3:
            body["dateFrom"] = self.bound()
        elif r < 0.4:
            body["dateTo"] = self.bound()
        else:
            start = self.rng.randrange(-1, self.days)
            length = self.rng.choice([0, 0, 1, 2, 3, 5, 6, 6, 6])
            if self.rng.random() < 0.7:
                body["dateFrom"] = self.day(start)
                body["dateTo"] = self.day(start + length)
            else:
                body["dateFrom"] = self.instant()
                body["dateTo"] = self.instant()
                if self.rng.random() < 0.8:  # mostly a valid pair
                    lo, hi = sorted([body["dateFrom"], body["dateTo"]],
                                    key=lambda t: t.replace(" T", "T"))
                    body["dateFrom"], body["dateTo"] = lo, hi

    def tag_entry(self, with_type, kind=None):
        r = self.rng
        typ = None
        if with_type and r.random() < 0.7:
            typ = r.choice(["user", "session"])
            kind = typ + "Tags"
        pool = self.tags_of[kind] if kind else self.tags
        name = r.choice(list(pool)) if r.random() < 0.95 else "no-such-tag"
        entry = {"name": name}
        values = pool.get(name, ["x"])
        form = r.random()
        if form < 0.45:
            entry["values"] = r.sample(values, min(len(values), r.randrange(1, 4)))
            if r.random() < 0.2:
                entry["values"].append("it's \\ \"odd\"")
        elif form < 0.75:
            entry["value"] = r.choice(values)
        if typ:
            entry["type"] = typ
        return entry

    def tags_filter(self):
        r = self.rng.random()
        if r < 0.4:
            group = "and" if self.rng.random() < 0.6 else "or"
            n = self.rng.choice([1, 1, 2, 3])
            return {group: [self.tag_entry(True) for _ in range(n)]}
        if True:
            out = {}
            for kind in ("userTags", "sessionTags"):
                if self.rng.random() < 0.5:
                    out[kind] = [self.tag_entry(False, kind)
                                 for _ in range(self.rng.choice([1, 1, 2]))]
            return out or {"userTags": [self.tag_entry(False, "userTags")]}

    def user(self, bot):
        r = self.rng.random()
        user = self.rng.choice(self.users_of.get(bot) or self.users)
        if r < 0.45:
            return user
        if r < 0.85 and self.alias_of.get(user):
            a = self.rng.choice(self.alias_of[user])
            return self.rng.choice([a, a.upper(), a.lower()])
        return self.rng.choice(["u-nobody", "nobody@example.com"])

    def lookup(self, body):
        r = self.rng
        n = r.randrange(1, 8)
        ids = [r.choice(self.ids) for _ in range(n)]
        if r.random() < 0.5:
            ids.append("no-such-session")
        if r.random() < 0.3:
            ids.append(ids[0])  # duplicates count once
        if r.random() < 0.03:
            ids = ["x"] * 51  # too many
        body["sessionId"] = ids if len(ids) > 1 or r.random() < 0.5 else ids[0]

    def body(self, bot):
        r = self.rng
        body = {}
        if r.random() < 0.08:
            self.lookup(body)
            if r.random() < 0.5:
                body["limit"] = "ignored in lookups"
            return body
        self.window(body)
        if r.random() < 0.5:
            body["timeZone"] = r.choice(ZONES[:5])
        if r.random() < 0.3:
            body["userId"] = self.user(bot)
        if r.random() < 0.35:
            body["tags"] = self.tags_filter()
        if r.random() < 0.25:
            body["sessionType"] = r.choice(["interactive", "non-interactive",
                                            "Interactive"])
        x = r.random()
        if x < 0.2:
            body["skip"] = r.choice([0, 1, 7, 49, 50, 120, 1000, 100000])
        elif x < 0.25:
            body["offset"] = r.choice([0, 3, 60])
        elif x < 0.27:
            body["skip"] = body["offset"] = 2
        if r.random() < 0.6:
            body["limit"] = r.choice([1, 2, 5, 10, 50, 100, 1000, 20000])
        if r.random() < 0.3:
            body["facets"] = r.sample(["containmentType", "sessionType", "day",
                                       "day"], r.randrange(1, 4))
        if r.random() < 0.2:
            body["cursor"] = ""
            body.pop("skip", None)
            body.pop("offset", None)
        return body

    # One malformed field (SPEC §3's errors), applied to 1 request in 6.
    ERRORS = [
        ("containment", "bogus"), ("dateFrom", "2026-02-30"),
        ("dateTo", "2026-03-05T10:00:00"), ("dateFrom", "yesterday"),
        ("dateTo", 20260305), ("dateFrom", "2026-03-01"),  # with dateTo: > 7d
        ("timeZone", "Mars/Olympus"), ("limit", 0), ("limit", "10"),
        ("limit", 2.5), ("skip", -1), ("offset", 3), ("sessionType", "batch"),
        ("userId", ""), ("facets", ["channel"]), ("cursor", "bm90LWEtY3Vyc29y"),
        ("tags", {"bogus": []}), ("tags", {"and": [{"values": ["a"]}]}),
        ("tags", {"and": [{"name": "tier", "values": []}]}), ("tags", []),
        ("tags", {"or": []}),
        ("tags", {"and": [{"name": "tier", "type": "message"}]}),
    ]

    def broken(self, containment, body):
        field, value = self.rng.choice(self.ERRORS)
        if field == "containment":
            return value, body
        if field == "dateFrom" and value == "2026-03-01":
            body["dateTo"] = "2026-03-12"
        if field == "offset":
            body["skip"] = 1
        body[field] = value
        return containment, body

    def line(self):
        r = self.rng
        x = r.random()
        bot = None if x < 0.3 else ("st-unknown" if x < 0.33
                                    else r.choice(self.bots))
        body = self.body(bot)
        if r.random() < 0.01:
            body = r.choice(["[1]", "\"text\"", "{\"limit\": }", "null"])
            return json.dumps({"bot": bot, "containmentType": None})[:-1] + \
                ', "body": ' + body + "}"
        containment = r.choice(CONTAINMENTS)
        if r.random() < 1 / 6 and "sessionId" not in body:
            containment, body = self.broken(containment, body)
        return json.dumps({"bot": bot, "containmentType": containment,
                           "body": body}, ensure_ascii=False)


def continuation(line, answer, rng):
    """The next page of a cursor walk, or None: `line`'s request with the
    answer's nextCursor (its dates dropped half the time: a cursor keeps its
    window)."""
    if "nextCursor" not in answer:
        return None
    req = json.loads(line)
    body = req.get("body") or {}
    body["cursor"] = answer["nextCursor"]
    if rng.random() < 0.5:
        body.pop("dateFrom", None)
        body.pop("dateTo", None)
    if rng.random() < 0.05:
        c = body["cursor"]
        body["cursor"] = c[:-2] + ("AA" if c[-2:] != "AA" else "BB")
    req["body"] = body
    return json.dumps(req, ensure_ascii=False)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", required=True)
    ap.add_argument("--users", required=True)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--first-day", default="2026-03-02")
    ap.add_argument("--days", type=int, default=14)
    args = ap.parse_args()
    first = tuple(int(x) for x in args.first_day.split("-"))
    gen = RequestGenerator(load(args.sessions), load(args.users), args.seed,
                           first, args.days)
    for _ in range(args.count):
        print(gen.line())


if __name__ == "__main__":
    main()
