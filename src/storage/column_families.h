// The column families of a store (key forms in key_codec.h) and the RocksDB
// options each one is opened with.
#ifndef SESSIONDB_STORAGE_COLUMN_FAMILIES_H_
#define SESSIONDB_STORAGE_COLUMN_FAMILIES_H_

#include <array>
#include <memory>
#include <vector>

#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "sessiondb/options.h"

namespace sessiondb {

enum class Cf : int {
  kDefault = 0,
  kSessions,
  kSessionIds,
  kByCell,
  kByUser,
  kByTag,
  kCounts,
  kUsers,
  kAliases,  // last: a new column family goes after it
};
inline constexpr int kNumCfs = 9;
static_assert(static_cast<int>(Cf::kAliases) + 1 == kNumCfs,
              "kNumCfs must count every Cf enumerator");

// CfName is the RocksDB name of `cf`; names reach disk and are frozen.
const char* CfName(Cf cf);

// NewBudgetCache returns the block cache of options.memory_budget_bytes that
// BuildDbOptions charges every memtable to and every column family reads
// through.
std::shared_ptr<rocksdb::Cache> NewBudgetCache(const Options& options);

// BuildDbOptions returns the DB-wide options, BuildCfDescriptors every
// column family with its options (indexed by Cf); `cache` is the one
// NewBudgetCache returned.
rocksdb::DBOptions BuildDbOptions(const Options& options,
                                  const std::shared_ptr<rocksdb::Cache>& cache);
std::vector<rocksdb::ColumnFamilyDescriptor> BuildCfDescriptors(
    const Options& options, const std::shared_ptr<rocksdb::Cache>& cache);

}  // namespace sessiondb

#endif  // SESSIONDB_STORAGE_COLUMN_FAMILIES_H_
