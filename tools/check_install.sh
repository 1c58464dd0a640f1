#!/usr/bin/env bash
# Checks the library as a user gets it: installs a build tree into a fresh
# temporary prefix, then, using nothing but that prefix,
#   1. compiles every public header alone (and fails if one pulls in RocksDB,
#      FlatBuffers, simdjson or anything from src/),
#   2. checks the shared library's SONAME and that it exports no internals,
#   3. builds examples/bot_runtime with find_package(sessiondb), against the
#      static and the shared library, and runs both,
#   4. builds a small program with nothing but `pkg-config sessiondb`.
#   tools/check_install.sh [BUILD_DIR]      (default: build/release)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build/release}"
jobs="${SESSIONDB_JOBS:-$(nproc)}"
work="$(mktemp -d "${TMPDIR:-/tmp}/sessiondb-install-XXXXXX")"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
fail() { echo "check_install: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >/dev/null
libdir="$(dirname "$(find "$prefix" -name libsessiondb.a | head -1)")"
[ -f "$libdir/libsessiondb.a" ] || fail "no libsessiondb.a installed"
[ -f "$prefix/include/sessiondb/store.h" ] || fail "no public headers installed"
[ -f "$libdir/cmake/sessiondb/sessiondbConfig.cmake" ] || fail "no CMake package"
[ -f "$libdir/pkgconfig/sessiondb.pc" ] || fail "no pkg-config file"
echo "check_install: installed into $prefix"

# 1. Every public header on its own, against the installed tree only.
headers=$(cd "$prefix/include" && find sessiondb -name '*.h' | sort)
for h in $headers; do
  printf '#include <%s>\n' "$h" >"$work/header.cc"
  c++ -std=c++20 -Wall -Wextra -Werror -fsyntax-only -I"$prefix/include" \
    "$work/header.cc" || fail "$h does not compile on its own"
  leaked=$(c++ -std=c++20 -M -I"$prefix/include" "$work/header.cc" |
    tr ' \\' '\n\n' | grep -E '/(rocksdb|flatbuffers|simdjson)[/.]|_generated\.h' || true)
  [ -z "$leaked" ] || fail "$h exposes private dependencies: $leaked"
done
echo "check_install: $(echo "$headers" | wc -w) public headers compile alone, none includes RocksDB/FlatBuffers"

# 2. The shared library: versioned SONAME, only the public API exported.
so="$libdir/libsessiondb.so"
if [ -e "$so" ]; then
  soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
  [[ "$soname" =~ ^libsessiondb\.so\.[0-9]+\.[0-9]+$ ]] || fail "unexpected SONAME '$soname'"
  symbols=$(nm -D --defined-only -C "$so")
  internals=$(grep -E 'rocksdb::|flatbuffers::|simdjson::|sessiondb::(StoreImpl|StorageEngine|SessionBatch|MergedStream|KeyRangeStream)' <<<"$symbols" | head -5 || true)
  [ -z "$internals" ] || fail "libsessiondb.so exports internals: $internals"
  grep -q 'sessiondb::Store::Open' <<<"$symbols" ||
    fail "libsessiondb.so does not export sessiondb::Store::Open"
  echo "check_install: $soname exports $(grep -c ' [TWV] ' <<<"$symbols") symbols, no internals"
fi

# 3. The example runtime, built only from the installed package.
variants=(static)
[ -e "$so" ] && variants+=(shared)
for variant in "${variants[@]}"; do
  shared=OFF
  [ "$variant" = shared ] && shared=ON
  cmake -S examples/bot_runtime -B "$work/bot_runtime-$variant" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
    -DBOT_RUNTIME_SHARED=$shared >/dev/null
  cmake --build "$work/bot_runtime-$variant" -j "$jobs" >/dev/null
  echo "check_install: bot_runtime ($variant library):"
  "$work/bot_runtime-$variant/bot_runtime" --threads 4 --conversations 200 | sed 's/^/  /'
done
if [ -e "$so" ]; then
  loaded=$(ldd "$work/bot_runtime-shared/bot_runtime")
  grep -q "$libdir/libsessiondb.so" <<<"$loaded" ||
    fail "the shared bot_runtime does not load the installed libsessiondb.so"
fi

# 4. pkg-config alone, with a program that calls every public function, so a
#    declaration without SESSIONDB_EXPORT fails to link against the .so.
cat >"$work/pc.cc" <<'EOF'
#include <iostream>
#include <sstream>

#include "sessiondb/store.h"
#include "sessiondb/utilities/retention.h"
#include "sessiondb/utilities/session_export.h"

int main(int argc, char** argv) {
  auto store = sessiondb::Store::Open(sessiondb::Options(), argv[argc - 1]);
  if (!store.ok()) return 1;
  auto session = sessiondb::ParseSessionJson(
      R"({"sessionId":"s-1","botId":"b","channel":"rtm","userId":"u-1",
          "start_time":"2026-01-20T10:00:00Z","sessionType":"interactive",
          "containmentType":"agent"})");
  if (!session.ok() || !sessiondb::ValidateSession(*session).ok()) return 1;
  if (!(*store)->Put(*session).ok()) return 1;
  session->session_status = sessiondb::SessionStatus::kActive;  // as read back
  auto identity = sessiondb::ParseUserIdentityJson(
      R"({"userId":"u-1","aliases":["a@b.c"]})");
  if (!identity.ok() || !(*store)->LinkUserAliases(*identity).ok()) return 1;
  std::ostringstream out;
  auto written = sessiondb::ExportSessionsTo(**store, sessiondb::ExportFilter(),
                                             sessiondb::ExportOptions(), out);
  auto it = sessiondb::NewSessionExportIterator(**store, {});
  if (!written.ok() || !it.ok() || !(*it)->Valid() ||
      !((*it)->session() == *session) || sessiondb::ExportCsvHeader().empty() ||
      out.str() != sessiondb::SessionToJson((*it)->session()) + "\n") {
    return 1;
  }
  it->reset();
  auto all = sessiondb::ExportSessions(
      **store, {}, [](const sessiondb::Session&) { return absl::OkStatus(); });
  auto purged = sessiondb::DeleteSessionsBefore(**store, std::nullopt, 0);
  auto forgotten = sessiondb::DeleteUser(**store, "a@b.c");
  if (!all.ok() || !purged.ok() || !forgotten.ok() ||
      forgotten->sessions_deleted != 1) {
    return 1;
  }
  sessiondb::ApiResponse r =
      (*store)->HandleGetSessions(std::nullopt, std::nullopt, "{}");
  std::cout << r.body << "\n";
  return r.status == 200 ? 0 : 1;
}
EOF
pc_args=(--cflags --libs)
[ -e "$so" ] || pc_args+=(--static)
# shellcheck disable=SC2046
c++ -std=c++20 "$work/pc.cc" -o "$work/pc" \
  $(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config "${pc_args[@]}" sessiondb) \
  -Wl,-rpath,"$libdir"
answer=$("$work/pc" "$work/pc-store") || fail "the pkg-config program failed (exit $?)"
grep -q '"total":0' <<<"$answer" || fail "the pkg-config program failed: $answer"
echo "check_install: a program built with pkg-config sessiondb calls every public function"
echo "check_install: ok"
