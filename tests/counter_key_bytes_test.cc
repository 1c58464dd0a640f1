// The bytes of counter keys, written out literally from the layout in
// key_codec.h and counters.h: a stored counter is found again only if its
// key is byte for byte what an earlier build wrote, so a change to a scope
// byte, the tag encoding, the pair order or a bucket must fail here even
// when the writers and readers change together.
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "session_generated.h"
#include "storage/counters.h"
#include "storage/index_entries.h"
#include "storage/key_codec.h"
#include "storage/record_codec.h"
#include "testing/session_builder.h"

namespace sessiondb {
namespace {

using ::sessiondb::testing::MakeSession;

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

// Bot 7 as every key starts: four big-endian bytes.
const std::string kBot7 = Bytes({0, 0, 0, 7});
// 0x10 'a' 'b', then the string's end (0x00 0x01).
const std::string kUserAb = kBot7 + Bytes({0x10, 'a', 'b', 0, 1});
// Session tag (kind 2) n=v and user tag (kind 1) x=y, each field ended.
const std::string kTagNv = Bytes({2, 'n', 0, 1, 'v', 0, 1});
const std::string kTagXy = Bytes({1, 'x', 0, 1, 'y', 0, 1});

// Level byte, then the bucket with its sign bit flipped, big-endian.
std::string Level(int level_byte, int bucket) {
  return Bytes({level_byte, 0x80, 0, 0, 0, 0, 0, 0, bucket});
}

TEST(CounterKeyBytes, EachScopeIsWrittenAsItsLayoutSays) {
  EXPECT_EQ(BotCounterScope(7), kBot7);
  EXPECT_EQ(BotTotalCounterKey(7), kBot7 + Bytes({0xFF}));
  EXPECT_EQ(UserCounterScope(7, "ab"), kUserAb);
  EXPECT_EQ(TagCounterScope(7, kTagKindSession, "n", "v"),
            kBot7 + Bytes({0x20}) + kTagNv);
  EXPECT_EQ(ManyTagsCounterScope(7), kBot7 + Bytes({0x31}));
  // The pair's tags in byte order (x=y's kind 1 first), whichever is named
  // first.
  const std::string pair = kBot7 + Bytes({0x30}) + kTagXy + kTagNv;
  EXPECT_EQ(TagPairCounterScope(7, {1, "x", "y"}, {2, "n", "v"}), pair);
  EXPECT_EQ(TagPairCounterScope(7, {2, "n", "v"}, {1, "x", "y"}), pair);
}

TEST(CounterKeyBytes, LevelsKeepTheirBytesAndBucketsCountFromZero) {
  // 2 days, 3 hours, 4 quarter hours and 5 minutes after the epoch.
  const int64_t ms = ((2 * 24 + 3) * 60 + 4 * 15 + 5) * int64_t{60'000};
  EXPECT_EQ(CounterKey(7, kMinuteLevel, 180'000), kBot7 + Level(0, 3));
  EXPECT_EQ(CounterKey(7, kQuarterHourLevel, 3 * 900'000), kBot7 + Level(3, 3));
  EXPECT_EQ(CounterKey(7, kHourLevel, 3 * 3'600'000), kBot7 + Level(1, 3));
  EXPECT_EQ(CounterKey(7, kDayLevel, ms), kBot7 + Level(2, 2));
  // Before the epoch: bucket -1 is the sign-flipped 0x7F..FF.
  EXPECT_EQ(CounterKey(7, kMinuteLevel, -1),
            kBot7 + Bytes({0, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}));
}

TEST(CounterKeyBytes, ASessionCountsInExactlyTheseKeys) {
  Session s = MakeSession("s", "bot", 2 * 3'600'000 + 180'000, "ab");
  s.user_tags = {{"x", "y"}};
  s.session_tags = {{"n", "v"}};
  const std::string record = EncodeRecordToString(s);
  std::multiset<std::string> keys;
  ForEachCounterKey(7, *fb::GetSession(record.data()),
                    [&](std::string_view key) { keys.emplace(key); });
  // The bot's minute (bucket 123), quarter hour (8), hour (2) and day (0),
  // its total; hour and day of the user, of each tag and of the pair.
  std::multiset<std::string> expected = {
      kBot7 + Level(0, 123), kBot7 + Level(3, 8), kBot7 + Level(1, 2),
      kBot7 + Level(2, 0), kBot7 + Bytes({0xFF})};
  for (const std::string& scope :
       {kUserAb, kBot7 + Bytes({0x20}) + kTagXy, kBot7 + Bytes({0x20}) + kTagNv,
        kBot7 + Bytes({0x30}) + kTagXy + kTagNv}) {
    expected.insert(scope + Level(1, 2));
    expected.insert(scope + Level(2, 0));
  }
  EXPECT_EQ(keys, expected);
}

}  // namespace
}  // namespace sessiondb
