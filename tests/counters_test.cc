#include "storage/counters.h"

#include <cstdint>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/test_seed.h"

namespace sessiondb {
namespace {

constexpr int64_t kMinute = 60'000, kHour = 3'600'000, kDay = 86'400'000;

// Checks the pieces tile [from, to) exactly, in order, each aligned piece
// is one whole bucket of its level (>= min_level) and each partial piece is
// shorter than a bucket of min_level.
void ExpectTiles(int64_t from, int64_t to,
                 const std::vector<WindowPiece>& pieces, int min_level = 0) {
  int64_t at = from;
  int partial = 0;
  for (const WindowPiece& p : pieces) {
    EXPECT_EQ(p.lo_ms, at);
    EXPECT_LT(p.lo_ms, p.hi_ms);
    if (p.level < 0) {
      ++partial;
      EXPECT_LT(p.hi_ms - p.lo_ms, kLevelWidthMs[min_level]);
    } else {
      EXPECT_GE(p.level, min_level);
      const int64_t w = kLevelWidthMs[p.level];
      EXPECT_EQ(p.hi_ms - p.lo_ms, w);
      EXPECT_EQ(((p.lo_ms % w) + w) % w, 0);
    }
    at = p.hi_ms;
  }
  EXPECT_EQ(at, to);
  EXPECT_LE(partial, 2);
}

// The stored count format is little-endian whatever the host: a store
// copied between machines reads the same counts.
TEST(CountEncoding, IsEightLittleEndianBytes) {
  EXPECT_EQ(EncodeCount(0x0102030405060708),
            std::string("\x08\x07\x06\x05\x04\x03\x02\x01", 8));
  EXPECT_EQ(EncodeCount(-2),
            std::string("\xFE\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 8));
  EXPECT_EQ(DecodeCount(std::string("\x2A\x01\0\0\0\0\0\0", 8)), 298);
  EXPECT_EQ(DecodeCount(std::string("\xFF\xFF\xFF\xFF\xFF\xFF\xFF\x7F", 8)),
            INT64_MAX);
  // A short value's missing high bytes read as zero.
  EXPECT_EQ(DecodeCount(std::string("\x05\x01", 2)), 261);
}

TEST(CountEncoding, CellCountsAreCountsInCellOrder) {
  CellCounts counts{};
  counts[0] = 1;
  counts[kCells - 1] = 256;
  const std::string encoded = EncodeCellCounts(counts);
  ASSERT_EQ(encoded.size(), 8u * kCells);
  EXPECT_EQ(encoded.substr(0, 8), std::string("\x01\0\0\0\0\0\0\0", 8));
  EXPECT_EQ(encoded.substr(8 * (kCells - 1)),
            std::string("\0\x01\0\0\0\0\0\0", 8));
  EXPECT_EQ(DecodeCellCounts(encoded), counts);
}

TEST(DecomposeWindow, DayAlignedWeekIsSevenDayBuckets) {
  const int64_t from = 20'000 * kDay;
  std::vector<WindowPiece> pieces = DecomposeWindow(from, from + 7 * kDay);
  ASSERT_EQ(pieces.size(), 7u);
  for (const WindowPiece& p : pieces) EXPECT_EQ(p.level, kDayLevel);
}

TEST(DecomposeWindow, UnalignedEdgesBecomePartialMinutes) {
  const int64_t from = 20'000 * kDay + 5 * kHour + 7 * kMinute + 1234;
  const int64_t to = from + 3 * kDay + 17;
  std::vector<WindowPiece> pieces = DecomposeWindow(from, to);
  ExpectTiles(from, to, pieces);
  EXPECT_EQ(pieces.front().level, -1);
  EXPECT_EQ(pieces.back().level, -1);
  // At most 14 minutes + 3 quarter hours + 23 hours on each side plus the
  // whole days.
  EXPECT_LE(pieces.size(), 2u + 2 * (14 + 3 + 23) + 3);
}

TEST(DecomposeWindow, WindowInsideOneMinuteIsOnePartialPiece) {
  std::vector<WindowPiece> pieces =
      DecomposeWindow(10 * kMinute + 5, 10 * kMinute + 50);
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_EQ(pieces[0].level, -1);
}

TEST(DecomposeWindow, EmptyWindowHasNoPieces) {
  EXPECT_TRUE(DecomposeWindow(5, 5).empty());
}

TEST(DecomposeWindow, RandomWindowsAreTiledExactlyIncludingNegativeTimes) {
  const uint64_t seed = sessiondb::testing::TestSeed(7);
  SCOPED_TRACE(::testing::Message() << "SESSIONDB_TEST_SEED=" << seed);
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 2000; ++i) {
    int64_t from = static_cast<int64_t>(rng() % (40 * kDay)) - 20 * kDay;
    int64_t to = from + static_cast<int64_t>(rng() % (7 * kDay + 1));
    ExpectTiles(from, to, DecomposeWindow(from, to));
  }
}

TEST(DecomposeWindow, HourMinimumLeavesPartialHoursAtTheEdges) {
  const int64_t from = 20'000 * kDay + 5 * kHour + 7 * kMinute + 1234;
  const int64_t to = from + 3 * kDay + 17;
  std::vector<WindowPiece> pieces = DecomposeWindow(from, to, kHourLevel);
  ExpectTiles(from, to, pieces, kHourLevel);
  EXPECT_EQ(pieces.front().level, -1);
  EXPECT_EQ(pieces.back().level, -1);
  // At most 23 hours on each side plus the whole days.
  EXPECT_LE(pieces.size(), 2u + 2 * 23 + 3);
}

TEST(DecomposeWindow, RandomWindowsWithAnHourMinimumAreTiledExactly) {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 2000; ++i) {
    int64_t from = static_cast<int64_t>(rng() % (40 * kDay)) - 20 * kDay;
    int64_t to = from + static_cast<int64_t>(rng() % (7 * kDay + 1));
    ExpectTiles(from, to, DecomposeWindow(from, to, kHourLevel), kHourLevel);
  }
}

TEST(CounterKey, ScopesOfOneBotNeverShareAKey) {
  // Bot-scope keys are bot|level|bucket; user and tag scopes insert a
  // distinct byte after the bot, so no key of one is a key of another.
  const std::string bot = CounterKey(BotCounterScope(1), kHourLevel, kHour);
  const std::string user =
      CounterKey(UserCounterScope(1, ""), kHourLevel, kHour);
  const std::string tag =
      CounterKey(TagCounterScope(1, kTagKindUser, "", ""), kHourLevel, kHour);
  EXPECT_NE(bot, user);
  EXPECT_NE(user, tag);
  EXPECT_NE(bot.substr(0, 5), user.substr(0, 5));
  EXPECT_NE(user.substr(0, 5), tag.substr(0, 5));
  EXPECT_NE(BotTotalCounterKey(1).substr(0, 5), user.substr(0, 5));
  EXPECT_EQ(CounterKey(1, kDayLevel, kDay),
            CounterKey(BotCounterScope(1), kDayLevel, kDay));
}

TEST(CounterKey, LevelsOfFormatThreeKeepTheirBytes) {
  // Byte 4 (after the bot) is the level: minute 0, hour 1, day 2 as in
  // format 3; the quarter hour, added by format 4, is 3. An upgrade only
  // adds keys (format_upgrade.h).
  EXPECT_EQ(CounterKey(1, kMinuteLevel, kDay)[4], '\x00');
  EXPECT_EQ(CounterKey(1, kHourLevel, kDay)[4], '\x01');
  EXPECT_EQ(CounterKey(1, kDayLevel, kDay)[4], '\x02');
  EXPECT_EQ(CounterKey(1, kQuarterHourLevel, kDay)[4], '\x03');
}

TEST(SplitPiece, DayBecomesTwentyFourHours) {
  std::vector<WindowPiece> hours = SplitPiece({kDay, 2 * kDay, kDayLevel});
  ASSERT_EQ(hours.size(), 24u);
  ExpectTiles(kDay, 2 * kDay, hours);
  for (const WindowPiece& p : hours) EXPECT_EQ(p.level, kHourLevel);
}

TEST(SplitPiece, HourBecomesFourQuartersAndAQuarterFifteenMinutes) {
  std::vector<WindowPiece> quarters =
      SplitPiece({kDay, kDay + kHour, kHourLevel});
  ASSERT_EQ(quarters.size(), 4u);
  ExpectTiles(kDay, kDay + kHour, quarters);
  for (const WindowPiece& p : quarters) EXPECT_EQ(p.level, kQuarterHourLevel);
  std::vector<WindowPiece> minutes = SplitPiece(quarters[1]);
  ASSERT_EQ(minutes.size(), 15u);
  ExpectTiles(kDay + 15 * kMinute, kDay + 30 * kMinute, minutes);
}

TEST(DecomposeWindow, HalfHourOffsetMidnightIsQuartersNotMinutes) {
  // Asia/Kolkata's midnight is 18:30 UTC: [18:30, 24:00) is two quarter
  // hours and five hours.
  const int64_t from = 20'000 * kDay + 18 * kHour + 30 * kMinute;
  std::vector<WindowPiece> pieces = DecomposeWindow(from, 20'001 * kDay);
  ExpectTiles(from, 20'001 * kDay, pieces);
  ASSERT_EQ(pieces.size(), 7u);
  EXPECT_EQ(pieces[0].level, kQuarterHourLevel);
  EXPECT_EQ(pieces[1].level, kQuarterHourLevel);
  for (size_t i = 2; i < pieces.size(); ++i)
    EXPECT_EQ(pieces[i].level, kHourLevel);
}

TEST(CounterKey, BucketsOfOneLevelSortByTime) {
  EXPECT_LT(CounterKey(1, 0, -kMinute), CounterKey(1, 0, 0));
  EXPECT_LT(CounterKey(1, 0, 0), CounterKey(1, 0, kMinute));
  EXPECT_EQ(CounterKey(1, kHourLevel, kHour + 5),
            CounterKey(1, kHourLevel, kHour + kHour - 1));
  EXPECT_EQ(CounterKey(1, kQuarterHourLevel, 15 * kMinute),
            CounterKey(1, kQuarterHourLevel, 30 * kMinute - 1));
  EXPECT_NE(CounterKey(1, kQuarterHourLevel, 15 * kMinute),
            CounterKey(1, kQuarterHourLevel, 30 * kMinute));
}

TEST(CounterKey, BucketDecodesToTheStartOverTheLevelsWidth) {
  for (int level = 0; level < kCounterLevels; ++level) {
    for (int64_t start : {int64_t{0}, int64_t{-1}, -kDay - 5, kDay + 7 * kHour,
                          int64_t{59'999}, -kMinute}) {
      const std::string key = CounterKey(9, level, start);
      const int64_t width = kLevelWidthMs[level];
      // Rounded down, negative times included.
      const int64_t expected =
          start >= 0 ? start / width : -((-start + width - 1) / width);
      EXPECT_EQ(DecodeCounterBucket(key), expected)
          << "level " << level << " start " << start;
    }
  }
  EXPECT_EQ(
      DecodeCounterBucket(CounterKey(BotCounterScope(3), kDayLevel,
                                     std::numeric_limits<int64_t>::min())),
      std::numeric_limits<int64_t>::min() / kDay - 1);
}

TEST(CountsMergeOperator, AddsCellVectorsElementWise) {
  auto op = NewCountsMergeOperator();
  auto* assoc = static_cast<rocksdb::AssociativeMergeOperator*>(op.get());
  std::string existing = EncodeCellCounts({1, 2, 3, 4, 5, 6});
  std::string operand = EncodeCellCounts({10, -2, 0, 0, 0, 1});
  rocksdb::Slice existing_slice(existing);
  std::string out;
  ASSERT_TRUE(assoc->Merge("k", &existing_slice, operand, &out, nullptr));
  EXPECT_EQ(DecodeCellCounts(out), (CellCounts{11, 0, 3, 4, 5, 7}));
  ASSERT_TRUE(assoc->Merge("k", nullptr, operand, &out, nullptr));
  EXPECT_EQ(DecodeCellCounts(out), (CellCounts{10, -2, 0, 0, 0, 1}));
}

}  // namespace
}  // namespace sessiondb
