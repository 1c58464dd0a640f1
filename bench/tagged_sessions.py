#!/usr/bin/env python3
"""tagged_sessions.py N TAGS VALUE_BYTES < sessions.ndjson > tagged.ndjson

The first N sessions of an NDJSON file (gen_sessions.py's output) with TAGS
tags each instead of theirs: half userTags named u0, u1, ..., half
sessionTags named s0, s1, ..., each value VALUE_BYTES digits long (the
sessionTags' values vary with the session). For the write-amplification
measurements in docs/STORAGE.md.
"""
import json
import sys


def main():
    n, tags, value_bytes = (int(a) for a in sys.argv[1:4])
    for i, line in enumerate(sys.stdin):
        if i >= n:
            break
        s = json.loads(line)
        s["tags"] = {
            "userTags": [{"name": f"u{t}", "value": f"{t:0{value_bytes}d}"}
                         for t in range(tags // 2)],
            "sessionTags": [{"name": f"s{t}",
                             "value": f"{i % 7}{t:0{value_bytes - 1}d}"}
                            for t in range(tags - tags // 2)]}
        print(json.dumps(s, separators=(",", ":")))


if __name__ == "__main__":
    main()
