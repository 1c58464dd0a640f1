// DecomposeLocalDays: the signed sums of its pieces are each local day's
// count, whatever the zone, the window and the scope's smallest level.
#include "query/local_day_pieces.h"

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "query/facet_tally.h"
#include "query/time_zone.h"

namespace sessiondb {
namespace {

constexpr int64_t kT0 = 1'772'323'200'000;  // 2026-03-01T00:00:00Z
constexpr int64_t kMinuteMs = 60'000;

int64_t CountIn(const std::vector<int64_t>& events, int64_t lo, int64_t hi) {
  return std::lower_bound(events.begin(), events.end(), hi) -
         std::lower_bound(events.begin(), events.end(), lo);
}

TEST(LocalDayPieces, SignedSumsAreEachDaysCount) {
  std::mt19937_64 rng(14);
  std::vector<int64_t> events;
  for (int i = 0; i < 20000; ++i) {
    events.push_back(kT0 - 2 * 86'400'000 +
                     static_cast<int64_t>(rng() % (40ULL * 86'400'000)));
  }
  std::sort(events.begin(), events.end());
  for (const std::string zone :
       {"UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe",
        "Europe/London", "Asia/Kathmandu"}) {
    absl::StatusOr<absl::TimeZone> tz = LoadRequestTimeZone(zone);
    ASSERT_TRUE(tz.ok());
    for (int trial = 0; trial < 200; ++trial) {
      const int64_t from =
          kT0 + static_cast<int64_t>(rng() % (30ULL * 86'400'000));
      // Whole minutes half the time (dates), any millisecond otherwise.
      const int64_t lo = trial % 2 ? from - from % kMinuteMs : from;
      const int64_t hi =
          lo + static_cast<int64_t>(rng() % (7ULL * 86'400'000 + 1));
      const std::vector<LocalDay> days = LocalDaysOf({lo, hi}, *tz);
      for (int min_level : {kBotScopeMinLevel, kIndexScopeMinLevel}) {
        const LocalDayPieces d = DecomposeLocalDays(days, min_level);
        std::vector<int64_t> sums(days.size());
        for (const auto& c : d.contributions) {
          const WindowPiece& p = d.pieces[c.piece];
          sums[c.day] += c.sign * CountIn(events, p.lo_ms, p.hi_ms);
        }
        for (size_t i = 0; i < days.size(); ++i) {
          ASSERT_EQ(sums[i], CountIn(events, days[i].lo_ms, days[i].hi_ms))
              << zone << " window [" << lo << ", " << hi << ") day " << i
              << " min_level " << min_level;
        }
      }
    }
  }
}

// The bot scope's pieces of the seven local days from `from`, a local
// midnight in `zone`.
LocalDayPieces BotScopeWeek(const char* zone, int64_t from) {
  absl::StatusOr<absl::TimeZone> tz = LoadRequestTimeZone(zone);
  EXPECT_TRUE(tz.ok()) << zone;
  if (!tz.ok()) return {};
  return DecomposeLocalDays(LocalDaysOf({from, from + 7 * 86'400'000}, *tz),
                            kBotScopeMinLevel);
}

TEST(LocalDayPieces, NewYorkWeekReadsFewBuckets) {
  // 2026-01-19..25 local: 8 boundaries at 05:00Z, 7 UTC days between them.
  const LocalDayPieces d =
      BotScopeWeek("America/New_York", 1'768'798'800'000);  // 05:00Z
  EXPECT_EQ(d.pieces.size(), 8u * 5 + 7);  // not 7 x 24 hour buckets
}

TEST(LocalDayPieces, KolkataWeekReadsQuarterHoursNotMinutes) {
  // 2026-01-19..25 local: 8 boundaries at 18:30Z, each -[18:30, 24:00) =
  // two quarter hours and five hours; 7 UTC days between them.
  const LocalDayPieces d =
      BotScopeWeek("Asia/Kolkata", 1'768'761'000'000);  // 01-18T18:30Z
  EXPECT_EQ(d.pieces.size(), 8u * 7 + 7);  // not 8 x (30 minutes + 5 hours)
  for (const WindowPiece& p : d.pieces) EXPECT_GT(p.level, kMinuteLevel);
}

}  // namespace
}  // namespace sessiondb
