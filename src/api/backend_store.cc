#include "api/backend_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "base/absl_compat.h"

namespace sessiondb {

BackendStore::BackendStore(std::unique_ptr<SessionBackend> backend,
                           std::string name, std::function<absl::Time()> clock)
    : backend_(std::move(backend)),
      name_(std::move(name)),
      front_door_(*backend_, std::move(clock)) {}

absl::Status BackendStore::ReadOnly(std::string_view what) const {
  // Unimplemented: the HTTP layer answers 405, the write is not an
  // operation this server offers (not an internal failure).
  return absl::UnimplementedError(
      absl::StrCat(AsAbsl(what), ": ", name_,
                   " is read-only (sessions reach it through sessiondb ship)"));
}

absl::Status BackendStore::Put(const Session&) { return ReadOnly("Put"); }

absl::Status BackendStore::PutBatch(absl::Span<const Session>) {
  return ReadOnly("writing sessions");
}

absl::StatusOr<BulkLoadSummary> BackendStore::BulkLoad(SessionSource&,
                                                       const BulkLoadOptions&) {
  return ReadOnly("BulkLoad");
}

absl::Status BackendStore::Delete(std::string_view) {
  return ReadOnly("Delete");
}

absl::Status BackendStore::LinkUserAliases(const UserIdentity&) {
  return ReadOnly("LinkUserAliases");
}

absl::StatusOr<SessionPage> BackendStore::GetSessions(
    const SessionQuery& query) {
  return front_door_.GetSessions(query);
}

ApiResponse BackendStore::HandleGetSessions(
    std::optional<std::string_view> bot_id,
    std::optional<std::string_view> containment_param, std::string_view body) {
  return front_door_.HandleGetSessions(bot_id, containment_param, body);
}

absl::StatusOr<std::string> BackendStore::ExplainGetSessions(
    std::optional<std::string_view> bot_id,
    std::optional<std::string_view> containment_param, std::string_view body) {
  return front_door_.ExplainGetSessions(bot_id, containment_param, body);
}

absl::StatusOr<StoreStats> BackendStore::GetStats() {
  return absl::UnimplementedError(
      absl::StrCat("stats: not kept by ", name_, "; ask the embedded store"));
}

absl::StatusOr<CheckReport> BackendStore::Check(const CheckOptions&) {
  return absl::UnimplementedError(
      absl::StrCat("check: not kept by ", name_, "; ask the embedded store"));
}

absl::Status BackendStore::Compact() { return ReadOnly("Compact"); }

absl::Status BackendStore::Refresh() { return absl::OkStatus(); }

}  // namespace sessiondb
