// The value of by_user and by_tag entries:
//
//   value   := varint32(payload size) payload record
//   payload := cell(1) tag*
//   tag     := kind(1) varint32(name size) name varint32(value size) value
//   kind    := kTagKindUser | kTagKindSession (key_codec.h)
//   record  := a copy of the session's record (fb::Session)
//
// The payload carries what a residual filter needs — the session's cell and
// its tags — so a scan over an index decides every match (and so the exact
// total) without decoding a record; the record copy makes the page itself a
// read of the same entries, with no lookup per record.
#ifndef SESSIONDB_STORAGE_INDEX_PAYLOAD_H_
#define SESSIONDB_STORAGE_INDEX_PAYLOAD_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "session_generated.h"

namespace sessiondb {

// EncodeIndexPayload writes the payload of `record` into `out` (cleared).
void EncodeIndexPayload(const fb::Session& record, std::string* out);

// EncodeIndexValue writes the whole value (payload and record copy) of
// `record`, whose encoded bytes are `record_bytes`, into `out` (cleared).
void EncodeIndexValue(const fb::Session& record, std::string_view record_bytes,
                      std::string* out);

// SplitIndexValue splits a value into its payload and record bytes (views
// into `value`); false when the payload size is malformed.
bool SplitIndexValue(std::string_view value, std::string_view* payload,
                     std::string_view* record);

struct PayloadTag {
  uint8_t kind;
  std::string_view name;
  std::string_view value;
};

// IndexPayloadView reads a payload in place. Cheap to construct; the bytes
// must outlive it.
class IndexPayloadView {
 public:
  explicit IndexPayloadView(std::string_view bytes) : bytes_(bytes) {}

  // Valid: the cell byte is present and in range. Tags are checked as read.
  bool Valid() const {
    return !bytes_.empty() && static_cast<uint8_t>(bytes_[0]) < 6;
  }
  uint8_t cell() const { return static_cast<uint8_t>(bytes_[0]); }

  // NextTag reads the tag at *pos (start with pos = 1) into *tag and advances.
  // Returns false at the end, and sets *malformed if the bytes are not a
  // well-formed tag list.
  bool NextTag(size_t* pos, PayloadTag* tag, bool* malformed) const;

 private:
  std::string_view bytes_;
};

}  // namespace sessiondb

#endif  // SESSIONDB_STORAGE_INDEX_PAYLOAD_H_
