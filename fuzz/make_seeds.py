#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target into fuzz/corpus/<target>/.

Seeds are named seed-NNN; regression inputs found by fuzzing are committed
beside them as crash-<what> and are never touched by this script. The record
seeds are FlatBuffers binaries made by flatc from schema/session.fbs.

  python3 fuzz/make_seeds.py      (from the repository root; needs flatc)
"""
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")


def write(target, seeds):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    for name in os.listdir(d):
        if name.startswith("seed-"):
            os.remove(os.path.join(d, name))
    for i, data in enumerate(seeds):
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        with open(os.path.join(d, "seed-%03d" % i), "wb") as f:
            f.write(data)


TIMES = [
    "2020-02-11", "2020-02-29", "2019-02-29", "2026-02-30", "0000-01-01",
    "9999-12-31", "2020-02-11T10:20:30Z", "2020-02-11T10:20:30.123Z",
    "2020-02-11T10:20:30.123456789Z", "2020-02-11T10:20:30.1Z",
    "2020-02-11T10:20:30+05:30", "2020-02-11T10:20:30-08:00",
    "2019-04-01 T13:26:05Z", "2020-02-11T10:20:30", "2020-02-11T24:00:00Z",
    "2020-02-11T10:60:00Z", "2020-02-11T10:20:30+24:00", "0000-01-01T00:00:00+00:01",
    "9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999-00:01", "2020-2-11",
    "2020-02-11T10:20:30.Z", "2020-02-11TT10:20:30Z", "2020-02-11T10:20:30Zjunk",
    "", "2020", "2020-13-01", "2020-00-10", "2020-02-11  T10:20:30Z",
    "1970-01-01T00:00:00.000Z", "1969-12-31T23:59:59.999Z", "2020-02-11t10:20:30z",
]

BODIES = [
    "", "{}", '""', "[]", "null", "42", '{"limit": 10}', '{"limit": "10"}',
    '{"limit": 0}', '{"limit": 2.5}', '{"limit": 100000}', '{"skip": -1}',
    '{"skip": 5, "offset": 5}', '{"skip": 5, "offset": 6}',
    '{"dateFrom": "2024-10-04", "dateTo": "2024-10-06"}',
    '{"dateFrom": "2024-10-04"}', '{"dateTo": "2024-10-06"}',
    '{"dateFrom": "2024-10-04", "dateTo": "2024-10-12"}',
    '{"dateFrom": "2024-10-06", "dateTo": "2024-10-04"}',
    '{"dateFrom": "2024-10-04 T10:00:00Z", "dateTo": "2024-10-05T00:00:00+02:00"}',
    '{"userId": "u-1"}', '{"userId": "jane@corp.com"}', '{"userId": ""}',
    '{"sessionType": "Interactive"}', '{"sessionType": "chat"}',
    '{"sessionId": "s1"}', '{"sessionId": ["s1", "s2", "s1", "nope"]}',
    '{"sessionId": []}', '{"sessionId": [' + ",".join('"s%d"' % i for i in range(51)) + "]}",
    '{"tags": {"and": [{"name": "tier", "values": ["gold"], "type": "user"}]}}',
    '{"tags": {"or": [{"name": "topic", "value": "t1"}, {"name": "tier"}]}}',
    '{"tags": {"or": []}}', '{"tags": {"and": [{"values": ["x"]}]}}',
    '{"tags": {"and": [{"name": "x", "type": "message"}]}}',
    '{"tags": {"userTags": [{"name": "tier", "values": ["free"]}], "sessionTags": [{"name": "topic"}]}}',
    '{"tags": {"bogus": []}}',
    '{"limit": 3, "skip": 2, "dateFrom": "2024-10-04", "dateTo": "2024-10-10", '
    '"tags": {"and": [{"name": "topic", "values": ["t0", "t2"], "type": "session"}]}}',
    '{"limit": 1e3}', '{"limit": 18446744073709551616}', '{"a": {"b": [1, {"c": null}]}}',
    '{"userId": "u-\\u0000x"}', '{"dateFrom": "2024-10-04\\u0000"}', '{"limit": 10',
]

# route byte, containment flag byte, optional containment line
HEADERS = [b"\x00\x00", b"\x01\x00", b"\x02\x00", b"\x03\x00", b"\x01\x01agent\n",
           b"\x00\x01SelfService\n", b"\x02\x01dropoff\n", b"\x01\x01bogus\n", b"\x00\x01\n"]


def requests():
    out = []
    for i, body in enumerate(BODIES):
        out.append(HEADERS[i % len(HEADERS)] + body.encode())
    return out


def session(i, **extra):
    s = {
        "sessionId": "s-%d" % i, "botId": "st-bot-a", "channel": "rtm",
        "userId": "u-%d" % (i % 3), "start_time": "2024-10-04T10:00:%02d.123Z" % (i % 60),
        "end_time": "2024-10-04T10:05:00.000Z", "session_lang": ["en"],
        "sessionType": "interactive", "containmentType": "selfService",
        "isDeveloper": False, "sessionStatus": "closed",
        "tags": {"userTags": [{"value": "gold", "name": "tier"}],
                 "sessionTags": [{"value": "t1", "name": "topic"}]},
        "noOfMessagesExchanged": 3, "noOfTasksExecuted": 1,
    }
    s.update(extra)
    return s


def session_lines():
    variants = [
        {}, {"end_time": None}, {"sessionStatus": None}, {"start_time": 1728036000000},
        {"containmentType": "Agent", "sessionType": "NON-INTERACTIVE"},
        {"tags": {"userTags": [], "sessionTags": []}}, {"tags": {}},
        {"session_lang": []}, {"session_lang": ["en", "de", "x" * 65]},
        {"sessionId": ""}, {"sessionId": "x" * 129}, {"botId": 7},
        {"end_time": "2024-10-04T09:00:00Z"}, {"start_time": "2024-10-04T10:00:00"},
        {"noOfMessagesExchanged": -1}, {"noOfTasksExecuted": 1.5},
        {"sessionId": "nul\u0000id"}, {"userId": "\u00e9\u4e2d\U0001F600"},
        {"tags": {"userTags": [{"name": "", "value": "x"}]}},
        {"tags": {"sessionTags": [{"name": "n", "value": "v"}, {"name": "n", "value": "v"}]}},
        {"unknownField": {"deep": [1, 2, 3]}}, {"isDeveloper": "yes"},
        {"start_time": "9999-12-31T23:59:59.999Z", "end_time": "9999-12-31T23:59:59.999Z"},
        {"start_time": "0000-01-01T00:00:00.000Z"},
    ]
    out = []
    for i, v in enumerate(variants):
        s = session(i)
        for k, val in v.items():
            if val is None:
                s.pop(k, None)
            else:
                s[k] = val
        out.append(bytes([i % 3]) + json.dumps(s).encode())
    out.append(b"\x00{")
    out.append(b"\x00[]")
    out.append(b'\x00{"sessionId": "a"}')
    out.append(b"\x00" + json.dumps(session(99)).encode() + b" trailing")
    identities = [
        {"userId": "u-1", "aliases": ["jane@corp.com", "EMP-0042"]},
        {"userId": "u-1", "aliases": []}, {"userId": "", "aliases": ["a"]},
        {"userId": "u-2"}, {"aliases": ["x"]}, {"userId": "u-3", "aliases": [1]},
        {"userId": "u-4", "aliases": "a@b.c"},
    ]
    for ident in identities:
        out.append(b"\x03" + json.dumps(ident).encode())
    return out


def records():
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        docs = []
        for i in range(12):
            doc = {
                "session_id": "s-%d" % i, "bot_id": "st-bot-%d" % (i % 2), "channel": "rtm",
                "user_id": "u-%d" % i, "start_time_ms": 1728036000000 + i * 1000,
                "session_lang": ["en"] if i % 2 else [],
                "session_type": "NonInteractive" if i % 2 else "Interactive",
                "containment_type": ["DropOff", "SelfService", "Agent"][i % 3],
                "is_developer": i % 4 == 0, "session_status": "Closed" if i % 2 else "Active",
                "user_tags": [{"name": "tier", "value": "gold"}] * (i % 3),
                "session_tags": [{"name": "topic", "value": "t%d" % i}],
                "messages_exchanged": i, "tasks_executed": i // 2,
            }
            if i % 3:
                doc["end_time_ms"] = doc["start_time_ms"] + 5000
            if i == 10:
                doc["start_time_ms"] = 9223372036854775807  # beyond the API's years
            if i == 11:
                doc["start_time_ms"] = -9223372036854775807
            docs.append(doc)
        for i, doc in enumerate(docs):
            path = os.path.join(tmp, "r%d.json" % i)
            with open(path, "w") as f:
                json.dump(doc, f)
            files.append(path)
        subprocess.run(["flatc", "-b", "-o", tmp, os.path.join(ROOT, "schema", "session.fbs")]
                       + files, check=True)
        out = []
        for i in range(len(docs)):
            with open(os.path.join(tmp, "r%d.bin" % i), "rb") as f:
                out.append(f.read())
    good = list(out)
    # Damaged copies: truncated, flipped bytes, an enum out of range.
    out.append(good[0][: len(good[0]) // 2])
    out.append(b"")
    out.append(b"\x00" * 16)
    out.append(bytes(b ^ 0xFF for b in good[1]))
    flipped = bytearray(good[2])
    flipped[4] ^= 0x40
    out.append(bytes(flipped))
    flipped = bytearray(good[3])
    flipped[len(flipped) // 3] ^= 0x01
    out.append(bytes(flipped))
    return out


def tokens():
    """fuzz_jwt inputs: a mode byte (bit 0: sign the rest as a payload; bit
    1: a maximum token age), then a payload or a whole token."""
    import base64

    def b64(data):
        return base64.urlsafe_b64encode(data.encode()).rstrip(b"=").decode()

    payloads = [
        '{"appId":"cs-a"}',
        '{"iss":"cs-a","sub":"st-1","iat":1699999990,"exp":1700003590,'
        '"aud":"https://bots.kore.ai"}',
        '{"clientId":"cs-a","iat":1699999990,"exp":1700000600}',
        '{"appId":"cs-a","clientId":"cs-b","iss":"cs-z"}',
        '{"clientId":7,"iss":"cs-a"}',
        '{"appId":"cs-a","exp":1700000060,"nbf":1700000060}',
        '{"appId":"cs-a","iat":1699999000,"exp":1800000000}',
        '{"appId":"cs-a","iat":1e300,"exp":-1e300,"nbf":"x"}',
        '{"iss":"cs-nobody","exp":1800000000}',
        '{}', '[1]', 'not json',
    ]
    out = []
    for mode in (b"\x01", b"\x03"):
        out += [mode + p.encode() for p in payloads]
    header = b64('{"alg":"HS256","typ":"JWT"}')
    out += [b"\x00" + ("%s.%s.AAAA" % (header, b64(payloads[0]))).encode(),
            b"\x00" + ("%s.%s." % (b64('{"alg":"none"}'), b64(payloads[0]))).encode(),
            b"\x02a.b.c", b"\x00"]
    return out


def http_heads():
    """Byte 0 picks the limits (see fuzz_http_head.cc), then the request."""
    head = ("POST /api/public/bot/st-a/getSessions?containmentType=agent HTTP/1.1\r\n"
            "Host: x\r\nauth: t\r\n")
    reqs = [
        "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
        "HEAD /healthz HTTP/1.0\r\n\r\n",
        head + "Content-Length: 2\r\n\r\n{}",
        head + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
        head + "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}",
        head + "Transfer-Encoding: gzip\r\n\r\n",
        head + "Content-Encoding: gzip\r\nContent-Length: 1\r\n\r\nx",
        head + "Expect: 100-continue\r\nContent-Length: 99999\r\n\r\n",
        head + "".join("a%d: b\r\n" % i for i in range(120)) + "\r\n",
        "BREW / HTTP/1.1\r\n\r\n",
        "GET /a%2Fb?x=%zz&y+z=1 HTTP/1.1\r\n\r\n",
    ]
    return [bytes([pick]) + r.encode() for r in reqs for pick in (0xff, 0x4a)]


def main():
    write("api_time", TIMES)
    write("jwt", tokens())
    write("request_parser", requests())
    write("get_sessions", requests())
    write("session_json", session_lines())
    write("record", records())
    write("http_head", http_heads())
    for t in sorted(os.listdir(CORPUS)):
        print(t, len(os.listdir(os.path.join(CORPUS, t))))


if __name__ == "__main__":
    sys.exit(main())
