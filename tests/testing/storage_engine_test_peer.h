// StorageEngineTestPeer: raw RocksDB access to a StorageEngine, for tests
// that damage a store on purpose or drive RocksDB directly (a flush under a
// disk fault). Production code writes only through the engine's methods.
#ifndef SESSIONDB_TESTS_TESTING_STORAGE_ENGINE_TEST_PEER_H_
#define SESSIONDB_TESTS_TESTING_STORAGE_ENGINE_TEST_PEER_H_

#include "rocksdb/db.h"
#include "storage/column_families.h"
#include "storage/storage_engine.h"

namespace sessiondb {

class StorageEngineTestPeer {
 public:
  static rocksdb::DB* db(StorageEngine& engine) { return engine.db_.get(); }
  static rocksdb::ColumnFamilyHandle* handle(const StorageEngine& engine,
                                             Cf cf) {
    return engine.handle(cf);
  }
  static void set_max_catch_ups(StorageEngine& engine, int n) {
    engine.max_catch_ups_ = n;
  }
};

}  // namespace sessiondb

#endif  // SESSIONDB_TESTS_TESTING_STORAGE_ENGINE_TEST_PEER_H_
