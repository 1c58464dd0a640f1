// OpenWriterStore: a Store opened for writing with default Options, and its
// storage engine, for tests that look below the getSessions API.
#ifndef SESSIONDB_TESTS_TESTING_WRITER_STORE_H_
#define SESSIONDB_TESTS_TESTING_WRITER_STORE_H_

#include <memory>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "sessiondb/store.h"
#include "storage/storage_engine.h"
#include "testing/status_matchers.h"
#include "utilities/engine_access.h"

namespace sessiondb::testing {

struct WriterStore {
  std::unique_ptr<Store> store;
  StorageEngine* engine = nullptr;  // the store's; null when the open failed
};

// OpenWriterStore opens the store at `path`; a failure fails the test (and
// returns an empty WriterStore).
inline WriterStore OpenWriterStore(const std::string& path) {
  WriterStore out;
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(Options(), path);
  EXPECT_OK(store);
  if (!store.ok()) return out;
  absl::StatusOr<StorageEngine*> engine = StoreInternals::EngineOf(**store);
  EXPECT_OK(engine);
  if (!engine.ok()) return out;
  out.store = *std::move(store);
  out.engine = *engine;
  return out;
}

}  // namespace sessiondb::testing

#endif  // SESSIONDB_TESTS_TESTING_WRITER_STORE_H_
