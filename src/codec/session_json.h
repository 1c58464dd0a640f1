// Parsing session and identity records from JSON (NDJSON loads, ingest).
#ifndef SESSIONDB_CODEC_SESSION_JSON_H_
#define SESSIONDB_CODEC_SESSION_JSON_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "sessiondb/session.h"

namespace sessiondb {

// SessionJsonParser parses session objects in the API's response shape
// (see ParseSessionJson in sessiondb/session.h for the accepted forms) and
// validates them (ValidateSession). It reuses its buffers across calls, so a
// loader keeps one per thread. Not safe for concurrent use.
class SessionJsonParser {
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

#endif  // SESSIONDB_CODEC_SESSION_JSON_H_
