// The store's block cache (NewBudgetCache) keeps the large index and filter
// blocks a big table file has: an LRU shard drops, at its last release, any
// entry larger than the shard, so a block read at every lookup must fit one
// (docs/PERFORMANCE.md, "Cold start").
#include <cstddef>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "rocksdb/cache.h"
#include "sessiondb/options.h"
#include "storage/column_families.h"

namespace sessiondb {
namespace {

void DeleteNothing(const rocksdb::Slice&, void*) {}

// KeptAfterRelease: an entry of `charge` bytes inserted the way a block read
// inserts one (a handle held while it is used, then released) can be looked
// up again.
bool KeptAfterRelease(rocksdb::Cache& cache, size_t charge) {
  static int value = 0;
  const std::string key = "block-" + std::to_string(charge);
  rocksdb::Cache::Handle* handle = nullptr;
  if (!cache
           .Insert(key, &value, charge, &DeleteNothing, &handle,
                   rocksdb::Cache::Priority::HIGH)
           .ok()) {
    return false;
  }
  cache.Release(handle);
  rocksdb::Cache::Handle* again = cache.Lookup(key);
  if (again == nullptr) return false;
  cache.Release(again);
  return true;
}

TEST(BudgetCacheTest, KeepsFilterBlocksOfTheDefaultBudgetsStores) {
  // The 1M-session store's `counts` filter is 4.5 MB; RocksDB's default
  // shards (4 MiB at 256 MiB) dropped it after every use.
  Options options;
  std::shared_ptr<rocksdb::Cache> cache = NewBudgetCache(options);
  EXPECT_TRUE(KeptAfterRelease(*cache, size_t{9} << 19));  // 4.5 MiB
  EXPECT_TRUE(KeptAfterRelease(*cache, size_t{24} << 20));
}

TEST(BudgetCacheTest, ASmallBudgetIsOneShard) {
  Options options;
  options.memory_budget_bytes = size_t{8} << 20;
  std::shared_ptr<rocksdb::Cache> cache = NewBudgetCache(options);
  EXPECT_TRUE(KeptAfterRelease(*cache, size_t{6} << 20));
}

}  // namespace
}  // namespace sessiondb
