#include "query/facet_tally.h"

#include <utility>

#include "query/time_zone.h"
#include "storage/key_codec.h"

namespace sessiondb {

std::vector<LocalDay> LocalDaysOf(const DateWindow& window,
                                  const absl::TimeZone& tz) {
  std::vector<LocalDay> days;
  if (window.to_ms <= window.from_ms) return days;
  const absl::CivilDay last = LocalDayOf(window.to_ms - 1, tz);
  int64_t lo = window.from_ms;
  for (absl::CivilDay d = LocalDayOf(window.from_ms, tz); d <= last; ++d) {
    const int64_t hi = d == last ? window.to_ms : LocalDayStartMs(d + 1, tz);
    if (hi <= lo) continue;  // a day the zone skipped (Pacific/Apia, 2011)
    days.push_back({d, lo, hi});
    lo = hi;
  }
  return days;
}

FacetTally::FacetTally(const FacetRequest& request, std::vector<LocalDay> days)
    : request_(request), days_(std::move(days)), cells_(days_.size()) {}

size_t FacetTally::DayIndex(int64_t ms) const {
  if (last_day_ < days_.size() && days_[last_day_].lo_ms <= ms &&
      ms < days_[last_day_].hi_ms) {
    return last_day_;
  }
  size_t lo = 0, hi = days_.size();  // the first day ending after ms
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (days_[mid].hi_ms <= ms) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo < days_.size() ? lo : days_.size() - 1;
}

void FacetTally::Add(int64_t start_ms, uint8_t cell, int64_t n) {
  if (days_.empty()) return;
  last_day_ = DayIndex(start_ms);
  cells_[last_day_][cell] += n;
}

void FacetTally::AddCells(int64_t lo_ms, const CellCounts& cells) {
  if (days_.empty()) return;
  CellCounts& day = cells_[DayIndex(lo_ms)];
  for (int c = 0; c < kCells; ++c) day[c] += cells[c];
}

void FacetTally::AddDayCells(size_t day, const CellCounts& cells, int sign) {
  CellCounts& counts = cells_[day];
  for (int c = 0; c < kCells; ++c) counts[c] += sign * cells[c];
}

int64_t FacetTally::Sum() const {
  int64_t sum = 0;
  for (const CellCounts& day : cells_) {
    for (int64_t n : day) sum += n;
  }
  return sum;
}

void FacetTally::Clear() {
  for (CellCounts& day : cells_) day = CellCounts{};
}

FacetCounts FacetTally::Counts() const {
  FacetCounts out;
  std::array<int64_t, 3> by_containment{};
  std::array<int64_t, 2> by_type{};
  if (request_.day) out.day.emplace().reserve(days_.size());
  for (size_t i = 0; i < days_.size(); ++i) {
    DayFacet day{days_[i].date, {}};
    for (uint8_t containment = 0; containment < 3; ++containment) {
      for (uint8_t type = 0; type < 2; ++type) {
        const int64_t n = cells_[i][CellOf(containment, type)];
        day.containment[containment] += n;
        by_type[type] += n;
      }
      by_containment[containment] += day.containment[containment];
    }
    if (request_.day) out.day->push_back(day);
  }
  if (request_.containment_type) out.containment_type = by_containment;
  if (request_.session_type) out.session_type = by_type;
  return out;
}

}  // namespace sessiondb
