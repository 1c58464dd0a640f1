#include "storage/index_payload.h"

#include "storage/index_entries.h"
#include "storage/key_codec.h"

namespace sessiondb {
namespace {

bool ReadSized(std::string_view bytes, size_t* pos, std::string_view* out) {
  uint32_t size;
  if (!ReadVarint32(bytes, pos, &size) || bytes.size() - *pos < size)
    return false;
  *out = bytes.substr(*pos, size);
  *pos += size;
  return true;
}

void AppendTags(const flatbuffers::Vector<flatbuffers::Offset<fb::Tag>>* tags,
                uint8_t kind, std::string* out) {
  if (tags == nullptr) return;
  for (const fb::Tag* t : *tags) {
    out->push_back(static_cast<char>(kind));
    AppendVarint32(t->name()->size(), out);
    out->append(t->name()->c_str(), t->name()->size());
    AppendVarint32(t->value()->size(), out);
    out->append(t->value()->c_str(), t->value()->size());
  }
}

}  // namespace

void EncodeIndexPayload(const fb::Session& record, std::string* out) {
  out->clear();
  out->push_back(static_cast<char>(RecordCell(record)));
  AppendTags(record.user_tags(), kTagKindUser, out);
  AppendTags(record.session_tags(), kTagKindSession, out);
  if (out->size() - 1 > kMaxPayloadTagBytes) {
    out->resize(1);
    (*out)[0] = static_cast<char>(RecordCell(record) | kTagsOmittedBit);
  }
}

bool IndexPayloadView::Valid() const {
  if (bytes_.empty() || cell() >= kCells) return false;
  return !tags_omitted() || bytes_.size() == 1;
}

bool IndexPayloadView::NextTag(size_t* pos, PayloadTag* tag,
                               bool* malformed) const {
  if (*pos >= bytes_.size()) return false;
  tag->kind = static_cast<uint8_t>(bytes_[(*pos)++]);
  if ((tag->kind != kTagKindUser && tag->kind != kTagKindSession) ||
      !ReadSized(bytes_, pos, &tag->name) ||
      !ReadSized(bytes_, pos, &tag->value)) {
    *malformed = true;
    return false;
  }
  return true;
}

}  // namespace sessiondb
