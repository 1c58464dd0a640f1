// Reading a stored record's fields in place (schema/session.fbs).
#ifndef SESSIONDB_STORAGE_RECORD_FIELDS_H_
#define SESSIONDB_STORAGE_RECORD_FIELDS_H_

#include <string_view>

#include "flatbuffers/flatbuffers.h"

namespace sessiondb {

// View is a string field of a record, read in place: valid while the
// record's bytes are; empty for an absent field.
inline std::string_view View(const flatbuffers::String* s) {
  return flatbuffers::GetStringView(s);
}

}  // namespace sessiondb

#endif  // SESSIONDB_STORAGE_RECORD_FIELDS_H_
