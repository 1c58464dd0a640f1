// Dates and timestamps as the API writes them (API.md §1, §3): ParseApiTime and
// FormatIsoMillis are public (sessiondb/api_time.h); these are the writers
// the codec renders responses with.
#ifndef SESSIONDB_CODEC_ISO_TIME_H_
#define SESSIONDB_CODEC_ISO_TIME_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/timestamp_range.h"
#include "sessiondb/api_time.h"

namespace sessiondb {

// AppendIsoMillis appends `ms` as YYYY-MM-DDThh:mm:ss.mmmZ.
// REQUIRES: kMinTimestampMs <= ms <= kMaxTimestampMs.
void AppendIsoMillis(int64_t ms, std::string* out);

// WriteIsoMillis writes the same kIsoMillisSize bytes at `out` and returns
// the position after them (for writers that manage their own buffer).
inline constexpr size_t kIsoMillisSize = 24;
char* WriteIsoMillis(int64_t ms, char* out);

}  // namespace sessiondb

#endif  // SESSIONDB_CODEC_ISO_TIME_H_
