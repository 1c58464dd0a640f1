#include "base/utf8.h"

#include "simdjson.h"

namespace sessiondb {

bool IsValidUtf8(std::string_view s) {
  // simdjson's validator (the one its parser uses): SIMD where the CPU has
  // it, the same rules (RFC 3629) everywhere.
  return simdjson::validate_utf8(s.data(), s.size());
}

}  // namespace sessiondb
