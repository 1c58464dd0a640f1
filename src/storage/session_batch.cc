#include "storage/session_batch.h"

#include <algorithm>

#include "base/status_macros.h"
#include "storage/bot_dictionary.h"
#include "storage/index_entries.h"
#include "storage/key_codec.h"
#include "storage/record_codec.h"
#include "storage/storage_engine.h"
#include "storage/stored_versions.h"

namespace sessiondb {

SessionBatch::SessionBatch(const StorageEngine& engine)
    : engine_(engine), builder_(1024) {}

SessionBatch::Version SessionBatch::FromStored(StoredVersion stored) {
  Version v;
  v.bot_no = DecodeBigEndian32(stored.primary_key.data());
  v.primary_key = std::move(stored.primary_key);
  v.record = std::move(stored.record);
  return v;
}

absl::StatusOr<std::optional<SessionBatch::Version>> SessionBatch::Current(
    std::string_view session_id) {
  auto it = staged_.find(std::string(session_id));
  if (it != staged_.end()) return it->second;
  auto fetched = prefetched_.extract(std::string(session_id));
  if (!fetched.empty()) return std::move(fetched.mapped());
  SESSIONDB_ASSIGN_OR_RETURN(std::optional<StoredVersion> stored,
                             ReadStoredVersion(engine_, session_id));
  if (!stored.has_value()) return std::optional<Version>();
  return std::optional<Version>(FromStored(std::move(*stored)));
}

absl::Status SessionBatch::Prefetch(absl::Span<const Session> sessions) {
  std::vector<std::string_view> ids;
  ids.reserve(sessions.size());
  for (const Session& s : sessions) {
    if (!staged_.contains(s.session_id) && !prefetched_.contains(s.session_id))
      ids.push_back(s.session_id);
  }
  // Distinct, and each chunk a contiguous range of the map (ids in
  // bytewise order).
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  size_t record_bytes = 0;
  for (size_t from = 0; from < ids.size(); from += kPrefetchChunk) {
    // Past the cap the rest is read by Current, a session at a time.
    if (record_bytes >= kMaxPrefetchedBytes) break;
    const absl::Span<const std::string_view> chunk =
        absl::MakeConstSpan(ids).subspan(from, kPrefetchChunk);
    SESSIONDB_ASSIGN_OR_RETURN(size_t bytes, PrefetchChunk(chunk));
    record_bytes += bytes;
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> SessionBatch::PrefetchChunk(
    absl::Span<const std::string_view> ids) {
  std::vector<std::optional<StoredVersion>> versions;
  SESSIONDB_ASSIGN_OR_RETURN(size_t bytes,
                             ReadStoredVersions(engine_, ids, &versions));
  for (size_t i = 0; i < ids.size(); ++i) {
    std::optional<Version> v;
    if (versions[i].has_value()) v = FromStored(std::move(*versions[i]));
    prefetched_.emplace(ids[i], std::move(v));
  }
  return bytes;
}

void SessionBatch::CountSession(uint32_t bot_no, const fb::Session& record,
                                int64_t delta) {
  const uint8_t cell = RecordCell(record);
  ForEachCounterKey(bot_no, record, [&](std::string_view key) {
    counter_deltas_[std::string(key)][cell] += delta;
  });
  user_deltas_[std::string(record.user_id()->string_view())] += delta;
}

absl::Status SessionBatch::RemoveVersion(const Version& version) {
  SESSIONDB_ASSIGN_OR_RETURN(
      const fb::Session* old,
      VerifyStoredRecord(version.record, version.primary_key));
  Stage(Cf::kSessions, Op::kDelete, version.primary_key);
  ForEachIndexKey(version.bot_no, *old, [&](Cf cf, const std::string& key) {
    Stage(cf, Op::kDelete, key);
  });
  CountSession(version.bot_no, *old, -1);
  return absl::OkStatus();
}

uint32_t SessionBatch::BotNumber(const std::string& bot_id) {
  if (std::optional<uint32_t> no = engine_.bots().Find(bot_id)) return *no;
  for (const auto& [id, no] : new_bots_) {
    if (id == bot_id) return no;
  }
  uint32_t no =
      engine_.bots().NextNumber() + static_cast<uint32_t>(new_bots_.size());
  new_bots_.emplace_back(bot_id, no);
  std::string value;
  AppendBigEndian32(no, &value);
  Stage(Cf::kDefault, Op::kPut, BotDictionary::StorageKey(bot_id),
        std::move(value));
  return no;
}

void SessionBatch::Touched(std::string_view session_id,
                           const Version* previous) {
  SessionChange& change = changes_.emplace_back();
  change.session_id = std::string(session_id);
  if (previous != nullptr) {
    change.previous = SessionChange::Key{
        previous->bot_no,
        DecodeDescTime(previous->primary_key.data() + kBotBytes)};
  }
}

std::vector<SessionChange> SessionBatch::TakeChanges() {
  for (SessionChange& change : changes_) {
    auto it = staged_.find(change.session_id);
    change.exists = it != staged_.end() && it->second.has_value();
  }
  return std::move(changes_);
}

absl::Status SessionBatch::Upsert(const Session& session) {
  SESSIONDB_ASSIGN_OR_RETURN(std::optional<Version> previous,
                             Current(session.session_id));
  if (!staged_.contains(session.session_id)) {
    Touched(session.session_id, previous ? &*previous : nullptr);
  }
  if (previous.has_value()) SESSIONDB_RETURN_IF_ERROR(RemoveVersion(*previous));

  Version v;
  v.bot_no = BotNumber(session.bot_id);
  v.primary_key =
      SessionKey(v.bot_no, session.start_time_ms, session.session_id);
  EncodeRecord(session, &builder_);
  v.record.assign(reinterpret_cast<const char*>(builder_.GetBufferPointer()),
                  builder_.GetSize());
  const fb::Session* record = fb::GetSession(v.record.data());

  Stage(Cf::kSessions, Op::kPut, v.primary_key, v.record);
  Stage(Cf::kSessionIds, Op::kPut, session.session_id, v.primary_key);
  ForEachIndexEntry(
      v.bot_no, *record, v.record,
      [&](Cf cf, const std::string& key, const std::string& value) {
        Stage(cf, Op::kPut, key, value);
      });
  CountSession(v.bot_no, *record, +1);
  staged_[session.session_id] = std::move(v);
  return absl::OkStatus();
}

absl::Status SessionBatch::Delete(std::string_view session_id, bool* found) {
  SESSIONDB_ASSIGN_OR_RETURN(std::optional<Version> previous,
                             Current(session_id));
  *found = previous.has_value();
  if (!previous.has_value()) return absl::OkStatus();
  return DeleteVersion(session_id, *previous);
}

absl::Status SessionBatch::DeleteVersion(std::string_view session_id,
                                         const Version& version) {
  SESSIONDB_RETURN_IF_ERROR(RemoveVersion(version));
  Stage(Cf::kSessionIds, Op::kDelete, std::string(session_id));
  auto [it, first] = staged_.try_emplace(std::string(session_id));
  if (first) Touched(session_id, &version);
  it->second = std::nullopt;
  return absl::OkStatus();
}

absl::Status SessionBatch::DeleteIf(
    std::string_view session_id,
    absl::FunctionRef<bool(const fb::Session&)> condition, bool* deleted) {
  *deleted = false;
  SESSIONDB_ASSIGN_OR_RETURN(std::optional<Version> current,
                             Current(session_id));
  if (!current.has_value()) return absl::OkStatus();
  SESSIONDB_ASSIGN_OR_RETURN(
      const fb::Session* record,
      VerifyStoredRecord(current->record, current->primary_key));
  if (!condition(*record)) return absl::OkStatus();
  *deleted = true;
  return DeleteVersion(session_id, *current);
}

void SessionBatch::Stage(Cf cf, Op op, std::string key, std::string value) {
  staged_ops_.push_back({cf, op, std::move(key), std::move(value)});
}

rocksdb::WriteBatch* SessionBatch::Finish() {
  for (const auto& [key, delta] : counter_deltas_) {
    bool zero = true;
    for (int64_t d : delta) zero = zero && d == 0;
    if (!zero) Stage(Cf::kCounts, Op::kMerge, key, EncodeCellCounts(delta));
  }
  for (const auto& [user, delta] : user_deltas_) {
    if (delta == 0) continue;
    Stage(Cf::kUsers, Op::kMerge, user, EncodeCount(delta));
  }
  counter_deltas_.clear();
  user_deltas_.clear();
  // Sorted by (column family, key), operations on one key in staging order:
  // each memtable insert then starts next to the previous one.
  std::stable_sort(staged_ops_.begin(), staged_ops_.end(),
                   [](const StagedOp& a, const StagedOp& b) {
                     if (a.cf != b.cf) return a.cf < b.cf;
                     return a.key < b.key;
                   });
  for (size_t i = 0; i < staged_ops_.size(); ++i) {
    const StagedOp& op = staged_ops_[i];
    // A delete the next operation overwrites with a put is not written: a
    // rewrite that keeps a key (most keep most of theirs) inserts it into
    // the memtable once, not twice.
    if (op.op == Op::kDelete && i + 1 < staged_ops_.size()) {
      const StagedOp& next = staged_ops_[i + 1];
      if (next.op == Op::kPut && next.cf == op.cf && next.key == op.key)
        continue;
    }
    rocksdb::ColumnFamilyHandle* cf = engine_.handle(op.cf);
    switch (op.op) {
      case Op::kPut:
        batch_.Put(cf, op.key, op.value);
        break;
      case Op::kDelete:
        batch_.Delete(cf, op.key);
        break;
      case Op::kMerge:
        batch_.Merge(cf, op.key, op.value);
        break;
    }
  }
  staged_ops_.clear();
  return &batch_;
}

}  // namespace sessiondb
