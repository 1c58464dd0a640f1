// The date window rule of API.md §3: defaults and the 7-day limit.
#ifndef SESSIONDB_QUERY_DATE_WINDOW_H_
#define SESSIONDB_QUERY_DATE_WINDOW_H_

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"

namespace sessiondb {

// DateWindow is [from_ms, to_ms): from <= start_time < to.
struct DateWindow {
  int64_t from_ms = 0;
  int64_t to_ms = 0;
};

// ResolveDateWindow applies the defaults (only from: to = from + 7 days;
// only to: from = to - 7 days; neither: [now - 7 days, now)) and rejects
// from after to, or a window longer than 7 days (exactly 7 is accepted), with
// InvalidArgument naming dateFrom/dateTo. `to_ms` is already exclusive (a
// date-only dateTo was turned into the next midnight by the codec).
absl::StatusOr<DateWindow> ResolveDateWindow(std::optional<int64_t> from_ms,
                                             std::optional<int64_t> to_ms,
                                             int64_t now_ms);

}  // namespace sessiondb

#endif  // SESSIONDB_QUERY_DATE_WINDOW_H_
