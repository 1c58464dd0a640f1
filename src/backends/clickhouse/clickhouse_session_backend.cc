#include "backends/clickhouse/clickhouse_session_backend.h"

#include <algorithm>
#include <thread>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "backends/clickhouse/clickhouse_query_sql.h"
#include "backends/clickhouse/clickhouse_schema.h"
#include "backends/clickhouse/sql_literal.h"
#include "base/absl_compat.h"
#include "base/status_macros.h"
#include "sessiondb/session_json_parser.h"
#include "storage/key_codec.h"

namespace sessiondb {
namespace {

// ShippedSession is a page session as ClickHouse holds it: its key and the
// JSON ship stored (the embedded store's bytes).
class ShippedSession final : public PageSession {
 public:
  ShippedSession(int64_t start_ms, std::string_view session_id,
                 std::string_view json)
      : start_ms_(start_ms), session_id_(session_id), json_(json) {}
  int64_t start_ms() const override { return start_ms_; }
  std::string_view session_id() const override { return session_id_; }
  void AppendJson(std::string* out) const override { out->append(json_); }
  absl::StatusOr<Session> ToSession() const override {
    SessionJsonParser parser;
    return parser.ParseSession(json_);
  }

 private:
  int64_t start_ms_;
  std::string_view session_id_;
  std::string_view json_;
};

absl::Status Malformed(std::string_view what) {
  return absl::DataLossError(
      absl::StrCat("ClickHouse answered a malformed ", AsAbsl(what)));
}

// SessionRow is a session's newest row, read by kSessionRowColumns.
struct SessionRow {
  int64_t start_ms = 0;
  std::string_view session_id;
  std::string_view json;
};

// The columns LatestLiveRows reads. Sessions are fetched by key WITHOUT
// FINAL: FINAL merges every column of the granules it reads before the
// WHERE applies — the JSON of whole granules (a 100-session page: ~1.5 s on
// 18.16 under load) — while a plain read with the key condition as PREWHERE
// reads the JSON of the matching rows only (18.16 does not move it there by
// itself through the Distributed table: a lookup by id read every JSON,
// 6 s at 1M), and the newest version of each key is picked here, as FINAL
// would. PREWHERE is only ever used without FINAL: with FINAL it would drop
// a tombstone before the merge and let the older live row through.
constexpr char kSessionRowColumns[] =
    "bot, start_ms, session_id, version, deleted, json";

// LatestLiveRows reads a RowBinary answer of kSessionRowColumns and keeps,
// per key (bot, start_ms, session_id), the row of the highest version when
// it is not a tombstone. The views point into `answer`.
absl::StatusOr<std::vector<SessionRow>> LatestLiveRows(
    std::string_view answer) {
  struct Latest {
    uint64_t version = 0;
    bool deleted = false;
    SessionRow row;
  };
  absl::flat_hash_map<std::tuple<std::string_view, int64_t, std::string_view>,
                      Latest>
      latest;
  RowBinaryReader reader(answer);
  while (!reader.done()) {
    std::string_view bot;
    Latest candidate;
    uint8_t deleted = 0;
    if (!reader.ReadString(&bot) ||
        !reader.ReadInt64(&candidate.row.start_ms) ||
        !reader.ReadString(&candidate.row.session_id) ||
        !reader.ReadUInt64(&candidate.version) || !reader.ReadUInt8(&deleted) ||
        !reader.ReadString(&candidate.row.json)) {
      return Malformed("session row");
    }
    candidate.deleted = deleted != 0;
    auto [it, inserted] = latest.try_emplace(
        std::make_tuple(bot, candidate.row.start_ms, candidate.row.session_id),
        candidate);
    if (!inserted && it->second.version < candidate.version) {
      it->second = candidate;
    }
  }
  std::vector<SessionRow> rows;
  for (const auto& [key, l] : latest) {
    if (!l.deleted) rows.push_back(l.row);
  }
  return rows;
}

// PageKey is one page session's sort key.
struct PageKey {
  std::string bot;
  int64_t start_ms = 0;
  std::string session_id;
};

// The settings of statements whose text grows with a page: a 10,000-session
// page's keys are ~600 KB of SQL, past the default max_query_size.
const ClickHouseSettings& LargeQuerySettings() {
  static const ClickHouseSettings* settings =
      new ClickHouseSettings{{"max_query_size", "67108864"}};
  return *settings;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ClickHouseSessionBackend>>
ClickHouseSessionBackend::Open(const ClickHouseReadOptions& options) {
  SESSIONDB_ASSIGN_OR_RETURN(std::string database,
                             SqlIdentifier(options.database, "--database"));
  if (options.urls.empty()) {
    return absl::InvalidArgumentError("--clickhouse: no URL given");
  }
  std::vector<std::string> failures;
  for (const std::string& url : options.urls) {
    absl::StatusOr<std::unique_ptr<ClickHouseHttp>> http =
        ClickHouseHttp::Connect(url);
    if (http.ok()) {
      absl::StatusOr<std::string> one = (*http)->Query("SELECT 1");
      if (one.ok()) {
        const std::string table =
            absl::StrCat(database, ".",
                         options.cluster.has_value() ? kSessionsDistributedTable
                                                     : kSessionsLocalTable);
        std::unique_ptr<ClickHouseSessionBackend> backend(
            new ClickHouseSessionBackend(url, table, database));
        absl::MutexLock lock(&backend->mu_);
        backend->idle_.push_back(*std::move(http));
        return backend;
      }
      failures.push_back(std::string(one.status().message()));
    } else {
      if (absl::IsInvalidArgument(http.status())) return http.status();
      failures.push_back(std::string(http.status().message()));
    }
  }
  return absl::UnavailableError(absl::StrCat("--clickhouse: no URL answers: ",
                                             absl::StrJoin(failures, "; ")));
}

// IsStaleShardConnection: ClickHouse 18.16 answered that a shard's
// connection, reused by the Distributed table, was left mid-stream by an
// earlier query it cancelled (a LIMIT met early, as ResolveUser's probe
// does): "Code: 101 ... Unexpected packet Data received from client". The
// statement itself was fine; the server discards the broken connection, so
// it is run again, at most twice (seen once in CI: clickhouse_query, one
// answer of 2,500).
namespace {
bool IsStaleShardConnection(const absl::Status& status) {
  return absl::StrContains(status.message(), "Code: 101,") ||
         absl::StrContains(status.message(), "Unexpected packet");
}
}  // namespace

ClickHouseSessionBackend::ClickHouseSessionBackend(std::string url,
                                                   std::string sessions_table,
                                                   std::string database)
    : url_(std::move(url)),
      sessions_table_(std::move(sessions_table)),
      database_(std::move(database)) {}

absl::StatusOr<std::string> ClickHouseSessionBackend::Query(
    std::string_view sql) {
  std::unique_ptr<ClickHouseHttp> http;
  {
    absl::MutexLock lock(&mu_);
    if (!idle_.empty()) {
      http = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (http == nullptr) {
    SESSIONDB_ASSIGN_OR_RETURN(http, ClickHouseHttp::Connect(url_));
  }
  absl::StatusOr<std::string> answer =
      sql.size() > 200'000 ? http->Query(sql, LargeQuerySettings())
                           : http->Query(sql);
  for (int retry = 0;
       retry < 2 && !answer.ok() && IsStaleShardConnection(answer.status());
       ++retry) {
    // Every statement here is a read: running it again is safe.
    answer = sql.size() > 200'000 ? http->Query(sql, LargeQuerySettings())
                                  : http->Query(sql);
  }
  if (answer.ok()) {
    absl::MutexLock lock(&mu_);
    idle_.push_back(std::move(http));
    return answer;
  }
  // ClickHouse refusing a statement (HTTP 4xx) is this backend's failure,
  // not a bad getSessions request: never answer it as a 400.
  if (absl::IsInvalidArgument(answer.status())) {
    return absl::InternalError(answer.status().message());
  }
  return answer.status();
}

absl::StatusOr<std::string> ClickHouseSessionBackend::CursorKey() {
  {
    absl::MutexLock lock(&mu_);
    if (cursor_key_.has_value()) return *cursor_key_;
  }
  SESSIONDB_ASSIGN_OR_RETURN(
      std::string answer,
      Query(absl::StrCat("SELECT value FROM ", database_, ".", kMetaTable,
                         " FINAL WHERE key = ", SqlString(kMetaCursorKey),
                         " FORMAT RowBinary")));
  RowBinaryReader reader(answer);
  std::string_view hex;
  if (reader.done()) {
    return absl::FailedPreconditionError(
        absl::StrCat(database_, ".", kMetaTable,
                     " has no cursor_key: ship the store first"));
  }
  if (!reader.ReadString(&hex) || hex.size() != 64) {
    return Malformed("cursor_key");
  }
  std::string key = absl::HexStringToBytes(AsAbsl(hex));
  absl::MutexLock lock(&mu_);
  cursor_key_ = key;
  return key;
}

absl::StatusOr<std::optional<std::string>>
ClickHouseSessionBackend::ResolveUser(const std::string& value) {
  // Any row at all first: without FINAL a scan stops at the first match and
  // reads no key columns, and most values that are not an id (an email, an
  // enterprise id) have none. Only then FINAL, for a live one.
  const std::string where = absl::StrCat(" WHERE user_id = ", SqlString(value));
  SESSIONDB_ASSIGN_OR_RETURN(
      std::string any, Query(absl::StrCat("SELECT 1 FROM ", sessions_table_,
                                          where, " LIMIT 1 FORMAT RowBinary")));
  if (!any.empty()) {
    SESSIONDB_ASSIGN_OR_RETURN(
        std::string live,
        Query(absl::StrCat("SELECT 1 FROM ", sessions_table_, " FINAL", where,
                           " AND deleted = 0 LIMIT 1 FORMAT RowBinary")));
    if (!live.empty()) return value;
  }
  SESSIONDB_ASSIGN_OR_RETURN(
      std::string alias,
      Query(absl::StrCat(
          "SELECT user_id FROM ", database_, ".", kAliasesTable,
          " FINAL WHERE deleted = 0 AND alias = ", SqlString(AsciiLower(value)),
          " LIMIT 1 FORMAT RowBinary")));
  if (alias.empty()) return std::nullopt;
  RowBinaryReader reader(alias);
  std::string_view user_id;
  if (!reader.ReadString(&user_id)) return Malformed("alias");
  return std::string(user_id);
}

absl::StatusOr<LookupOutcome> ClickHouseSessionBackend::Lookup(
    const std::optional<std::string>& bot_id,
    const std::vector<std::string>& session_ids, PageSink sink,
    ExecutionStats* stats) {
  std::string sql = absl::StrCat("SELECT ", kSessionRowColumns, " FROM ",
                                 sessions_table_, " PREWHERE session_id IN (");
  AppendSqlList(session_ids, &sql);
  sql += ')';
  if (bot_id.has_value())
    absl::StrAppend(&sql, " AND bot = ", SqlString(*bot_id));
  sql += " FORMAT RowBinary";
  SESSIONDB_ASSIGN_OR_RETURN(std::string answer, Query(sql));
  SESSIONDB_ASSIGN_OR_RETURN(std::vector<SessionRow> found,
                             LatestLiveRows(answer));
  // Newest first, then the larger sessionId (the API's order).
  std::sort(found.begin(), found.end(),
            [](const SessionRow& a, const SessionRow& b) {
              return std::tie(b.start_ms, b.session_id) <
                     std::tie(a.start_ms, a.session_id);
            });
  absl::flat_hash_set<std::string_view> found_ids;
  for (const SessionRow& row : found) {
    found_ids.insert(row.session_id);
    sink(ShippedSession(row.start_ms, row.session_id, row.json));
  }
  LookupOutcome out;
  out.found = static_cast<int64_t>(found.size());
  absl::flat_hash_set<std::string_view> listed;
  for (const std::string& id : session_ids) {
    if (!found_ids.contains(id) && listed.insert(id).second) {
      out.invalid.push_back(id);
    }
  }
  stats->keys_visited = static_cast<int64_t>(session_ids.size());
  stats->records_read = out.found;
  stats->page_path =
      absl::StrCat("ClickHouse ", sessions_table_,
                   " WHERE session_id IN (…), the newest version of each key");
  return out;
}

absl::StatusOr<PageOutcome> ClickHouseSessionBackend::RunPage(
    const SessionQuery& query, const PageRequest& page, PageSink sink,
    ExecutionStats* stats, FacetTally* facets) {
  PageOutcome out;
  std::optional<std::string> user_id;
  if (query.user_id.has_value()) {
    SESSIONDB_ASSIGN_OR_RETURN(user_id, ResolveUser(*query.user_id));
    if (!user_id.has_value()) {
      out.plan = "empty (userId resolves to no user)";
      stats->page_path = "none";
      if (facets != nullptr) stats->facets_path = "none (nothing can match)";
      return out;
    }
  }
  const std::string from =
      absl::StrCat(" FROM ", sessions_table_, " FINAL WHERE ",
                   SessionMatchSql(query, user_id, page.window));
  out.plan = absl::StrCat("ClickHouse", from);

  // The total (or the facets, whose sum it is) on a second connection while
  // this one reads the page's keys.
  std::string count_sql;
  if (facets != nullptr && !facets->days().empty()) {
    std::vector<int64_t> day_starts;
    for (size_t i = 1; i < facets->days().size(); ++i) {
      day_starts.push_back(facets->days()[i].lo_ms);
    }
    count_sql =
        absl::StrCat("SELECT ", DayBucketSql(day_starts),
                     " AS day, containment, session_type, count()", from,
                     " GROUP BY day, containment, session_type "
                     "FORMAT RowBinary");
    stats->facets_path =
        "ClickHouse GROUP BY local day (multiIf), containment, sessionType";
  } else {
    count_sql = absl::StrCat("SELECT count()", from, " FORMAT RowBinary");
    if (facets != nullptr) stats->facets_path = "none (an empty window)";
  }
  absl::StatusOr<std::string> counted;
  std::thread counter([&] { counted = Query(count_sql); });

  std::string keys_sql = absl::StrCat("SELECT bot, start_ms, session_id", from);
  if (page.after.has_value()) {
    absl::StrAppend(&keys_sql, " AND ", AfterPositionSql(*page.after));
  }
  absl::StrAppend(&keys_sql, " ORDER BY start_ms DESC, session_id DESC LIMIT ",
                  page.skip, ", ", page.limit + 1, " FORMAT RowBinary");
  absl::StatusOr<std::string> keys_answer = Query(keys_sql);
  std::vector<PageKey> keys;
  if (keys_answer.ok()) {
    RowBinaryReader reader(*keys_answer);
    while (!reader.done()) {
      PageKey key;
      std::string_view bot, id;
      if (!reader.ReadString(&bot) || !reader.ReadInt64(&key.start_ms) ||
          !reader.ReadString(&id)) {
        keys_answer = Malformed("page key");
        break;
      }
      key.bot.assign(bot);
      key.session_id.assign(id);
      keys.push_back(std::move(key));
    }
  }
  counter.join();
  SESSIONDB_RETURN_IF_ERROR(keys_answer.status());
  SESSIONDB_RETURN_IF_ERROR(counted.status());

  // The total, and the facets.
  RowBinaryReader count_reader(*counted);
  if (facets != nullptr && !facets->days().empty()) {
    while (!count_reader.done()) {
      uint32_t day = 0;
      uint8_t containment = 0, session_type = 0;
      uint64_t n = 0;
      if (!count_reader.ReadUInt32(&day) ||
          !count_reader.ReadUInt8(&containment) ||
          !count_reader.ReadUInt8(&session_type) ||
          !count_reader.ReadUInt64(&n) || day >= facets->days().size() ||
          containment > 2 || session_type > 1) {
        return Malformed("facet count");
      }
      facets->Add(facets->days()[day].lo_ms, CellOf(containment, session_type),
                  static_cast<int64_t>(n));
      out.total += static_cast<int64_t>(n);
    }
  } else {
    uint64_t n = 0;
    if (!count_reader.ReadUInt64(&n)) return Malformed("count");
    out.total = static_cast<int64_t>(n);
  }

  const bool peeked = static_cast<int64_t>(keys.size()) > page.limit;
  if (peeked) keys.resize(page.limit);
  stats->keys_visited = static_cast<int64_t>(keys.size());
  stats->page_path =
      "ClickHouse: the page's keys (ORDER BY start_ms DESC, session_id DESC "
      "LIMIT), then their json by key (no FINAL: the newest version of each "
      "key)";
  if (!keys.empty()) {
    // The page's JSON by key: the keys' bots and time span use the primary
    // key; the tuples pick the rows.
    absl::flat_hash_set<std::string_view> bots;
    int64_t lo = keys.front().start_ms, hi = keys.front().start_ms;
    std::string tuples;
    for (const PageKey& key : keys) {
      bots.insert(key.bot);
      lo = std::min(lo, key.start_ms);
      hi = std::max(hi, key.start_ms);
      if (!tuples.empty()) tuples += ", ";
      absl::StrAppend(&tuples, "(", key.start_ms, ", ",
                      SqlString(key.session_id), ")");
    }
    std::string sql = absl::StrCat("SELECT ", kSessionRowColumns, " FROM ",
                                   sessions_table_, " PREWHERE bot IN (");
    AppendSqlList(bots, &sql);
    absl::StrAppend(&sql, ") AND start_ms >= ", lo, " AND start_ms <= ", hi,
                    " AND (start_ms, session_id) IN (", tuples,
                    ") FORMAT RowBinary");
    SESSIONDB_ASSIGN_OR_RETURN(std::string answer, Query(sql));
    SESSIONDB_ASSIGN_OR_RETURN(std::vector<SessionRow> rows,
                               LatestLiveRows(answer));
    absl::flat_hash_map<std::pair<int64_t, std::string_view>, std::string_view>
        json_of;
    for (const SessionRow& row : rows) {
      json_of[{row.start_ms, row.session_id}] = row.json;
    }
    for (const PageKey& key : keys) {
      auto it = json_of.find(
          std::make_pair(key.start_ms, std::string_view(key.session_id)));
      // A key a ship replaced since the first read is left out.
      if (it == json_of.end()) continue;
      sink(ShippedSession(key.start_ms, key.session_id, it->second));
      ++out.returned;
    }
    stats->records_read = out.returned;
  }
  out.more = page.after.has_value() ? peeked
                                    : page.skip < out.total &&
                                          out.returned < out.total - page.skip;
  return out;
}

}  // namespace sessiondb
