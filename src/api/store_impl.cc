#include "api/store_impl.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/absl_compat.h"
#include "base/status_macros.h"
#include "storage/consistency_check.h"
#include "storage/counters.h"
#include "storage/key_codec.h"
#include "storage/record_codec.h"
#include "storage/rocksdb_status.h"

namespace sessiondb {

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const Options& options,
                                                   std::string_view path) {
  SESSIONDB_ASSIGN_OR_RETURN(std::unique_ptr<StorageEngine> engine,
                             StorageEngine::Open(options, path));
  return std::unique_ptr<Store>(new StoreImpl(std::move(engine)));
}

absl::StatusOr<std::unique_ptr<Store>> Store::OpenReader(
    const Options& options, std::string_view path) {
  SESSIONDB_ASSIGN_OR_RETURN(std::unique_ptr<StorageEngine> engine,
                             StorageEngine::OpenReader(options, path));
  return std::unique_ptr<Store>(new StoreImpl(std::move(engine)));
}

StoreImpl::StoreImpl(std::unique_ptr<StorageEngine> engine)
    : engine_(std::move(engine)),
      backend_(*engine_),
      front_door_(backend_, engine_->options().clock) {}

absl::Status StoreImpl::Put(const Session& session) {
  SESSIONDB_RETURN_IF_ERROR(ValidateSession(session));
  return engine_->UpsertSessions(absl::MakeConstSpan(&session, 1));
}

absl::Status StoreImpl::PutBatch(absl::Span<const Session> sessions) {
  for (size_t i = 0; i < sessions.size(); ++i) {
    absl::Status s = ValidateSession(sessions[i]);
    if (!s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("sessions[", i, "] (sessionId \"",
                       sessions[i].session_id, "\"): ", s.message()));
    }
  }
  if (sessions.empty()) return absl::OkStatus();
  return engine_->UpsertSessions(sessions);
}

absl::StatusOr<BulkLoadSummary> StoreImpl::BulkLoad(
    SessionSource& source, const BulkLoadOptions& options) {
  return engine_->BulkLoad(source, options);
}

absl::Status StoreImpl::Delete(std::string_view session_id) {
  return engine_->DeleteSession(session_id);
}

absl::Status StoreImpl::LinkUserAliases(const UserIdentity& identity) {
  if (identity.user_id.empty() || identity.user_id.size() > 256) {
    return absl::InvalidArgumentError("userId: must be 1-256 bytes");
  }
  for (size_t i = 0; i < identity.aliases.size(); ++i) {
    if (identity.aliases[i].empty() || identity.aliases[i].size() > 256) {
      return absl::InvalidArgumentError(
          absl::StrCat("aliases[", i, "]: must be 1-256 bytes"));
    }
  }
  return engine_->PutAliases(identity);
}

absl::StatusOr<SessionPage> StoreImpl::GetSessions(const SessionQuery& query) {
  return front_door_.GetSessions(query);
}

ApiResponse StoreImpl::HandleGetSessions(
    std::optional<std::string_view> bot_id,
    std::optional<std::string_view> containment_param, std::string_view body) {
  return front_door_.HandleGetSessions(bot_id, containment_param, body);
}

absl::StatusOr<std::string> StoreImpl::ExplainGetSessions(
    std::optional<std::string_view> bot_id,
    std::optional<std::string_view> containment_param, std::string_view body) {
  return front_door_.ExplainGetSessions(bot_id, containment_param, body);
}

absl::StatusOr<StoreStats> StoreImpl::GetStats() {
  StoreStats stats;
  ReadView view(*engine_);
  rocksdb::ReadOptions ro;
  ro.snapshot = view.snapshot();
  for (const auto& [no, bot_id] : engine_->bots().All()) {
    std::string value;
    rocksdb::Status s =
        engine_->Get(ro, Cf::kCounts, BotTotalCounterKey(no), &value);
    if (!s.ok() && !s.IsNotFound())
      return FromRocksStatus(s, "reading counters");
    int64_t n = 0;
    for (int64_t c : DecodeCellCounts(value)) n += c;
    stats.sessions += n;
    stats.sessions_per_bot.emplace_back(bot_id, n);
  }
  std::sort(stats.sessions_per_bot.begin(), stats.sessions_per_bot.end());
  std::unique_ptr<rocksdb::Iterator> it =
      engine_->NewIterator(ro, Cf::kAliases);
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++stats.aliases;
  SESSIONDB_RETURN_IF_ERROR(FromRocksStatus(it->status(), "counting aliases"));
  stats.approximate_disk_bytes = engine_->ApproximateBytes();
  return stats;
}

absl::StatusOr<CheckReport> StoreImpl::Check(const CheckOptions& options) {
  if (options.repair) return RepairInconsistencies(*engine_, options);
  return FindInconsistencies(*engine_, options);
}

absl::Status StoreImpl::Compact() { return engine_->CompactAll(); }

absl::Status StoreImpl::Refresh() { return engine_->CatchUp(); }

}  // namespace sessiondb
