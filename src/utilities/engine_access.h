// StoreInternals: what the library's own utilities (export, retention,
// `sessiondb ship`) need of a Store below the getSessions API: its storage
// engine. The Store interface hands it out only to this class
// (Store::UnderlyingEngine).
//
// The change log (storage/change_log.h), for a consumer such as ship that
// reads a store with Store::OpenReader beside its writer:
//   StorageEngine* engine = *StoreInternals::EngineOf(*reader);
//   ReadView view(*engine);                 // one state until it dies
//   ChangeLogState state = *ReadChangeLogState(*engine, view.snapshot());
//   if (position < state.trimmed_through) -> entries are gone: reship
//   for (ChangeLogIterator it(*engine, view.snapshot(), position);
//        it.Valid(); it.Next()) { ... it.entry() ... }
//   then ship, then WriteShippedMark(engine->path(), state.sequence) so the
//   writer may trim; Refresh the reader (no ReadView alive) and repeat.
// A SessionChange's previous bot_no maps to its botId by
// engine->bots().IdOf (bot numbers are never reused).
#ifndef SESSIONDB_UTILITIES_ENGINE_ACCESS_H_
#define SESSIONDB_UTILITIES_ENGINE_ACCESS_H_

#include "absl/status/statusor.h"
#include "sessiondb/store.h"
#include "storage/change_log.h"
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
