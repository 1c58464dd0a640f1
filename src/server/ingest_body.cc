#include "server/ingest_body.h"

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/absl_compat.h"
#include "sessiondb/session_json_parser.h"

namespace sessiondb {
namespace {

// SessionIdOf reads "sessionId" from a record that failed to parse, so the
// error can name it; nullopt when the record has no readable one.
std::optional<std::string> SessionIdOf(simdjson::dom::element record) {
  std::string_view id;
  if (record["sessionId"].get_string().get(id) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  return std::string(id);
}

absl::Status RecordError(size_t index, std::optional<int64_t> line,
                         const std::optional<std::string>& session_id,
                         const absl::Status& cause) {
  std::string where = absl::StrCat("sessions[", index, "]");
  if (line.has_value() || session_id.has_value()) {
    absl::StrAppend(&where, " (");
    if (line.has_value()) absl::StrAppend(&where, "line ", *line);
    if (line.has_value() && session_id.has_value()) {
      absl::StrAppend(&where, ", ");
    }
    if (session_id.has_value()) {
      absl::StrAppend(&where, "sessionId \"", *session_id, "\"");
    }
    absl::StrAppend(&where, ")");
  }
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", cause.message()));
}

absl::StatusOr<std::vector<Session>> ParseArray(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto error = parser.parse(body.data(), body.size()).get(root);
      error != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(absl::StrCat(
        "body: not a valid JSON array (", simdjson::error_message(error), ")"));
  }
  simdjson::dom::array records;
  if (root.get_array().get(records) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("body: must be a JSON array or NDJSON");
  }
  SessionJsonParser session_parser;
  std::vector<Session> sessions;
  sessions.reserve(records.size());
  for (simdjson::dom::element record : records) {
    absl::StatusOr<Session> session =
        session_parser.ParseSession(simdjson::minify(record));
    if (!session.ok()) {
      return RecordError(sessions.size(), std::nullopt, SessionIdOf(record),
                         session.status());
    }
    sessions.push_back(*std::move(session));
  }
  return sessions;
}

absl::StatusOr<std::vector<Session>> ParseNdjson(std::string_view body) {
  SessionJsonParser session_parser;
  std::vector<Session> sessions;
  int64_t line_no = 0;
  while (!body.empty()) {
    const size_t end = body.find('\n');
    std::string_view line = body.substr(0, end);
    body = end == std::string_view::npos ? std::string_view()
                                         : body.substr(end + 1);
    ++line_no;
    if (absl::StripAsciiWhitespace(AsAbsl(line)).empty()) continue;
    absl::StatusOr<Session> session = session_parser.ParseSession(line);
    if (!session.ok()) {
      // Only the failing line is parsed a second time, to name its id.
      simdjson::dom::parser parser;
      simdjson::dom::element record;
      std::optional<std::string> id;
      if (parser.parse(line.data(), line.size()).get(record) ==
          simdjson::SUCCESS) {
        id = SessionIdOf(record);
      }
      return RecordError(sessions.size(), line_no, id, session.status());
    }
    sessions.push_back(*std::move(session));
  }
  return sessions;
}

}  // namespace

absl::StatusOr<std::vector<Session>> ParseIngestBody(std::string_view body) {
  const size_t first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return std::vector<Session>();
  if (body[first] == '[') return ParseArray(body);
  return ParseNdjson(body);
}

}  // namespace sessiondb
