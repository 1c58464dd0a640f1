#!/usr/bin/env bash
# Layers depend one way: server -> api -> codec -> query -> storage -> base;
# backends (ClickHouse) sit beside api and server, on utilities.
# Fails naming each file that includes a header from a layer above its own.
set -u
src="$(cd "$(dirname "$0")/../src" && pwd)"
fail=0
check() {  # check LAYER FORBIDDEN...
  local layer=$1; shift
  for above in "$@"; do
    hits=$(grep -rnE "#include \"$above/" "$src/$layer" --include='*.h' --include='*.cc' 2>/dev/null)
    if [ -n "$hits" ]; then
      echo "layering: $layer must not include $above/:"; echo "$hits"; fail=1
    fi
  done
}
check base storage query codec api server
check storage query codec api server
check query codec api server
check codec api server
check api server
# utilities (export, retention) sit beside api, on codec: nothing below them
# may include them, and they include neither api nor the server.
for layer in base storage query codec api; do check "$layer" utilities; done
check utilities api server
# backends (src/backends/<engine>/) read the store as utilities do: nothing
# below them includes them, and they include neither api nor the server.
for layer in base storage query codec api utilities; do check "$layer" backends; done
check backends api server
if [ $fail -eq 0 ]; then echo "layering: ok (base < storage < query < codec < api < server; utilities < backends)"; fi
exit $fail
