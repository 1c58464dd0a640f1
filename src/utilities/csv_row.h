// CSV rows of the export (RFC 4180), written from a session's getSessions
// JSON object so both formats carry exactly the same values.
#ifndef SESSIONDB_UTILITIES_CSV_ROW_H_
#define SESSIONDB_UTILITIES_CSV_ROW_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "simdjson.h"

namespace sessiondb {

// kCsvColumns are the session object's keys in getSessions' order (API.md
// §4), one column each.
inline constexpr std::string_view kCsvColumns[] = {"sessionId",
                                                   "botId",
                                                   "channel",
                                                   "userId",
                                                   "start_time",
                                                   "end_time",
                                                   "session_lang",
                                                   "sessionType",
                                                   "containmentType",
                                                   "isDeveloper",
                                                   "sessionStatus",
                                                   "tags",
                                                   "noOfMessagesExchanged",
                                                   "noOfTasksExecuted"};

// CsvHeader is the header row: kCsvColumns, CRLF-terminated.
std::string_view CsvHeader();

// AppendCsvField appends `field`, enclosed in double quotes (each quote
// doubled) when it holds a comma, a double quote, CR or LF (RFC 4180 §2.6-7).
void AppendCsvField(std::string_view field, std::string* out);

// CsvRowWriter turns one session object, as AppendRecordJson writes it, into
// one row of kCsvColumns: strings unescaped, arrays and objects
// (session_lang, tags) as compact JSON, a missing key (end_time of a live
// session) as an empty field. Reuses its parser; not safe for concurrent
// use.
class CsvRowWriter {
 public:
  // Append appends the row, CRLF included. Internal when `json` is not a
  // JSON object (it always is when it comes from AppendRecordJson).
  absl::Status Append(std::string_view json, std::string* out);

 private:
  simdjson::dom::parser parser_;
};

}  // namespace sessiondb

#endif  // SESSIONDB_UTILITIES_CSV_ROW_H_
