// The benchmark datasets: N sessions of gen_sessions.py's distribution
// (session_generator.h), loaded once into a sessiondb store and a SQLite
// file and kept on disk, so repeated runs skip loading.
//
// Layout under <data_dir>/<label>/ (label "1m", "10m", or a count):
//   dataset.json               facts about the data (busiest bot, heavy and
//                              rare user, counts) and the SQLite build
//   sessions.sqlite            the SQLite peer (sqlite_peer.h)
//   sessiondb-<fp>/            the sessiondb store, fully compacted
//   sessiondb-<fp>.json        its load figures and sizes
// <fp> fingerprints the storage code and record schema the store was built
// with (src/storage/, schema/): when the lead changes the layout, the next
// run rebuilds the store (and deletes the stale one) but keeps the SQLite
// file. A sidecar is written last, so an interrupted build is redone.
//
// The store is loaded through the public write path, Store::PutBatch in
// batches of 1000 in the generator's order (the script's order); that loop's
// time is the bulk-load ingest figure.
#ifndef SESSIONDB_BENCH_BENCH_DATASET_H_
#define SESSIONDB_BENCH_BENCH_DATASET_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "api/store_impl.h"
#include "query_shapes.h"
#include "sqlite_peer.h"
#include "storage/storage_engine.h"

namespace sessiondb::bench {

struct DatasetConfig {
  std::string label = "1m";
  int64_t sessions = 1000000;
  uint64_t seed = 5;
  std::string data_dir = "build/bench-data";
  // The same memory for both engines (sessiondb: Options::memory_budget_bytes).
  size_t memory_budget_bytes = size_t{1} << 30;
  SqliteOptions sqlite;
  // Use an existing store built by other storage code (another
  // fingerprint) instead of rebuilding it: for read-path changes on a 10M
  // set. The answers are still checked against SQLite; the context says so.
  bool reuse_store = false;
};

// ParseDatasetLabel: "1m" -> 1,000,000, "10m", "100k", or a plain count.
absl::StatusOr<int64_t> ParseDatasetLabel(std::string_view label);

// FlagValue: when `arg` is "--name=VALUE", sets *value and returns true.
bool FlagValue(std::string_view arg, std::string_view name, std::string* value);

// ParseDatasetFlag reads the flags every dataset tool shares (--dataset=,
// --data_dir=, --reuse_store) into `config`: true when `arg` was one of
// them; an invalid --dataset is an error naming it.
absl::StatusOr<bool> ParseDatasetFlag(std::string_view arg,
                                      DatasetConfig* config);

struct DatasetInfo {
  int64_t sessions = 0;
  uint64_t seed = 0;
  int generator_version = 0;
  std::string busiest_bot;
  int64_t busiest_bot_week = 0;  // its sessions in the window
  std::string heavy_user;
  int64_t heavy_user_week = 0;  // its sessions of busiest_bot in the window
  std::string rare_user;        // one session of busiest_bot in the window
  int64_t rare_user_total = 0;  // its sessions in the whole dataset
  int64_t account_week = 0;     // all sessions in the window
  int64_t ndjson_bytes = 0;     // gen_sessions.py's output for this data
  double sqlite_load_seconds = 0;
  double sqlite_index_seconds = 0;
  int64_t sqlite_bytes = 0;
};

struct SessiondbBuildInfo {
  std::string fingerprint;
  int64_t sessions = 0;
  double load_wall_seconds = 0;  // the PutBatch calls only
  double load_cpu_seconds = 0;   // process CPU (background threads too)
  double compaction_seconds = 0;
  int64_t bytes_loaded = 0;     // directory size right after the load
  int64_t bytes_compacted = 0;  // after CompactRange of every column family
  // Set when config.reuse_store took a store of another fingerprint.
  std::string stale_warning;
};

// Dataset: both engines opened on one persisted dataset. Not thread-safe
// (the SQLite connection); the store itself is.
class Dataset {
 public:
  // OpenOrBuild opens the dataset of `config`, building what is missing or
  // stale first (progress on stderr).
  static absl::StatusOr<std::unique_ptr<Dataset>> OpenOrBuild(
      const DatasetConfig& config);

  const DatasetConfig& config() const { return config_; }
  const DatasetInfo& info() const { return info_; }
  const SessiondbBuildInfo& sessiondb_build() const { return sdb_; }
  StoreImpl& store() const { return *store_; }
  StorageEngine& engine() const { return store_->engine(); }
  SqlitePeer& sqlite() const { return *sqlite_; }
  DatasetFacts facts() const {
    return {info_.busiest_bot, info_.heavy_user, info_.rare_user};
  }

  // Context: (key, value) pairs describing the dataset and configuration,
  // for benchmark::AddCustomContext.
  std::vector<std::pair<std::string, std::string>> Context() const;

 private:
  Dataset() = default;
  DatasetConfig config_;
  DatasetInfo info_;
  SessiondbBuildInfo sdb_;
  std::unique_ptr<StoreImpl> store_;
  std::unique_ptr<SqlitePeer> sqlite_;
};

// OpenBenchStore opens (creating) a sessiondb store at `dir` through the
// internal engine, so benchmarks can reach RocksDB (compaction, MultiGet).
absl::StatusOr<std::unique_ptr<StoreImpl>> OpenBenchStore(
    const std::string& dir, size_t memory_budget_bytes);

// DirectoryBytes is the total size of the regular files under `dir`.
int64_t DirectoryBytes(const std::string& dir);

// ProcessCpuSeconds is the CPU time of the whole process so far.
double ProcessCpuSeconds();

}  // namespace sessiondb::bench

#endif  // SESSIONDB_BENCH_BENCH_DATASET_H_
