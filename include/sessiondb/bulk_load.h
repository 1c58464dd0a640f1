// Bulk loading: many sessions into a store at once (a migration, a restore,
// `sessiondb load`), much faster than PutBatch, for new sessions and for
// rewrites of those the store holds.
//
// Example:
//   class VectorSource : public sessiondb::SessionSource { ... };
//   VectorSource source(sessions);
//   auto summary = store->BulkLoad(source, sessiondb::BulkLoadOptions());
#ifndef SESSIONDB_BULK_LOAD_H_
#define SESSIONDB_BULK_LOAD_H_

#include <cstddef>
#include <cstdint>
#include <functional>

#include "absl/status/statusor.h"
#include "sessiondb/session.h"

namespace sessiondb {

// SessionSource hands a bulk load its sessions, one at a time.
class SessionSource {
 public:
  virtual ~SessionSource() = default;

  // Next fills *session with the next session and returns true, or returns
  // false when there are no more. An error stops the load (see BulkLoad).
  virtual absl::StatusOr<bool> Next(Session* session) = 0;
};

struct BulkLoadOptions {
  // Memory the load may use for sorting before it spills sorted runs to
  // temporary files in the store's directory. Default: 256 MiB.
  size_t memory_bytes = size_t{256} << 20;

  // Called now and then from the loading thread with the number of sessions
  // read so far. Default: none.
  std::function<void(int64_t sessions)> progress;
};

struct BulkLoadSummary {
  int64_t sessions = 0;  // sessions read from the source (repeats included)
  // Sessions written as sorted files straight into the store (the fast
  // path); the rest went through batched upserts.
  int64_t ingested = 0;
  int64_t upserted = 0;
};

}  // namespace sessiondb

#endif  // SESSIONDB_BULK_LOAD_H_
