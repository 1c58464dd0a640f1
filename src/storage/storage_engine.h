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

 private:
  friend class BulkFileBuilder;
  friend absl::StatusOr<BulkLoadSummary> RunBulkLoad(
      StorageEngine& engine, SessionSource& source,
      const BulkLoadOptions& options);

  StorageEngine() = default;
  absl::Status Write(rocksdb::WriteBatch* batch, std::string_view what);
  // WriteUpserts is UpsertSessions under the lock the caller holds.
  absl::Status WriteUpserts(absl::Span<const Session> sessions)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);

  // Constant after Open.
  Options options_;
  std::unique_ptr<rocksdb::DB> db_;
  std::array<rocksdb::ColumnFamilyHandle*, kNumCfs> handles_{};
  rocksdb::WriteOptions write_options_;
  BotDictionary bots_;  // internally synchronized

  absl::Mutex write_mu_;
};

}  // namespace sessiondb

#endif  // SESSIONDB_STORAGE_STORAGE_ENGINE_H_
