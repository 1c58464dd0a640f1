// BackendStore: a read-only Store answering getSessions through the front
// door (get_sessions_front_door.h) over a SessionBackend other than the
// embedded one — `sessiondb query --clickhouse` and `serve --clickhouse`
// (SPEC §9). Writes, stats, checks and compaction are the embedded store's
// business: Unimplemented here (HTTP 405 on the ingest route).
#ifndef SESSIONDB_API_BACKEND_STORE_H_
#define SESSIONDB_API_BACKEND_STORE_H_

#include <functional>
#include <memory>
#include <string>

#include "api/get_sessions_front_door.h"
#include "query/session_backend.h"
#include "sessiondb/store.h"

namespace sessiondb {

// Safe for concurrent use when the backend is.
class BackendStore final : public Store {
 public:
  // `name` says what the backend is in errors ("ClickHouse
  // http://…:8123"); `clock` is "now" for default windows (empty:
  // absl::Now).
  BackendStore(std::unique_ptr<SessionBackend> backend, std::string name,
               std::function<absl::Time()> clock);

  absl::Status Put(const Session& session) override;
  absl::Status PutBatch(absl::Span<const Session> sessions) override;
  absl::StatusOr<BulkLoadSummary> BulkLoad(
      SessionSource& source, const BulkLoadOptions& options) override;
  absl::Status Delete(std::string_view session_id) override;
  absl::Status LinkUserAliases(const UserIdentity& identity) override;
  absl::StatusOr<SessionPage> GetSessions(const SessionQuery& query) override;
  ApiResponse HandleGetSessions(
      std::optional<std::string_view> bot_id,
      std::optional<std::string_view> containment_param,
      std::string_view body) override;
  absl::StatusOr<std::string> ExplainGetSessions(
      std::optional<std::string_view> bot_id,
      std::optional<std::string_view> containment_param,
      std::string_view body) override;
  absl::StatusOr<StoreStats> GetStats() override;
  absl::StatusOr<CheckReport> Check(const CheckOptions& options) override;
  absl::Status Compact() override;
  absl::Status Refresh() override;

 private:
  absl::Status ReadOnly(std::string_view what) const;

  const std::unique_ptr<SessionBackend> backend_;
  const std::string name_;
  GetSessionsFrontDoor front_door_;
};

}  // namespace sessiondb

#endif  // SESSIONDB_API_BACKEND_STORE_H_
