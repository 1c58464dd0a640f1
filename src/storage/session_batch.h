// SessionBatch turns upserts and deletes into one RocksDB WriteBatch: the
// records, the sessionId map, every index entry, the counters and the bot
// dictionary change together or not at all.
#ifndef SESSIONDB_STORAGE_SESSION_BATCH_H_
#define SESSIONDB_STORAGE_SESSION_BATCH_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "flatbuffers/flatbuffers.h"
#include "rocksdb/write_batch.h"
#include "session_generated.h"
#include "sessiondb/session.h"
#include "storage/change_log.h"
#include "storage/column_families.h"
#include "storage/counters.h"
#include "storage/stored_versions.h"

namespace sessiondb {

class StorageEngine;

// Single-threaded; the caller holds the engine's write lock from the first
// call until Finish's batch is written, so the state an upsert reads (the
// session's previous version) cannot change underneath it.
class SessionBatch {
 public:
  explicit SessionBatch(const StorageEngine& engine);

  // Prefetch reads the stored versions of `sessions` with sorted MultiGets
  // (the sessionId map, then the records; kPrefetchChunk sessions at a time,
  // until kMaxPrefetchedBytes of records are held) instead of two Gets per
  // session in Upsert. Optional; call before staging any of them.
  absl::Status Prefetch(absl::Span<const Session> sessions);
  static constexpr size_t kPrefetchChunk = 512;
  static constexpr size_t kMaxPrefetchedBytes = size_t{16} << 20;

  // Upsert stages `session`, removing the entries of its previous version
  // (in the store or earlier in this batch).
  // REQUIRES: ValidateSession(session).ok().
  absl::Status Upsert(const Session& session);

  // Delete stages the removal of a session. *found tells whether it existed.
  absl::Status Delete(std::string_view session_id, bool* found);

  // DeleteIf stages the removal of a session only when its current version
  // (in the store or earlier in this batch) satisfies `condition`; *deleted
  // tells whether it did. Lets a caller that chose sessions from an older
  // snapshot skip those a later write moved out of its selection.
  absl::Status DeleteIf(std::string_view session_id,
                        absl::FunctionRef<bool(const fb::Session&)> condition,
                        bool* deleted);

  // Finish writes the staged operations and the counter deltas into the
  // batch, sorted by (column family, key), and returns it; bots assigned a
  // number by this batch are in new_bots().
  rocksdb::WriteBatch* Finish();
  const std::vector<std::pair<std::string, uint32_t>>& new_bots() const {
    return new_bots_;
  }
  // TakeChanges returns, once per session the staged operations touched, its
  // sessionId, its key before the batch (from the store) and whether it
  // exists after the batch, in first-touch order: the batch's change-log
  // entry (change_log.h).
  std::vector<SessionChange> TakeChanges();

 private:
  // The current version of a session: its primary key and record bytes.
  struct Version {
    uint32_t bot_no;
    std::string primary_key;
    std::string record;
  };
  enum class Op : uint8_t { kPut, kDelete, kMerge };
  struct StagedOp {
    Cf cf;
    Op op;
    std::string key;
    std::string value;
  };
  void Stage(Cf cf, Op op, std::string key, std::string value = {});
  absl::StatusOr<std::optional<Version>> Current(std::string_view session_id);
  // PrefetchChunk prefetches `ids` (distinct, none staged or prefetched);
  // returns the bytes of the records it read.
  absl::StatusOr<size_t> PrefetchChunk(absl::Span<const std::string_view> ids);
  // FromStored makes the version ReadStoredVersion(s) read.
  static Version FromStored(StoredVersion stored);
  absl::Status RemoveVersion(const Version& version);
  // Touched records the first touch of a session this batch: `previous` is
  // its version in the store. Call before staging its new state.
  // (null: it did not exist).
  void Touched(std::string_view session_id, const Version* previous);
  // DeleteVersion stages the removal of `version`, the current one.
  absl::Status DeleteVersion(std::string_view session_id,
                             const Version& version);
  uint32_t BotNumber(const std::string& bot_id);
  // CountSession adds `delta` to every counter the record counts in.
  void CountSession(uint32_t bot_no, const fb::Session& record, int64_t delta);

  const StorageEngine& engine_;
  rocksdb::WriteBatch batch_;
  std::vector<StagedOp> staged_ops_;
  flatbuffers::FlatBufferBuilder builder_;
  // sessionId -> its version after the staged operations (nullopt: deleted).
  absl::flat_hash_map<std::string, std::optional<Version>> staged_;
  // sessionId -> its version in the store (nullopt: none), read by Prefetch
  // and taken by the first Current of it.
  absl::flat_hash_map<std::string, std::optional<Version>> prefetched_;
  absl::flat_hash_map<std::string, CellCounts> counter_deltas_;
  absl::flat_hash_map<std::string, int64_t> user_deltas_;
  std::vector<std::pair<std::string, uint32_t>> new_bots_;
  std::vector<SessionChange> changes_;  // `exists` set by TakeChanges
};

}  // namespace sessiondb

#endif  // SESSIONDB_STORAGE_SESSION_BATCH_H_
