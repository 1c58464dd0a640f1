#include "codec/record_json.h"

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "codec/iso_time.h"
#include "codec/json_escape.h"
#include "codec/wire_names.h"

namespace sessiondb {
namespace {

// This runs for every session of every response page (JSON writing is half
// of a warm page: docs/STORAGE.md, "The measured floor"). It reserves an upper
// bound once per record and writes through a raw cursor: literals become
// fixed-size memcpy's the compiler inlines, with no per-piece capacity checks.

// Room for everything that is not a variable-length string: keys,
// punctuation, two timestamps, two integers, enum names.
constexpr size_t kFixedBound = 512;
// Per tag: {"value":,"name":} and a comma.
constexpr size_t kPerTagBound = 24;

template <size_t N>
inline char* Put(const char (&literal)[N], char* p) {
  std::memcpy(p, literal, N - 1);
  return p + N - 1;
}

inline char* PutView(std::string_view s, char* p) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

inline char* PutString(const flatbuffers::String* s, char* p) {
  return WriteJsonString(std::string_view(s->c_str(), s->size()), p);
}

inline char* PutInt(int64_t v, char* p) {
  return std::to_chars(p, p + 20, v).ptr;
}

inline size_t StringBound(const flatbuffers::String* s) {
  return JsonStringBound(s->size());
}

size_t TagsBound(
    const flatbuffers::Vector<flatbuffers::Offset<fb::Tag>>* tags) {
  if (tags == nullptr) return 0;
  size_t n = 0;
  for (const fb::Tag* t : *tags) {
    n += kPerTagBound + StringBound(t->name()) + StringBound(t->value());
  }
  return n;
}

char* PutTags(const flatbuffers::Vector<flatbuffers::Offset<fb::Tag>>* tags,
              char* p) {
  *p++ = '[';
  if (tags != nullptr) {
    bool first = true;
    for (const fb::Tag* t : *tags) {
      if (!first) *p++ = ',';
      first = false;
      p = Put("{\"value\":", p);
      p = PutString(t->value(), p);
      p = Put(",\"name\":", p);
      p = PutString(t->name(), p);
      *p++ = '}';
    }
  }
  *p++ = ']';
  return p;
}

// Every record reaching here passed VerifyRecord (record_codec.h), which
// rejects an enum value outside the schema as DataLoss, so the "unknown" of
// QuotedWireName is never written for a stored record. The FlatBuffers enums
// hold the same values as the API's (session.h; record_codec.cc casts).
template <typename Enum, typename FbEnum>
std::string_view QuotedName(FbEnum value) {
  return QuotedWireName(static_cast<Enum>(value));
}

}  // namespace

void AppendRecordJson(const fb::Session& r, std::string* out) {
  const auto* langs = r.session_lang();
  size_t bound = kFixedBound + StringBound(r.session_id()) +
                 StringBound(r.bot_id()) + StringBound(r.channel()) +
                 StringBound(r.user_id()) + TagsBound(r.user_tags()) +
                 TagsBound(r.session_tags());
  if (langs != nullptr) {
    for (const flatbuffers::String* l : *langs) bound += StringBound(l) + 1;
  }
  const size_t old = out->size();
  out->resize(old + bound);
  char* p = out->data() + old;

  p = Put("{\"sessionId\":", p);
  p = PutString(r.session_id(), p);
  p = Put(",\"botId\":", p);
  p = PutString(r.bot_id(), p);
  p = Put(",\"channel\":", p);
  p = PutString(r.channel(), p);
  p = Put(",\"userId\":", p);
  p = PutString(r.user_id(), p);
  p = Put(",\"start_time\":\"", p);
  p = WriteIsoMillis(r.start_time_ms(), p);
  const flatbuffers::Optional<int64_t> end = r.end_time_ms();
  if (end.has_value()) {
    p = Put("\",\"end_time\":\"", p);
    p = WriteIsoMillis(*end, p);
  }
  p = Put("\",\"session_lang\":[", p);
  if (langs != nullptr) {
    for (flatbuffers::uoffset_t i = 0; i < langs->size(); ++i) {
      if (i > 0) *p++ = ',';
      p = PutString(langs->Get(i), p);
    }
  }
  p = Put("],\"sessionType\":", p);
  p = PutView(QuotedName<SessionType>(r.session_type()), p);
  p = Put(",\"containmentType\":", p);
  p = PutView(QuotedName<ContainmentType>(r.containment_type()), p);
  p = r.is_developer() ? Put(",\"isDeveloper\":true,\"sessionStatus\":", p)
                       : Put(",\"isDeveloper\":false,\"sessionStatus\":", p);
  p = PutView(QuotedName<SessionStatus>(r.session_status()), p);
  p = Put(",\"tags\":{\"userTags\":", p);
  p = PutTags(r.user_tags(), p);
  p = Put(",\"sessionTags\":", p);
  p = PutTags(r.session_tags(), p);
  p = Put("},\"noOfMessagesExchanged\":", p);
  p = PutInt(r.messages_exchanged(), p);
  p = Put(",\"noOfTasksExecuted\":", p);
  p = PutInt(r.tasks_executed(), p);
  *p++ = '}';
  out->resize(p - out->data());
}

}  // namespace sessiondb
