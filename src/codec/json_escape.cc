#include "codec/json_escape.h"

#include <array>
#include <cstdint>
#include <cstring>

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

// NeedsEscape reports whether any of the 8 bytes in `w` is a control
// character, '"' or '\\' (bit tricks from "Bit Twiddling Hacks": hasless and
// haszero; bytes >= 0x80, i.e. UTF-8, never match).
inline bool NeedsEscape(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighs = 0x8080808080808080ULL;
  auto has_zero = [](uint64_t v) { return (v - kOnes) & ~v & kHighs; };
  const uint64_t control = (w - kOnes * 0x20) & ~w & kHighs;
  return (control | has_zero(w ^ (kOnes * '"')) |
          has_zero(w ^ (kOnes * '\\'))) != 0;
}

}  // namespace

char* WriteJsonString(std::string_view s, char* out) {
  *out++ = '"';
  // Eight bytes at a time while none needs escaping (most strings: ids,
  // channels, tag names), then byte by byte.
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if (NeedsEscape(w)) break;
    std::memcpy(out, &w, 8);
    out += 8;
  }
  for (unsigned char c : s.substr(i)) {
    const char e = kEscape[c];
    if (e == 0) {
      *out++ = static_cast<char>(c);
    } else if (e == 'u') {
      static constexpr char kHex[] = "0123456789abcdef";
      out[0] = '\\';
      out[1] = 'u';
      out[2] = '0';
      out[3] = '0';
      out[4] = kHex[c >> 4];
      out[5] = kHex[c & 0xF];
      out += 6;
    } else {
      out[0] = '\\';
      out[1] = e;
      out += 2;
    }
  }
  *out++ = '"';
  return out;
}

void AppendJsonString(std::string_view s, std::string* out) {
  const size_t old = out->size();
  out->resize(old + JsonStringBound(s.size()));
  char* end = WriteJsonString(s, out->data() + old);
  out->resize(end - out->data());
}

}  // namespace sessiondb
