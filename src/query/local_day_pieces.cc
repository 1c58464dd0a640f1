#include "query/local_day_pieces.h"

#include <cstdint>

namespace sessiondb {
namespace {

constexpr int64_t kDayMs = kLevelWidthMs[kDayLevel];
// A partial piece is scanned: weigh it as this many bucket reads.
constexpr size_t kPartialPieceCost = 16;

int64_t FloorDay(int64_t ms) {
  int64_t q = ms / kDayMs;
  if (ms % kDayMs != 0 && ms < 0) --q;
  return q * kDayMs;
}

size_t Cost(const std::vector<WindowPiece>& pieces) {
  size_t cost = 0;
  for (const WindowPiece& p : pieces)
    cost += p.level < 0 ? kPartialPieceCost : 1;
  return cost;
}

// SignedRange is the pieces of [lo, hi) with a sign: +1, or -1 for the
// pieces of [hi, lo) when hi < lo.
struct SignedRange {
  std::vector<WindowPiece> pieces;
  int sign = 1;
};

// Decompose sets *range to [lo, hi)'s pieces, reusing its vector.
void Decompose(int64_t lo, int64_t hi, int min_level, SignedRange* range) {
  range->pieces.clear();
  range->sign = lo <= hi ? 1 : -1;
  if (lo <= hi) {
    AppendWindowPieces(lo, hi, min_level, &range->pieces);
  } else {
    AppendWindowPieces(hi, lo, min_level, &range->pieces);
  }
}

}  // namespace

LocalDayPieces DecomposeLocalDays(const std::vector<LocalDay>& days,
                                  int min_level) {
  LocalDayPieces out;
  if (days.empty()) return out;
  // A week in Kolkata: 8 boundaries of 7 pieces, 7 day buckets.
  out.pieces.reserve(8 * (days.size() + 1) + days.size());
  out.contributions.reserve(2 * out.pieces.capacity());
  // Boundaries b_0 .. b_n and their anchors (UTC midnights).
  std::vector<int64_t> anchors;
  anchors.reserve(days.size() + 1);
  SignedRange before, after;
  // The pieces chosen for an earlier boundary at the same time of day (all
  // but those across a change of the zone's offset) are reused, shifted by
  // whole days, which keeps every bucket aligned.
  const SignedRange* off = nullptr;
  int64_t off_time_of_day = -1;
  int64_t off_floor = 0;
  for (size_t i = 0; i <= days.size(); ++i) {
    const int64_t b = i < days.size() ? days[i].lo_ms : days.back().hi_ms;
    const int64_t floor = FloorDay(b);
    const int64_t ceil = floor == b ? b : floor + kDayMs;
    if (off == nullptr || b - floor != off_time_of_day) {
      Decompose(floor, b, min_level, &before);  // +[a, b)
      Decompose(ceil, b, min_level, &after);    // -[b, a)
      off = Cost(before.pieces) <= Cost(after.pieces) ? &before : &after;
      off_time_of_day = b - floor;
      off_floor = floor;
    }
    anchors.push_back(off == &before ? floor : ceil);
    const int64_t shift = floor - off_floor;
    // off(b_i) adds to day i-1 and subtracts from day i; read once.
    for (const WindowPiece& p : off->pieces) {
      const size_t piece = out.pieces.size();
      out.pieces.push_back({p.lo_ms + shift, p.hi_ms + shift, p.level});
      if (i > 0) out.contributions.push_back({piece, i - 1, off->sign});
      if (i < days.size()) out.contributions.push_back({piece, i, -off->sign});
    }
  }
  // [a_i, a_i+1): whole UTC days, or [a_i+1, a_i) negated when two
  // boundaries in one UTC day take opposite anchors (a short window).
  SignedRange between;
  for (size_t i = 0; i < days.size(); ++i) {
    Decompose(anchors[i], anchors[i + 1], min_level, &between);
    for (const WindowPiece& p : between.pieces) {
      out.contributions.push_back({out.pieces.size(), i, between.sign});
      out.pieces.push_back(p);
    }
  }
  return out;
}

}  // namespace sessiondb
