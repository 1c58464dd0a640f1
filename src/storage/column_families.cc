#include "storage/column_families.h"

#include <thread>

#include "rocksdb/filter_policy.h"
#include "rocksdb/table.h"
#include "storage/counters.h"

namespace sessiondb {
namespace {

rocksdb::ColumnFamilyOptions BaseCfOptions(
    const Options& options, const std::shared_ptr<rocksdb::Cache>& cache,
    bool whole_key_bloom) {
  rocksdb::ColumnFamilyOptions cf;
  cf.write_buffer_size = options.write_buffer_bytes;
  cf.compression = rocksdb::kLZ4Compression;
  // LZ4 keeps cold scans fast; the bottommost level, rarely read, takes ZSTD
  // for half the disk size (FLOOR.md).
  cf.bottommost_compression = rocksdb::kZSTD;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.block_size = 16 * 1024;
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  table.format_version = 5;
  if (whole_key_bloom) {
    // Point lookups (upsert's "does this sessionId exist", Gets of page
    // records) skip files that cannot hold the key.
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  }
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return cf;
}

}  // namespace

const char* CfName(Cf cf) {
  static constexpr std::array<const char*, kNumCfs> kNames = {
      "default", "sessions", "session_ids", "by_cell", "by_user",
      "by_tag",  "counts",   "users",       "aliases"};
  return kNames[static_cast<int>(cf)];
}

rocksdb::DBOptions BuildDbOptions(const Options& /*options*/) {
  rocksdb::DBOptions db;
  db.create_if_missing = true;
  db.create_missing_column_families = true;
  db.max_background_jobs = std::max(2u, std::thread::hardware_concurrency());
  db.bytes_per_sync = 1 << 20;
  db.keep_log_file_num = 5;
  return db;
}

std::vector<rocksdb::ColumnFamilyDescriptor> BuildCfDescriptors(
    const Options& options, const std::shared_ptr<rocksdb::Cache>& cache) {
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (int i = 0; i < kNumCfs; ++i) {
    Cf cf = static_cast<Cf>(i);
    bool point_lookups = cf == Cf::kSessions || cf == Cf::kSessionIds ||
                         cf == Cf::kCounts || cf == Cf::kUsers ||
                         cf == Cf::kAliases || cf == Cf::kDefault;
    rocksdb::ColumnFamilyOptions cf_options =
        BaseCfOptions(options, cache, point_lookups);
    if (cf == Cf::kCounts || cf == Cf::kUsers) {
      cf_options.merge_operator = NewCountsMergeOperator();
    }
    cfs.emplace_back(CfName(cf), cf_options);
  }
  return cfs;
}

}  // namespace sessiondb
