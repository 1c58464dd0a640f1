// Reading the bucket counters (storage/counters.h) of a query: the counts
// of one or more scopes summed per window piece, with one sorted walk at the
// request's snapshot. Shared by the executor (total, skip position) and the
// planner (sizing tag candidates).
#ifndef SESSIONDB_QUERY_COUNTER_READS_H_
#define SESSIONDB_QUERY_COUNTER_READS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "query/record_filter.h"
#include "rocksdb/db.h"
#include "storage/counters.h"

namespace sessiondb {

class StorageEngine;

// A count of matching sessions and of all sessions in some range, and the
// matching ones per cell (for facets).
struct RangeCount {
  int64_t matching = 0;
  int64_t all = 0;
  CellCounts cells{};
};

// SumCounters adds, for every aligned piece (level >= 0; partial pieces are
// skipped) and every scope, the counter (scope, piece) into
// (*counts)[piece index]: `all` over every cell, `matching` (and `cells`) over
// the cells `filter` keeps. An absent counter counts 0. Returns the number of
// counters read.
// REQUIRES: counts->size() == pieces.size().
absl::StatusOr<int64_t> SumCounters(const StorageEngine& engine,
                                    const rocksdb::ReadOptions& read_options,
                                    const std::vector<std::string>& scopes,
                                    const std::vector<WindowPiece>& pieces,
                                    const RecordFilter& filter,
                                    std::vector<RangeCount>* counts);

}  // namespace sessiondb

#endif  // SESSIONDB_QUERY_COUNTER_READS_H_
