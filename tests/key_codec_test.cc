#include "storage/key_codec.h"

#include <algorithm>
#include <cstdlib>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/test_seed.h"

namespace sessiondb {
namespace {

TEST(KeyCodec, NewerStartTimeSortsFirst) {
  EXPECT_LT(SessionKey(1, 2000, "a"), SessionKey(1, 1000, "a"));
  EXPECT_LT(SessionKey(1, 1, "a"), SessionKey(1, -1, "a"));
  EXPECT_LT(SessionKey(1, 0, "a"), SessionKey(1, -1, "a"));
}

TEST(KeyCodec, EqualTimesSortByLargerSessionIdFirst) {
  EXPECT_LT(SessionKey(1, 5, "b"), SessionKey(1, 5, "a"));
  EXPECT_LT(SessionKey(1, 5, "ab"), SessionKey(1, 5, "a"));
  EXPECT_LT(SessionKey(1, 5, std::string("a\0", 2)), SessionKey(1, 5, "a"));
  EXPECT_LT(SessionKey(1, 5, "a\x01"), SessionKey(1, 5, std::string("a\0", 2)));
}

TEST(KeyCodec, RandomKeysSortInTheApiOrder) {
  const uint64_t seed = sessiondb::testing::TestSeed(20261126);
  SCOPED_TRACE(::testing::Message() << "SESSIONDB_TEST_SEED=" << seed);
  std::mt19937 rng(seed);
  const std::string alphabet(
      "\0\x01\x7f\xfe\xff"
      "ab",
      7);
  struct Entry {
    int64_t start;
    std::string id;
  };
  std::vector<Entry> entries;
  for (int i = 0; i < 2000; ++i) {
    Entry e;
    e.start = static_cast<int64_t>(rng() % 7) - 3;
    int len = static_cast<int>(rng() % 4);
    for (int j = 0; j < len; ++j)
      e.id.push_back(alphabet[rng() % alphabet.size()]);
    entries.push_back(e);
  }
  // The API's order, written independently: start desc, then id desc
  // (bytewise, a proper prefix is smaller).
  auto api_before = [](const Entry& a, const Entry& b) {
    if (a.start != b.start) return a.start > b.start;
    return std::lexicographical_compare(
        b.id.begin(), b.id.end(), a.id.begin(), a.id.end(), [](char x, char y) {
          return static_cast<uint8_t>(x) < static_cast<uint8_t>(y);
        });
  };
  for (int i = 0; i + 1 < static_cast<int>(entries.size()); ++i) {
    const Entry& a = entries[i];
    const Entry& b = entries[i + 1];
    std::string ka = SessionKey(7, a.start, a.id),
                kb = SessionKey(7, b.start, b.id);
    EXPECT_EQ(api_before(a, b), ka < kb)
        << DebugKey(ka) << " vs " << DebugKey(kb);
    EXPECT_EQ(a.start == b.start && a.id == b.id, ka == kb);
  }
}

TEST(KeyCodec, AscStringIsPrefixFreeAndRoundTrips) {
  for (std::string s :
       {std::string(""), std::string("a"), std::string("a\0b", 3),
        std::string("\0\0", 2), std::string("\xff\x01", 2)}) {
    std::string enc;
    AppendAscString(s, &enc);
    enc += "tail";
    size_t pos = 0;
    std::optional<std::string> back = ParseAscString(enc, &pos);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, s);
    EXPECT_EQ(enc.substr(pos), "tail");
  }
  // A user id that is a prefix of another must not share its index range.
  std::string a = UserIndexPrefix(1, "u-1"), b = UserIndexPrefix(1, "u-10");
  EXPECT_NE(b.substr(0, a.size()), a);
}

TEST(KeyCodec, WindowBoundsIncludeFromAndExcludeTo) {
  const std::string prefix = CellIndexPrefix(3, 2);
  const std::string lower = OrderLowerBound(prefix, 1000);
  const std::string upper = OrderUpperBound(prefix, 500);
  auto in_range = [&](int64_t t, const std::string& id) {
    std::string key = prefix;
    AppendOrder(t, id, &key);
    return key >= lower && key < upper;
  };
  EXPECT_TRUE(in_range(500, "x"));
  EXPECT_TRUE(in_range(999, std::string(5, '\xff')));
  EXPECT_TRUE(in_range(999, ""));
  EXPECT_FALSE(in_range(1000, ""));
  EXPECT_FALSE(in_range(499, std::string(3, '\0')));
}

TEST(KeyCodec, AsciiLowerFoldsOnlyAscii) {
  EXPECT_EQ(AsciiLower("Jane@Corp.COM"), "jane@corp.com");
  EXPECT_EQ(AsciiLower("\xC3\x89"), "\xC3\x89");  // É unchanged
}

TEST(KeyCodec, DebugKeyEscapesUnprintableBytes) {
  EXPECT_EQ(DebugKey(std::string("a\0\xff", 3)), "a\\x00\\xff");
}

}  // namespace
}  // namespace sessiondb
