// LocalDayPieces: the counter reads that count each local day of a window
// (SPEC §7's day facets) with the fewest buckets, by differences.
//
// A local day [b_i, b_i+1) rarely starts at a UTC midnight, so summing its
// own aligned buckets takes ~24 hour buckets a day in New York and ~26
// (hours and the quarter hours around the half hours) in Kolkata. Instead each
// boundary b is tied to a UTC midnight a(b) — the one before it (+[a, b)) or
// the one after it (-[b, a)), whichever decomposes into fewer buckets — and
//   count[b_i, b_i+1) = count[a_i, a_i+1) + off(b_i+1) - off(b_i)
// where [a_i, a_i+1) is whole UTC days (day buckets) and off(b) is the
// signed boundary piece. Adjacent days share their boundary's pieces, which
// are read once. Counters are exact, so the differences are too.
#ifndef SESSIONDB_QUERY_LOCAL_DAY_PIECES_H_
#define SESSIONDB_QUERY_LOCAL_DAY_PIECES_H_

#include <cstddef>
#include <vector>

#include "query/facet_tally.h"
#include "storage/counters.h"

namespace sessiondb {

struct LocalDayPieces {
  // The pieces to count: aligned buckets (level >= min_level) and partial
  // pieces (level -1, counted by scan), each once.
  std::vector<WindowPiece> pieces;
  // Contribution adds sign x the count of pieces[piece] to day `day`.
  struct Contribution {
    size_t piece;
    size_t day;
    int sign;  // +1 or -1
  };
  std::vector<Contribution> contributions;
};

// DecomposeLocalDays returns the pieces whose signed sums are the counts of
// each of `days` (which tile a window, LocalDaysOf).
LocalDayPieces DecomposeLocalDays(const std::vector<LocalDay>& days,
                                  int min_level);

}  // namespace sessiondb

#endif  // SESSIONDB_QUERY_LOCAL_DAY_PIECES_H_
