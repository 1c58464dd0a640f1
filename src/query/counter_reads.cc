#include "query/counter_reads.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>

#include "base/status_macros.h"
#include "storage/rocksdb_status.h"
#include "storage/storage_engine.h"

namespace sessiondb {
namespace {

// CounterRead is one counter to read: scope `scope` (an index into the
// scopes) at piece `piece`, whose key is key_bytes[key_begin, key_end).
struct CounterRead {
  size_t scope;
  size_t piece;
  size_t key_begin;
  size_t key_end;
};

}  // namespace

absl::StatusOr<int64_t> SumCounters(const StorageEngine& engine,
                                    const rocksdb::ReadOptions& read_options,
                                    const std::vector<std::string>& scopes,
                                    const std::vector<WindowPiece>& pieces,
                                    const RecordFilter& filter,
                                    std::vector<RangeCount>* counts) {
  // Every key in one buffer: a week of Kolkata day facets reads 63.
  std::string key_bytes;
  std::vector<CounterRead> reads;
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (pieces[i].level < 0) continue;
    for (size_t s = 0; s < scopes.size(); ++s) {
      const size_t begin = key_bytes.size();
      key_bytes.append(scopes[s]);
      AppendCounterLevel(pieces[i].level, pieces[i].lo_ms, &key_bytes);
      reads.push_back({s, i, begin, key_bytes.size()});
    }
  }
  if (reads.empty()) return 0;
  auto key = [&](const CounterRead& r) {
    return std::string_view(key_bytes).substr(r.key_begin,
                                              r.key_end - r.key_begin);
  };
  // Key order. One scope's keys order by level byte, then time (the bucket,
  // aligned pieces: their starts); several scopes compare as bytes (a scope
  // can be a prefix of another: the bot's of a user's).
  if (scopes.size() == 1) {
    std::sort(reads.begin(), reads.end(),
              [&](const CounterRead& a, const CounterRead& b) {
                const WindowPiece& pa = pieces[a.piece];
                const WindowPiece& pb = pieces[b.piece];
                return std::pair(kLevelKeyByte[pa.level], pa.lo_ms) <
                       std::pair(kLevelKeyByte[pb.level], pb.lo_ms);
              });
  } else {
    std::sort(reads.begin(), reads.end(),
              [&](const CounterRead& a, const CounterRead& b) {
                return key(a) < key(b);
              });
  }
  // One sorted walk, not a MultiGet: MultiGet consults each table's
  // whole-key filter once per batch of 32 keys, and a walk uses no filter;
  // adjacent buckets of one scope and level are adjacent keys: mostly Next.
  // (The walk was first measured against a MultiGet that read the 1M
  // store's 4.5 MB counts filter from the file at every batch, the block
  // cache's shards being smaller than it; that is fixed in
  // column_families.cc. docs/PERFORMANCE.md, "Facets".)
  std::unique_ptr<rocksdb::Iterator> it =
      engine.NewIterator(read_options, Cf::kCounts);
  const CounterRead* previous = nullptr;
  for (const CounterRead& read : reads) {
    const rocksdb::Slice target(key_bytes.data() + read.key_begin,
                                read.key_end - read.key_begin);
    // The iterator is at the smallest key >= the previous one: a key below
    // it is absent; the next bucket of the same counter is one Next away.
    if (previous == nullptr) {
      it->Seek(target);
    } else if (it->Valid() && it->key().compare(target) < 0) {
      const WindowPiece& p = pieces[previous->piece];
      const WindowPiece& q = pieces[read.piece];
      if (previous->scope == read.scope && p.level == q.level &&
          p.hi_ms == q.lo_ms) {
        it->Next();
      }
      if (it->Valid() && it->key().compare(target) < 0) it->Seek(target);
    }
    previous = &read;
    if (!it->Valid()) break;  // past the last counter (or an error: below)
    if (it->key().compare(target) != 0) continue;  // absent: 0
    const CellCounts cells = DecodeCellCounts(
        std::string_view(it->value().data(), it->value().size()));
    RangeCount& c = (*counts)[read.piece];
    for (int cell = 0; cell < kCells; ++cell) {
      c.all += cells[cell];
      if (filter.MatchesCell(static_cast<uint8_t>(cell))) {
        c.matching += cells[cell];
        c.cells[cell] += cells[cell];
      }
    }
  }
  SESSIONDB_RETURN_IF_ERROR(FromRocksStatus(it->status(), "reading counters"));
  return static_cast<int64_t>(reads.size());
}

}  // namespace sessiondb
