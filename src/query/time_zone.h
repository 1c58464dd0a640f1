// The time zone of a getSessions request (SPEC §7's timeZone): an IANA name
// read through Abseil's time zone support from the system's zoneinfo
// (Debian's tzdata).
#ifndef SESSIONDB_QUERY_TIME_ZONE_H_
#define SESSIONDB_QUERY_TIME_ZONE_H_

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace sessiondb {

// LoadRequestTimeZone returns the zone named `name`; "" and "UTC" are UTC.
// Only IANA-shaped names are looked up (letters, digits, '_', '+', '-' in
// '/'-separated parts; no "." part, not Abseil's "localtime" or "Fixed/…"
// forms), so a name never reaches a file outside the zoneinfo directory.
// Returns InvalidArgument naming timeZone and the name otherwise. Abseil
// caches loaded zones: a repeated name costs a map lookup. Thread-safe.
absl::StatusOr<absl::TimeZone> LoadRequestTimeZone(std::string_view name);

// LocalDayStartMs is the first instant whose local date in `tz` is `day`:
// its midnight, or the end of a DST gap that skips midnight.
int64_t LocalDayStartMs(absl::CivilDay day, const absl::TimeZone& tz);

// LocalDayOf is the local date in `tz` of the instant `ms`.
absl::CivilDay LocalDayOf(int64_t ms, const absl::TimeZone& tz);

}  // namespace sessiondb

#endif  // SESSIONDB_QUERY_TIME_ZONE_H_
