// Retention walks the sessions to delete at one snapshot and hands their ids
// to StorageEngine::DeleteSessionsIf in batches. That call re-tests each
// session's current record under the write lock, so the batches go through
// the one write path that keeps every index and counter exact, and a session
// an upsert moved out of the selection since the snapshot survives.
#include "sessiondb/utilities/retention.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/absl_compat.h"
#include "base/status_macros.h"
#include "query/session_streams.h"
#include "storage/key_codec.h"
#include "storage/record_codec.h"
#include "storage/record_fields.h"
#include "storage/rocksdb_status.h"
#include "utilities/engine_access.h"

namespace sessiondb {
namespace {

constexpr int64_t kMinTime = std::numeric_limits<int64_t>::min();
constexpr int64_t kMaxTime = std::numeric_limits<int64_t>::max();

// BatchDeleter collects session ids and deletes them batch_size at a time.
class BatchDeleter {
 public:
  BatchDeleter(StorageEngine& engine, const RetentionOptions& options,
               absl::FunctionRef<bool(const fb::Session&)> condition,
               DeletionSummary* summary)
      : engine_(engine),
        options_(options),
        condition_(condition),
        summary_(summary) {}

  absl::Status Add(std::string_view session_id) {
    ids_.emplace_back(session_id);
    if (static_cast<int64_t>(ids_.size()) < options_.batch_size)
      return absl::OkStatus();
    return Flush();
  }

  absl::Status Flush() {
    if (ids_.empty()) return absl::OkStatus();
    SESSIONDB_ASSIGN_OR_RETURN(int64_t deleted,
                               engine_.DeleteSessionsIf(ids_, condition_));
    ids_.clear();
    if (deleted == 0) return absl::OkStatus();
    summary_->sessions_deleted += deleted;
    ++summary_->batches;
    if (options_.progress) options_.progress(summary_->sessions_deleted);
    return absl::OkStatus();
  }

 private:
  StorageEngine& engine_;
  const RetentionOptions& options_;
  absl::FunctionRef<bool(const fb::Session&)> condition_;
  DeletionSummary* summary_;
  std::vector<std::string> ids_;
};

absl::Status ValidateOptions(const RetentionOptions& options) {
  if (options.batch_size < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "batch_size: must be at least 1, got ", options.batch_size));
  }
  return absl::OkStatus();
}

// DeleteStreamed deletes the session of every key of `specs` in
// [from_ms, to_ms) at `snapshot` that satisfies `condition`. Keys of `cf`
// kSessions carry the record; index keys are followed to it (bot + order).
absl::Status DeleteStreamed(
    StorageEngine& engine, const rocksdb::Snapshot* snapshot,
    const std::vector<StreamSpec>& specs, int64_t from_ms, int64_t to_ms,
    absl::FunctionRef<bool(const fb::Session&)> condition,
    const RetentionOptions& options, DeletionSummary* summary) {
  BatchDeleter deleter(engine, options, condition, summary);
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  ro.fill_cache = false;
  rocksdb::PinnableSlice value;
  std::string primary_key;
  // Records are verified from an aligned copy: FlatBuffers reads int64s in
  // place and RocksDB's values are not 8-byte aligned.
  std::string record_bytes;
  MergedStream stream(engine, snapshot, specs, from_ms, to_ms);
  for (; stream.Valid(); stream.Next()) {
    const KeyRangeStream& current = stream.current();
    std::string_view bytes = current.value();
    std::string_view key = current.key();
    if (!specs.empty() && specs.front().cf != Cf::kSessions) {
      primary_key.clear();  // reused: no allocation per session
      current.AppendPrimaryKey(&primary_key);
      value.Reset();
      rocksdb::Status s = engine.Get(ro, Cf::kSessions, primary_key, &value);
      if (s.IsNotFound()) {
        return absl::DataLossError(
            absl::StrCat("index entry ", DebugKey(current.key()),
                         " has no record ", DebugKey(primary_key)));
      }
      SESSIONDB_RETURN_IF_ERROR(FromRocksStatus(s, "reading a session"));
      bytes = std::string_view(value.data(), value.size());
      key = primary_key;
    }
    record_bytes.assign(bytes);
    SESSIONDB_ASSIGN_OR_RETURN(const fb::Session* record,
                               VerifyStoredRecord(record_bytes, key));
    if (!condition(*record)) continue;
    SESSIONDB_RETURN_IF_ERROR(deleter.Add(View(record->session_id())));
  }
  SESSIONDB_RETURN_IF_ERROR(stream.status());
  return deleter.Flush();
}

}  // namespace

absl::StatusOr<DeletionSummary> DeleteSessionsBefore(
    Store& store, std::optional<std::string_view> bot_id, int64_t cutoff_ms,
    const RetentionOptions& options) {
  SESSIONDB_RETURN_IF_ERROR(ValidateOptions(options));
  if (bot_id.has_value() && bot_id->empty())
    return absl::InvalidArgumentError("botId: must not be empty");
  SESSIONDB_ASSIGN_OR_RETURN(StorageEngine * engine,
                             StoreInternals::EngineOf(store));
  SESSIONDB_RETURN_IF_ERROR(engine->RefuseOnReader("deleting sessions"));
  ReadView snapshot(*engine);
  std::vector<StreamSpec> specs;
  for (const auto& [no, id] : engine->bots().All()) {
    if (bot_id.has_value() && id != *bot_id) continue;
    std::string prefix;
    AppendBot(no, &prefix);
    specs.push_back({Cf::kSessions, no, std::move(prefix)});
  }
  auto before_cutoff = [&](const fb::Session& r) {
    return r.start_time_ms() < cutoff_ms &&
           (!bot_id.has_value() || View(r.bot_id()) == *bot_id);
  };
  DeletionSummary summary;
  SESSIONDB_RETURN_IF_ERROR(DeleteStreamed(*engine, snapshot.snapshot(), specs,
                                           kMinTime, cutoff_ms, before_cutoff,
                                           options, &summary));
  return summary;
}

absl::StatusOr<DeletionSummary> DeleteUser(Store& store,
                                           std::string_view user_id,
                                           const RetentionOptions& options) {
  SESSIONDB_RETURN_IF_ERROR(ValidateOptions(options));
  if (user_id.empty())
    return absl::InvalidArgumentError("userId: must not be empty");
  SESSIONDB_ASSIGN_OR_RETURN(StorageEngine * engine,
                             StoreInternals::EngineOf(store));
  SESSIONDB_RETURN_IF_ERROR(engine->RefuseOnReader("deleting sessions"));
  ReadView snapshot(*engine);
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot.snapshot();

  // The users to erase: `user_id` as an internal id, and the id it maps to
  // as an alias.
  std::set<std::string> users = {std::string(user_id)};
  std::string target;
  rocksdb::Status s =
      engine->Get(ro, Cf::kAliases, AsciiLower(user_id), &target);
  if (s.ok()) {
    users.insert(target);
  } else if (!s.IsNotFound()) {
    return FromRocksStatus(s, "reading the alias map");
  }

  // Every alias of those users: the alias map has no reverse index, so it
  // is scanned (an erasure is rare; the map holds one short entry per alias).
  std::vector<std::pair<std::string, std::string>> aliases;  // (key, user)
  std::unique_ptr<rocksdb::Iterator> it = engine->NewIterator(ro, Cf::kAliases);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string mapped = it->value().ToString();
    if (users.count(mapped) > 0)
      aliases.emplace_back(it->key().ToString(), std::move(mapped));
  }
  SESSIONDB_RETURN_IF_ERROR(FromRocksStatus(it->status(), "scanning aliases"));
  it.reset();

  DeletionSummary summary;
  const std::vector<std::pair<uint32_t, std::string>> bots =
      engine->bots().All();
  for (const std::string& user : users) {
    std::vector<StreamSpec> specs;
    for (const auto& [no, id] : bots)
      specs.push_back({Cf::kByUser, no, UserIndexPrefix(no, user)});
    auto of_user = [&](const fb::Session& r) {
      return View(r.user_id()) == user;
    };
    const int64_t before = summary.sessions_deleted;
    SESSIONDB_RETURN_IF_ERROR(DeleteStreamed(*engine, snapshot.snapshot(),
                                             specs, kMinTime, kMaxTime, of_user,
                                             options, &summary));
    std::vector<std::string> keys;
    for (const auto& [key, mapped] : aliases) {
      if (mapped == user) keys.push_back(key);
    }
    SESSIONDB_ASSIGN_OR_RETURN(int64_t removed,
                               engine->ForgetUserIdentity(user, keys));
    summary.aliases_removed += removed;
    if (summary.sessions_deleted > before || removed > 0 || user == target)
      summary.user_ids.push_back(user);
  }
  return summary;
}

}  // namespace sessiondb
