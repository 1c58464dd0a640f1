// The session record of the getSessions API (API.md §1) and the identity record
// that maps user aliases to internal user ids (API.md §2).
#ifndef SESSIONDB_SESSION_H_
#define SESSIONDB_SESSION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sessiondb/export.h"

namespace sessiondb {

// Enum values are the ones stored on disk: never renumber them.
enum class SessionType : uint8_t { kInteractive = 0, kNonInteractive = 1 };
enum class ContainmentType : uint8_t {
  kDropOff = 0,
  kSelfService = 1,
  kAgent = 2
};
enum class SessionStatus : uint8_t { kActive = 0, kClosed = 1 };

// ParseContainmentType reads a containment type by its API name (dropOff,
// selfService, agent; any ASCII case), as the containmentType parameter does.
// InvalidArgument naming `field` and the text otherwise.
//
// Example (a command-line flag):
//   absl::StatusOr<ContainmentType> c =
//       ParseContainmentType(flag_text, "--containment");
SESSIONDB_EXPORT absl::StatusOr<ContainmentType> ParseContainmentType(
    std::string_view text, std::string_view field);

struct Tag {
  std::string name;   // 1-128 bytes
  std::string value;  // 0-1024 bytes
  friend bool operator==(const Tag& a, const Tag& b) {
    return a.name == b.name && a.value == b.value;
  }
};

// Session is one conversation session. Times are milliseconds since the Unix
// epoch, UTC. Plain value type; copyable.
struct Session {
  std::string session_id;  // 1-128 bytes, unique within a store
  std::string bot_id;      // 1-128 bytes
  std::string channel;     // 1-64 bytes
  std::string user_id;     // 1-256 bytes, the internal id
  int64_t start_time_ms = 0;
  std::optional<int64_t> end_time_ms;  // absent: a live session
  std::vector<std::string> session_lang;
  SessionType session_type = SessionType::kInteractive;
  ContainmentType containment_type = ContainmentType::kSelfService;
  bool is_developer = false;
  // Absent on write: kClosed when end_time_ms is present, else kActive.
  // Always present on sessions read back from a store.
  std::optional<SessionStatus> session_status;
  std::vector<Tag> user_tags;
  std::vector<Tag> session_tags;
  int64_t messages_exchanged = 0;
  int64_t tasks_executed = 0;

  friend SESSIONDB_EXPORT bool operator==(const Session& a, const Session& b);
};

// UserIdentity maps aliases (email, enterprise id; matched ASCII
// case-insensitively) to an internal user id.
struct UserIdentity {
  std::string user_id;
  std::vector<std::string> aliases;
};

// ValidateSession returns InvalidArgument naming the first field that breaks
// a rule of API.md §1 (lengths, end_time >= start_time, counts >= 0).
SESSIONDB_EXPORT absl::Status ValidateSession(const Session& session);

// ParseSessionJson parses one session object in the API's response shape.
// Timestamps are ISO-8601 strings with a zone, or integers (epoch ms). Enum
// values match case-insensitively; unknown top-level keys are ignored.
// Returns InvalidArgument naming the field on any malformed or invalid input.
SESSIONDB_EXPORT absl::StatusOr<Session> ParseSessionJson(
    std::string_view json);

// SessionToJson writes a session exactly as getSessions returns it (API.md §4).
SESSIONDB_EXPORT std::string SessionToJson(const Session& session);

// ParseUserIdentityJson parses {"userId": "u-…", "aliases": ["a@b.c", …]}.
SESSIONDB_EXPORT absl::StatusOr<UserIdentity> ParseUserIdentityJson(
    std::string_view json);

}  // namespace sessiondb

#endif  // SESSIONDB_SESSION_H_
