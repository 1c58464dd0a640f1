#!/usr/bin/env bash
# Layers depend one way: server -> api -> codec -> query -> storage -> base.
# Fails naming each file that includes a header from a layer above its own.
set -u
src="$(cd "$(dirname "$0")/../src" && pwd)"
fail=0
check() {  # check LAYER FORBIDDEN...
  local layer=$1; shift
  for above in "$@"; do
    hits=$(grep -nE "#include \"$above/" "$src/$layer"/*.h "$src/$layer"/*.cc 2>/dev/null)
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
if [ $fail -eq 0 ]; then echo "layering: ok (base < storage < query < codec < api < server)"; fi
exit $fail
