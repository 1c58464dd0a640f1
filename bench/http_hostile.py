#!/usr/bin/env python3
"""The hostile inputs of issue 13 (and SPEC §5's limits) against a running
getSessions server, with the latency of well-formed queries while slow and
idle clients are connected. Not a test: it prints one line per case (what was
sent, the status received or "timeout"/"closed", the time it took).

  bench/http_hostile.py --port N --token JWT --bot BOT [--host 127.0.0.1]
      [--slowloris 300] [--idle 400] [--hold 12] [--probes 5]
      [--probe-timeout 5] [--cases all|slowloris,idle,...] [--label NAME]

Python 3 standard library only (asyncio sockets). bench/http_bench.sh runs it
against each server it compares; run by hand against any server speaking the
routes of SPEC §5. The token must be valid for BOT (an admin token will do).
"""
import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import statistics
import sys
import time

QUERY_BODY = '{"limit": 100, "dateFrom": "2026-01-19", "dateTo": "2026-01-25"}'
CASES = ["baseline", "slowloris", "idle", "header_lines", "header_bytes",
         "cl_te", "te_other", "gzip", "over_limit", "tags", "unknown_app",
         "cap"]


class Target:
    def __init__(self, args):
        self.host = args.host
        self.port = args.port
        self.token = args.token
        self.bot = args.bot
        self.path = f"/api/public/bot/{args.bot}/getSessions"
        self.probe_timeout = args.probe_timeout

    def request(self, body=QUERY_BODY, token=None, extra=(), path=None,
                framing="length"):
        """A complete request as bytes; `extra` are additional header lines."""
        lines = [f"POST {path or self.path} HTTP/1.1",
                 f"Host: {self.host}:{self.port}",
                 f"auth: {token or self.token}",
                 "Content-Type: application/json"]
        data = body.encode()
        if framing == "length":
            lines.append(f"Content-Length: {len(data)}")
        lines.extend(extra)
        head = ("\r\n".join(lines) + "\r\n\r\n").encode()
        if framing == "chunked":
            data = b"%x\r\n%s\r\n0\r\n\r\n" % (len(data), data)
        return head + data


async def read_response(reader):
    """Reads one response: (status, headers dict, body bytes). Raises
    asyncio.IncompleteReadError / ConnectionError when the peer closes."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    body = b""
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            body += chunk[:-2]
            if size == 0:
                break
    return status, headers, body


async def exchange(t, data, timeout, write_all=True):
    """Sends `data` on a new connection and reads one response.
    Returns (outcome, seconds, body): outcome is the status, or "timeout",
    "closed" or "refused"."""
    start = time.monotonic()
    writer = None
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(t.host, t.port), timeout)
        if write_all:
            writer.write(data)
            try:
                await writer.drain()
            except ConnectionError:
                pass  # the server answered and closed before reading it all
        else:
            writer.write(data)
        status, _, body = await asyncio.wait_for(read_response(reader), timeout)
        return status, time.monotonic() - start, body
    except asyncio.TimeoutError:
        return "timeout", time.monotonic() - start, b""
    except (asyncio.IncompleteReadError, ConnectionError, OSError) as e:
        kind = "refused" if isinstance(e, ConnectionRefusedError) else "closed"
        return kind, time.monotonic() - start, b""
    finally:
        if writer is not None:
            writer.close()


async def probes(t, n):
    """n well-formed queries, one after another, each on a new connection."""
    out = []
    for _ in range(n):
        out.append(await exchange(t, t.request(), t.probe_timeout))
    return out


def probe_summary(results):
    statuses = {}
    for status, _, _ in results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    times = [s for _, s, _ in results]
    st = " ".join(f"{k}x{v}" for k, v in sorted(statuses.items()))
    return (f"{st}; latency median {statistics.median(times) * 1000:.1f}ms "
            f"max {max(times) * 1000:.1f}ms")


def brief(body, status):
    """The start of an error answer's body, for the note column."""
    if status == 200 or not body:
        return ""
    return body.decode(errors="replace")[:110]


def report(label, case, sent, outcome, seconds, note=""):
    print(f"{label:<10} {case:<13} {sent:<58} {str(outcome):<22} "
          f"{seconds:7.2f}s  {note}".rstrip(), flush=True)


class Watched:
    """A connection kept open by a hostile client; records when and how the
    server ends it."""

    def __init__(self):
        self.reader = None
        self.writer = None
        self.ended = None      # seconds after the case started
        self.status = None     # status of a response the server sent, if any

    async def watch(self, t0):
        try:
            status, _, _ = await read_response(self.reader)
            self.status = status
            await self.reader.read()  # until the server closes
        except (asyncio.IncompleteReadError, ConnectionError, OSError,
                ValueError, IndexError):
            pass
        self.ended = time.monotonic() - t0


async def open_many(t, n):
    conns = []

    async def one():
        c = Watched()
        try:
            c.reader, c.writer = await asyncio.wait_for(
                asyncio.open_connection(t.host, t.port), 10)
        except (asyncio.TimeoutError, OSError):
            return None
        return c
    # Connect in batches so that a small accept backlog is not the test.
    for i in range(0, n, 50):
        batch = await asyncio.gather(*[one() for _ in range(min(50, n - i))])
        conns.extend(batch)
    return conns


def ended_summary(conns, hold):
    """How the server ended the connections within `hold` seconds."""
    opened = [c for c in conns if c is not None]
    ended = [c for c in opened if c.ended is not None and c.ended <= hold]
    statuses = {}
    for c in ended:
        statuses[str(c.status or "no answer")] = \
            statuses.get(str(c.status or "no answer"), 0) + 1
    first = min((c.ended for c in ended), default=None)
    s = f"{len(opened)}/{len(conns)} connected; server closed {len(ended)} " \
        f"within {hold:.0f}s"
    if ended:
        s += f" (first at {first:.1f}s; " + \
             ", ".join(f"{k}x{v}" for k, v in sorted(statuses.items())) + ")"
    return s


async def hold_then_close(label, case, what, t0, hold, conns, watchers,
                          stop=None):
    """Keeps `conns` open until `hold` seconds after t0, reports how many the
    server ended meanwhile, then closes the rest."""
    await asyncio.sleep(max(0.0, hold - (time.monotonic() - t0)))
    if stop is not None:
        stop.cancel()
    held = time.monotonic() - t0
    report(label, case, f"{what}, held {held:.0f}s", "", held,
           ended_summary(conns, held))
    for c in conns:
        if c is not None:
            c.writer.close()
    for w in watchers:
        w.cancel()
    await asyncio.sleep(0.5)


async def case_slowloris(t, args, label):
    """N clients send part of a request head, then one byte every 2 s."""
    n, hold = args.slowloris, args.hold
    t0 = time.monotonic()
    conns = await open_many(t, n)
    part = (f"POST {t.path} HTTP/1.1\r\nHost: {t.host}\r\n"
            f"auth: {t.token}\r\nX-Slow: ").encode()
    live = [c for c in conns if c is not None]
    for c in live:
        c.writer.write(part)
    watchers = [asyncio.ensure_future(c.watch(t0)) for c in live]

    async def drip():
        while time.monotonic() - t0 < hold:
            await asyncio.sleep(2)
            for c in live:
                if c.ended is None:
                    try:
                        c.writer.write(b"a")
                    except (ConnectionError, OSError):
                        pass
    dripper = asyncio.ensure_future(drip())
    await asyncio.sleep(2.5)  # every slow client has sent a byte since
    results = await probes(t, args.probes)
    report(label, "slowloris", f"{n} partial heads, 1 byte/2s; "
           f"{args.probes} queries meanwhile", "queries:", 0,
           probe_summary(results))
    await hold_then_close(label, "slowloris", f"the {n} slow clients", t0,
                          hold, conns, watchers, stop=dripper)


async def case_idle(t, args, label):
    """N keep-alive connections, each idle after one complete request; the
    probes run while the N first requests are being answered, and again when
    all N connections are idle."""
    n, hold = args.idle, args.hold
    t0 = time.monotonic()
    conns = await open_many(t, n)
    live = [c for c in conns if c is not None]
    req = t.request()

    async def first(c):
        try:
            c.writer.write(req)
            await c.writer.drain()
            status, _, _ = await asyncio.wait_for(read_response(c.reader), 90)
            return status
        except (asyncio.TimeoutError, asyncio.IncompleteReadError,
                ConnectionError, OSError, ValueError, IndexError):
            return "failed"
    firsts = asyncio.ensure_future(asyncio.gather(*[first(c) for c in live]))
    await asyncio.sleep(1.0)
    during = await probes(t, args.probes)
    report(label, "idle", f"{n} conns send one query each; {args.probes} "
           "queries 1s later", "queries:", 0, probe_summary(during))
    statuses = await firsts
    ok = sum(1 for s in statuses if s == 200)
    t1 = time.monotonic()
    report(label, "idle", f"the {n} first queries answered", f"200x{ok}",
           t1 - t0, "(time until the last was)")
    watchers = [asyncio.ensure_future(c.watch(t1)) for c in live]
    await asyncio.sleep(0.5)
    results = await probes(t, args.probes)
    report(label, "idle", f"the {n} now idle (keep-alive); {args.probes} "
           "queries meanwhile", "queries:", 0, probe_summary(results))
    await hold_then_close(label, "idle", f"the {n} idle connections", t1,
                          hold, conns, watchers)


async def case_header_lines(t, args, label):
    """10,000 short lines: 60 KB, under a 64 KiB header-bytes limit, so only
    a limit on lines stops it."""
    extra = ["X: 1"] * 10000
    status, secs, body = await exchange(t, t.request(extra=extra), 30)
    report(label, "header_lines", "a query with 10,000 header lines (60 KB)",
           status, secs, brief(body, status))


async def case_header_bytes(t, args, label):
    extra = ["X-Big: " + "b" * (100 << 10)]
    status, secs, body = await exchange(t, t.request(extra=extra), 30)
    report(label, "header_bytes", "a query with one 100 KiB header",
           status, secs, brief(body, status))


async def case_te_other(t, args, label):
    status, secs, body = await exchange(
        t, t.request(framing="chunked",
                     extra=["Transfer-Encoding: gzip, chunked"]), 10)
    report(label, "te_other", "Transfer-Encoding: gzip, chunked",
           status, secs, brief(body, status))


async def case_cap(t, args, label):
    """More connections than a 1,024 cap, then one query: a capped server
    answers it 503 (or refuses it); an uncapped one serves or stalls."""
    conns = await open_many(t, args.cap_conns)
    live = [c for c in conns if c is not None]
    status, secs, body = await exchange(t, t.request(), t.probe_timeout)
    report(label, "cap", f"{len(live)} open connections (of "
           f"{args.cap_conns}), then one query", status, secs,
           brief(body, status))
    for c in live:
        c.writer.close()
    await asyncio.sleep(1.0)


async def case_cl_te(t, args, label):
    body = QUERY_BODY.encode()
    status, secs, body = await exchange(
        t, t.request(framing="chunked",
                     extra=[f"Content-Length: {len(body)}",
                            "Transfer-Encoding: chunked"]), 10)
    report(label, "cl_te", "Content-Length + Transfer-Encoding: chunked",
           status, secs, brief(body, status))


async def case_gzip(t, args, label):
    status, secs, body = await exchange(
        t, t.request(extra=["Content-Encoding: gzip"]), 10)
    report(label, "gzip", "Content-Encoding: gzip (body not gzip)", status,
           secs, brief(body, status))


async def case_over_limit(t, args, label):
    """A 2 MiB Content-Length but only the head sent: a server that answers
    413 without reading the body answers at once; one that reads waits."""
    lines = [f"POST {t.path} HTTP/1.1", f"Host: {t.host}",
             f"auth: {t.token}", "Content-Type: application/json",
             f"Content-Length: {2 << 20}"]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode() + b"{" * 1024
    status, secs, body = await exchange(t, head, 6)
    report(label, "over_limit", "Content-Length 2 MiB, only 1 KiB sent",
           status, secs, brief(body, status))


async def case_tags(t, args, label):
    values = [f"v{i}" for i in range(100000)]
    body = json.dumps({"limit": 10, "dateFrom": "2026-01-19",
                       "dateTo": "2026-01-25",
                       "tags": {"or": [{"name": "regular",
                                        "values": values}]}})
    task = asyncio.ensure_future(exchange(t, t.request(body=body), 60))
    await asyncio.sleep(0.5)
    results = await probes(t, args.probes)
    status, secs, answer = await task
    report(label, "tags", f"tags filter with 100,000 values "
           f"({len(body) // 1024} KiB)", status, secs, brief(answer, status))
    report(label, "tags", f"{args.probes} queries while it ran", "queries:", 0,
           probe_summary(results))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims_of(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def sign(claims, secret):
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64url(json.dumps(claims).encode())
    mac = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256)
    return f"{head}.{body}.{b64url(mac.digest())}"


async def case_unknown_app(t, args, label):
    claims = dict(claims_of(t.token))
    secret = "not-the-secret-of-any-app-0123456789abcdef"
    wrong_sig = sign(claims, secret)
    unknown = dict(claims)
    for k in ("appId", "clientId", "iss"):
        if k in unknown:
            unknown[k] = "cs-nobody-knows-this-app"
    if not any(k in unknown for k in ("appId", "clientId", "iss")):
        unknown["appId"] = "cs-nobody-knows-this-app"
    unknown_app = sign(unknown, secret)
    s1, t1, b1 = await exchange(t, t.request(token=unknown_app), 10)
    s2, t2, b2 = await exchange(t, t.request(token=wrong_sig), 10)
    same = "same body" if b1 == b2 else "DIFFERENT bodies"
    report(label, "unknown_app", "unknown appId / wrong signature",
           f"{s1} / {s2}", t1 + t2, same)
    if b1 != b2:
        print(f"{'':<10} {'':<13}   unknown appId:   {b1.decode(errors='replace')[:160]}")
        print(f"{'':<10} {'':<13}   wrong signature: {b2.decode(errors='replace')[:160]}")


async def case_baseline(t, args, label):
    results = await probes(t, args.probes)
    report(label, "baseline", f"{args.probes} well-formed queries, nothing "
           "else connected", "queries:", 0, probe_summary(results))


async def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--bot", required=True)
    p.add_argument("--slowloris", type=int, default=300)
    p.add_argument("--idle", type=int, default=400)
    p.add_argument("--cap-conns", type=int, default=1100)
    p.add_argument("--hold", type=float, default=12.0,
                   help="seconds the slow and idle clients stay (default 12)")
    p.add_argument("--probes", type=int, default=5)
    p.add_argument("--probe-timeout", type=float, default=5.0)
    p.add_argument("--cases", default="all")
    p.add_argument("--label", default="server")
    args = p.parse_args()
    t = Target(args)
    cases = CASES if args.cases == "all" else args.cases.split(",")
    for c in cases:
        if c not in CASES:
            sys.exit(f"unknown case {c}; cases: {','.join(CASES)}")
    for c in cases:
        await globals()[f"case_{c}"](t, args, args.label)


if __name__ == "__main__":
    asyncio.run(main())
