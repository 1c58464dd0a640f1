// EngineOf: the storage engine under a Store, for the utilities that work
// below the getSessions API (export, retention).
#ifndef SESSIONDB_UTILITIES_ENGINE_ACCESS_H_
#define SESSIONDB_UTILITIES_ENGINE_ACCESS_H_

#include "absl/status/statusor.h"
#include "api/store_impl.h"
#include "sessiondb/store.h"
#include "storage/storage_engine.h"

namespace sessiondb {

// EngineOf returns the engine of a store opened by Store::Open, valid while
// the store lives; InvalidArgument for any other Store (a test double).
inline absl::StatusOr<StorageEngine*> EngineOf(Store& store) {
  auto* impl = dynamic_cast<StoreImpl*>(&store);
  if (impl == nullptr) {
    return absl::InvalidArgumentError(
        "store: not opened by sessiondb::Store::Open");
  }
  return &impl->engine();
}

}  // namespace sessiondb

#endif  // SESSIONDB_UTILITIES_ENGINE_ACCESS_H_
