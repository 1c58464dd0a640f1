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

// JsonStringBound is the most bytes WriteJsonString writes for `size` input
// bytes (every byte escaped as \u00XX, plus the quotes).
inline constexpr size_t JsonStringBound(size_t size) { return 6 * size + 2; }

// WriteJsonString writes the quoted string at `out`, which must have room for
// JsonStringBound(s.size()) bytes, and returns the position after it.
char* WriteJsonString(std::string_view s, char* out);

}  // namespace sessiondb

#endif  // SESSIONDB_CODEC_JSON_ESCAPE_H_
