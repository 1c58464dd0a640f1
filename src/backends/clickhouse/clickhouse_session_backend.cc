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

// PageKey is one page session's sort key; the views point into an answer.
struct PageKey {
  std::string_view bot;
  int64_t start_ms = 0;
  std::string_view session_id;
};

// InApiOrder: newest first, then the larger session_id (unsigned bytes, as
// std::string_view compares), then the larger bot — one total order.
bool InApiOrder(const PageKey& a, const PageKey& b) {
  return std::tie(b.start_ms, b.session_id, b.bot) <
         std::tie(a.start_ms, a.session_id, a.bot);
}

// The settings of statements whose text grows with a page: a 10,000-session
// page's keys are ~600 KB of SQL, past the default max_query_size.
constexpr std::pair<const char*, const char*> kLargeQuerySetting = {
    "max_query_size", "67108864"};

// IsTooManyRows: ClickHouse refused a read past max_rows_to_read (Code 158,
// TOO_MANY_ROWS).
bool IsTooManyRows(const absl::Status& status) {
  return absl::StrContains(status.message(), "Code: 158,");
}

// ReadFacetGroup reads one `day, containment, session_type, count` group
// into `facets` and adds its count to `total`.
bool ReadFacetGroup(RowBinaryReader* reader, FacetTally* facets,
                    int64_t* total) {
  uint32_t day = 0;
  uint8_t containment = 0, session_type = 0;
  uint64_t n = 0;
  if (!reader->ReadUInt32(&day) || !reader->ReadUInt8(&containment) ||
      !reader->ReadUInt8(&session_type) || !reader->ReadUInt64(&n) ||
      day >= facets->days().size() || containment > 2 || session_type > 1) {
    return false;
  }
  facets->Add(facets->days()[day].lo_ms, CellOf(containment, session_type),
              static_cast<int64_t>(n));
  *total += static_cast<int64_t>(n);
  return true;
}

// ReadKey reads one `bot, start_ms, session_id` (ORDER BY's columns) or,
// `tuple` set, one `(start_ms, session_id, bot)` (groupArray's element).
bool ReadKey(RowBinaryReader* reader, bool tuple, PageKey* key) {
  if (tuple) {
    return reader->ReadInt64(&key->start_ms) &&
           reader->ReadString(&key->session_id) &&
           reader->ReadString(&key->bot);
  }
  return reader->ReadString(&key->bot) && reader->ReadInt64(&key->start_ms) &&
         reader->ReadString(&key->session_id);
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
            new ClickHouseSessionBackend(url, table, database,
                                         options.one_pass_max_rows));
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

// The one-pass statement's settings. distributed_group_by_no_merge: each
// shard answers its own count and first keys, merged in RunPage (exact:
// every version of a key lives on one shard), instead of sending every
// match's key to the initiator; max_rows_to_read bounds the keys groupArray
// holds (per shard: each checks its own reads).
ClickHouseSessionBackend::ClickHouseSessionBackend(std::string url,
                                                   std::string sessions_table,
                                                   std::string database,
                                                   int64_t one_pass_max_rows)
    : url_(std::move(url)),
      sessions_table_(std::move(sessions_table)),
      database_(std::move(database)),
      one_pass_settings_(
          one_pass_max_rows > 0
              ? ClickHouseSettings{{"distributed_group_by_no_merge", "1"},
                                   {"max_rows_to_read",
                                    std::to_string(one_pass_max_rows)}}
              : ClickHouseSettings{}) {}

absl::StatusOr<std::string> ClickHouseSessionBackend::Query(
    std::string_view sql, const ClickHouseSettings& settings) {
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
  ClickHouseSettings all = settings;
  if (sql.size() > 200'000) all.push_back(kLargeQuerySetting);
  absl::StatusOr<std::string> answer = http->Query(sql, all);
  for (int retry = 0;
       retry < 2 && !answer.ok() && IsStaleShardConnection(answer.status());
       ++retry) {
    // Every statement here is a read: running it again is safe.
    answer = http->Query(sql, all);
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

absl::StatusOr<std::string> ClickHouseSessionBackend::ResolveUser(
    const std::string& value) {
  // The alias map first: one key of a small table. A value that is no
  // alias is the id itself whether or not a live session has it: with
  // none, matching user_id = value matches nothing, which is what "nothing
  // matches" answers. Only an alias needs to know whether it is also a live
  // session's id (the id wins), which scans user_id (not in the sort key).
  SESSIONDB_ASSIGN_OR_RETURN(
      std::string alias,
      Query(absl::StrCat(
          "SELECT user_id FROM ", database_, ".", kAliasesTable,
          " FINAL WHERE deleted = 0 AND alias = ", SqlString(AsciiLower(value)),
          " LIMIT 1 FORMAT RowBinary")));
  if (alias.empty()) return value;
  RowBinaryReader reader(alias);
  std::string_view aliased;
  if (!reader.ReadString(&aliased)) return Malformed("alias");
  // Any row at all first: without FINAL a scan stops at the first match and
  // reads no key columns. Only then FINAL, for a live one.
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
  return std::string(aliased);
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
  }
  const std::string from =
      absl::StrCat(" FROM ", sessions_table_, " FINAL WHERE ",
                   SessionMatchSql(query, user_id, page.window));
  out.plan = absl::StrCat("ClickHouse", from);

  std::vector<int64_t> day_starts;
  const bool by_day = facets != nullptr && !facets->days().empty();
  if (by_day) {
    for (size_t i = 1; i < facets->days().size(); ++i) {
      day_starts.push_back(facets->days()[i].lo_ms);
    }
    stats->facets_path =
        "ClickHouse GROUP BY local day (multiIf), containment, sessionType";
  } else if (facets != nullptr) {
    stats->facets_path = "none (an empty window)";
  }

  // The keys point into these answers.
  absl::StatusOr<std::string> keys_answer, rest_answer, counted;
  std::vector<PageKey> keys;
  // How the two statements' keys were read, for the plan.
  const char* keys_path = "over the window";
  // Day facets keep their GROUP BY beside the keys (a one pass per facet
  // group measured no clear gain).
  bool one_pass =
      !one_pass_settings_.empty() && !by_day && page.skip <= kOnePassMaxSkip;
  if (one_pass) {
    // One FINAL read: per shard the count and the first skip + limit + 1
    // keys; the page is the merged keys' [skip, …).
    keys_answer =
        Query(OnePassSql(from, page.after, page.skip + page.limit + 1),
              one_pass_settings_);
    if (!keys_answer.ok() && IsTooManyRows(keys_answer.status())) {
      one_pass = false;
    } else {
      SESSIONDB_RETURN_IF_ERROR(keys_answer.status());
      RowBinaryReader reader(*keys_answer);
      while (!reader.done()) {
        uint64_t n = 0, length = 0;
        if (!reader.ReadUInt64(&n)) return Malformed("count");
        out.total += static_cast<int64_t>(n);
        if (!reader.ReadVarUInt(&length)) return Malformed("page keys");
        for (uint64_t i = 0; i < length; ++i) {
          PageKey key;
          if (!ReadKey(&reader, /*tuple=*/true, &key)) {
            return Malformed("page key");
          }
          keys.push_back(key);
        }
      }
      std::sort(keys.begin(), keys.end(), InApiOrder);
      keys.erase(
          keys.begin(),
          keys.begin() +
              std::min<int64_t>(page.skip, static_cast<int64_t>(keys.size())));
      if (static_cast<int64_t>(keys.size()) > page.limit + 1) {
        keys.resize(page.limit + 1);
      }
    }
  }
  if (!one_pass) {
    // The total (or the facets, whose sum it is) on a second connection
    // while this one reads the page's keys.
    std::string count_sql =
        by_day
            ? absl::StrCat("SELECT ", DayBucketSql(day_starts),
                           " AS day, containment, session_type, count()", from,
                           " GROUP BY day, containment, session_type "
                           "FORMAT RowBinary")
            : absl::StrCat("SELECT count()", from, " FORMAT RowBinary");
    std::thread counter([&] { counted = Query(count_sql); });
    std::string keys_where = from;  // the matches after page.after
    if (page.after.has_value()) {
      absl::StrAppend(&keys_where, " AND ", AfterPositionSql(*page.after));
    }
    // The window's latest span first: ORDER BY ... LIMIT sorts the keys of
    // every row it reads (18.16), so a page found there costs a span's
    // sort, not the window's.
    std::optional<int64_t> span_start;
    if (page.skip <= kLatestSpanMaxKeys - page.limit) {  // no overflow
      span_start = LatestSpanStart(page.window, page.after, kLatestSpanMs);
    }
    // read_keys appends the keys of `sql` (they point into `answer`).
    auto read_keys = [&](const std::string& sql,
                         absl::StatusOr<std::string>* answer) -> absl::Status {
      *answer = Query(sql);
      SESSIONDB_RETURN_IF_ERROR(answer->status());
      RowBinaryReader reader(**answer);
      while (!reader.done()) {
        PageKey key;
        if (!ReadKey(&reader, /*tuple=*/false, &key)) {
          return Malformed("page key");
        }
        keys.push_back(key);
      }
      return absl::OkStatus();
    };
    auto keys_sql = [&](std::string_view span, int64_t skip, int64_t n) {
      return absl::StrCat("SELECT bot, start_ms, session_id", keys_where,
                          AsAbsl(span),
                          " ORDER BY start_ms DESC, session_id DESC LIMIT ",
                          skip, ", ", n, " FORMAT RowBinary");
    };
    absl::Status keys_status;
    bool whole_window = !span_start.has_value();
    if (span_start.has_value()) {
      keys_status =
          read_keys(keys_sql(absl::StrCat(" AND start_ms >= ", *span_start),
                             page.skip, page.limit + 1),
                    &keys_answer);
      const int64_t found = static_cast<int64_t>(keys.size());
      keys_path = "over the window's last 24 hours, which held them";
      if (!keys_status.ok() || found > page.limit) {
        // Done: the span's matches come first in the API's order.
      } else if (found > 0 || page.skip == 0) {
        keys_path = "over the window's last 24 hours, then the time before";
        // The span held exactly skip + found matches (none with skip 0):
        // the page goes on with the earlier days' first ones.
        keys_status =
            read_keys(keys_sql(absl::StrCat(" AND start_ms < ", *span_start), 0,
                               page.limit + 1 - found),
                      &rest_answer);
      } else {
        // The span held skip or fewer: how many is unknown, read it all.
        keys_path = "over the window's last 24 hours, then the whole window";
        whole_window = true;
      }
    }
    if (whole_window) {
      keys_status =
          read_keys(keys_sql("", page.skip, page.limit + 1), &keys_answer);
    }
    counter.join();
    SESSIONDB_RETURN_IF_ERROR(keys_status);
    SESSIONDB_RETURN_IF_ERROR(counted.status());
    RowBinaryReader count_reader(*counted);
    if (by_day) {
      while (!count_reader.done()) {
        if (!ReadFacetGroup(&count_reader, facets, &out.total)) {
          return Malformed("facet count");
        }
      }
    } else {
      uint64_t n = 0;
      if (!count_reader.ReadUInt64(&n)) return Malformed("count");
      out.total = static_cast<int64_t>(n);
    }
  }

  const bool peeked = static_cast<int64_t>(keys.size()) > page.limit;
  if (peeked) keys.resize(page.limit);
  stats->keys_visited = static_cast<int64_t>(keys.size());
  stats->page_path = absl::StrCat(
      "ClickHouse: the page's keys ",
      one_pass
          ? "(with the count, one FINAL read: groupArray sorted per "
            "shard, merged)"
          : absl::StrCat("(ORDER BY start_ms DESC, session_id DESC LIMIT, ",
                         keys_path, ", beside the count)"),
      ", then their json by key (no FINAL: the newest version of each key)");
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
      auto it = json_of.find(std::make_pair(key.start_ms, key.session_id));
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
