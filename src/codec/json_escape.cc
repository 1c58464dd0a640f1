#include "codec/json_escape.h"

#include <array>
#include <cstdint>

namespace sessiondb {
namespace {

// kEscape[c] is 0 for a byte that is copied as is, else the letter after the
// backslash ('u' for \u00XX).
constexpr std::array<char, 256> MakeEscapeTable() {
  std::array<char, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = 'u';
  t['\b'] = 'b';
  t['\f'] = 'f';
  t['\n'] = 'n';
  t['\r'] = 'r';
  t['\t'] = 't';
  t['"'] = '"';
  t['\\'] = '\\';
  return t;
}
constexpr std::array<char, 256> kEscape = MakeEscapeTable();

}  // namespace

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  const char* p = s.data();
  const char* const end = p + s.size();
  // Copy runs of plain bytes in one append; most strings are a single run.
  while (p < end) {
    const char* run = p;
    while (p < end && kEscape[static_cast<uint8_t>(*p)] == 0) ++p;
    out->append(run, p - run);
    if (p == end) break;
    const char e = kEscape[static_cast<uint8_t>(*p)];
    if (e == 'u') {
      static constexpr char kHex[] = "0123456789abcdef";
      const uint8_t c = static_cast<uint8_t>(*p);
      const char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      out->append(u, sizeof(u));
    } else {
      const char two[2] = {'\\', e};
      out->append(two, sizeof(two));
    }
    ++p;
  }
  out->push_back('"');
}

}  // namespace sessiondb
