// Store: an embeddable session store that answers getSessions.
//
// Example:
//   sessiondb::Options options;
//   auto store = sessiondb::Store::Open(options, "/var/lib/bot/sessions");
//   if (!store.ok()) return store.status();
//   absl::Status s = (*store)->Put(session);
//   sessiondb::ApiResponse r = (*store)->HandleGetSessions(
//       "st-…", std::nullopt, R"({"limit": 100})");
#ifndef SESSIONDB_STORE_H_
#define SESSIONDB_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "sessiondb/bulk_load.h"
#include "sessiondb/check.h"
#include "sessiondb/export.h"
#include "sessiondb/options.h"
#include "sessiondb/query.h"
#include "sessiondb/session.h"

namespace sessiondb {

class StorageEngine;   // internal: src/storage/storage_engine.h
class StoreInternals;  // internal: src/utilities/engine_access.h

struct StoreStats {
  int64_t sessions = 0;
  // (botId, sessions) for every bot the store has seen, by botId.
  std::vector<std::pair<std::string, int64_t>> sessions_per_bot;
  int64_t aliases = 0;
  int64_t approximate_disk_bytes = 0;
};

// Store is safe for concurrent use by multiple threads without external
// synchronization: reads run in parallel; writes are serialized internally.
// Non-copyable. Closing is destroying: a writer's close flushes its
// memtables, so the next open replays no write-ahead log.
class SESSIONDB_EXPORT Store {
 public:
  // Open opens (or, with create_if_missing, creates) the store in `path` for
  // reading and writing; one process at a time may. Fails with NotFound
  // naming `path` when it holds no store and create_if_missing is false
  // (nothing is created), FailedPrecondition for a store of an unknown
  // format version, Unavailable when another process holds it, DataLoss
  // when it is corrupt. A store of an older format this code knows is
  // upgraded in place before Open returns (docs/STORAGE.md, "Format
  // upgrades").
  static absl::StatusOr<std::unique_ptr<Store>> Open(const Options& options,
                                                     std::string_view path);

  // OpenReader opens the store in `path` for reading only: beside the one
  // process that holds it for writing (a runtime, `sessiondb serve`), or
  // when none does. It sees every write acknowledged before it opened, and
  // later ones after Refresh. Writes (Put, PutBatch, Delete,
  // LinkUserAliases, Compact, a repairing Check, retention) return
  // FailedPrecondition, as does opening a store of an older format (Open it
  // once to upgrade it). NotFound naming `path` when it holds no store;
  // nothing is created there. create_if_missing and sync_writes are
  // ignored. Its own files (a RocksDB secondary instance's) live in a
  // temporary directory under $TMPDIR, removed at close.
  static absl::StatusOr<std::unique_ptr<Store>> OpenReader(
      const Options& options, std::string_view path);

  Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  virtual ~Store() = default;

  // Put upserts one session by sessionId: the record and every index entry
  // change together; an existing session's old entries are removed. Returns
  // InvalidArgument naming the field when the session breaks API.md §1.
  // Durable once it returns OK (see Options::sync_writes).
  virtual absl::Status Put(const Session& session) = 0;

  // PutBatch upserts all sessions atomically: all or none. An invalid session
  // rejects the whole batch with InvalidArgument naming its index in the
  // batch, its sessionId and the field. A sessionId repeated in the batch
  // takes its last value.
  virtual absl::Status PutBatch(absl::Span<const Session> sessions) = 0;

  // BulkLoad upserts every session `source` yields, as PutBatch would, a
  // sessionId repeated in the source taking its last value. It writes
  // sorted table files (new sessions, and rewrites of those the store
  // holds) and adds them to the store at once: none of them is visible
  // before, and an error before then writes nothing. From the first
  // sessionId the source repeats, it writes batches of upserts, each
  // durable when written: an error there leaves the files and the batches
  // written so far in the store (reload the same source: upserts converge).
  // Other writes wait while it runs. Returns InvalidArgument naming the
  // session for one that breaks API.md §1, and the source's own error when
  // Next fails.
  virtual absl::StatusOr<BulkLoadSummary> BulkLoad(
      SessionSource& source, const BulkLoadOptions& options) = 0;

  // Delete removes a session and its index entries. NotFound if absent.
  virtual absl::Status Delete(std::string_view session_id) = 0;

  // LinkUserAliases makes each alias (ASCII case-insensitive) resolve to
  // identity.user_id in userId filters. A re-linked alias moves to the new id.
  virtual absl::Status LinkUserAliases(const UserIdentity& identity) = 0;

  // GetSessions answers a typed request. total, the page and moreAvailable
  // come from one snapshot. InvalidArgument naming the field for a bad
  // request (window longer than 7 days, limit < 1, ...).
  virtual absl::StatusOr<SessionPage> GetSessions(
      const SessionQuery& query) = 0;

  // HandleGetSessions is the JSON front door of API.md §3-4: bot_id absent
  // means the account-wide route; containment_param is the raw query parameter;
  // body is the raw request body. Never fails: errors are answered in the
  // API's error shape with their HTTP status.
  virtual ApiResponse HandleGetSessions(
      std::optional<std::string_view> bot_id,
      std::optional<std::string_view> containment_param,
      std::string_view body) = 0;

  // ExplainGetSessions runs the request like HandleGetSessions and describes
  // the plan chosen and the keys, records and counters it touched.
  virtual absl::StatusOr<std::string> ExplainGetSessions(
      std::optional<std::string_view> bot_id,
      std::optional<std::string_view> containment_param,
      std::string_view body) = 0;

  virtual absl::StatusOr<StoreStats> GetStats() = 0;

  // Check verifies the whole store (sessiondb/check.h): every record, every
  // index entry, the sessionId map, counters and user counts against a
  // recount. With options.repair it rebuilds the derived data from the
  // records and checks again. Inconsistencies are in the report; the status
  // is an error only when the store cannot be read (DataLoss for a corrupt
  // file) or a repair write fails. Reads at one snapshot; safe to run while
  // other threads read and write (a repair makes writers wait).
  virtual absl::StatusOr<CheckReport> Check(const CheckOptions& options) = 0;

  // Compact rewrites every column family fully, its bottommost level
  // included, so deleted and replaced sessions leave the files and the store
  // is at its smallest (after a load, a purge, an erasure). Takes time in
  // proportion to the store's size; reads and writes go on meanwhile.
  // FailedPrecondition on a reader.
  virtual absl::Status Compact() = 0;

  // Refresh makes a reader (OpenReader) see every write its writer
  // acknowledged so far: a long-lived reader calls it before the reads that
  // must be current. It waits until the reads and export iterators in
  // flight finish, and holds new ones back while it runs (a few ms; longer
  // when the writer wrote much since). REQUIRES: the calling thread holds no
  // SessionExportIterator of this store. OK at once on a writer, which is
  // always current.
  virtual absl::Status Refresh() = 0;

 private:
  friend class StoreInternals;  // src/utilities/engine_access.h

  // The storage engine under a store that Open or OpenReader returned, for
  // the library's own utilities (export, retention), which work below the
  // getSessions API; nullptr for any other Store (a test double). Not part of
  // the API: only StoreInternals can call it.
  virtual StorageEngine* UnderlyingEngine() { return nullptr; }
};

}  // namespace sessiondb

#endif  // SESSIONDB_STORE_H_
