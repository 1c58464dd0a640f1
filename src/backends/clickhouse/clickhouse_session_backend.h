// ClickHouseSessionBackend: getSessions answered from sessions that
// `sessiondb ship` copied to ClickHouse (SPEC §9; the tables of
// clickhouse_schema.h), as a SessionBackend (query/session_backend.h) for
// api's front door, which keeps every rule of SPEC §3, §4 and §7.
//
// Each request is a few SQL statements over `FROM DB.sessions[_local] FINAL
// WHERE deleted = 0` (FINAL: the newest version of each key, tombstones
// dropped; every version of a key lives on one shard): the exact total (or
// the facets, whose sum is the total) and the page's keys come from one
// FINAL read (OnePassSql) when one_pass_max_rows is set and a shard reads at
// most that many rows and no day facets are asked, else (by default) from
// two statements run at once on two connections (the keys from the
// window's last day first, LatestSpanStart); the page's JSON is then read
// by key, never sorted (18.16 sorts a selected
// column's whole window). Every value from a request goes
// through SqlString (sql_literal.h). docs/SCALE-OUT.md "Querying".
//
// Not a snapshot: the statements of one request read what ClickHouse holds
// when each runs; a ship in between can make total and page disagree by the
// sessions it changed, or (between the last day's keys and the earlier
// days') leave out of the page a session it moved across that boundary (the
// embedded store reads one snapshot).
#ifndef SESSIONDB_BACKENDS_CLICKHOUSE_CLICKHOUSE_SESSION_BACKEND_H_
#define SESSIONDB_BACKENDS_CLICKHOUSE_CLICKHOUSE_SESSION_BACKEND_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "backends/clickhouse/clickhouse_http.h"
#include "query/session_backend.h"

namespace sessiondb {

struct ClickHouseReadOptions {
  // The HTTP endpoints; the first that answers is used. With `cluster`,
  // any shard's (each has the Distributed table).
  std::vector<std::string> urls;
  // The cluster's name in remote_servers: read DB.sessions (Distributed).
  // Absent: read DB.sessions_local of the one server.
  std::optional<std::string> cluster;
  std::string database = "sessiondb";
  // The most rows a shard may read for the one FINAL read that answers the
  // count (or facets) and the page's keys at once: it holds every match's
  // key in memory (~150 bytes each measured on 18.16). Past it, or at 0,
  // the count and the keys are two statements run at once. Default 0: on
  // an idle machine the two statements were faster at 1M and 10M, and a
  // refused one pass cost a whole read (docs/PERFORMANCE.md, "On a quiet
  // machine").
  int64_t one_pass_max_rows = 0;
};

// Safe for concurrent use: each statement borrows a connection from a pool.
class ClickHouseSessionBackend final : public SessionBackend {
 public:
  // Open connects to the first of options.urls that answers `SELECT 1`.
  // InvalidArgument for a bad database name or URL; Unavailable naming
  // every URL when none answers.
  static absl::StatusOr<std::unique_ptr<ClickHouseSessionBackend>> Open(
      const ClickHouseReadOptions& options);

  absl::StatusOr<LookupOutcome> Lookup(
      const std::optional<std::string>& bot_id,
      const std::vector<std::string>& session_ids, PageSink sink,
      ExecutionStats* stats) override;
  absl::StatusOr<PageOutcome> RunPage(const SessionQuery& query,
                                      const PageRequest& page, PageSink sink,
                                      ExecutionStats* stats,
                                      FacetTally* facets) override;
  // CursorKey: meta_local's cursor_key (hex), read once. FailedPrecondition
  // when nothing was shipped yet.
  absl::StatusOr<std::string> CursorKey() override;

  // url is the endpoint in use.
  const std::string& url() const { return url_; }

  // Query runs one statement on a pooled connection (for tools and tests),
  // with `settings` as URL parameters.
  absl::StatusOr<std::string> Query(std::string_view sql,
                                    const ClickHouseSettings& settings = {});

  // The one-pass statement runs only for skip <= kOnePassMaxSkip, and
  // under max_rows_to_read = one_pass_max_rows (18.16 refuses, Code 158, a
  // read whose index estimate is past it, before reading); past either,
  // the two statements run.
  static constexpr int64_t kOnePassMaxSkip = 10'000;

  // The two statements' keys are first read from the window's last 24
  // hours (LatestSpanStart) when skip + limit is at most
  // kLatestSpanMaxKeys: exact when they hold skip + limit + 1 matches; else
  // the time before them continues the page (or, with a skip and no key in
  // them, the whole window is read). docs/SCALE-OUT.md "The SQL".
  static constexpr int64_t kLatestSpanMs = 24 * 3'600'000;
  static constexpr int64_t kLatestSpanMaxKeys = 10'000;

 private:
  ClickHouseSessionBackend(std::string url, std::string sessions_table,
                           std::string database, int64_t one_pass_max_rows);
  // ResolveUser applies API.md §2 in ClickHouse: the value itself if a live
  // session has it, else the id its alias maps to, else the value itself
  // too (it then matches no live session: the answer "nothing matches").
  absl::StatusOr<std::string> ResolveUser(const std::string& value);

  const std::string url_;
  const std::string sessions_table_;  // DB.sessions or DB.sessions_local
  const std::string database_;
  // Empty when one_pass_max_rows is 0: never one pass.
  const ClickHouseSettings one_pass_settings_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<ClickHouseHttp>> idle_ ABSL_GUARDED_BY(mu_);
  std::optional<std::string> cursor_key_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sessiondb

#endif  // SESSIONDB_BACKENDS_CLICKHOUSE_CLICKHOUSE_SESSION_BACKEND_H_
