#include "query/date_window.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "sessiondb/query.h"

namespace sessiondb {
namespace {

// Far outside any storable timestamp, so window arithmetic cannot overflow.
constexpr int64_t kMaxAbsMs = int64_t{1} << 50;

std::string Iso(int64_t ms) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixMillis(ms),
                          absl::UTCTimeZone());
}

}  // namespace

absl::StatusOr<DateWindow> ResolveDateWindow(std::optional<int64_t> from_ms,
                                             std::optional<int64_t> to_ms,
                                             int64_t now_ms) {
  if (from_ms.has_value() && (*from_ms > kMaxAbsMs || *from_ms < -kMaxAbsMs)) {
    return absl::InvalidArgumentError("dateFrom: out of range");
  }
  if (to_ms.has_value() && (*to_ms > kMaxAbsMs || *to_ms < -kMaxAbsMs)) {
    return absl::InvalidArgumentError("dateTo: out of range");
  }
  DateWindow w;
  if (from_ms.has_value() && to_ms.has_value()) {
    w = {*from_ms, *to_ms};
  } else if (from_ms.has_value()) {
    w = {*from_ms, *from_ms + kMaxWindowMs};
  } else if (to_ms.has_value()) {
    w = {*to_ms - kMaxWindowMs, *to_ms};
  } else {
    w = {now_ms - kMaxWindowMs, now_ms};
  }
  if (w.from_ms > w.to_ms) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dateFrom: must not be after dateTo (dateFrom is ", Iso(w.from_ms),
        ", dateTo ends the window at ", Iso(w.to_ms), ")"));
  }
  if (w.to_ms - w.from_ms > kMaxWindowMs) {
    return absl::InvalidArgumentError(
        absl::StrCat("dateTo: the window from dateFrom to dateTo must be at "
                     "most 7 days, got ",
                     Iso(w.from_ms), " to ", Iso(w.to_ms)));
  }
  return w;
}

}  // namespace sessiondb
