// One reading thread (the caller: the export iterator and row encoding)
// and one writing thread per shard, joined by a queue of at most two
// batches per shard: a slow shard holds the reader back instead of
// buffering the store in memory.
//
// Tombstones of a full ship come from versions instead of a key set held
// in memory: every session of the snapshot is written at version V first,
// so afterwards a live row below V (FINAL, deleted = 0) sits at a key the
// snapshot has no session at. A later --follow write at a version above V
// is newer than the snapshot and is left alone.
#include "backends/clickhouse/clickhouse_ship.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <thread>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "backends/clickhouse/clickhouse_http.h"
#include "backends/clickhouse/clickhouse_schema.h"
#include "backends/clickhouse/sql_literal.h"
#include "base/absl_compat.h"
#include "base/status_macros.h"
#include "sessiondb/utilities/session_export.h"
#include "storage/storage_engine.h"
#include "utilities/engine_access.h"

namespace sessiondb {

// ShardWriter sends the batches queued for one shard, in order, from its
// own thread and connection. Safe for concurrent use.
class ShardWriter {
 public:
  explicit ShardWriter(std::unique_ptr<ClickHouseHttp> client)
      : client_(std::move(client)), thread_([this] { Run(); }) {}
  ~ShardWriter() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    thread_.join();
  }

  // Push queues `body` for `statement`, waiting while two batches are
  // queued. Returns the writer's first error instead once it has one.
  absl::Status Push(std::string statement, std::string body) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](ShardWriter* w) { return w->queue_.size() < 2 || !w->error_.ok(); },
        this));
    if (!error_.ok()) return error_;
    queue_.emplace_back(std::move(statement), std::move(body));
    return absl::OkStatus();
  }

  // TakeBuffer returns an empty string for the next batch: one a sent
  // batch left (its capacity kept: no page faults and no regrowth per
  // batch), or a new one.
  std::string TakeBuffer() {
    absl::MutexLock lock(&mu_);
    if (spare_.empty()) return std::string();
    std::string buffer = std::move(spare_.back());
    spare_.pop_back();
    return buffer;
  }

  // Wait returns once every queued batch was sent, or the first error.
  absl::Status Wait() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](ShardWriter* w) {
          return (w->queue_.empty() && !w->busy_) || !w->error_.ok();
        },
        this));
    return error_;
  }

  absl::Status error() const {
    absl::MutexLock lock(&mu_);
    return error_;
  }

 private:
  void Run() {
    for (;;) {
      std::pair<std::string, std::string> batch;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(
            +[](ShardWriter* w) { return !w->queue_.empty() || w->stop_; },
            this));
        if (stop_) return;  // Flush was not called: an error path
        batch = std::move(queue_.front());
        queue_.pop_front();
        busy_ = true;
      }
      absl::Status s = client_->Insert(batch.first, batch.second);
      absl::MutexLock lock(&mu_);
      busy_ = false;
      if (spare_.size() < 2) {
        batch.second.clear();
        spare_.push_back(std::move(batch.second));
      }
      if (!s.ok() && error_.ok()) error_ = s;
      if (!error_.ok()) queue_.clear();
    }
  }

  const std::unique_ptr<ClickHouseHttp> client_;  // used by thread_ only
  mutable absl::Mutex mu_;
  std::deque<std::pair<std::string, std::string>> queue_ ABSL_GUARDED_BY(mu_);
  bool busy_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status error_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> spare_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;  // last: starts once the members above exist
};

absl::StatusOr<std::vector<std::string>> ParseClickHouseUrls(
    std::string_view list) {
  std::vector<std::string> urls;
  for (absl::string_view item : absl::StrSplit(AsAbsl(list), ',')) {
    item = absl::StripAsciiWhitespace(item);
    if (item.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--clickhouse: expected URL[,URL…], got \"", AsAbsl(list), "\""));
    }
    urls.emplace_back(item);
  }
  return urls;
}

absl::StatusOr<uint64_t> ShipVersion(Store& store) {
  SESSIONDB_ASSIGN_OR_RETURN(StorageEngine * engine,
                             StoreInternals::EngineOf(store));
  ReadView view(*engine);
  SESSIONDB_ASSIGN_OR_RETURN(ChangeLogState state,
                             ReadChangeLogState(*engine, view.snapshot()));
  return state.sequence;
}

ClickHouseShipper::ClickHouseShipper(ShipTarget target, ShipOptions options)
    : target_(std::move(target)), options_(std::move(options)) {}

ClickHouseShipper::~ClickHouseShipper() = default;

absl::StatusOr<std::unique_ptr<ClickHouseShipper>> ClickHouseShipper::Open(
    const ShipTarget& target, const ShipOptions& options) {
  SESSIONDB_RETURN_IF_ERROR(
      SqlIdentifier(target.database, "--database").status());
  if (target.urls.empty()) {
    return absl::InvalidArgumentError("--clickhouse: no URL given");
  }
  if (!target.cluster.has_value() && target.urls.size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--clickhouse: ", target.urls.size(),
        " URLs without --cluster; give one URL, or the cluster's name"));
  }
  if (target.cluster.has_value() && target.cluster->empty()) {
    return absl::InvalidArgumentError("--cluster: must not be empty");
  }
  std::unique_ptr<ClickHouseShipper> shipper(
      new ClickHouseShipper(target, options));
  SESSIONDB_RETURN_IF_ERROR(shipper->Start());
  return shipper;
}

absl::Status ClickHouseShipper::Start() {
  for (const std::string& url : target_.urls) {
    SESSIONDB_ASSIGN_OR_RETURN(std::unique_ptr<ClickHouseHttp> client,
                               ClickHouseHttp::Connect(url));
    clients_.push_back(std::move(client));
  }
  if (target_.cluster.has_value()) SESSIONDB_RETURN_IF_ERROR(CheckCluster());
  for (const std::string& sql :
       SchemaStatements(target_.database, target_.cluster)) {
    SESSIONDB_RETURN_IF_ERROR(QueryAll(sql));
  }
  for (const std::string& url : target_.urls) {
    SESSIONDB_ASSIGN_OR_RETURN(std::unique_ptr<ClickHouseHttp> client,
                               ClickHouseHttp::Connect(url));
    writers_.push_back(std::make_unique<ShardWriter>(std::move(client)));
  }
  staged_.resize(clients_.size());
  staged_starts_.resize(clients_.size());
  return absl::OkStatus();
}

absl::Status ClickHouseShipper::CheckCluster() {
  const std::string& cluster = *target_.cluster;
  const size_t n = clients_.size();
  for (size_t i = 0; i < n; ++i) {
    SESSIONDB_ASSIGN_OR_RETURN(
        std::string tsv,
        clients_[i]->Query(absl::StrCat(
            "SELECT shard_num, shard_weight, is_local FROM system.clusters "
            "WHERE cluster = ",
            SqlString(cluster), " ORDER BY shard_num FORMAT TabSeparated")));
    std::vector<int> shards;
    std::vector<int> local;
    for (absl::string_view line :
         absl::StrSplit(tsv, '\n', absl::SkipEmpty())) {
      std::vector<absl::string_view> f = absl::StrSplit(line, '\t');
      int shard = 0, weight = 0, is_local = 0;
      if (f.size() != 3 || !absl::SimpleAtoi(f[0], &shard) ||
          !absl::SimpleAtoi(f[1], &weight) ||
          !absl::SimpleAtoi(f[2], &is_local)) {
        return absl::InternalError(absl::StrCat(
            "clickhouse ", target_.urls[i],
            ": unexpected system.clusters row \"", absl::CEscape(line), "\""));
      }
      if (weight != 1) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--cluster ", cluster, ": shard ", shard, " has weight ", weight,
            "; ship places rows by cityHash64(bot) % shards and needs "
            "weight 1 everywhere"));
      }
      if (shards.empty() || shards.back() != shard) shards.push_back(shard);
      if (is_local == 1) local.push_back(shard);
    }
    if (shards.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--cluster: ", target_.urls[i], " knows no cluster \"",
                       cluster, "\" in its remote_servers"));
    }
    if (shards.size() != n) {
      return absl::InvalidArgumentError(
          absl::StrCat("--clickhouse: ", n, " URLs, but cluster \"", cluster,
                       "\" has ", shards.size(), " shards on ", target_.urls[i],
                       "; give every shard's URL, in remote_servers' order"));
    }
    // A server whose remote_servers names it by an address it listens on
    // marks that shard local: its URL must be at that shard's position.
    if (!local.empty() && std::find(local.begin(), local.end(),
                                    static_cast<int>(i) + 1) == local.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--clickhouse: ", target_.urls[i], " is URL ", i + 1,
                       " but shard ", local.front(), " of cluster \"", cluster,
                       "\"; list the URLs in remote_servers' shard order"));
    }
  }
  return absl::OkStatus();
}

absl::Status ClickHouseShipper::QueryAll(const std::string& sql) {
  for (const auto& client : clients_) {
    SESSIONDB_RETURN_IF_ERROR(client->Query(sql).status());
  }
  return absl::OkStatus();
}

absl::StatusOr<int> ClickHouseShipper::ShardOf(std::string_view bot) {
  if (clients_.size() == 1) return 0;
  if (auto it = shard_of_bot_.find(AsAbsl(bot)); it != shard_of_bot_.end()) {
    return it->second;
  }
  // The Distributed table's own arithmetic, not a reimplementation of
  // CityHash v1.0.2 here: rows must land where the table routes them.
  SESSIONDB_ASSIGN_OR_RETURN(
      std::string answer,
      clients_[0]->Query(absl::StrCat("SELECT cityHash64(", SqlString(bot),
                                      ") % ", clients_.size())));
  int shard = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(answer), &shard) ||
      shard < 0 || shard >= static_cast<int>(clients_.size())) {
    return absl::InternalError(absl::StrCat("clickhouse ", target_.urls[0],
                                            ": cityHash64 answered \"",
                                            absl::CEscape(answer), "\""));
  }
  shard_of_bot_.emplace(std::string(bot), shard);
  return shard;
}

absl::Status ClickHouseShipper::WriterError() const {
  for (const auto& w : writers_) SESSIONDB_RETURN_IF_ERROR(w->error());
  return absl::OkStatus();
}

absl::Status ClickHouseShipper::Stage(int shard) {
  if (staged_starts_[shard].empty()) return absl::OkStatus();
  std::string body = writers_[shard]->TakeBuffer();
  SortSessionRows(staged_[shard], staged_starts_[shard], &body);
  staged_[shard].clear();  // keeps its capacity for the next batch
  staged_starts_[shard].clear();
  return writers_[shard]->Push(
      absl::StrCat("INSERT INTO ", target_.database, ".", kSessionsLocalTable,
                   " (", kSessionColumns, ") FORMAT RowBinary"),
      std::move(body));
}

absl::Status ClickHouseShipper::AddSession(const Session& session,
                                           std::string_view json,
                                           uint64_t version) {
  SESSIONDB_ASSIGN_OR_RETURN(int shard, ShardOf(session.bot_id));
  std::string& out = staged_[shard];
  const size_t before = out.size();
  staged_starts_[shard].push_back(before);
  AppendSessionRow(session, json, version, &out);
  bytes_staged_ += static_cast<int64_t>(out.size() - before);
  if (static_cast<int64_t>(staged_starts_[shard].size()) >=
          options_.batch_rows ||
      static_cast<int64_t>(out.size()) >= options_.batch_bytes) {
    return Stage(shard);
  }
  return absl::OkStatus();
}

absl::Status ClickHouseShipper::AddTombstone(const SessionRowKey& key,
                                             uint64_t version) {
  SESSIONDB_ASSIGN_OR_RETURN(int shard, ShardOf(key.bot));
  staged_starts_[shard].push_back(staged_[shard].size());
  AppendTombstoneRow(key, version, &staged_[shard]);
  if (static_cast<int64_t>(staged_starts_[shard].size()) >=
      options_.batch_rows) {
    return Stage(shard);
  }
  return absl::OkStatus();
}

absl::Status ClickHouseShipper::Flush() {
  for (int s = 0; s < shards(); ++s) SESSIONDB_RETURN_IF_ERROR(Stage(s));
  for (const auto& w : writers_) SESSIONDB_RETURN_IF_ERROR(w->Wait());
  return absl::OkStatus();
}

absl::StatusOr<std::vector<SessionRowKey>> ClickHouseShipper::StaleKeys(
    uint64_t version) {
  std::vector<SessionRowKey> keys;
  for (size_t i = 0; i < clients_.size(); ++i) {
    // wait_end_of_query: an error while streaming must not read as a
    // short, successful answer.
    SESSIONDB_ASSIGN_OR_RETURN(
        std::string rows,
        clients_[i]->Query(
            absl::StrCat("SELECT bot, start_ms, session_id FROM ",
                         target_.database, ".", kSessionsLocalTable,
                         " FINAL WHERE deleted = 0 AND version < ", version,
                         " FORMAT RowBinary"),
            {{"wait_end_of_query", "1"}}));
    if (!ReadRowBinaryKeys(rows, &keys)) {
      return absl::InternalError(absl::StrCat("clickhouse ", target_.urls[i],
                                              ": malformed RowBinary keys"));
    }
  }
  return keys;
}

absl::StatusOr<int64_t> ClickHouseShipper::ReplaceAliases(
    const std::vector<std::pair<std::string, std::string>>& aliases,
    uint64_t version) {
  const std::string insert =
      absl::StrCat("INSERT INTO ", target_.database, ".", kAliasesTable,
                   " (alias, user_id, version, deleted) FORMAT RowBinary");
  auto send = [&](std::string body) -> absl::Status {
    for (const auto& w : writers_)
      SESSIONDB_RETURN_IF_ERROR(w->Push(insert, body));
    return absl::OkStatus();
  };
  std::string body;
  for (const auto& [alias, user] : aliases) {
    AppendAliasRow(alias, user, version, false, &body);
    if (static_cast<int64_t>(body.size()) >= options_.batch_bytes) {
      SESSIONDB_RETURN_IF_ERROR(send(std::exchange(body, {})));
    }
  }
  if (!body.empty()) SESSIONDB_RETURN_IF_ERROR(send(std::exchange(body, {})));
  for (const auto& w : writers_) SESSIONDB_RETURN_IF_ERROR(w->Wait());

  // Every server holds the same copy; each is cleaned of its own leftovers.
  int64_t tombstones = 0;
  for (size_t i = 0; i < clients_.size(); ++i) {
    SESSIONDB_ASSIGN_OR_RETURN(
        std::string rows,
        clients_[i]->Query(
            absl::StrCat("SELECT alias FROM ", target_.database, ".",
                         kAliasesTable,
                         " FINAL WHERE deleted = 0 AND version < ", version,
                         " FORMAT RowBinary"),
            {{"wait_end_of_query", "1"}}));
    std::vector<std::string> stale;
    if (!ReadRowBinaryStrings(rows, &stale)) {
      return absl::InternalError(absl::StrCat("clickhouse ", target_.urls[i],
                                              ": malformed RowBinary aliases"));
    }
    if (stale.empty()) continue;
    std::string dead;
    for (const std::string& alias : stale) {
      AppendAliasRow(alias, "", version, true, &dead);
    }
    if (i == 0) tombstones = static_cast<int64_t>(stale.size());
    SESSIONDB_RETURN_IF_ERROR(clients_[i]->Insert(insert, dead));
  }
  return tombstones;
}

absl::Status ClickHouseShipper::CheckCursorKey(
    std::string_view cursor_key_hex) {
  for (size_t i = 0; i < clients_.size(); ++i) {
    SESSIONDB_ASSIGN_OR_RETURN(
        std::string held,
        clients_[i]->Query(absl::StrCat(
            "SELECT argMax(value, version) FROM ", target_.database, ".",
            kMetaTable, " WHERE key = ", SqlString(kMetaCursorKey),
            " FORMAT TabSeparated")));
    held = std::string(absl::StripAsciiWhitespace(held));
    if (!held.empty() && held != cursor_key_hex) {
      return absl::FailedPreconditionError(absl::StrCat(
          "--database ", target_.database, " on ", target_.urls[i],
          " holds another store's sessions (its cursor_key differs); ship "
          "each store to a database of its own"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<uint64_t>> ClickHouseShipper::ShippedThrough(
    std::string_view cursor_key_hex) {
  std::optional<uint64_t> lowest;
  for (const auto& client : clients_) {
    SESSIONDB_ASSIGN_OR_RETURN(
        std::string answer,
        client->Query(absl::StrCat("SELECT key, argMax(value, version) FROM ",
                                   target_.database, ".", kMetaTable,
                                   " WHERE key IN (", SqlString(kMetaCursorKey),
                                   ", ", SqlString(kMetaShippedThrough),
                                   ") GROUP BY key FORMAT TabSeparated")));
    absl::string_view cursor_key;
    std::optional<uint64_t> through;
    for (absl::string_view line :
         absl::StrSplit(answer, '\n', absl::SkipEmpty())) {
      std::vector<absl::string_view> f =
          absl::StrSplit(line, absl::MaxSplits('\t', 1));
      uint64_t number = 0;
      if (f.size() != 2) continue;
      if (f[0] == kMetaCursorKey) {
        cursor_key = f[1];
      } else if (f[0] == kMetaShippedThrough &&
                 absl::SimpleAtoi(f[1], &number)) {
        through = number;
      }
    }
    if (cursor_key != AsAbsl(cursor_key_hex) || !through.has_value()) {
      return std::nullopt;
    }
    lowest = std::min(lowest.value_or(*through), *through);
  }
  return lowest;
}

absl::Status ClickHouseShipper::WriteAliases(
    const std::vector<std::pair<std::string, std::optional<std::string>>>&
        aliases,
    uint64_t version) {
  if (aliases.empty()) return absl::OkStatus();
  std::string body;
  for (const auto& [alias, user] : aliases) {
    AppendAliasRow(alias, user.value_or(""), version, !user.has_value(), &body);
  }
  const std::string insert =
      absl::StrCat("INSERT INTO ", target_.database, ".", kAliasesTable,
                   " (alias, user_id, version, deleted) FORMAT RowBinary");
  for (const auto& client : clients_) {
    SESSIONDB_RETURN_IF_ERROR(client->Insert(insert, body));
  }
  return absl::OkStatus();
}

absl::Status ClickHouseShipper::WriteMeta(std::string_view cursor_key_hex,
                                          uint64_t version) {
  std::string body;
  AppendMetaRow(kMetaCursorKey, cursor_key_hex, version, &body);
  AppendMetaRow(kMetaShippedThrough, absl::StrCat(version), version, &body);
  AppendMetaRow(kMetaStoreFormat, kStoreFormatValue, version, &body);
  const std::string insert =
      absl::StrCat("INSERT INTO ", target_.database, ".", kMetaTable,
                   " (key, value, version) FORMAT RowBinary");
  for (const auto& client : clients_) {
    SESSIONDB_RETURN_IF_ERROR(client->Insert(insert, body));
  }
  return absl::OkStatus();
}

namespace {

// StoreAliases reads every alias of the store's current state (the reader's
// last catch-up) in key order.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> StoreAliases(
    StorageEngine& engine) {
  std::vector<std::pair<std::string, std::string>> out;
  ReadView view(engine);
  rocksdb::ReadOptions ro;
  ro.snapshot = view.snapshot();
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it = engine.NewIterator(ro, Cf::kAliases);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    out.emplace_back(it->key().ToString(), it->value().ToString());
  }
  if (!it->status().ok()) {
    return absl::DataLossError(
        absl::StrCat("reading the alias map: ", it->status().ToString()));
  }
  return out;
}

}  // namespace

absl::StatusOr<ShipSummary> ShipSnapshot(Store& store, const ShipTarget& target,
                                         const ShipOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start)
        .count();
  };
  SESSIONDB_ASSIGN_OR_RETURN(StorageEngine * engine,
                             StoreInternals::EngineOf(store));
  // A reader's state torn across column families (its writer changed its
  // logs during every catch-up) is not shipped: a few more tries, then
  // Unavailable.
  for (int i = 0; i < 20 && !engine->caught_up_whole(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    SESSIONDB_RETURN_IF_ERROR(store.Refresh());
  }
  if (!engine->caught_up_whole()) {
    return absl::UnavailableError(
        "ship: the store's writer changed its write-ahead logs during every "
        "catch-up of the reader; try again");
  }
  const std::string cursor_key_hex =
      absl::BytesToHexString(engine->cursor_key());
  SESSIONDB_ASSIGN_OR_RETURN(std::unique_ptr<ClickHouseShipper> shipper,
                             ClickHouseShipper::Open(target, options));
  SESSIONDB_RETURN_IF_ERROR(shipper->CheckCursorKey(cursor_key_hex));

  ShipSummary summary;
  summary.sessions_per_shard.assign(shipper->shards(), 0);
  // Taken before the iterator's view: on a writer a later write could only
  // make the rows newer than their version says, never older.
  SESSIONDB_ASSIGN_OR_RETURN(summary.version, ShipVersion(store));
  const uint64_t version = summary.version;

  SESSIONDB_ASSIGN_OR_RETURN(std::unique_ptr<SessionExportIterator> it,
                             NewSessionExportIterator(store, ExportFilter{}));
  for (; it->Valid(); it->Next()) {
    const Session& session = it->session();
    SESSIONDB_RETURN_IF_ERROR(
        shipper->AddSession(session, it->json(), version));
    SESSIONDB_ASSIGN_OR_RETURN(int shard, shipper->ShardOf(session.bot_id));
    ++summary.sessions_per_shard[shard];
    if (++summary.sessions % 10000 == 0 && options.progress) {
      options.progress({summary.sessions, shipper->bytes_staged(), elapsed()});
    }
  }
  SESSIONDB_RETURN_IF_ERROR(it->status());
  SESSIONDB_RETURN_IF_ERROR(shipper->Flush());
  summary.bytes = shipper->bytes_staged();
  summary.sessions_seconds = elapsed();

  SESSIONDB_ASSIGN_OR_RETURN(std::vector<SessionRowKey> stale,
                             shipper->StaleKeys(version));
  for (const SessionRowKey& key : stale) {
    SESSIONDB_RETURN_IF_ERROR(shipper->AddTombstone(key, version));
  }
  SESSIONDB_RETURN_IF_ERROR(shipper->Flush());
  summary.tombstones = static_cast<int64_t>(stale.size());
  summary.tombstones_seconds = elapsed() - summary.sessions_seconds;

  SESSIONDB_ASSIGN_OR_RETURN(auto aliases, StoreAliases(*engine));
  summary.aliases = static_cast<int64_t>(aliases.size());
  SESSIONDB_ASSIGN_OR_RETURN(summary.alias_tombstones,
                             shipper->ReplaceAliases(aliases, version));
  summary.aliases_seconds =
      elapsed() - summary.sessions_seconds - summary.tombstones_seconds;
  // Last: shipped_through promises everything up to it is in ClickHouse.
  SESSIONDB_RETURN_IF_ERROR(shipper->WriteMeta(cursor_key_hex, version));
  summary.seconds = elapsed();
  return summary;
}

}  // namespace sessiondb
