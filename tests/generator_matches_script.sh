#!/usr/bin/env bash
# `sessiondb generate` writes exactly what gen_sessions.py writes: sessions
# and user identities, for a few parameter sets. Exit 77 (ctest: skipped)
# when the script is not there (a clone without ../shared/ beside it).
#   generator_matches_script.sh CLI GEN_SESSIONS_PY
set -euo pipefail
cli=$1 script=$2
if [ ! -f "$script" ]; then
  echo "generator_matches_script: no $script, skipped"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check() {  # check ARGS...: both tools with the same arguments
  "$cli" generate "$@" --users-out "$tmp/cpp-users" > "$tmp/cpp"
  python3 "$script" "$@" --users-out "$tmp/py-users" > "$tmp/py"
  if ! cmp "$tmp/cpp" "$tmp/py" || ! cmp "$tmp/cpp-users" "$tmp/py-users"; then
    echo "generator_matches_script: differs for: $*" >&2
    exit 1
  fi
  [ -s "$tmp/cpp" ] || { echo "generator_matches_script: no output for: $*" >&2; exit 1; }
}
check --sessions 5000
check --sessions 3000 --seed 11 --bots 3 --days 5
check --sessions 2000 --seed 2 --users 17 --start 2025-12-30 --days 40
echo "generator_matches_script: ok (3 parameter sets, sessions and identities)"
