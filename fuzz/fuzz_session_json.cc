// Fuzz target: the NDJSON loader's parsers (SessionJsonParser::ParseSession
// and ParseUserIdentity). Byte 0 picks the parser; the rest is one line.
// Properties: errors are InvalidArgument; an accepted session passes
// ValidateSession, survives the record codec (encode, verify, decode) and
// the response writer (SessionToJson, parsed back) unchanged.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_input.h"
#include "sessiondb/session.h"
#include "sessiondb/session_json_parser.h"
#include "storage/record_codec.h"

namespace {

sessiondb::Session Stored(sessiondb::Session s) {
  if (!s.session_status.has_value()) {
    s.session_status = s.end_time_ms.has_value()
                           ? sessiondb::SessionStatus::kClosed
                           : sessiondb::SessionStatus::kActive;
  }
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static sessiondb::SessionJsonParser* parser =
      new sessiondb::SessionJsonParser();
  sessiondb::fuzz::FuzzInput in(data, size);
  const uint8_t which = in.Byte();
  const std::string_view line = in.Rest();
  if (which % 4 == 3) {
    absl::StatusOr<sessiondb::UserIdentity> identity =
        parser->ParseUserIdentity(line);
    if (!identity.ok()) {
      FUZZ_CHECK(identity.status().code() ==
                 absl::StatusCode::kInvalidArgument);
    }
    return 0;
  }
  absl::StatusOr<sessiondb::Session> session = parser->ParseSession(line);
  if (!session.ok()) {
    FUZZ_CHECK(session.status().code() == absl::StatusCode::kInvalidArgument);
    FUZZ_CHECK(!session.status().message().empty());
    return 0;
  }
  FUZZ_CHECK(sessiondb::ValidateSession(*session).ok());
  const sessiondb::Session expected = Stored(*session);

  const std::string record = sessiondb::EncodeRecordToString(*session);
  absl::StatusOr<const sessiondb::fb::Session*> verified =
      sessiondb::VerifyRecord(record, "fuzz");
  FUZZ_CHECK(verified.ok());
  FUZZ_CHECK(sessiondb::DecodeRecord(**verified) == expected);

  const std::string json = sessiondb::SessionToJson(*session);
  absl::StatusOr<sessiondb::Session> again = parser->ParseSession(json);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(*again == expected);
  return 0;
}
