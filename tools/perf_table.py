#!/usr/bin/env python3
"""Markdown tables from Google Benchmark JSON: sessiondb vs SQLite vs floor.

Reads the JSON of bench/query_bench and bench/ingest_bench (run with
--benchmark_format=json or --benchmark_out, --benchmark_repetitions=N and
--benchmark_report_aggregates_only=true) and prints, from the medians:

  * per query shape: sessiondb, SQLite, SQLite/sessiondb, floor,
    sessiondb/floor, and whether the issue's targets hold (>= 10x SQLite,
    <= 2x floor); the geometric means of both ratios (target >= 30x);
  * ingest rates (per CPU second and per wall second) of both engines and
    the dataset's bulk load;
  * on-disk sizes (sessiondb after full compaction vs the SQLite file);
  * with --baseline (the 1M query JSON when printing 10M): each shape's
    sessiondb latency growth (target <= 2x).

  tools/perf_table.py build/bench-results/1m-query.json build/bench-results/1m-ingest.json
  tools/perf_table.py 10m-query.json --baseline 1m-query.json

Python standard library only.
"""
import argparse
import json
import math
import sys

TARGET_SQLITE_RATIO = 10.0
TARGET_GEOMEAN = 30.0
TARGET_FLOOR_RATIO = 2.0
TARGET_INGEST = 200000.0
TARGET_GROWTH = 2.0

UNIT_TO_US = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}


def load(paths):
    """Returns (context, {run_name: {aggregate_name or 'run': entry}})."""
    context, runs = {}, {}
    for path in paths:
        with open(path) as f:
            data = json.load(f)
        context.update(data.get("context", {}))
        for b in data.get("benchmarks", []):
            # BM_<Group>/<Shape>/<engine>[/iterations:1/process_time...]
            name = "/".join(b.get("run_name", b["name"]).split("/")[:3])
            kind = b.get("aggregate_name", "run") if b.get("run_type") == "aggregate" else "run"
            runs.setdefault(name, {})
            if kind == "run":
                runs[name].setdefault("runs", []).append(b)
            else:
                runs[name][kind] = b
    return context, runs


def median_entry(runs, name):
    """The median aggregate, or the single run when there was one; None if
    missing; the error message if the benchmark was skipped with one."""
    entry = runs.get(name)
    if entry is None:
        return None
    if "median" in entry:
        return entry["median"]
    for r in entry.get("runs", []):
        if r.get("error_occurred"):
            return r.get("error_message", "error")
    rs = entry.get("runs", [])
    return rs[0] if len(rs) == 1 else None


def micros(entry, key):
    return entry[key] * UNIT_TO_US[entry.get("time_unit", "ns")]


def fmt_us(us):
    if us >= 10000:
        return f"{us / 1000:,.1f} ms"
    if us >= 100:
        return f"{us:,.0f} µs"
    return f"{us:,.1f} µs"


def fmt_ratio(r):
    return f"{r:,.1f}×" if r < 100 else f"{r:,.0f}×"


def fmt_bytes(n):
    n = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024


def geomean(xs):
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


# bench/query_shapes.cc's order; shapes not listed follow in file order
# (random interleaving shuffles the file).
SHAPE_ORDER = ["BotWeek", "BotWeekAgent", "BotWeekNonInteractive", "BotWeekHeavyUser",
               "BotWeekRareUser", "BotWeekOneTag", "BotWeekTwoTags", "AccountWeek",
               "BotWeekSkip50k", "BotWeekSkip90k"]


def query_shapes(runs):
    shapes = []
    for name in runs:
        parts = name.split("/")
        if len(parts) == 3 and parts[0] == "BM_Query" and parts[1] not in shapes:
            shapes.append(parts[1])
    known = [s for s in SHAPE_ORDER if s in shapes]
    return known + [s for s in shapes if s not in known]


def query_table(runs, time_key, baseline=None, out=sys.stdout):
    shapes = query_shapes(runs)
    if not shapes:
        return [], []
    label = "CPU" if time_key == "cpu_time" else "wall"
    head = (f"| shape | total | sessiondb ({label}) | SQLite | SQLite / sessiondb "
            f"| floor | sessiondb / floor |")
    sep = "|---|--:|--:|--:|--:|--:|--:|"
    if baseline is not None:
        head += " sessiondb vs baseline |"
        sep += "--:|"
    print(head, file=out)
    print(sep, file=out)
    speedups, floors, misses = [], [], []
    for shape in shapes:
        e = {k: median_entry(runs, f"BM_Query/{shape}/{k}") for k in ("sessiondb", "sqlite", "floor")}
        if any(not isinstance(v, dict) for v in e.values()):
            why = "; ".join(f"{k}: {v if v else 'missing'}" for k, v in e.items()
                            if not isinstance(v, dict))
            print(f"| {shape} | | | | | | ERROR: {why} |", file=out)
            misses.append(f"{shape}: not measured ({why})")
            continue
        s, q, f = (micros(e[k], time_key) for k in ("sessiondb", "sqlite", "floor"))
        total = e["sessiondb"].get("total")
        speedup, over_floor = q / s, s / f
        speedups.append(speedup)
        floors.append(over_floor)
        mark_speed = "" if speedup >= TARGET_SQLITE_RATIO else " ✗"
        mark_floor = "" if over_floor <= TARGET_FLOOR_RATIO else " ✗"
        row = (f"| {shape} | {int(total):,} | {fmt_us(s)} | {fmt_us(q)} | "
               f"{fmt_ratio(speedup)}{mark_speed} | {fmt_us(f)} | {over_floor:.2f}×{mark_floor} |"
               if total is not None else
               f"| {shape} | | {fmt_us(s)} | {fmt_us(q)} | {fmt_ratio(speedup)}{mark_speed} | "
               f"{fmt_us(f)} | {over_floor:.2f}×{mark_floor} |")
        if baseline is not None:
            b = median_entry(baseline, f"BM_Query/{shape}/sessiondb")
            if isinstance(b, dict):
                g = s / micros(b, time_key)
                row += f" {g:.2f}×{'' if g <= TARGET_GROWTH else ' ✗'} |"
                if g > TARGET_GROWTH:
                    misses.append(f"{shape}: latency {g:.2f}× the baseline's "
                                  f"(target ≤ {TARGET_GROWTH:.0f}×)")
            else:
                row += " – |"
        print(row, file=out)
        if speedup < TARGET_SQLITE_RATIO:
            misses.append(f"{shape}: {fmt_ratio(speedup)} SQLite (target ≥ {TARGET_SQLITE_RATIO:.0f}×)")
        if over_floor > TARGET_FLOOR_RATIO:
            misses.append(f"{shape}: {over_floor:.2f}× floor (target ≤ {TARGET_FLOOR_RATIO:.0f}×)")
    gs, gf = geomean(speedups), geomean(floors)
    print(f"| **geometric mean** | | | | **{fmt_ratio(gs)}**{'' if gs >= TARGET_GEOMEAN else ' ✗'} "
          f"| | **{gf:.2f}×** |" + (" |" if baseline is not None else ""), file=out)
    if gs < TARGET_GEOMEAN:
        misses.append(f"geometric mean: {fmt_ratio(gs)} SQLite (target ≥ {TARGET_GEOMEAN:.0f}×)")
    return speedups, misses


def ingest_table(runs, context, out=sys.stdout):
    misses = []
    cases = []
    for name in runs:
        parts = name.split("/")
        if len(parts) == 3 and parts[0] == "BM_Ingest" and parts[1] not in cases:
            cases.append(parts[1])
    if cases or "sessiondb_load_sessions_per_wall_s" in context:
        print("| ingest (batches of 1000, all indexes) | sessiondb / CPU s | sessiondb / wall s "
              "| SQLite / CPU s | SQLite / wall s |", file=out)
        print("|---|--:|--:|--:|--:|", file=out)
        cases.sort(key=lambda c: ["NewSessions", "UpsertExisting"].index(c)
                   if c in ("NewSessions", "UpsertExisting") else 2)
        for case in cases:
            cells = []
            for engine in ("sessiondb", "sqlite"):
                e = median_entry(runs, f"BM_Ingest/{case}/{engine}")
                if not isinstance(e, dict):
                    cells += [f"ERROR: {e}" if e else "–", ""]
                    continue
                per_cpu = e.get("items_per_second", 0.0)
                real_s = micros(e, "real_time") / 1e6
                per_wall = e.get("sessions", 0.0) / real_s if real_s > 0 else 0.0
                cells += [f"{per_cpu:,.0f}", f"{per_wall:,.0f}"]
                # Judged per CPU second: wall time on a shared machine
                # measures the other tenants.
                if engine == "sessiondb" and per_cpu < TARGET_INGEST:
                    misses.append(f"ingest {case}: {per_cpu:,.0f} sessions per CPU second "
                                  f"({per_wall:,.0f}/s wall; target ≥ {TARGET_INGEST:,.0f}/s)")
            print(f"| {case} ({int(runs_sessions(runs, case)):,} sessions) | " + " | ".join(cells) + " |",
                  file=out)
    if "sessiondb_load_sessions_per_wall_s" in context:
        n = int(context.get("dataset_sessions", "0"))
        sql_s = float(context.get("sqlite_bulk_load_seconds", "nan"))
        sql_ix = float(context.get("sqlite_index_build_seconds", "nan"))
        print(f"| dataset bulk load ({n:,} sessions, empty store → full) | "
              f"{int(context['sessiondb_load_sessions_per_cpu_s']):,} | "
              f"{int(context['sessiondb_load_sessions_per_wall_s']):,} | – | "
              f"{n / (sql_s + sql_ix):,.0f} (indexes built after the load) |", file=out)
        if not cases:
            w = int(context["sessiondb_load_sessions_per_wall_s"])
            c = int(context["sessiondb_load_sessions_per_cpu_s"])
            if c < TARGET_INGEST:
                misses.append(f"bulk load: {c:,} sessions per CPU second ({w:,}/s wall; "
                              f"target ≥ {TARGET_INGEST:,.0f}/s)")
    return misses


def runs_sessions(runs, case):
    for engine in ("sessiondb", "sqlite"):
        e = median_entry(runs, f"BM_Ingest/{case}/{engine}")
        if isinstance(e, dict) and "sessions" in e:
            return e["sessions"]
    return 0


def disk_table(context, out=sys.stdout):
    if "sqlite_bytes" not in context or "sessiondb_bytes_compacted" not in context:
        return []
    sdb = int(context["sessiondb_bytes_compacted"])
    loaded = int(context.get("sessiondb_bytes_loaded", "0"))
    sql = int(context["sqlite_bytes"])
    nd = int(context.get("ndjson_bytes", "0"))
    print("| on disk | bytes | vs SQLite | vs NDJSON |", file=out)
    print("|---|--:|--:|--:|", file=out)
    rows = [("sessiondb, after full compaction", sdb), ("sessiondb, right after the load", loaded),
            ("SQLite (tables + 6 indexes, JSON text column)", sql), ("gen_sessions.py NDJSON", nd)]
    for label, n in rows:
        if n:
            print(f"| {label} | {fmt_bytes(n)} | {n / sql:.2f}× | {n / nd:.2f}× |" if nd else
                  f"| {label} | {fmt_bytes(n)} | {n / sql:.2f}× | |", file=out)
    return [] if sdb <= sql else [f"disk: sessiondb {fmt_bytes(sdb)} > SQLite {fmt_bytes(sql)}"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json", nargs="+", help="Google Benchmark JSON files (query and/or ingest)")
    ap.add_argument("--baseline", help="query JSON of the smaller dataset, for latency growth")
    a = ap.parse_args()
    context, runs = load(a.json)
    baseline = load([a.baseline])[1] if a.baseline else None

    misses = []
    ds = context.get("dataset", "?")
    if query_shapes(runs):
        print(f"### Query shapes, {ds} sessions: medians of CPU time\n")
        _, m = query_table(runs, "cpu_time", baseline)
        misses += m
        print(f"\n### The same, medians of wall-clock time (machine shared: noisier)\n")
        query_table(runs, "real_time", baseline, out=sys.stdout)
        print()
    print("### Ingest\n")
    misses += ingest_table(runs, context)
    print()
    print("### Disk\n")
    misses += disk_table(context)
    print()
    print("### Targets missed\n")
    if misses:
        for m in misses:
            print(f"- {m}")
    else:
        print("- none")


if __name__ == "__main__":
    main()
