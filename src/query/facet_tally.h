// Facet counting (SPEC §7 `facets`): the local days a window touches, and a
// tally of matches per (local day, cell) that the executor fills — from
// bucket counters (signed differences of UTC days, local_day_pieces.h, or
// pieces inside one local day), or one session at a time during a scan —
// and that answers every facet from the same numbers.
#ifndef SESSIONDB_QUERY_FACET_TALLY_H_
#define SESSIONDB_QUERY_FACET_TALLY_H_

#include <cstdint>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "query/date_window.h"
#include "sessiondb/query.h"
#include "storage/counters.h"

namespace sessiondb {

// LocalDay is one local day of a window, clipped to it: [lo_ms, hi_ms).
struct LocalDay {
  absl::CivilDay date;
  int64_t lo_ms;
  int64_t hi_ms;
};

// LocalDaysOf lists, oldest first, every local day in `tz` that `window`
// touches (none for an empty window), each clipped to the window, so the
// days tile it.
std::vector<LocalDay> LocalDaysOf(const DateWindow& window,
                                  const absl::TimeZone& tz);

// FacetTally counts matches per local day and cell (key_codec.h's CellOf).
// Single-threaded.
class FacetTally {
 public:
  FacetTally(const FacetRequest& request, std::vector<LocalDay> days);

  const FacetRequest& request() const { return request_; }
  const std::vector<LocalDay>& days() const { return days_; }

  // Add counts `n` matches of `cell` starting at `start_ms`.
  // REQUIRES: start_ms inside the window; cell < kCells.
  void Add(int64_t start_ms, uint8_t cell, int64_t n = 1);
  // AddCells adds `cells` (matches per cell) of a piece starting at
  // `lo_ms`. REQUIRES: the piece lies inside one local day.
  void AddCells(int64_t lo_ms, const CellCounts& cells);
  // AddDayCells adds sign x `cells` to day `day` (an index into days()).
  void AddDayCells(size_t day, const CellCounts& cells, int sign);
  // Sum is every count so far: the matches of the window.
  int64_t Sum() const;
  // Clear forgets every count.
  void Clear();

  // Counts builds the asked facets.
  FacetCounts Counts() const;

 private:
  size_t DayIndex(int64_t ms) const;

  const FacetRequest request_;
  const std::vector<LocalDay> days_;
  std::vector<CellCounts> cells_;  // per day
  // The day of the previous Add: a scan's matches come in time order, so
  // the next one is nearly always in the same day.
  size_t last_day_ = 0;
};

}  // namespace sessiondb

#endif  // SESSIONDB_QUERY_FACET_TALLY_H_
