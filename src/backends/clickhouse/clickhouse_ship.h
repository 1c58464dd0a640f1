// Shipping a store's sessions to ClickHouse (SPEC §9, `sessiondb ship`):
// the schema of clickhouse_schema.h on every server, rows of each bot on the
// shard ClickHouse's Distributed table would pick for it, tombstones where
// sessions left a key, versions so re-runs converge.
//
// ShipSnapshot is the full ship. ClickHouseShipper is its writing half,
// for a caller that ships changes as they come (--follow): stage sessions
// and tombstones at a version, Flush, then WriteMeta.
//
// Example:
//   ShipTarget target;
//   SESSIONDB_ASSIGN_OR_RETURN(target.urls,
//       ParseClickHouseUrls("http://127.0.0.1:18123,http://127.0.0.1:18125"));
//   target.cluster = "sessiondb";
//   SESSIONDB_ASSIGN_OR_RETURN(ShipSummary summary,
//                              ShipSnapshot(*reader, target, {}));
#ifndef SESSIONDB_BACKENDS_CLICKHOUSE_CLICKHOUSE_SHIP_H_
#define SESSIONDB_BACKENDS_CLICKHOUSE_CLICKHOUSE_SHIP_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "backends/clickhouse/session_rows.h"
#include "sessiondb/session.h"
#include "sessiondb/store.h"

namespace sessiondb {

class ClickHouseHttp;
class ShardWriter;

// ShipTarget: where sessions go.
struct ShipTarget {
  // The HTTP endpoints. With a cluster: one per shard, in the order of the
  // cluster's shards in the servers' remote_servers (shard 1 first), which
  // is checked against system.clusters where a server can tell which
  // shard it is. Without one: exactly one.
  std::vector<std::string> urls;
  // The cluster's name in remote_servers; absent: one server, no
  // Distributed table.
  std::optional<std::string> cluster;
  // Default: "sessiondb".
  std::string database = "sessiondb";
};

// ParseClickHouseUrls splits "URL[,URL…]"; InvalidArgument naming
// --clickhouse for an empty list or an empty item.
absl::StatusOr<std::vector<std::string>> ParseClickHouseUrls(
    std::string_view list);

struct ShipProgress {
  int64_t sessions = 0;  // staged so far
  int64_t bytes = 0;     // RowBinary bytes staged so far
  double seconds = 0;
};

struct ShipOptions {
  // A shard's insert is sent once it holds this many rows or bytes: large
  // enough that ClickHouse writes few parts, small enough to bound memory
  // (at most four batch buffers per shard: one filling, its sorted copy,
  // one queued, one sending). Defaults: 100,000 rows, 64 MiB.
  int64_t batch_rows = 100'000;
  int64_t batch_bytes = int64_t{64} << 20;
  // Called about every 10,000 sessions; not at all when empty.
  std::function<void(const ShipProgress&)> progress;
};

struct ShipSummary {
  uint64_t version = 0;  // the version every row was written at
  int64_t sessions = 0;
  int64_t tombstones = 0;  // sessions rows marked deleted at a key left
  int64_t aliases = 0;
  int64_t alias_tombstones = 0;
  int64_t bytes = 0;  // RowBinary bytes of the session rows
  std::vector<int64_t> sessions_per_shard;
  double seconds = 0;
  // Where the time went: streaming the sessions until every shard
  // acknowledged them, finding and writing tombstones, the aliases.
  double sessions_seconds = 0;
  double tombstones_seconds = 0;
  double aliases_seconds = 0;
};

// ShipVersion is the version a full ship of `store` writes its rows at:
// the store's change sequence (storage/change_log.h) in the state the store
// reads (for a reader: its last catch-up). It grows by one with every
// committed write batch and never goes back, across reopens too.
absl::StatusOr<uint64_t> ShipVersion(Store& store);

// ClickHouseShipper writes rows to one database on one server or on every
// shard of a cluster. Open creates the schema and checks the cluster; rows
// staged by Add* go to their shard in batches sent by one thread per shard,
// in parallel with the caller. Thread-compatible (one caller).
class ClickHouseShipper {
 public:
  // Open connects to every URL (Unavailable naming one that does not
  // answer), creates what is missing, and with a cluster checks that it
  // has as many shards as URLs, each of weight 1, and where a server can
  // tell, that it is the shard its URL's position says. InvalidArgument
  // naming --database, --cluster or --clickhouse for a bad target.
  static absl::StatusOr<std::unique_ptr<ClickHouseShipper>> Open(
      const ShipTarget& target, const ShipOptions& options);
  ~ClickHouseShipper();
  ClickHouseShipper(const ClickHouseShipper&) = delete;
  ClickHouseShipper& operator=(const ClickHouseShipper&) = delete;

  int shards() const { return static_cast<int>(clients_.size()); }

  // ShardOf is the shard (0-based, in URL order) that holds `bot`'s rows:
  // cityHash64(bot) % shards as ClickHouse computes it, asked once per bot.
  absl::StatusOr<int> ShardOf(std::string_view bot);

  // AddSession stages `session`'s live row (`json`: its getSessions bytes)
  // at `version`; AddTombstone a tombstone at `key`. Returns the first
  // error a shard's writer met, if any.
  absl::Status AddSession(const Session& session, std::string_view json,
                          uint64_t version);
  absl::Status AddTombstone(const SessionRowKey& key, uint64_t version);

  // Flush sends every staged row and returns once each shard has
  // acknowledged all it was sent, or the first error.
  absl::Status Flush();

  // StaleKeys are the keys ClickHouse holds a live row at (FINAL, deleted =
  // 0) whose version is below `version`, on every shard. Right after every
  // session of a snapshot was written at `version`, these are exactly the
  // keys the snapshot no longer has a session at.
  absl::StatusOr<std::vector<SessionRowKey>> StaleKeys(uint64_t version);

  // ReplaceAliases writes `aliases` (alias -> user id, every alias of the
  // store) at `version` on every server, then tombstones the live aliases
  // below `version` (forgotten ones). Returns how many tombstones.
  absl::StatusOr<int64_t> ReplaceAliases(
      const std::vector<std::pair<std::string, std::string>>& aliases,
      uint64_t version);

  // WriteAliases writes each alias at `version` on every server: mapped to
  // its user id, or a tombstone where the user id is nullopt (ship
  // --follow: the aliases a change set or removed).
  absl::Status WriteAliases(
      const std::vector<std::pair<std::string, std::optional<std::string>>>&
          aliases,
      uint64_t version);

  // CheckCursorKey fails with FailedPrecondition when the database already
  // holds another store's rows (its meta cursor_key differs): one store
  // per database, since versions are one store's sequence.
  absl::Status CheckCursorKey(std::string_view cursor_key_hex);

  // ShippedThrough is the change number every server's meta says this
  // store (`cursor_key_hex`) was shipped through (the lowest, when they
  // differ: a follow stopped between its meta writes), or nullopt when a
  // server holds no meta or another store's.
  absl::StatusOr<std::optional<uint64_t>> ShippedThrough(
      std::string_view cursor_key_hex);

  // WriteMeta writes cursor_key, shipped_through = `version` and
  // store_format on every server, at `version`.
  absl::Status WriteMeta(std::string_view cursor_key_hex, uint64_t version);

  int64_t bytes_staged() const { return bytes_staged_; }

 private:
  ClickHouseShipper(ShipTarget target, ShipOptions options);
  absl::Status Start();
  absl::Status CheckCluster();
  absl::Status Stage(int shard);
  absl::Status WriterError() const;
  // QueryAll runs `sql` on every server, in URL order.
  absl::Status QueryAll(const std::string& sql);

  const ShipTarget target_;
  const ShipOptions options_;
  // The caller's own connections (schema, checks, reads), one per URL.
  std::vector<std::unique_ptr<ClickHouseHttp>> clients_;
  // One writer thread per shard, with its own connection.
  std::vector<std::unique_ptr<ShardWriter>> writers_;
  // Per shard: the batch being filled and where each of its rows starts.
  std::vector<std::string> staged_;
  std::vector<std::vector<size_t>> staged_starts_;
  absl::flat_hash_map<std::string, int> shard_of_bot_;
  int64_t bytes_staged_ = 0;
};

// ShipSnapshot ships every session and alias of one state of `store` at
// ShipVersion(store): sessions through the export iterator, tombstones at
// the keys ClickHouse still holds live rows at that the state has no
// session at (moved, deleted, purged, forgotten), the aliases, then meta.
// REQUIRES: `store` was opened by Store::OpenReader (its state is fixed
// until Refresh), or receives no writes while shipping.
absl::StatusOr<ShipSummary> ShipSnapshot(Store& store, const ShipTarget& target,
                                         const ShipOptions& options);

}  // namespace sessiondb

#endif  // SESSIONDB_BACKENDS_CLICKHOUSE_CLICKHOUSE_SHIP_H_
