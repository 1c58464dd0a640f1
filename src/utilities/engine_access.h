// StoreInternals: what the library's own utilities (export, retention) need
// of a Store below the getSessions API: its storage engine. The Store
// interface hands it out only to this class (Store::UnderlyingEngine).
#ifndef SESSIONDB_UTILITIES_ENGINE_ACCESS_H_
#define SESSIONDB_UTILITIES_ENGINE_ACCESS_H_

#include "absl/status/statusor.h"
#include "sessiondb/store.h"
#include "storage/storage_engine.h"

namespace sessiondb {

class StoreInternals {
 public:
  // EngineOf returns the engine of a store that Store::Open or OpenReader
  // returned, valid while the store lives; InvalidArgument for any other
  // Store (a test double).
  static absl::StatusOr<StorageEngine*> EngineOf(Store& store) {
    StorageEngine* engine = store.UnderlyingEngine();
    if (engine == nullptr) {
      return absl::InvalidArgumentError(
          "store: not opened by sessiondb::Store::Open");
    }
    return engine;
  }
};

}  // namespace sessiondb

#endif  // SESSIONDB_UTILITIES_ENGINE_ACCESS_H_
