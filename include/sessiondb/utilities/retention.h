// Retention and erasure: delete old sessions, or every session of one user
// (a data-subject erasure request). Both go through the store's write path,
// so every secondary index, counter and per-user count follows, exactly as
// for Store::Delete.
//
// Each runs as a sequence of atomic batches (RetentionOptions::batch_size
// sessions each): a crash or an error leaves a prefix of the work done and
// the store consistent; running the call again finishes it.
//
// The sessions are chosen from a snapshot taken when the call starts, and
// each is re-checked under the write lock before it is deleted: one that a
// concurrent upsert moved out of the selection (a newer start_time, another
// user) is kept; one written after the call started is not considered.
//
// Deleted data stays in RocksDB's files until compaction rewrites them.
//
// Example:
//   absl::StatusOr<sessiondb::DeletionSummary> purged =
//       sessiondb::DeleteSessionsBefore(*store, std::nullopt, cutoff_ms);
#ifndef SESSIONDB_UTILITIES_RETENTION_H_
#define SESSIONDB_UTILITIES_RETENTION_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "sessiondb/export.h"
#include "sessiondb/store.h"

namespace sessiondb {

struct RetentionOptions {
  // Sessions per atomic batch. Larger batches mean fewer writes and a longer
  // hold of the write lock (other writers wait). Default: 1000.
  int64_t batch_size = 1000;
  // Called after every batch with the sessions deleted so far. Default:
  // empty (not called).
  std::function<void(int64_t deleted)> progress;
};

struct DeletionSummary {
  int64_t sessions_deleted = 0;
  int64_t batches = 0;  // atomic batches written
  // DeleteUser only: the internal user ids whose sessions went, sorted, and
  // how many aliases were removed from the identity map.
  std::vector<std::string> user_ids;
  int64_t aliases_removed = 0;
};

// DeleteSessionsBefore deletes every session with start_time < cutoff_ms, of
// bot `bot_id` or, absent, of every bot. An unknown bot deletes nothing.
// InvalidArgument for a batch_size < 1 or an empty bot_id.
SESSIONDB_EXPORT absl::StatusOr<DeletionSummary> DeleteSessionsBefore(
    Store& store, std::optional<std::string_view> bot_id, int64_t cutoff_ms,
    const RetentionOptions& options = RetentionOptions());

// DeleteUser erases a user: `user_id` may be the internal id or an alias
// (ASCII case-insensitive). The users erased are `user_id` itself as an
// internal id and the id it maps to as an alias (both, when both exist).
// Every session of those users, on every bot, is deleted; then every alias
// that maps to one of them is removed from the identity map, and their
// per-user session counts are dropped. Deleting a user no session and no
// alias knows is not an error (nothing is deleted).
// InvalidArgument for an empty user_id or a batch_size < 1.
SESSIONDB_EXPORT absl::StatusOr<DeletionSummary> DeleteUser(
    Store& store, std::string_view user_id,
    const RetentionOptions& options = RetentionOptions());

}  // namespace sessiondb

#endif  // SESSIONDB_UTILITIES_RETENTION_H_
