// StorageEngine owns the RocksDB instance of a store: its column families,
// the bot dictionary and the serialized write path.
#ifndef SESSIONDB_STORAGE_STORAGE_ENGINE_H_
#define SESSIONDB_STORAGE_STORAGE_ENGINE_H_

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "rocksdb/db.h"
#include "session_generated.h"
#include "sessiondb/bulk_load.h"
#include "sessiondb/options.h"
#include "sessiondb/session.h"
#include "storage/bot_dictionary.h"
#include "storage/column_families.h"

namespace sessiondb {

// The on-disk format this code reads and writes. Open refuses any other.
inline constexpr int kFormatVersion = 3;
inline constexpr std::string_view kFormatVersionKey = "format_version";
// A default-CF key each close writes and single-deletes in one batch, never
// present after a flush (see StorageEngine::FlushMemtables).
inline constexpr std::string_view kCloseMarkerKey = "close_marker";

// Thread-safe: reads go straight to RocksDB; writes take write_mu_, so each
// upsert reads the state the previous write left.
class StorageEngine {
 public:
  // Open opens or creates the store at `path`; see Store::Open for errors.
  // `env`, when not null, is the RocksDB Env all file access goes through
  // (tests inject disk faults with one); it must outlive the engine.
  static absl::StatusOr<std::unique_ptr<StorageEngine>> Open(
      const Options& options, std::string_view path,
      rocksdb::Env* env = nullptr);
  // OpenReader opens the store at `path` as a RocksDB secondary instance
  // (its own files in a temporary directory, removed at close) caught up
  // with the writer; see Store::OpenReader. Writes return
  // FailedPrecondition.
  static absl::StatusOr<std::unique_ptr<StorageEngine>> OpenReader(
      const Options& options, std::string_view path);
  // Destroying a writer's engine flushes every memtable (FlushMemtables), so
  // the next open replays no write-ahead log, then closes RocksDB.
  ~StorageEngine();
  StorageEngine(const StorageEngine&) = delete;
  StorageEngine& operator=(const StorageEngine&) = delete;

  rocksdb::DB* db() const { return db_.get(); }
  rocksdb::ColumnFamilyHandle* handle(Cf cf) const {
    return handles_[static_cast<int>(cf)];
  }
  const BotDictionary& bots() const { return bots_; }
  // mutable_bots: for a repair that restores a lost dictionary entry
  // (consistency_check.h).
  BotDictionary& mutable_bots() { return bots_; }
  // write_mutex is held by every write; a repair holds it to keep writers
  // out while it rebuilds derived data.
  absl::Mutex& write_mutex() ABSL_LOCK_RETURNED(write_mu_) { return write_mu_; }
  const Options& options() const { return options_; }
  bool is_reader() const { return !secondary_dir_.empty(); }
  // RefuseOnReader is FailedPrecondition naming `what` on a reader, OK on a
  // writer. Every write checks it first.
  absl::Status RefuseOnReader(std::string_view what) const;

  // UpsertSessions writes every session in one WriteBatch, replacing any
  // session with the same sessionId and its index entries and counts.
  // REQUIRES: every session passed ValidateSession.
  absl::Status UpsertSessions(absl::Span<const Session> sessions);

  // BulkLoad upserts every session of `source` (Store::BulkLoad), through
  // sorted files when the store holds no session (bulk_loader.h).
  absl::StatusOr<BulkLoadSummary> BulkLoad(SessionSource& source,
                                           const BulkLoadOptions& options);

  // DeleteSession removes a session; NotFound if absent.
  absl::Status DeleteSession(std::string_view session_id);

  // PutAliases maps every alias of `identity` to its user id.
  absl::Status PutAliases(const UserIdentity& identity);

  // DeleteSessionsIf removes, in one WriteBatch, each listed session whose
  // current record satisfies `condition` (tested under the write lock, so a
  // session an upsert moved out of the caller's selection since it was
  // chosen stays). Absent ids are skipped. Returns how many were removed.
  absl::StatusOr<int64_t> DeleteSessionsIf(
      absl::Span<const std::string> session_ids,
      absl::FunctionRef<bool(const fb::Session&)> condition);

  // ForgetUserIdentity removes, in one WriteBatch, each alias key
  // (ascii-lowered, as stored) that still maps to `user_id`, and the
  // per-user session count of `user_id` if no session has it any more.
  // Returns how many aliases were removed.
  absl::StatusOr<int64_t> ForgetUserIdentity(
      std::string_view user_id, absl::Span<const std::string> alias_keys);

  // FlushMemtables writes every column family's memtable to a table file and
  // makes every older write-ahead log obsolete (RocksDB deletes it), even
  // when nothing was written since the last flush.
  absl::Status FlushMemtables();

  // CompactAll flushes, then compacts every column family fully, its
  // bottommost level included: deleted and replaced data leaves the files.
  // Writes go on meanwhile.
  absl::Status CompactAll();

  // CatchUp makes a reader see every write its writer acknowledged so far
  // and reloads the bot dictionary. It waits until no ReadView is alive and
  // holds new ones back while it runs. A writer's engine is always current:
  // OK at once.
  absl::Status CatchUp();

 private:
  friend class BulkFileBuilder;
  friend class ReadView;
  friend absl::StatusOr<BulkLoadSummary> RunBulkLoad(
      StorageEngine& engine, SessionSource& source,
      const BulkLoadOptions& options);

  StorageEngine() = default;
  // Close flushes (a writer Open accepted) and closes RocksDB.
  void Close();
  // OpenDb opens RocksDB (OpenAsSecondary when secondary_dir_ is set).
  absl::Status OpenDb(std::string_view path, rocksdb::Env* env);
  // CheckFormat checks (a writer: on a new store, writes) the format version.
  absl::Status CheckFormat(std::string_view path);
  absl::Status LoadBots();
  absl::Status Write(rocksdb::WriteBatch* batch, std::string_view what);
  // WriteUpserts is UpsertSessions under the lock the caller holds.
  absl::Status WriteUpserts(absl::Span<const Session> sessions)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);

  // Constant after Open.
  Options options_;
  std::string secondary_dir_;  // a reader's own directory; empty: a writer
  bool opened_ = false;        // Open or OpenReader succeeded
  std::unique_ptr<rocksdb::DB> db_;
  std::array<rocksdb::ColumnFamilyHandle*, kNumCfs> handles_{};
  rocksdb::WriteOptions write_options_;
  BotDictionary bots_;  // internally synchronized

  absl::Mutex write_mu_;

  // A reader's live ReadViews; CatchUp waits for none.
  absl::Mutex views_mu_;
  int views_ ABSL_GUARDED_BY(views_mu_) = 0;
};

// ReadView is what one read operation (a request, a check pass, an export)
// reads at from its start to its end, so that its reads agree: a RocksDB
// snapshot on a writer; on a reader, whose secondary instance takes no
// snapshots, the state of the last catch-up, which CatchUp does not change
// while a ReadView lives. Pass snapshot() to every ReadOptions of the
// operation. Non-copyable; must not outlive the engine.
class ReadView {
 public:
  explicit ReadView(StorageEngine& engine);
  ~ReadView();
  ReadView(const ReadView&) = delete;
  ReadView& operator=(const ReadView&) = delete;

  // snapshot is null on a reader.
  const rocksdb::Snapshot* snapshot() const { return snapshot_; }

 private:
  StorageEngine& engine_;
  const rocksdb::Snapshot* snapshot_ = nullptr;
};

}  // namespace sessiondb

#endif  // SESSIONDB_STORAGE_STORAGE_ENGINE_H_
