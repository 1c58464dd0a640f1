// SessionJsonParser: parsing many session and identity records from JSON
// (NDJSON loads, ingest) without allocating per record.
//
// Example:
//   sessiondb::SessionJsonParser parser;
//   for (const std::string& line : lines) {
//     absl::StatusOr<sessiondb::Session> s = parser.ParseSession(line);
//     if (!s.ok()) return s.status();  // names the field
//   }
#ifndef SESSIONDB_SESSION_JSON_PARSER_H_
#define SESSIONDB_SESSION_JSON_PARSER_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "sessiondb/export.h"
#include "sessiondb/session.h"

namespace sessiondb {

// SessionJsonParser parses session objects in the API's response shape
// (see ParseSessionJson in sessiondb/session.h for the accepted forms) and
// validates them (ValidateSession). It reuses its buffers across calls, so a
// loader keeps one per thread. Not safe for concurrent use.
class SESSIONDB_EXPORT SessionJsonParser {
 public:
  SessionJsonParser();
  ~SessionJsonParser();
  SessionJsonParser(const SessionJsonParser&) = delete;
  SessionJsonParser& operator=(const SessionJsonParser&) = delete;

  // Returns InvalidArgument naming the field (e.g. "start_time: ...",
  // "tags.userTags[1].name: ...") on malformed JSON or an invalid session.
  absl::StatusOr<Session> ParseSession(std::string_view json);
  absl::StatusOr<UserIdentity> ParseUserIdentity(std::string_view json);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sessiondb

#endif  // SESSIONDB_SESSION_JSON_PARSER_H_
