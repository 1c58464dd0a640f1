#include "codec/request_codec.h"

#include <simdjson.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "base/absl_compat.h"
#include "base/timestamp_range.h"
#include "codec/iso_time.h"
#include "codec/wire_names.h"
#include "query/time_zone.h"

namespace sessiondb {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

// Rules beyond API.md §3 (docs/SPEC-DECISIONS.md): a JSON null is an absent
// field, at every level; a key given twice takes its last value (as
// JavaScript's JSON.parse does); integers above 2^63-1 are errors, not
// clamped; tag `type` is exact lowercase.

absl::Status Invalid(std::string_view field, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat(AsAbsl(field), ": ", AsAbsl(what)));
}

// Shown renders a JSON value for a message, cut on a UTF-8 boundary.
std::string Shown(element value) {
  constexpr size_t kMaxShown = 64;
  std::string s = simdjson::to_string(value);
  if (s.size() > kMaxShown) {
    size_t n = kMaxShown;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    s.resize(n);
    s += "...";
  }
  return s;
}

bool IsJsonBlank(std::string_view body) {
  for (char c : body) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
  }
  return true;
}

// ParseInteger reads an integer >= `min`. Doubles (2.5, 1e3) and strings
// ("10") are not integers.
absl::Status ParseInteger(element value, std::string_view field, int64_t min,
                          int64_t* out) {
  if (value.get_int64().get(*out) == simdjson::SUCCESS) {
    if (*out >= min) return absl::OkStatus();
    return Invalid(field,
                   absl::StrCat("must be an integer >= ", min, ", got ", *out));
  }
  if (value.is_uint64()) {  // only those above 2^63-1 are not int64
    return Invalid(field, absl::StrCat("must be an integer <= ",
                                       std::numeric_limits<int64_t>::max(),
                                       ", got ", Shown(value)));
  }
  return Invalid(field, absl::StrCat("must be an integer, got ", Shown(value)));
}

absl::StatusOr<std::string_view> GetString(element value,
                                           std::string_view field) {
  std::string_view s;
  if (value.get_string().get(s) != simdjson::SUCCESS) {
    return Invalid(field, absl::StrCat("must be a string, got ", Shown(value)));
  }
  return s;
}

absl::StatusOr<std::vector<std::string>> ParseSessionIds(element value) {
  std::vector<std::string> ids;
  std::string_view one;
  if (value.get_string().get(one) == simdjson::SUCCESS) {
    if (one.empty()) return Invalid("sessionId", "must not be empty");
    ids.emplace_back(one);
    return ids;
  }
  array list;
  if (value.get_array().get(list) != simdjson::SUCCESS || list.size() == 0) {
    return Invalid("sessionId",
                   absl::StrCat("must be a string or an array of 1-",
                                kMaxLookupIds, " strings, got ", Shown(value)));
  }
  if (list.size() > kMaxLookupIds) {
    return Invalid("sessionId", absl::StrCat("at most ", kMaxLookupIds,
                                             " ids, got ", list.size()));
  }
  ids.reserve(list.size());
  size_t i = 0;
  for (element id : list) {
    std::string_view s;
    if (id.get_string().get(s) != simdjson::SUCCESS || s.empty()) {
      return Invalid(
          absl::StrCat("sessionId[", i, "]"),
          absl::StrCat("must be a non-empty string, got ", Shown(id)));
    }
    ids.emplace_back(s);
    ++i;
  }
  return ids;
}

absl::StatusOr<SessionType> ParseSessionType(element value) {
  absl::StatusOr<std::string_view> s = GetString(value, "sessionType");
  if (!s.ok()) return s.status();
  if (std::optional<SessionType> t = SessionTypeFromWire(*s)) return *t;
  return Invalid("sessionType",
                 absl::StrCat("must be ", WireNameList(kSessionTypeJson),
                              ", got ", Shown(value)));
}

// ParseTagCondition parses one entry of tags.and / tags.or (kind from its
// `type`) or of tags.userTags / tags.sessionTags (`fixed_kind`, no `type`).
absl::StatusOr<TagCondition> ParseTagCondition(
    element entry, const std::string& path, std::optional<TagKind> fixed_kind) {
  object fields;
  if (entry.get_object().get(fields) != simdjson::SUCCESS) {
    return Invalid(path, absl::StrCat("must be an object {\"name\", "
                                      "\"values\"|\"value\"}, got ",
                                      Shown(entry)));
  }
  TagCondition c;
  c.kind = fixed_kind.value_or(TagKind::kAny);
  bool have_name = false, have_value = false, have_values = false;
  for (auto [key, v] : fields) {
    if (key == "name") {
      have_name = !v.is_null();
      if (!have_name) continue;
      std::string_view name;
      if (v.get_string().get(name) != simdjson::SUCCESS || name.empty()) {
        return Invalid(
            absl::StrCat(path, ".name"),
            absl::StrCat("must be a non-empty string, got ", Shown(v)));
      }
      c.name.assign(name.data(), name.size());
    } else if (key == "values") {
      have_values = !v.is_null();
      if (!have_values) continue;
      array values;
      if (v.get_array().get(values) != simdjson::SUCCESS ||
          values.size() == 0) {
        return Invalid(absl::StrCat(path, ".values"),
                       "must be a non-empty array of strings");
      }
      c.values.clear();
      c.values.reserve(values.size());
      size_t i = 0;
      for (element value : values) {
        std::string_view s;
        if (value.get_string().get(s) != simdjson::SUCCESS) {
          return Invalid(absl::StrCat(path, ".values[", i, "]"),
                         absl::StrCat("must be a string, got ", Shown(value)));
        }
        c.values.emplace_back(s);
        ++i;
      }
    } else if (key == "value") {
      have_value = !v.is_null();
      if (!have_value) continue;
      std::string_view s;
      if (v.get_string().get(s) != simdjson::SUCCESS) {
        return Invalid(absl::StrCat(path, ".value"),
                       absl::StrCat("must be a string, got ", Shown(v)));
      }
      c.values.assign(1, std::string(s));
    } else if (key == "type" && !fixed_kind.has_value()) {
      if (v.is_null()) {
        c.kind = TagKind::kAny;
        continue;
      }
      std::string_view s;
      if (v.get_string().get(s) != simdjson::SUCCESS) s = {};  // an error below
      if (s == "user") {
        c.kind = TagKind::kUser;
      } else if (s == "session") {
        c.kind = TagKind::kSession;
      } else if (s == "message") {
        return Invalid(absl::StrCat(path, ".type"),
                       "sessions carry no message tags");
      } else {
        return Invalid(
            absl::StrCat(path, ".type"),
            absl::StrCat("must be \"user\" or \"session\", got ", Shown(v)));
      }
    } else {
      return Invalid(absl::StrCat(path, ".", AsAbsl(key)), "unknown key");
    }
  }
  if (!have_name) return Invalid(absl::StrCat(path, ".name"), "is required");
  if (have_value && have_values) {
    return Invalid(path, "give either \"value\" or \"values\", not both");
  }
  if (!have_value && !have_values) c.values.clear();
  return c;
}

// ParseTagList appends the conditions of the array at `path` to `out`.
absl::Status ParseTagList(element value, std::string_view path,
                          std::optional<TagKind> fixed_kind, bool non_empty,
                          std::vector<TagCondition>* out) {
  array entries;
  if (value.get_array().get(entries) != simdjson::SUCCESS ||
      (non_empty && entries.size() == 0)) {
    return Invalid(
        path, absl::StrCat(
                  non_empty ? "must be a non-empty array" : "must be an array",
                  " of tag conditions, got ", Shown(value)));
  }
  size_t i = 0;
  for (element entry : entries) {
    absl::StatusOr<TagCondition> c = ParseTagCondition(
        entry, absl::StrCat(AsAbsl(path), "[", i, "]"), fixed_kind);
    if (!c.ok()) return c.status();
    out->push_back(*std::move(c));
    ++i;
  }
  return absl::OkStatus();
}

// ParseTags parses API.md §3's tags filter: {"and": [E…]}, {"or": [E…]} and
// {"userTags": [T…], "sessionTags": [T…]}, all combined with AND.
absl::Status ParseTags(element value, TagFilter* tags) {
  object fields;
  if (value.get_object().get(fields) != simdjson::SUCCESS) {
    return Invalid("tags",
                   absl::StrCat("must be an object, got ", Shown(value)));
  }
  // Keys given twice take their last value: collect first, then parse.
  element and_list, or_list, user_list, session_list;
  bool have_and = false, have_or = false, have_user = false,
       have_session = false;
  for (auto [key, v] : fields) {
    const bool present = !v.is_null();
    if (key == "and") {
      and_list = v;
      have_and = present;
    } else if (key == "or") {
      or_list = v;
      have_or = present;
    } else if (key == "userTags") {
      user_list = v;
      have_user = present;
    } else if (key == "sessionTags") {
      session_list = v;
      have_session = present;
    } else {
      return Invalid(absl::StrCat("tags.", AsAbsl(key)), "unknown key");
    }
  }
  absl::Status s;
  if (have_and) {
    s = ParseTagList(and_list, "tags.and", std::nullopt, false, &tags->all_of);
    if (!s.ok()) return s;
  }
  if (have_or) {
    s = ParseTagList(or_list, "tags.or", std::nullopt, true, &tags->any_of);
    if (!s.ok()) return s;
  }
  if (have_user) {
    s = ParseTagList(user_list, "tags.userTags", TagKind::kUser, false,
                     &tags->all_of);
    if (!s.ok()) return s;
  }
  if (have_session) {
    s = ParseTagList(session_list, "tags.sessionTags", TagKind::kSession, false,
                     &tags->all_of);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

// UtcDayOf is the date of a date-only ParsedTime (its UTC midnight).
absl::CivilDay UtcDayOf(int64_t ms) {
  return absl::ToCivilDay(absl::FromUnixMillis(ms), absl::UTCTimeZone());
}

// ParseDateBound reads dateFrom / dateTo: a date alone is a day in timeZone
// (*day), placed by the query layer (ResolveDateWindow); a time with its own
// offset is an instant (*ms).
absl::Status ParseDateBound(element value, std::string_view field,
                            std::optional<int64_t>* ms,
                            std::optional<absl::CivilDay>* day) {
  absl::StatusOr<std::string_view> s = GetString(value, field);
  if (!s.ok()) return s.status();
  absl::StatusOr<ParsedTime> t = ParseApiTime(*s, field);
  if (!t.ok()) return t.status();
  if (t->date_only) {
    *day = UtcDayOf(t->ms);
  } else {
    *ms = t->ms;
  }
  return absl::OkStatus();
}

// ParseFacets reads SPEC §7's facets: an array of facet names, exact case;
// a name given twice counts once.
absl::Status ParseFacets(element value, FacetRequest* facets) {
  array names;
  if (value.get_array().get(names) != simdjson::SUCCESS) {
    return Invalid("facets", absl::StrCat("must be an array of facet names, "
                                          "got ",
                                          Shown(value)));
  }
  size_t i = 0;
  for (element name : names) {
    std::string_view s;
    const bool is_string = name.get_string().get(s) == simdjson::SUCCESS;
    if (is_string && s == "containmentType") {
      facets->containment_type = true;
    } else if (is_string && s == "sessionType") {
      facets->session_type = true;
    } else if (is_string && s == "day") {
      facets->day = true;
    } else {
      return Invalid(absl::StrCat("facets[", i, "]"),
                     absl::StrCat("must be \"containmentType\", "
                                  "\"sessionType\" or \"day\", got ",
                                  Shown(name)));
    }
    ++i;
  }
  return absl::OkStatus();
}

// ParseContainmentParam applies the query parameter. A blank one (an
// unfilled `containmentType=`) is no filter.
absl::Status ParseContainmentParam(std::optional<std::string_view> param,
                                   SessionQuery* q) {
  if (!param.has_value() || param->empty()) return absl::OkStatus();
  absl::StatusOr<ContainmentType> c =
      ParseContainmentType(*param, "containmentType");
  if (!c.ok()) return c.status();
  q->containment = *c;
  return absl::OkStatus();
}

absl::Status ParseBody(object body, std::optional<std::string_view> containment,
                       SessionQuery* q) {
  // Present fields, by their last occurrence.
  element user_id, skip, offset, limit, date_from, date_to, tags, session_type,
      session_id, time_zone, facets, cursor;
  bool has_user_id = false, has_skip = false, has_offset = false,
       has_limit = false, has_date_from = false, has_date_to = false,
       has_tags = false, has_session_type = false, has_session_id = false,
       has_time_zone = false, has_facets = false, has_cursor = false;
  for (auto [key, v] : body) {
    const bool present = !v.is_null();
    if (key == "sessionId") {
      session_id = v;
      has_session_id = present;
    } else if (key == "userId") {
      user_id = v;
      has_user_id = present;
    } else if (key == "skip") {
      skip = v;
      has_skip = present;
    } else if (key == "offset") {
      offset = v;
      has_offset = present;
    } else if (key == "limit") {
      limit = v;
      has_limit = present;
    } else if (key == "dateFrom") {
      date_from = v;
      has_date_from = present;
    } else if (key == "dateTo") {
      date_to = v;
      has_date_to = present;
    } else if (key == "tags") {
      tags = v;
      has_tags = present;
    } else if (key == "sessionType") {
      session_type = v;
      has_session_type = present;
    } else if (key == "timeZone") {
      time_zone = v;
      has_time_zone = present;
    } else if (key == "facets") {
      facets = v;
      has_facets = present;
    } else if (key == "cursor") {
      cursor = v;
      has_cursor = present;
    }
    // Unknown body fields are ignored (API.md §3).
  }

  // Lookup by id: nothing else is read, so nothing else can fail.
  if (has_session_id) {
    absl::StatusOr<std::vector<std::string>> ids = ParseSessionIds(session_id);
    if (!ids.ok()) return ids.status();
    q->session_ids = *std::move(ids);
    return absl::OkStatus();
  }

  absl::Status st = ParseContainmentParam(containment, q);
  if (!st.ok()) return st;
  if (has_user_id) {
    absl::StatusOr<std::string_view> s = GetString(user_id, "userId");
    if (!s.ok()) return s.status();
    if (s->empty()) return Invalid("userId", "must not be empty");
    q->user_id = std::string(*s);
  }
  int64_t skip_value = 0, offset_value = 0;
  if (has_skip && !(st = ParseInteger(skip, "skip", 0, &skip_value)).ok()) {
    return st;
  }
  if (has_offset &&
      !(st = ParseInteger(offset, "offset", 0, &offset_value)).ok()) {
    return st;
  }
  if (has_skip && has_offset && skip_value != offset_value) {
    return Invalid("skip and offset",
                   absl::StrCat("name one thing and must be equal, got ",
                                skip_value, " and ", offset_value));
  }
  q->skip = has_skip ? skip_value : offset_value;
  if (has_cursor) {
    absl::StatusOr<std::string_view> c = GetString(cursor, "cursor");
    if (!c.ok()) return c.status();
    q->cursor = std::string(*c);
    // SPEC §7: a cursor says where the page starts; skip may not too.
    for (const auto& [name, value] :
         {std::pair{"skip", skip_value}, std::pair{"offset", offset_value}}) {
      if (value != 0) {
        return Invalid(name, absl::StrCat("must be absent or 0 with a cursor, "
                                          "got ",
                                          value));
      }
    }
  }
  if (has_limit && !(st = ParseInteger(limit, "limit", 1, &q->limit)).ok()) {
    return st;
  }
  if (has_date_from &&
      !(st = ParseDateBound(date_from, "dateFrom", &q->from_ms, &q->from_day))
           .ok()) {
    return st;
  }
  if (has_date_to &&
      !(st = ParseDateBound(date_to, "dateTo", &q->to_ms, &q->to_day)).ok()) {
    return st;
  }
  if (has_time_zone) {
    absl::StatusOr<std::string_view> s = GetString(time_zone, "timeZone");
    if (!s.ok()) return s.status();
    // "" is UTC for a typed SessionQuery; in a body it is an unknown name.
    if (s->empty()) return Invalid("timeZone", "must not be empty");
    absl::StatusOr<absl::TimeZone> tz = LoadRequestTimeZone(*s);
    if (!tz.ok()) return tz.status();
    q->time_zone = std::string(*s);
  }
  if (has_facets && !(st = ParseFacets(facets, &q->facets)).ok()) return st;
  if (has_tags && !(st = ParseTags(tags, &q->tags)).ok()) return st;
  if (has_session_type) {
    absl::StatusOr<SessionType> t = ParseSessionType(session_type);
    if (!t.ok()) return t.status();
    q->session_type = *t;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SessionQuery> ParseGetSessionsRequest(
    std::optional<std::string_view> bot_id,
    std::optional<std::string_view> containment_param, std::string_view body) {
  SessionQuery q;
  if (bot_id.has_value()) q.bot_id = std::string(*bot_id);
  if (IsJsonBlank(body)) {
    absl::Status s = ParseContainmentParam(containment_param, &q);
    if (!s.ok()) return s;
    return q;
  }
  // One parser per thread keeps its buffers across requests.
  thread_local simdjson::dom::parser parser;
  element root;
  simdjson::error_code error = parser.parse(body.data(), body.size()).get(root);
  if (error != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(absl::StrCat(
        "body: invalid JSON (", simdjson::error_message(error), ")"));
  }
  object fields;
  if (root.get_object().get(fields) != simdjson::SUCCESS) {
    return Invalid("body", "must be a JSON object");
  }
  absl::Status s = ParseBody(fields, containment_param, &q);
  if (!s.ok()) return s;
  return q;
}

}  // namespace sessiondb
