#include "storage/session_batch.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "storage/bot_dictionary.h"
#include "storage/index_entries.h"
#include "storage/key_codec.h"
#include "storage/record_codec.h"
#include "storage/rocksdb_status.h"
#include "storage/storage_engine.h"
#include "util/absl_compat.h"
#include "util/status_macros.h"

namespace sessiondb {
namespace {

rocksdb::Slice ToSlice(std::string_view s) {
  return rocksdb::Slice(s.data(), s.size());
}

}  // namespace

SessionBatch::SessionBatch(const StorageEngine& engine)
    : engine_(engine), builder_(1024) {}

absl::StatusOr<std::optional<SessionBatch::Version>> SessionBatch::Current(
    std::string_view session_id) {
  auto it = staged_.find(std::string(session_id));
  if (it != staged_.end()) return it->second;

  rocksdb::DB* db = engine_.db();
  std::string primary_key;
  rocksdb::Status s =
      db->Get(rocksdb::ReadOptions(), engine_.handle(Cf::kSessionIds),
              ToSlice(session_id), &primary_key);
  if (s.IsNotFound()) return std::optional<Version>();
  if (!s.ok()) return FromRocksStatus(s, "reading the sessionId map");
  if (primary_key.size() < kBotBytes + kTimeBytes) {
    return absl::DataLossError(absl::StrCat("sessionId map entry of ",
                                            AsAbsl(DebugKey(session_id)),
                                            " is too short"));
  }
  Version v;
  v.bot_no = DecodeBigEndian32(primary_key.data());
  v.primary_key = std::move(primary_key);
  s = db->Get(rocksdb::ReadOptions(), engine_.handle(Cf::kSessions),
              v.primary_key, &v.record);
  if (s.IsNotFound()) {
    return absl::DataLossError(
        absl::StrCat("sessionId ", AsAbsl(DebugKey(session_id)),
                     " maps to a missing record ", DebugKey(v.primary_key)));
  }
  if (!s.ok()) return FromRocksStatus(s, "reading a session record");
  return std::optional<Version>(std::move(v));
}

void SessionBatch::CountSession(uint32_t bot_no, int64_t start_ms, uint8_t cell,
                                std::string_view user_id, int64_t delta) {
  for (int level = 0; level < kCounterLevels; ++level) {
    counter_deltas_[CounterKey(bot_no, level, start_ms)][cell] += delta;
  }
  counter_deltas_[BotTotalCounterKey(bot_no)][cell] += delta;
  user_deltas_[std::string(user_id)] += delta;
}

absl::Status SessionBatch::RemoveVersion(const Version& version) {
  SESSIONDB_ASSIGN_OR_RETURN(
      const fb::Session* old,
      VerifyStoredRecord(version.record, version.primary_key));
  batch_.Delete(engine_.handle(Cf::kSessions), version.primary_key);
  ForEachIndexEntry(version.bot_no, *old,
                    [&](Cf cf, const std::string& key, const std::string&) {
                      batch_.Delete(engine_.handle(cf), key);
                    });
  CountSession(
      version.bot_no, old->start_time_ms(), RecordCell(*old),
      std::string_view(old->user_id()->c_str(), old->user_id()->size()), -1);
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
  batch_.Put(engine_.handle(Cf::kDefault), BotDictionary::StorageKey(bot_id),
             value);
  return no;
}

absl::Status SessionBatch::Upsert(const Session& session) {
  SESSIONDB_ASSIGN_OR_RETURN(std::optional<Version> previous,
                             Current(session.session_id));
  if (previous.has_value()) SESSIONDB_RETURN_IF_ERROR(RemoveVersion(*previous));

  Version v;
  v.bot_no = BotNumber(session.bot_id);
  v.primary_key =
      SessionKey(v.bot_no, session.start_time_ms, session.session_id);
  EncodeRecord(session, &builder_);
  v.record.assign(reinterpret_cast<const char*>(builder_.GetBufferPointer()),
                  builder_.GetSize());
  const fb::Session* record = fb::GetSession(v.record.data());

  batch_.Put(engine_.handle(Cf::kSessions), v.primary_key, v.record);
  batch_.Put(engine_.handle(Cf::kSessionIds), session.session_id,
             v.primary_key);
  ForEachIndexEntry(
      v.bot_no, *record,
      [&](Cf cf, const std::string& key, const std::string& value) {
        batch_.Put(engine_.handle(cf), key, value);
      });
  CountSession(v.bot_no, session.start_time_ms, RecordCell(*record),
               session.user_id, +1);
  staged_[session.session_id] = std::move(v);
  return absl::OkStatus();
}

absl::Status SessionBatch::Delete(std::string_view session_id, bool* found) {
  SESSIONDB_ASSIGN_OR_RETURN(std::optional<Version> previous,
                             Current(session_id));
  *found = previous.has_value();
  if (!previous.has_value()) return absl::OkStatus();
  SESSIONDB_RETURN_IF_ERROR(RemoveVersion(*previous));
  batch_.Delete(engine_.handle(Cf::kSessionIds), ToSlice(session_id));
  staged_[std::string(session_id)] = std::nullopt;
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
  return Delete(session_id, deleted);
}

rocksdb::WriteBatch* SessionBatch::Finish() {
  for (const auto& [key, delta] : counter_deltas_) {
    bool zero = true;
    for (int64_t d : delta) zero = zero && d == 0;
    if (!zero)
      batch_.Merge(engine_.handle(Cf::kCounts), key, EncodeCellCounts(delta));
  }
  for (const auto& [user, delta] : user_deltas_) {
    if (delta == 0) continue;
    char buf[8];
    std::memcpy(buf, &delta, 8);
    batch_.Merge(engine_.handle(Cf::kUsers), user, rocksdb::Slice(buf, 8));
  }
  counter_deltas_.clear();
  user_deltas_.clear();
  return &batch_;
}

}  // namespace sessiondb
