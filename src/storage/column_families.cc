#include "storage/column_families.h"

#include <algorithm>
#include <cassert>
#include <thread>

#include "rocksdb/filter_policy.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/table.h"
#include "rocksdb/write_buffer_manager.h"
#include "storage/block_allocator.h"
#include "storage/counters.h"
#include "storage/key_codec.h"

namespace sessiondb {
namespace {

// How Options::memory_budget_bytes is split (options.h documents it): the
// memtables of all column families may take half of the cache; each column
// family's memtable is an eighth of the budget, so the four that take most
// writes (sessions and the three secondary indexes) can fill
// the memtables' half between them before the largest is flushed.
size_t MemtablesBytes(const Options& options) {
  return options.memory_budget_bytes / 2;
}
size_t WriteBufferBytes(const Options& options) {
  return std::clamp(options.memory_budget_bytes / 8, size_t{64} << 10,
                    size_t{64} << 20);
}

// BlockRestartInterval: keys between a data block's restart points, where
// a seek's binary search ends and its linear scan begins. RocksDB's 16,
// but 4 in `counts`: a query's counter walk seeks once per run of adjacent
// buckets (17 times for a Kolkata week of day facets), and each seek then
// decoded ~8 keys to reach its own. The restart points cost ~1% of the
// store's size (docs/PERFORMANCE.md, "The facet path's own work").
int BlockRestartInterval(Cf cf) { return cf == Cf::kCounts ? 4 : 16; }

rocksdb::ColumnFamilyOptions BaseCfOptions(
    const Options& options, const std::shared_ptr<rocksdb::Cache>& cache,
    bool whole_key_bloom, int block_restart_interval) {
  rocksdb::ColumnFamilyOptions cf;
  cf.write_buffer_size = WriteBufferBytes(options);
  cf.compression = rocksdb::kLZ4Compression;
  // LZ4 keeps cold scans fast; the bottommost level, rarely read, takes ZSTD
  // for half the disk size (docs/STORAGE.md, "The measured floor").
  cf.bottommost_compression = rocksdb::kZSTD;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.block_size = 16 * 1024;
  table.block_restart_interval = block_restart_interval;
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  table.format_version = 5;
  // No implicit readahead: RocksDB's starts after two sequential block
  // reads of one iterator and then calls readahead(2) every few blocks even
  // when they come from the block cache, ~5% of a warm request. Sequential
  // reads from disk get the kernel's readahead instead (BuildDbOptions:
  // advise_random_on_open). docs/PERFORMANCE.md, "Readahead".
  table.max_auto_readahead_size = 0;
  if (whole_key_bloom) {
    // Point lookups (upsert's "does this sessionId exist", Gets of page
    // records) skip files that cannot hold the key.
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  }
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return cf;
}

// CounterScopeLevelTransform: the prefix of a counter key (scope level(1)
// bucket(8), key_codec.h) is its scope and level; the bot totals and the
// tag-pair scopes have none. A prefix costs the memtable a hint (~225 bytes
// of RocksDB's arena, and a map entry): a session of 8 tags has 28 pairs,
// most of whose keys are alone in a memtable, where the hint would not
// repay its bytes; the bot, user and tag scopes' do (docs/PERFORMANCE.md).
class CounterScopeLevelTransform : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "sessiondb.CounterScopeLevel"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    assert(InDomain(key));
    return rocksdb::Slice(key.data(), key.size() - kCounterBucketBytes);
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return key.size() >= kBotBytes + 1 + kCounterBucketBytes &&
           static_cast<uint8_t>(key[kBotBytes]) != kTagPairScopeByte;
  }
};

// InsertHintPrefix: the keys whose memtable inserts land next to each other
// as sessions arrive in time order (memtable_insert_with_hint_prefix_extractor:
// RocksDB keeps the skiplist position of the last insert of each prefix and
// starts the next insert with that prefix there, instead of from the top).
// A session's keys jump between scopes and column families, so one
// position per memtable (RocksDB's default) is rarely near the next insert.
std::shared_ptr<const rocksdb::SliceTransform> InsertHintPrefix(Cf cf) {
  switch (cf) {
    case Cf::kSessions:
      return std::shared_ptr<const rocksdb::SliceTransform>(
          rocksdb::NewFixedPrefixTransform(kBotBytes));  // bot
    case Cf::kByCell:
      return std::shared_ptr<const rocksdb::SliceTransform>(
          rocksdb::NewFixedPrefixTransform(kBotBytes + 1));  // bot cell
    case Cf::kCounts:
      return std::make_shared<CounterScopeLevelTransform>();
    default:
      return nullptr;
  }
}

// CacheShardBits: the cache is split into 2^bits shards of at least
// kMinShardBytes. An LRU shard keeps no entry larger than itself: RocksDB
// inserts it, and the last release of its handle erases it, since the
// shard's usage is then over its capacity. RocksDB's default (64 shards of
// 4 MiB at the 256 MiB default budget) thus re-read the 4.5 MB filter block
// of the 1M store's `counts` file from the file, checksum included, at every
// point lookup (docs/PERFORMANCE.md, "Cold start"). A 32 MiB shard holds the
// filter of a file of ~25M keys, with room for the memtables' reservations;
// on the two to a few cores this store runs on, 8 shards keep lock
// contention low.
int CacheShardBits(size_t capacity) {
  constexpr size_t kMinShardBytes = size_t{32} << 20;
  constexpr int kMaxShardBits = 6;  // RocksDB's own upper bound
  int bits = 0;
  while (bits < kMaxShardBits && (capacity >> (bits + 1)) >= kMinShardBytes) {
    ++bits;
  }
  return bits;
}

}  // namespace

const char* CfName(Cf cf) {
  static constexpr std::array<const char*, kNumCfs> kNames = {
      "default", "sessions", "session_ids", "by_cell", "by_user",
      "by_tag",  "counts",   "users",       "aliases"};
  return kNames[static_cast<int>(cf)];
}

std::shared_ptr<rocksdb::Cache> NewBudgetCache(const Options& options) {
  rocksdb::LRUCacheOptions cache_options;
  cache_options.capacity = options.memory_budget_bytes;
  cache_options.num_shard_bits = CacheShardBits(options.memory_budget_bytes);
  // Blocks in a region faulted in 2 MiB at a time and reused after eviction,
  // not fresh heap faulted a page at a time (block_allocator.h).
#if !defined(__SANITIZE_THREAD__)
  // Not under ThreadSanitizer: RocksDB's (uninstrumented) threads fill and
  // read the region, and TSan, seeing none of their ordering, reports the
  // first touch of each reused address. The allocator's own locking is
  // checked by block_allocator_test there; the rest of the store runs on
  // malloc'd blocks.
  cache_options.memory_allocator =
      NewBlockAllocator(options.memory_budget_bytes);
#endif
  return rocksdb::NewLRUCache(cache_options);
}

rocksdb::DBOptions BuildDbOptions(
    const Options& options, const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::DBOptions db;
  db.write_buffer_manager = std::make_shared<rocksdb::WriteBufferManager>(
      MemtablesBytes(options), cache);
  // A column family written rarely (aliases, users) would otherwise keep
  // every WAL since its last flush alive; past this size RocksDB flushes
  // it, which bounds what an open after a crash replays.
  db.max_total_wal_size = MemtablesBytes(options);
  db.create_if_missing = true;
  db.create_missing_column_families = true;
  db.max_background_jobs = std::max(2u, std::thread::hardware_concurrency());
  db.bytes_per_sync = 1 << 20;
  db.keep_log_file_num = 5;
  // RocksDB starts this many threads for every batch of table files it
  // opens, however few files there are: replaying a manifest calls it per
  // column family and edit, and the default (16) started ~330 threads per
  // open of a bulk-loaded store, most of that open's CPU. Table files whose
  // pages are in the OS cache open in microseconds on the calling thread
  // (docs/PERFORMANCE.md, "Cold start").
  db.max_file_opening_threads = 1;
  // Table files are not opened with POSIX_FADV_RANDOM, so the kernel reads
  // ahead when a scan (export, ship, check) reads a file sequentially from
  // disk: RocksDB's own readahead is off (BaseCfOptions).
  db.advise_random_on_open = false;
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
        BaseCfOptions(options, cache, point_lookups, BlockRestartInterval(cf));
    cf_options.memtable_insert_with_hint_prefix_extractor =
        InsertHintPrefix(cf);
    if (cf == Cf::kCounts || cf == Cf::kUsers) {
      cf_options.merge_operator = NewCountsMergeOperator();
    }
    cfs.emplace_back(CfName(cf), cf_options);
  }
  return cfs;
}

}  // namespace sessiondb
