// Dates and timestamps as the API writes them (API.md §1, §3).
//
// Accepted by ParseApiTime:
//   YYYY-MM-DD                                   (date_only = true, 00:00 UTC)
//   YYYY-MM-DD[ ]Thh:mm:ss[.fraction](Z|±hh:mm)  (a single space before T is
//                                                 tolerated; fraction
//                                                 truncated to ms)
// Written by AppendIsoMillis: YYYY-MM-DDThh:mm:ss.mmmZ, UTC.
#ifndef SESSIONDB_CODEC_ISO_TIME_H_
#define SESSIONDB_CODEC_ISO_TIME_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "util/timestamp_range.h"

namespace sessiondb {

struct ParsedTime {
  int64_t ms = 0;          // milliseconds since the epoch, UTC
  bool date_only = false;  // the text named a day, without a time
};

// ParseApiTime parses `text` (the value of `field`). Returns InvalidArgument
// naming the field and the text for anything else: impossible dates
// (2026-02-30), a time without a zone, trailing characters, years outside
// 0000-9999.
absl::StatusOr<ParsedTime> ParseApiTime(std::string_view text,
                                        std::string_view field);

// AppendIsoMillis appends `ms` as YYYY-MM-DDThh:mm:ss.mmmZ.
// REQUIRES: kMinTimestampMs <= ms <= kMaxTimestampMs.
void AppendIsoMillis(int64_t ms, std::string* out);
std::string FormatIsoMillis(int64_t ms);

// WriteIsoMillis writes the same kIsoMillisSize bytes at `out` and returns
// the position after them (for writers that manage their own buffer).
inline constexpr size_t kIsoMillisSize = 24;
char* WriteIsoMillis(int64_t ms, char* out);

}  // namespace sessiondb

#endif  // SESSIONDB_CODEC_ISO_TIME_H_
