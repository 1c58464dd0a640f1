#!/usr/bin/env python3
"""The layering is a build error: with the compile flags a build gives each
layer (compile_commands.json of BUILD_DIR), a header of a layer above is not
found, while the layer's own headers and those below are. tools/ sees the
public headers, the server, the backends and api (with what is below it).

usage: layering_build_test.py SOURCE_DIR BUILD_DIR"""
import json
import os
import shlex
import subprocess
import sys
import tempfile

# Layer -> the layers it may include (itself and below).
ORDER = ["base", "storage", "query", "codec", "api"]
SEES = {layer: ORDER[: i + 1] for i, layer in enumerate(ORDER)}
# The utilities work on the engine a Store hands them (engine_access.h),
# beside api: they see codec and below, not api.
SEES["utilities"] = ORDER[: ORDER.index("codec") + 1] + ["utilities"]
SEES["server"] = ORDER + ["server"]
# The backends (src/backends/<engine>/) sit on the utilities.
SEES["backends"] = SEES["utilities"] + ["backends"]
ALL = ORDER + ["utilities", "server", "backends"]
# tools/ sees the public headers, the server and the backends, and api with
# what is below it: `query/serve --clickhouse` put the ClickHouse backend
# (backends/, which must not include api) behind api's front door
# (api/backend_store.h), and only the tool sees both.
TOOLS_SEE = ORDER + ["server", "backends"]


def flags_for(commands, directory):
    """Preprocessor flags of the first translation unit under `directory`."""
    for c in commands:
        d = os.path.dirname(c["file"])
        # src/<layer>/ or, for a layer of subfolders (backends), below it.
        if d == directory or ("/src/" in directory and d.startswith(directory + "/")):
            args = shlex.split(c["command"])
            out, skip = [], False
            for a in args:
                if skip:
                    skip = False
                elif a in ("-o", "-c", "-MF", "-MT", "-MQ"):
                    skip = True
                elif a not in ("-MD", "-MMD") and a != c["file"]:
                    out.append(a)
            return out, c["directory"]
    sys.exit(f"no translation unit under {directory} in compile_commands.json")


def header_of(src, layer):
    root = f"{src}/src"
    return sorted(os.path.relpath(os.path.join(d, f), root)
                  for d, _, files in os.walk(f"{root}/{layer}")
                  for f in files if f.endswith(".h"))[0]


def finds(flags, cwd, include):
    with tempfile.NamedTemporaryFile("w", suffix=".cc", dir="/tmp") as f:
        f.write(f'#include "{include}"\n')
        f.flush()
        r = subprocess.run(flags + ["-E", "-o", os.devnull, f.name], cwd=cwd,
                           capture_output=True, text=True)
    if r.returncode != 0 and "No such file" not in r.stderr:
        sys.exit(f"unexpected error for {include}:\n{r.stderr}")
    return r.returncode == 0


def main():
    src, build = sys.argv[1], sys.argv[2]
    with open(f"{build}/compile_commands.json") as f:
        commands = json.load(f)
    failures = []
    for layer in ALL:
        flags, cwd = flags_for(commands, f"{src}/src/{layer}")
        for other in ALL:
            expected = other in SEES[layer]
            if finds(flags, cwd, header_of(src, other)) != expected:
                failures.append(f"src/{layer} {'cannot' if expected else 'can'}"
                                f" include {other}/")
    flags, cwd = flags_for(commands, f"{src}/tools")
    for other in ALL:
        expected = other in TOOLS_SEE
        if finds(flags, cwd, header_of(src, other)) != expected:
            failures.append(f"tools/ {'cannot' if expected else 'can'} "
                            f"include {other}/")
    if not finds(flags, cwd, "sessiondb/store.h"):
        failures.append("tools/ cannot include sessiondb/store.h")
    for f in failures:
        print("layering:", f)
    if not failures:
        print(f"layering: ok, {len(ALL)} layers and tools/ see exactly "
              "their own headers and those below")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
