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
  kAliases,
};
inline constexpr int kNumCfs = 9;

// CfName is the RocksDB name of `cf`; names reach disk and are frozen.
const char* CfName(Cf cf);

// BuildDbOptions returns the DB-wide options and, in `descriptors`, every
// column family with its options (indexed by Cf). All share one block cache
// of options.block_cache_bytes.
rocksdb::DBOptions BuildDbOptions(const Options& options);
std::vector<rocksdb::ColumnFamilyDescriptor> BuildCfDescriptors(
    const Options& options, const std::shared_ptr<rocksdb::Cache>& cache);

}  // namespace sessiondb

#endif  // SESSIONDB_STORAGE_COLUMN_FAMILIES_H_
