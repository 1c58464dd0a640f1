// RocksDbBackend: the embedded store as a SessionBackend
// (query/session_backend.h) — the planner and executor at one RocksDB
// snapshot per request, sessions handed to the sink straight from their
// stored records (no copy, no decode).
#ifndef SESSIONDB_API_ROCKSDB_BACKEND_H_
#define SESSIONDB_API_ROCKSDB_BACKEND_H_

#include <optional>
#include <string>
#include <vector>

#include "query/session_backend.h"
#include "storage/storage_engine.h"

namespace sessiondb {

// Safe for concurrent use. Borrows the engine, which must outlive it.
class RocksDbBackend final : public SessionBackend {
 public:
  explicit RocksDbBackend(StorageEngine& engine) : engine_(engine) {}

  absl::StatusOr<LookupOutcome> Lookup(
      const std::optional<std::string>& bot_id,
      const std::vector<std::string>& session_ids, PageSink sink,
      ExecutionStats* stats) override;
  absl::StatusOr<PageOutcome> RunPage(const SessionQuery& query,
                                      const PageRequest& page, PageSink sink,
                                      ExecutionStats* stats,
                                      FacetTally* facets) override;
  absl::StatusOr<std::string> CursorKey() override;

 private:
  StorageEngine& engine_;
};

}  // namespace sessiondb

#endif  // SESSIONDB_API_ROCKSDB_BACKEND_H_
