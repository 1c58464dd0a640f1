#include "codec/json_escape.h"

#include <cstdlib>
#include <random>
#include <string>

#include "gtest/gtest.h"
#include "testing/test_seed.h"

namespace sessiondb {
namespace {

// A byte-by-byte reference escaper, written from RFC 8259 independently of
// the word-at-a-time implementation under test.
std::string ReferenceEscape(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out + "\"";
}

TEST(JsonEscape, EscapesSpecialBytesAtEveryPositionOfAWord) {
  for (char special : {'"', '\\', '\n', '\x01', '\x1f'}) {
    for (size_t len = 1; len <= 20; ++len) {
      for (size_t pos = 0; pos < len; ++pos) {
        std::string s(len, 'a');
        s[pos] = special;
        std::string out;
        AppendJsonString(s, &out);
        ASSERT_EQ(out, ReferenceEscape(s)) << "len " << len << " pos " << pos;
      }
    }
  }
}

TEST(JsonEscape, RandomBytesMatchTheReference) {
  const uint64_t seed = sessiondb::testing::TestSeed(99);
  SCOPED_TRACE(::testing::Message() << "SESSIONDB_TEST_SEED=" << seed);
  std::mt19937 rng(seed);
  // Bytes 0x20-0x7f and 0x80-0xff pass through; the escaper works on bytes,
  // UTF-8 validity is checked on write, not here.
  for (int i = 0; i < 5000; ++i) {
    std::string s(rng() % 40, ' ');
    for (char& c : s) c = static_cast<char>(rng() % 256);
    std::string out = "prefix";
    AppendJsonString(s, &out);
    ASSERT_EQ(out, "prefix" + ReferenceEscape(s));
  }
}

}  // namespace
}  // namespace sessiondb
