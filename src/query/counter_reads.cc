#include "query/counter_reads.h"

#include <string_view>

#include "base/status_macros.h"
#include "storage/rocksdb_status.h"
#include "storage/storage_engine.h"

namespace sessiondb {

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
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  engine.MultiGet(read_options, Cf::kCounts, slices, values.data(),
                  statuses.data());
  for (size_t k = 0; k < keys.size(); ++k) {
    if (statuses[k].IsNotFound()) continue;
    SESSIONDB_RETURN_IF_ERROR(FromRocksStatus(statuses[k], "reading counters"));
    const CellCounts cells =
        DecodeCellCounts(std::string_view(values[k].data(), values[k].size()));
    RangeCount& c = (*counts)[key_piece[k]];
    for (int cell = 0; cell < kCells; ++cell) {
      c.all += cells[cell];
      if (filter.MatchesCell(static_cast<uint8_t>(cell))) {
        c.matching += cells[cell];
        c.cells[cell] += cells[cell];
      }
    }
  }
  return static_cast<int64_t>(keys.size());
}

}  // namespace sessiondb
