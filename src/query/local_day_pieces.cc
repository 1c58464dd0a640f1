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

SignedRange Decompose(int64_t lo, int64_t hi, int min_level) {
  if (lo <= hi) return {DecomposeWindow(lo, hi, min_level), 1};
  return {DecomposeWindow(hi, lo, min_level), -1};
}

}  // namespace

LocalDayPieces DecomposeLocalDays(const std::vector<LocalDay>& days,
                                  int min_level) {
  LocalDayPieces out;
  if (days.empty()) return out;
  auto add = [&](const SignedRange& range, size_t day, int sign) {
    for (const WindowPiece& p : range.pieces) {
      out.contributions.push_back({out.pieces.size(), day, sign * range.sign});
      out.pieces.push_back(p);
    }
  };
  // Boundaries b_0 .. b_n and their anchors (UTC midnights).
  std::vector<int64_t> bounds;
  for (const LocalDay& d : days) bounds.push_back(d.lo_ms);
  bounds.push_back(days.back().hi_ms);
  std::vector<int64_t> anchors;
  for (size_t i = 0; i < bounds.size(); ++i) {
    const int64_t b = bounds[i];
    const int64_t floor = FloorDay(b);
    const SignedRange before = Decompose(floor, b, min_level);  // +[a, b)
    const SignedRange after =
        Decompose(floor == b ? b : floor + kDayMs, b, min_level);  // -[b, a)
    const bool use_before = Cost(before.pieces) <= Cost(after.pieces);
    anchors.push_back(use_before ? floor : (floor == b ? b : floor + kDayMs));
    const SignedRange& off = use_before ? before : after;
    // off(b_i) adds to day i-1 and subtracts from day i; read once.
    const size_t first = out.pieces.size();
    for (const WindowPiece& p : off.pieces) out.pieces.push_back(p);
    for (size_t k = 0; k < off.pieces.size(); ++k) {
      if (i > 0) out.contributions.push_back({first + k, i - 1, off.sign});
      if (i < days.size())
        out.contributions.push_back({first + k, i, -off.sign});
    }
  }
  for (size_t i = 0; i < days.size(); ++i) {
    add(Decompose(anchors[i], anchors[i + 1], min_level), i, 1);
  }
  return out;
}

}  // namespace sessiondb
