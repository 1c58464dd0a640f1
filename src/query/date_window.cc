#include "query/date_window.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "query/time_zone.h"

namespace sessiondb {
namespace {

// Far outside any storable timestamp, so window arithmetic cannot overflow.
constexpr int64_t kMaxAbsMs = int64_t{1} << 50;
// Days far outside years 0000-9999 would overflow absl's civil arithmetic
// into nonsense; CivilDay itself holds them, so they are refused here.
constexpr int64_t kMinYear = -1;
constexpr int64_t kMaxYear = 10000;
constexpr int64_t kDstAllowanceMs = 3600 * 1000;

std::string Iso(int64_t ms) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixMillis(ms),
                          absl::UTCTimeZone());
}

bool InRange(int64_t ms) { return ms <= kMaxAbsMs && ms >= -kMaxAbsMs; }
bool InRange(absl::CivilDay day) {
  return day.year() >= kMinYear && day.year() <= kMaxYear;
}

// ShiftDays moves the instant `ms` by `days` calendar days in `tz`: the same
// local time of day, `days` days later (earlier when negative). A local
// time that does not exist there (a DST gap) or exists twice is placed as
// absl::FromCivil does: with the offset in force before the change.
int64_t ShiftDays(int64_t ms, int days, const absl::TimeZone& tz) {
  const absl::TimeZone::CivilInfo local = tz.At(absl::FromUnixMillis(ms));
  const absl::CivilSecond cs = local.cs;
  const absl::CivilSecond shifted(cs.year(), cs.month(), cs.day() + days,
                                  cs.hour(), cs.minute(), cs.second());
  return absl::ToUnixMillis(absl::FromCivil(shifted, tz) + local.subsecond);
}

}  // namespace

bool HasDateBound(const SessionQuery& query) {
  return query.from_ms.has_value() || query.to_ms.has_value() ||
         query.from_day.has_value() || query.to_day.has_value();
}

absl::StatusOr<DateWindow> ResolveDateWindow(const SessionQuery& query,
                                             const absl::TimeZone& tz,
                                             int64_t now_ms) {
  if (query.from_ms.has_value() && query.from_day.has_value()) {
    return absl::InvalidArgumentError(
        "dateFrom: give a day or an instant, not both");
  }
  if (query.to_ms.has_value() && query.to_day.has_value()) {
    return absl::InvalidArgumentError(
        "dateTo: give a day or an instant, not both");
  }
  if ((query.from_ms.has_value() && !InRange(*query.from_ms)) ||
      (query.from_day.has_value() && !InRange(*query.from_day))) {
    return absl::InvalidArgumentError("dateFrom: out of range");
  }
  if ((query.to_ms.has_value() && !InRange(*query.to_ms)) ||
      (query.to_day.has_value() && !InRange(*query.to_day))) {
    return absl::InvalidArgumentError("dateTo: out of range");
  }
  std::optional<int64_t> from = query.from_ms;
  std::optional<int64_t> to = query.to_ms;
  if (query.from_day.has_value()) from = LocalDayStartMs(*query.from_day, tz);
  if (query.to_day.has_value()) to = LocalDayStartMs(*query.to_day + 1, tz);

  DateWindow w;
  if (from.has_value() && to.has_value()) {
    w = {*from, *to};
  } else if (query.from_day.has_value()) {
    w = {*from, LocalDayStartMs(*query.from_day + 7, tz)};
  } else if (from.has_value()) {
    w = {*from, ShiftDays(*from, 7, tz)};
  } else if (query.to_day.has_value()) {
    w = {LocalDayStartMs(*query.to_day + 1 - 7, tz), *to};
  } else if (to.has_value()) {
    w = {ShiftDays(*to, -7, tz), *to};
  } else {
    w = {ShiftDays(now_ms, -7, tz), now_ms};
  }
  if (w.from_ms > w.to_ms) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dateFrom: must not be after dateTo (dateFrom is ", Iso(w.from_ms),
        ", dateTo ends the window at ", Iso(w.to_ms), ")"));
  }
  bool too_long;
  if (query.from_day.has_value() && query.to_day.has_value()) {
    too_long = (*query.to_day + 1) - *query.from_day > 7;
  } else {
    int64_t limit = kMaxWindowMs;
    if (w.to_ms > w.from_ms &&
        tz.At(absl::FromUnixMillis(w.from_ms)).offset !=
            tz.At(absl::FromUnixMillis(w.to_ms - 1)).offset) {
      limit += kDstAllowanceMs;
    }
    too_long = w.to_ms - w.from_ms > limit;
  }
  if (too_long) {
    return absl::InvalidArgumentError(
        absl::StrCat("dateTo: the window from dateFrom to dateTo must be at "
                     "most 7 days, got ",
                     Iso(w.from_ms), " to ", Iso(w.to_ms)));
  }
  return w;
}

absl::StatusOr<DateWindow> ResolveDateWindow(std::optional<int64_t> from_ms,
                                             std::optional<int64_t> to_ms,
                                             int64_t now_ms) {
  SessionQuery query;
  query.from_ms = from_ms;
  query.to_ms = to_ms;
  return ResolveDateWindow(query, absl::UTCTimeZone(), now_ms);
}

}  // namespace sessiondb
