#include "storage/record_codec.h"

#include <cstdint>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/absl_compat.h"
#include "storage/key_codec.h"

namespace sessiondb {
namespace {

flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::Tag>>>
EncodeTags(const std::vector<Tag>& tags, flatbuffers::FlatBufferBuilder* b) {
  std::vector<flatbuffers::Offset<fb::Tag>> offsets;
  offsets.reserve(tags.size());
  for (const Tag& t : tags) {
    auto name = b->CreateString(t.name);
    auto value = b->CreateString(t.value);
    offsets.push_back(fb::CreateTag(*b, name, value));
  }
  return b->CreateVector(offsets);
}

std::vector<Tag> DecodeTags(
    const flatbuffers::Vector<flatbuffers::Offset<fb::Tag>>* tags) {
  std::vector<Tag> out;
  if (tags == nullptr) return out;
  out.reserve(tags->size());
  for (const fb::Tag* t : *tags) {
    out.push_back(Tag{t->name()->str(), t->value()->str()});
  }
  return out;
}

}  // namespace

void EncodeRecord(const Session& s, flatbuffers::FlatBufferBuilder* b) {
  b->Clear();
  auto session_id = b->CreateString(s.session_id);
  auto bot_id = b->CreateString(s.bot_id);
  auto channel = b->CreateString(s.channel);
  auto user_id = b->CreateString(s.user_id);
  auto langs = b->CreateVectorOfStrings(s.session_lang);
  auto user_tags = EncodeTags(s.user_tags, b);
  auto session_tags = EncodeTags(s.session_tags, b);
  SessionStatus status = s.session_status.value_or(
      s.end_time_ms.has_value() ? SessionStatus::kClosed
                                : SessionStatus::kActive);

  fb::SessionBuilder sb(*b);
  sb.add_session_id(session_id);
  sb.add_bot_id(bot_id);
  sb.add_channel(channel);
  sb.add_user_id(user_id);
  sb.add_start_time_ms(s.start_time_ms);
  if (s.end_time_ms.has_value()) sb.add_end_time_ms(*s.end_time_ms);
  sb.add_session_lang(langs);
  sb.add_session_type(static_cast<fb::SessionType>(s.session_type));
  sb.add_containment_type(static_cast<fb::ContainmentType>(s.containment_type));
  sb.add_is_developer(s.is_developer);
  sb.add_session_status(static_cast<fb::SessionStatus>(status));
  sb.add_user_tags(user_tags);
  sb.add_session_tags(session_tags);
  sb.add_messages_exchanged(s.messages_exchanged);
  sb.add_tasks_executed(s.tasks_executed);
  b->Finish(sb.Finish());
}

std::string EncodeRecordToString(const Session& session) {
  flatbuffers::FlatBufferBuilder builder(512);
  EncodeRecord(session, &builder);
  return std::string(reinterpret_cast<const char*>(builder.GetBufferPointer()),
                     builder.GetSize());
}

absl::StatusOr<const fb::Session*> VerifyRecord(
    std::string_view bytes, std::string_view key_for_errors) {
  if (reinterpret_cast<uintptr_t>(bytes.data()) % alignof(int64_t) != 0) {
    // A std::string's buffer (inline or heap) is 8-byte aligned.
    thread_local std::string aligned;
    aligned.assign(bytes.data(), bytes.size());
    bytes = aligned;
  }
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(bytes.data()),
                                 bytes.size());
  if (!fb::VerifySessionBuffer(verifier)) {
    return absl::DataLossError(absl::StrCat(
        "corrupt session record at key ", AsAbsl(key_for_errors), " (",
        bytes.size(), " bytes fail the FlatBuffers verifier)"));
  }
  const fb::Session* record = fb::GetSession(bytes.data());
  // The verifier checks structure, not enum ranges: a flipped byte there
  // would otherwise be served as a session of no known type.
  if (static_cast<uint8_t>(record->session_type()) > 1 ||
      static_cast<uint8_t>(record->containment_type()) > 2 ||
      static_cast<uint8_t>(record->session_status()) > 1) {
    return absl::DataLossError(
        absl::StrCat("corrupt session record at key ", AsAbsl(key_for_errors),
                     " (an enum field is out of range)"));
  }
  return record;
}

absl::StatusOr<const fb::Session*> VerifyStoredRecord(std::string_view bytes,
                                                      std::string_view key) {
  absl::StatusOr<const fb::Session*> record = VerifyRecord(bytes, "");
  if (record.ok()) return record;
  return VerifyRecord(bytes, DebugKey(key));
}

Session DecodeRecord(const fb::Session& r) {
  Session s;
  s.session_id = r.session_id()->str();
  s.bot_id = r.bot_id()->str();
  s.channel = r.channel()->str();
  s.user_id = r.user_id()->str();
  s.start_time_ms = r.start_time_ms();
  if (r.end_time_ms().has_value()) s.end_time_ms = *r.end_time_ms();
  if (r.session_lang() != nullptr) {
    for (const flatbuffers::String* l : *r.session_lang()) {
      s.session_lang.push_back(l->str());
    }
  }
  s.session_type = static_cast<SessionType>(r.session_type());
  s.containment_type = static_cast<ContainmentType>(r.containment_type());
  s.is_developer = r.is_developer();
  s.session_status = static_cast<SessionStatus>(r.session_status());
  s.user_tags = DecodeTags(r.user_tags());
  s.session_tags = DecodeTags(r.session_tags());
  s.messages_exchanged = r.messages_exchanged();
  s.tasks_executed = r.tasks_executed();
  return s;
}

bool operator==(const Session& a, const Session& b) {
  return a.session_id == b.session_id && a.bot_id == b.bot_id &&
         a.channel == b.channel && a.user_id == b.user_id &&
         a.start_time_ms == b.start_time_ms && a.end_time_ms == b.end_time_ms &&
         a.session_lang == b.session_lang && a.session_type == b.session_type &&
         a.containment_type == b.containment_type &&
         a.is_developer == b.is_developer &&
         a.session_status == b.session_status && a.user_tags == b.user_tags &&
         a.session_tags == b.session_tags &&
         a.messages_exchanged == b.messages_exchanged &&
         a.tasks_executed == b.tasks_executed;
}

}  // namespace sessiondb
