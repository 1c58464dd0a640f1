#!/usr/bin/env python3
"""query_mix.py: a deterministic mix of getSessions requests over an NDJSON
file of sessions (gen_sessions.py's output), one `sessiondb query --batch`
line each: bot-wide and account-wide windows, containment, sessionType,
userId, one and two tags, skips. Used to compare a fresh process's first
pass with its warm pass (docs/PERFORMANCE.md, "Cold start").

  query_mix.py SESSIONS.ndjson [--queries 300] [--seed 7] > mix.ndjson
"""
import argparse
import datetime
import json
import random


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sessions")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--sample", type=int, default=50000,
                    help="sessions read to pick bots, users, tags and days")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    sample = []
    with open(args.sessions) as f:
        for i, line in enumerate(f):
            if i >= args.sample:
                break
            sample.append(json.loads(line))
    for _ in range(args.queries):
        s = rng.choice(sample)
        day = datetime.date.fromisoformat(s["start_time"][:10])
        span = rng.choice([1, 2, 7])
        body = {"dateFrom": str(day - datetime.timedelta(days=span - 1)),
                "dateTo": str(day + datetime.timedelta(days=1)),
                "limit": rng.choice([10, 50, 100])}
        if span == 7:
            body["dateTo"] = str(day)
        shape = rng.randrange(7)
        containment = None
        if shape == 1:
            containment = s["containmentType"]
        elif shape == 2:
            body["sessionType"] = s["sessionType"]
        elif shape == 3:
            body["userId"] = s["userId"]
        elif shape in (4, 5):
            tags = [("userTags", t) for t in s["tags"]["userTags"]] + \
                   [("sessionTags", t) for t in s["tags"]["sessionTags"]]
            if tags:
                picked = rng.sample(tags, min(len(tags), shape - 3))
                body["tags"] = {}
                for kind, t in picked:
                    body["tags"].setdefault(kind, []).append(
                        {"name": t["name"], "value": t["value"]})
        elif shape == 6:
            body["skip"] = rng.choice([100, 1000, 5000])
        line = {"bot": None if rng.randrange(5) == 0 else s["botId"],
                "body": body}
        if containment:
            line["containmentType"] = containment
        print(json.dumps(line))


if __name__ == "__main__":
    main()
