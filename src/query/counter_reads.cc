#include "query/counter_reads.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string_view>

#include "base/status_macros.h"
#include "storage/rocksdb_status.h"
#include "storage/storage_engine.h"

namespace sessiondb {
namespace {

// IsNextBucket: `key` is the counter after `previous` in the same scope and
// level (CounterKey: scope, level, then the bucket).
bool IsNextBucket(std::string_view previous, std::string_view key) {
  if (previous.size() != key.size() || key.size() < kCounterBucketBytes) {
    return false;
  }
  const size_t prefix = key.size() - kCounterBucketBytes;
  const int64_t bucket = DecodeCounterBucket(previous);
  return previous.substr(0, prefix) == key.substr(0, prefix) &&
         bucket != INT64_MAX && bucket + 1 == DecodeCounterBucket(key);
}

}  // namespace

absl::StatusOr<int64_t> SumCounters(const StorageEngine& engine,
                                    const rocksdb::ReadOptions& read_options,
                                    const std::vector<std::string>& scopes,
                                    const std::vector<WindowPiece>& pieces,
                                    const RecordFilter& filter,
                                    std::vector<RangeCount>* counts) {
  std::vector<std::string> keys;
  std::vector<size_t> key_piece;
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (pieces[i].level < 0) continue;
    for (const std::string& scope : scopes) {
      keys.push_back(CounterKey(scope, pieces[i].level, pieces[i].lo_ms));
      key_piece.push_back(i);
    }
  }
  if (keys.empty()) return 0;
  // One sorted walk, not a MultiGet: MultiGet consults each table's
  // whole-key filter once per batch of 32 keys, and a walk uses no filter;
  // adjacent buckets of one scope and level are adjacent keys: mostly Next.
  // (The walk was first measured against a MultiGet that read the 1M
  // store's 4.5 MB counts filter from the file at every batch, the block
  // cache's shards being smaller than it; that is fixed in
  // column_families.cc. docs/PERFORMANCE.md, "Facets".)
  std::vector<size_t> order(keys.size());
  for (size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return keys[a] < keys[b]; });
  std::unique_ptr<rocksdb::Iterator> it =
      engine.NewIterator(read_options, Cf::kCounts);
  std::string_view previous;
  for (size_t k : order) {
    const rocksdb::Slice key(keys[k]);
    // The iterator is at the smallest key >= the previous one: a key below
    // it is absent; the next bucket of the same counter is one Next away.
    if (previous.empty()) {
      it->Seek(key);
    } else if (it->Valid() && it->key().compare(key) < 0) {
      if (IsNextBucket(previous, keys[k])) it->Next();
      if (it->Valid() && it->key().compare(key) < 0) it->Seek(key);
    }
    previous = keys[k];
    if (!it->Valid()) break;  // past the last counter (or an error: below)
    if (it->key().compare(key) != 0) continue;  // absent: 0
    const CellCounts cells = DecodeCellCounts(
        std::string_view(it->value().data(), it->value().size()));
    RangeCount& c = (*counts)[key_piece[k]];
    for (int cell = 0; cell < kCells; ++cell) {
      c.all += cells[cell];
      if (filter.MatchesCell(static_cast<uint8_t>(cell))) {
        c.matching += cells[cell];
        c.cells[cell] += cells[cell];
      }
    }
  }
  SESSIONDB_RETURN_IF_ERROR(FromRocksStatus(it->status(), "reading counters"));
  return static_cast<int64_t>(keys.size());
}

}  // namespace sessiondb
