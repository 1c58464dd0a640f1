// UTF-8 well-formedness, checked on write so every stored string can be
// written into JSON unchanged.
#ifndef SESSIONDB_BASE_UTF8_H_
#define SESSIONDB_BASE_UTF8_H_

#include <string_view>

namespace sessiondb {

// IsValidUtf8 reports whether `s` is well-formed UTF-8 (no overlongs, no
// surrogates, nothing above U+10FFFF).
bool IsValidUtf8(std::string_view s);

}  // namespace sessiondb

#endif  // SESSIONDB_BASE_UTF8_H_
