// JSON string output, written straight into a caller's buffer.
#ifndef SESSIONDB_CODEC_JSON_ESCAPE_H_
#define SESSIONDB_CODEC_JSON_ESCAPE_H_

#include <string>
#include <string_view>

namespace sessiondb {

// AppendJsonString appends `s` as a quoted JSON string: `"` and `\` are
// escaped, control characters as \n, \t, ... or \u00XX; other bytes
// (valid UTF-8, checked on write) pass through unchanged.
void AppendJsonString(std::string_view s, std::string* out);

}  // namespace sessiondb

#endif  // SESSIONDB_CODEC_JSON_ESCAPE_H_
