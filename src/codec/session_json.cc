#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/absl_compat.h"
#include "codec/iso_time.h"
#include "codec/record_json.h"
#include "codec/wire_names.h"
#include "sessiondb/session_json_parser.h"
#include "storage/record_codec.h"

namespace sessiondb {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

// Field names and rules are the API's response shape (API.md §1, §4). A JSON
// null counts as an absent field everywhere; a key given twice takes its last
// value, as JavaScript's JSON.parse does.

constexpr size_t kMaxIdentityUserIdBytes = 256;
constexpr size_t kMaxAliasBytes = 256;

absl::Status Invalid(std::string_view field, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat(AsAbsl(field), ": ", AsAbsl(what)));
}

absl::Status JsonError(std::string_view what, simdjson::error_code error) {
  return absl::InvalidArgumentError(absl::StrCat(
      AsAbsl(what), ": invalid JSON (", simdjson::error_message(error), ")"));
}

absl::Status ParseString(element value, std::string_view field,
                         std::string* out) {
  std::string_view s;
  if (value.get_string().get(s) != simdjson::SUCCESS) {
    return Invalid(field, "must be a string");
  }
  out->assign(s.data(), s.size());
  return absl::OkStatus();
}

// ParseTimestamp takes an ISO-8601 string with a time and a zone, or an
// integer number of milliseconds since the epoch. The range is
// ValidateSession's to check.
absl::Status ParseTimestamp(element value, std::string_view field,
                            int64_t* ms) {
  std::string_view text;
  if (value.get_string().get(text) == simdjson::SUCCESS) {
    absl::StatusOr<ParsedTime> t = ParseApiTime(text, field);
    if (!t.ok()) return t.status();
    if (t->date_only) {
      return Invalid(field, absl::StrCat("must have a time and a zone, got \"",
                                         AsAbsl(text), "\""));
    }
    *ms = t->ms;
    return absl::OkStatus();
  }
  if (value.get_int64().get(*ms) == simdjson::SUCCESS) return absl::OkStatus();
  if (uint64_t v; value.get_uint64().get(v) == simdjson::SUCCESS) {
    return Invalid(
        field, absl::StrCat("must be within years 0000-9999, got ", v, " ms"));
  }
  return Invalid(field,
                 "must be an ISO-8601 string with a time and a zone, or an "
                 "integer (ms since the epoch)");
}

absl::Status ParseCount(element value, std::string_view field, int64_t* out) {
  if (value.get_int64().get(*out) == simdjson::SUCCESS) {
    if (*out >= 0) return absl::OkStatus();
    return Invalid(field, absl::StrCat("must be an integer >= 0, got ", *out));
  }
  if (uint64_t v; value.get_uint64().get(v) == simdjson::SUCCESS) {
    return Invalid(field,
                   absl::StrCat("must be an integer >= 0 and < 2^63, got ", v));
  }
  return Invalid(field, "must be an integer >= 0");
}

// ParseEnum sets *out to the value `value` names in `table` (wire_names.h),
// or returns InvalidArgument for `field` listing the table's names.
template <typename Enum, size_t N>
absl::Status ParseEnum(element value,
                       std::optional<Enum> (*from_wire)(std::string_view),
                       const std::array<std::string_view, N>& table,
                       std::string_view field, Enum* out) {
  std::string_view s;
  if (value.get_string().get(s) == simdjson::SUCCESS) {
    if (std::optional<Enum> e = from_wire(s); e.has_value()) {
      *out = *e;
      return absl::OkStatus();
    }
  }
  return Invalid(
      field, absl::StrCat("must be ", WireNameList(table, /*quoted=*/true)));
}

absl::Status ParseLangs(element value, std::vector<std::string>* out) {
  array langs;
  if (value.get_array().get(langs) != simdjson::SUCCESS) {
    return Invalid("session_lang", "must be an array of strings");
  }
  out->reserve(langs.size());
  size_t i = 0;
  for (element lang : langs) {
    std::string_view s;
    if (lang.get_string().get(s) != simdjson::SUCCESS) {
      return Invalid(absl::StrCat("session_lang[", i, "]"), "must be a string");
    }
    out->emplace_back(s);
    ++i;
  }
  return absl::OkStatus();
}

// ParseTagList parses tags.<kind>: an array of {"name": N, "value": V}.
absl::Status ParseTagList(element value, std::string_view kind,
                          std::vector<Tag>* out) {
  array tags;
  if (value.get_array().get(tags) != simdjson::SUCCESS) {
    return Invalid(absl::StrCat("tags.", AsAbsl(kind)),
                   "must be an array of {\"name\", \"value\"} objects");
  }
  out->reserve(tags.size());
  size_t i = 0;
  for (element entry : tags) {
    auto path = [&](std::string_view key) {
      return absl::StrCat("tags.", AsAbsl(kind), "[", i, "]", AsAbsl(key));
    };
    object tag_object;
    if (entry.get_object().get(tag_object) != simdjson::SUCCESS) {
      return Invalid(path(""), "must be an object {\"name\", \"value\"}");
    }
    Tag& tag = out->emplace_back();
    bool have_name = false, have_value = false;
    for (auto [key, field] : tag_object) {
      if (key == "name") {
        if (field.is_null()) continue;
        absl::Status s = ParseString(field, path(".name"), &tag.name);
        if (!s.ok()) return s;
        have_name = true;
      } else if (key == "value") {
        if (field.is_null()) continue;
        absl::Status s = ParseString(field, path(".value"), &tag.value);
        if (!s.ok()) return s;
        have_value = true;
      } else {
        return Invalid(absl::StrCat(path("."), AsAbsl(key)), "unknown key");
      }
    }
    if (!have_name) return Invalid(path(".name"), "is required");
    if (!have_value) return Invalid(path(".value"), "is required");
    ++i;
  }
  return absl::OkStatus();
}

absl::Status ParseTags(element value, Session* s) {
  object tags;
  if (value.get_object().get(tags) != simdjson::SUCCESS) {
    return Invalid("tags", "must be an object {\"userTags\", \"sessionTags\"}");
  }
  for (auto [key, field] : tags) {
    if (key == "userTags") {
      s->user_tags.clear();
      if (field.is_null()) continue;
      absl::Status st = ParseTagList(field, key, &s->user_tags);
      if (!st.ok()) return st;
    } else if (key == "sessionTags") {
      s->session_tags.clear();
      if (field.is_null()) continue;
      absl::Status st = ParseTagList(field, key, &s->session_tags);
      if (!st.ok()) return st;
    } else {
      return Invalid(absl::StrCat("tags.", AsAbsl(key)), "unknown key");
    }
  }
  return absl::OkStatus();
}

absl::Status ParseSessionObject(object fields, Session* s) {
  bool have_session_id = false, have_bot_id = false, have_channel = false,
       have_user_id = false, have_start = false, have_type = false,
       have_containment = false;
  for (auto [key, value] : fields) {
    // A null is an absent field: the default, or "is required" below.
    const bool null = value.is_null();
    absl::Status st;
    if (key == "sessionId") {
      have_session_id = !null;
      if (null) continue;
      st = ParseString(value, key, &s->session_id);
    } else if (key == "botId") {
      have_bot_id = !null;
      if (null) continue;
      st = ParseString(value, key, &s->bot_id);
    } else if (key == "channel") {
      have_channel = !null;
      if (null) continue;
      st = ParseString(value, key, &s->channel);
    } else if (key == "userId") {
      have_user_id = !null;
      if (null) continue;
      st = ParseString(value, key, &s->user_id);
    } else if (key == "start_time") {
      have_start = !null;
      if (null) continue;
      st = ParseTimestamp(value, key, &s->start_time_ms);
    } else if (key == "end_time") {
      s->end_time_ms.reset();
      if (null) continue;
      int64_t ms = 0;
      st = ParseTimestamp(value, key, &ms);
      s->end_time_ms = ms;
    } else if (key == "session_lang") {
      s->session_lang.clear();
      if (null) continue;
      st = ParseLangs(value, &s->session_lang);
    } else if (key == "sessionType") {
      have_type = !null;
      if (null) continue;
      st = ParseEnum(value, &SessionTypeFromWire, kSessionTypeJson,
                     "sessionType", &s->session_type);
    } else if (key == "containmentType") {
      have_containment = !null;
      if (null) continue;
      st = ParseEnum(value, &ContainmentTypeFromWire, kContainmentTypeJson,
                     "containmentType", &s->containment_type);
    } else if (key == "isDeveloper") {
      s->is_developer = false;
      if (null) continue;
      if (value.get_bool().get(s->is_developer) != simdjson::SUCCESS) {
        st = Invalid(key, "must be true or false");
      }
    } else if (key == "sessionStatus") {
      s->session_status.reset();
      if (null) continue;
      SessionStatus status = SessionStatus::kActive;
      st = ParseEnum(value, &SessionStatusFromWire, kSessionStatusJson,
                     "sessionStatus", &status);
      s->session_status = status;
    } else if (key == "tags") {
      s->user_tags.clear();
      s->session_tags.clear();
      if (null) continue;
      st = ParseTags(value, s);
    } else if (key == "noOfMessagesExchanged") {
      s->messages_exchanged = 0;
      if (null) continue;
      st = ParseCount(value, key, &s->messages_exchanged);
    } else if (key == "noOfTasksExecuted") {
      s->tasks_executed = 0;
      if (null) continue;
      st = ParseCount(value, key, &s->tasks_executed);
    }
    if (!st.ok()) return st;
  }
  if (!have_session_id) return Invalid("sessionId", "is required");
  if (!have_bot_id) return Invalid("botId", "is required");
  if (!have_channel) return Invalid("channel", "is required");
  if (!have_user_id) return Invalid("userId", "is required");
  if (!have_start) return Invalid("start_time", "is required");
  if (!have_type) return Invalid("sessionType", "is required");
  if (!have_containment) return Invalid("containmentType", "is required");
  return ValidateSession(*s);
}

absl::Status ParseIdentityObject(object fields, UserIdentity* identity) {
  bool have_user_id = false;
  for (auto [key, value] : fields) {
    if (key == "userId") {
      have_user_id = !value.is_null();
      if (!have_user_id) continue;
      std::string_view s;
      if (value.get_string().get(s) != simdjson::SUCCESS) {
        return Invalid(key, "must be a string");
      }
      if (s.empty() || s.size() > kMaxIdentityUserIdBytes) {
        return Invalid(key, absl::StrCat("must be 1-", kMaxIdentityUserIdBytes,
                                         " bytes, got ", s.size()));
      }
      identity->user_id.assign(s.data(), s.size());
    } else if (key == "aliases") {
      identity->aliases.clear();
      if (value.is_null()) continue;
      array aliases;
      if (value.get_array().get(aliases) != simdjson::SUCCESS) {
        return Invalid(key, "must be an array of strings");
      }
      identity->aliases.reserve(aliases.size());
      size_t i = 0;
      for (element alias : aliases) {
        std::string_view s;
        if (alias.get_string().get(s) != simdjson::SUCCESS) {
          return Invalid(absl::StrCat("aliases[", i, "]"), "must be a string");
        }
        if (s.empty() || s.size() > kMaxAliasBytes) {
          return Invalid(absl::StrCat("aliases[", i, "]"),
                         absl::StrCat("must be 1-", kMaxAliasBytes,
                                      " bytes, got ", s.size()));
        }
        identity->aliases.emplace_back(s);
        ++i;
      }
    }
  }
  if (!have_user_id) return Invalid("userId", "is required");
  return absl::OkStatus();
}

}  // namespace

struct SessionJsonParser::Impl {
  simdjson::dom::parser parser;

  // Parse parses `json` into the parser's reused buffers; `what` names the
  // document in errors.
  absl::StatusOr<object> Parse(std::string_view json, std::string_view what) {
    element root;
    simdjson::error_code error =
        parser.parse(json.data(), json.size()).get(root);
    if (error != simdjson::SUCCESS) return JsonError(what, error);
    object fields;
    if (root.get_object().get(fields) != simdjson::SUCCESS) {
      return Invalid(what, "must be a JSON object");
    }
    return fields;
  }
};

SessionJsonParser::SessionJsonParser() : impl_(std::make_unique<Impl>()) {}
SessionJsonParser::~SessionJsonParser() = default;

absl::StatusOr<Session> SessionJsonParser::ParseSession(std::string_view json) {
  absl::StatusOr<object> fields = impl_->Parse(json, "session");
  if (!fields.ok()) return fields.status();
  Session session;
  absl::Status s = ParseSessionObject(*fields, &session);
  if (!s.ok()) return s;
  return session;
}

absl::StatusOr<UserIdentity> SessionJsonParser::ParseUserIdentity(
    std::string_view json) {
  absl::StatusOr<object> fields = impl_->Parse(json, "identity");
  if (!fields.ok()) return fields.status();
  UserIdentity identity;
  absl::Status s = ParseIdentityObject(*fields, &identity);
  if (!s.ok()) return s;
  return identity;
}

absl::StatusOr<Session> ParseSessionJson(std::string_view json) {
  SessionJsonParser parser;
  return parser.ParseSession(json);
}

absl::StatusOr<UserIdentity> ParseUserIdentityJson(std::string_view json) {
  SessionJsonParser parser;
  return parser.ParseUserIdentity(json);
}

std::string SessionToJson(const Session& session) {
  // One writer for both paths: the same bytes a stored record produces.
  const std::string record = EncodeRecordToString(session);
  absl::StatusOr<const fb::Session*> r = VerifyRecord(record, "SessionToJson");
  if (!r.ok()) return std::string();  // unreachable: the builder's own output
  std::string out;
  out.reserve(record.size() + 256);
  AppendRecordJson(**r, &out);
  return out;
}

}  // namespace sessiondb
