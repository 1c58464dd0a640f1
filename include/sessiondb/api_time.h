// Dates and timestamps as the API reads and writes them (docs/API.md):
//
// Accepted by ParseApiTime:
//   YYYY-MM-DD                                   (date_only = true, 00:00 UTC)
//   YYYY-MM-DD[ ]Thh:mm:ss[.fraction](Z|±hh:mm)  (a single space before T is
//                                                 tolerated; fraction
//                                                 truncated to ms)
// Written by FormatIsoMillis: YYYY-MM-DDThh:mm:ss.mmmZ, UTC.
//
// Example (a command-line flag):
//   absl::StatusOr<sessiondb::ParsedTime> t =
//       sessiondb::ParseApiTime(flag_text, "--before");
//   if (!t.ok()) return t.status();  // names --before and the text
#ifndef SESSIONDB_API_TIME_H_
#define SESSIONDB_API_TIME_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "sessiondb/export.h"

namespace sessiondb {

struct ParsedTime {
  int64_t ms = 0;          // milliseconds since the epoch, UTC
  bool date_only = false;  // the text named a day, without a time
};

// ParseApiTime parses `text` (the value of `field`). Returns InvalidArgument
// naming the field and the text for anything else: impossible dates
// (2026-02-30), a time without a zone, trailing characters, years outside
// 0000-9999.
SESSIONDB_EXPORT absl::StatusOr<ParsedTime> ParseApiTime(
    std::string_view text, std::string_view field);

// FormatIsoMillis writes `ms` as YYYY-MM-DDThh:mm:ss.mmmZ.
// REQUIRES: `ms` within years 0000-9999 (what ParseApiTime accepts).
SESSIONDB_EXPORT std::string FormatIsoMillis(int64_t ms);

}  // namespace sessiondb

#endif  // SESSIONDB_API_TIME_H_
