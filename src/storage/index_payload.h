// The value of by_user and by_tag entries, the index payload:
//
//   payload := cell(1) tag*                 the session's tags fit the budget
//            | (cell | kTagsOmittedBit)(1)  they do not: read the record
//   tag     := kind(1) varint32(name size) name varint32(value size) value
//   kind    := kTagKindUser | kTagKindSession (key_codec.h)
//
// The payload carries what a residual filter needs — the session's cell and
// its tags — so a scan over an index decides nearly every match (and so the
// exact total) without reading a record. Its size is bounded: a session whose
// tags would encode to more than kMaxPayloadTagBytes writes only its cell, so
// the bytes one session writes into by_tag grow with its number of tags, not
// with tags x tags (docs/STORAGE.md). A filter with tag conditions reads such
// a session's record instead (RecordFilter::MatchesPayload says when).
#ifndef SESSIONDB_STORAGE_INDEX_PAYLOAD_H_
#define SESSIONDB_STORAGE_INDEX_PAYLOAD_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "session_generated.h"

namespace sessiondb {

// The most bytes of encoded tags a payload carries; past it, none.
inline constexpr size_t kMaxPayloadTagBytes = 128;
// Set in the cell byte of a payload whose tags were left out.
inline constexpr uint8_t kTagsOmittedBit = 0x80;

// EncodeIndexPayload writes the payload of `record` into `out` (cleared).
void EncodeIndexPayload(const fb::Session& record, std::string* out);

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

  // Valid: the cell byte is present and in range, and a payload without tags
  // says so in nothing but its cell byte. Tags are checked as read.
  bool Valid() const;
  uint8_t cell() const {
    return static_cast<uint8_t>(bytes_[0]) & ~kTagsOmittedBit;
  }
  // tags_omitted: the session has tags this payload does not carry.
  bool tags_omitted() const {
    return (static_cast<uint8_t>(bytes_[0]) & kTagsOmittedBit) != 0;
  }

  // NextTag reads the tag at *pos (start with pos = 1) into *tag and advances.
  // Returns false at the end, and sets *malformed if the bytes are not a
  // well-formed tag list.
  bool NextTag(size_t* pos, PayloadTag* tag, bool* malformed) const;

 private:
  std::string_view bytes_;
};

}  // namespace sessiondb

#endif  // SESSIONDB_STORAGE_INDEX_PAYLOAD_H_
