// The date window rule of SPEC §3 and §7: bounds in a time zone, defaults
// and the 7-day limit.
#ifndef SESSIONDB_QUERY_DATE_WINDOW_H_
#define SESSIONDB_QUERY_DATE_WINDOW_H_

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sessiondb/query.h"

namespace sessiondb {

// DateWindow is [from_ms, to_ms): from <= start_time < to.
struct DateWindow {
  int64_t from_ms = 0;
  int64_t to_ms = 0;
};

// ResolveDateWindow resolves the window of `query` (its from_ms / from_day,
// to_ms / to_day) in `tz`: a from_day starts at its local midnight, a to_day
// ends at the next one. Defaults: only from: to = from + 7 calendar days in
// `tz`; only to: from = to - 7 calendar days; neither: to = now, from = 7
// calendar days before now. Rejects from after to, and a window longer than
// 7 days: with both bounds days, more than 7 days; otherwise more than
// 7 x 24 h, or 7 x 24 h + 1 h when tz's offset at from differs from its
// offset at the window's last millisecond (a DST change inside). Errors are
// InvalidArgument naming dateFrom / dateTo; in UTC they read as before zones
// existed.
// REQUIRES: tz is query.time_zone (LoadRequestTimeZone).
absl::StatusOr<DateWindow> ResolveDateWindow(const SessionQuery& query,
                                             const absl::TimeZone& tz,
                                             int64_t now_ms);

// HasDateBound: the query gives dateFrom or dateTo, as an instant or a day
// (its window is not the default one).
bool HasDateBound(const SessionQuery& query);

// ResolveDateWindow for instants in UTC (no days): the rule as SPEC §3
// states it. `to_ms` is already exclusive.
absl::StatusOr<DateWindow> ResolveDateWindow(std::optional<int64_t> from_ms,
                                             std::optional<int64_t> to_ms,
                                             int64_t now_ms);

}  // namespace sessiondb

#endif  // SESSIONDB_QUERY_DATE_WINDOW_H_
