// StoreImpl: the Store of include/sessiondb/store.h over a StorageEngine.
#ifndef SESSIONDB_API_STORE_IMPL_H_
#define SESSIONDB_API_STORE_IMPL_H_

#include <memory>
#include <optional>
#include <string>

#include "api/get_sessions_front_door.h"
#include "api/rocksdb_backend.h"
#include "sessiondb/store.h"
#include "storage/storage_engine.h"

namespace sessiondb {

// Safe for concurrent use (see Store).
class StoreImpl final : public Store {
 public:
  explicit StoreImpl(std::unique_ptr<StorageEngine> engine);

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

  // engine is the storage layer this store owns, for tests and benchmarks.
  // Valid while the store lives.
  StorageEngine& engine() const { return *engine_; }

 private:
  StorageEngine* UnderlyingEngine() override { return engine_.get(); }

  std::unique_ptr<StorageEngine> engine_;
  RocksDbBackend backend_;
  GetSessionsFrontDoor front_door_;
};

}  // namespace sessiondb

#endif  // SESSIONDB_API_STORE_IMPL_H_
