#include "codec/record_json.h"

#include <charconv>
#include <cstdint>
#include <string_view>

#include "codec/iso_time.h"
#include "codec/json_escape.h"

namespace sessiondb {
namespace {

// Every piece is appended straight to `out`: this runs for every session of
// every response page (FLOOR.md: JSON writing is half of a warm page).

inline void AppendLiteral(std::string_view s, std::string* out) {
  out->append(s.data(), s.size());
}

inline void AppendString(const flatbuffers::String* s, std::string* out) {
  AppendJsonString(std::string_view(s->c_str(), s->size()), out);
}

inline void AppendInt(int64_t v, std::string* out) {
  char buf[24];
  const auto result = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, result.ptr - buf);
}

void AppendTags(const flatbuffers::Vector<flatbuffers::Offset<fb::Tag>>* tags,
                std::string* out) {
  out->push_back('[');
  if (tags != nullptr) {
    bool first = true;
    for (const fb::Tag* t : *tags) {
      AppendLiteral(first ? "{\"value\":" : ",{\"value\":", out);
      first = false;
      AppendString(t->value(), out);
      AppendLiteral(",\"name\":", out);
      AppendString(t->name(), out);
      out->push_back('}');
    }
  }
  out->push_back(']');
}

// Enum values outside the schema can only come from a record written by a
// newer format; they are written as "unknown" rather than guessed.
std::string_view SessionTypeName(fb::SessionType t) {
  switch (t) {
    case fb::SessionType::Interactive:
      return "\"interactive\"";
    case fb::SessionType::NonInteractive:
      return "\"non-interactive\"";
  }
  return "\"unknown\"";
}

std::string_view ContainmentTypeName(fb::ContainmentType t) {
  switch (t) {
    case fb::ContainmentType::DropOff:
      return "\"dropOff\"";
    case fb::ContainmentType::SelfService:
      return "\"selfService\"";
    case fb::ContainmentType::Agent:
      return "\"agent\"";
  }
  return "\"unknown\"";
}

std::string_view SessionStatusName(fb::SessionStatus s) {
  switch (s) {
    case fb::SessionStatus::Active:
      return "\"active\"";
    case fb::SessionStatus::Closed:
      return "\"closed\"";
  }
  return "\"unknown\"";
}

}  // namespace

void AppendRecordJson(const fb::Session& r, std::string* out) {
  AppendLiteral("{\"sessionId\":", out);
  AppendString(r.session_id(), out);
  AppendLiteral(",\"botId\":", out);
  AppendString(r.bot_id(), out);
  AppendLiteral(",\"channel\":", out);
  AppendString(r.channel(), out);
  AppendLiteral(",\"userId\":", out);
  AppendString(r.user_id(), out);
  AppendLiteral(",\"start_time\":\"", out);
  AppendIsoMillis(r.start_time_ms(), out);
  const flatbuffers::Optional<int64_t> end = r.end_time_ms();
  if (end.has_value()) {
    AppendLiteral("\",\"end_time\":\"", out);
    AppendIsoMillis(*end, out);
  }
  AppendLiteral("\",\"session_lang\":[", out);
  if (const auto* langs = r.session_lang(); langs != nullptr) {
    for (flatbuffers::uoffset_t i = 0; i < langs->size(); ++i) {
      if (i > 0) out->push_back(',');
      AppendString(langs->Get(i), out);
    }
  }
  AppendLiteral("],\"sessionType\":", out);
  AppendLiteral(SessionTypeName(r.session_type()), out);
  AppendLiteral(",\"containmentType\":", out);
  AppendLiteral(ContainmentTypeName(r.containment_type()), out);
  AppendLiteral(r.is_developer() ? ",\"isDeveloper\":true,\"sessionStatus\":"
                                 : ",\"isDeveloper\":false,\"sessionStatus\":",
                out);
  AppendLiteral(SessionStatusName(r.session_status()), out);
  AppendLiteral(",\"tags\":{\"userTags\":", out);
  AppendTags(r.user_tags(), out);
  AppendLiteral(",\"sessionTags\":", out);
  AppendTags(r.session_tags(), out);
  AppendLiteral("},\"noOfMessagesExchanged\":", out);
  AppendInt(r.messages_exchanged(), out);
  AppendLiteral(",\"noOfTasksExecuted\":", out);
  AppendInt(r.tasks_executed(), out);
  out->push_back('}');
}

}  // namespace sessiondb
