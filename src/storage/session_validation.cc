#include "storage/session_validation.h"

#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "base/absl_compat.h"
#include "base/timestamp_range.h"
#include "base/utf8.h"

namespace sessiondb {
namespace {

absl::Status Invalid(std::string_view field, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat(AsAbsl(field), ": ", AsAbsl(what)));
}

absl::Status CheckString(std::string_view field, std::string_view value,
                         size_t min_bytes, size_t max_bytes) {
  if (value.size() < min_bytes || value.size() > max_bytes) {
    return Invalid(field, absl::StrCat("must be ", min_bytes, "-", max_bytes,
                                       " bytes, got ", value.size()));
  }
  if (!IsValidUtf8(value)) return Invalid(field, "is not valid UTF-8");
  return absl::OkStatus();
}

absl::Status CheckTimestamp(std::string_view field, int64_t ms) {
  if (ms < kMinTimestampMs || ms > kMaxTimestampMs) {
    return Invalid(
        field, absl::StrCat("must be within years 0000-9999, got ", ms, " ms"));
  }
  return absl::OkStatus();
}

absl::Status CheckTags(std::string_view field, const std::vector<Tag>& tags) {
  if (tags.size() > kMaxTagsPerKind) {
    return Invalid(field, absl::StrCat("at most ", kMaxTagsPerKind,
                                       " tags, got ", tags.size()));
  }
  // Field paths are built only on failure: this runs for every tag ingested.
  for (size_t i = 0; i < tags.size(); ++i) {
    absl::Status s = CheckString("name", tags[i].name, 1, 128);
    if (s.ok()) s = CheckString("value", tags[i].value, 0, 1024);
    if (!s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(AsAbsl(field), "[", i, "].", s.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateSession(const Session& s) {
  absl::Status st;
  if (!(st = CheckString("sessionId", s.session_id, 1, 128)).ok()) return st;
  if (!(st = CheckString("botId", s.bot_id, 1, 128)).ok()) return st;
  if (!(st = CheckString("channel", s.channel, 1, 64)).ok()) return st;
  if (!(st = CheckString("userId", s.user_id, 1, 256)).ok()) return st;
  if (!(st = CheckTimestamp("start_time", s.start_time_ms)).ok()) return st;
  if (s.end_time_ms.has_value()) {
    if (!(st = CheckTimestamp("end_time", *s.end_time_ms)).ok()) return st;
    if (*s.end_time_ms < s.start_time_ms) {
      return Invalid("end_time", "must not be before start_time");
    }
  }
  if (s.session_lang.size() > kMaxSessionLangs) {
    return Invalid("session_lang",
                   absl::StrCat("at most ", kMaxSessionLangs, " entries, got ",
                                s.session_lang.size()));
  }
  for (size_t i = 0; i < s.session_lang.size(); ++i) {
    st = CheckString(absl::StrCat("session_lang[", i, "]"), s.session_lang[i],
                     0, kMaxSessionLangBytes);
    if (!st.ok()) return st;
  }
  if (static_cast<uint8_t>(s.session_type) > 1) {
    return Invalid("sessionType", "must be interactive or non-interactive");
  }
  if (static_cast<uint8_t>(s.containment_type) > 2) {
    return Invalid("containmentType", "must be dropOff, selfService or agent");
  }
  if (s.session_status.has_value() &&
      static_cast<uint8_t>(*s.session_status) > 1) {
    return Invalid("sessionStatus", "must be active or closed");
  }
  if (!(st = CheckTags("tags.userTags", s.user_tags)).ok()) return st;
  if (!(st = CheckTags("tags.sessionTags", s.session_tags)).ok()) return st;
  if (s.messages_exchanged < 0) {
    return Invalid("noOfMessagesExchanged", "must be >= 0");
  }
  if (s.tasks_executed < 0) return Invalid("noOfTasksExecuted", "must be >= 0");
  return absl::OkStatus();
}

}  // namespace sessiondb
