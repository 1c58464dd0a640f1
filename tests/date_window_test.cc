// ResolveDateWindow in a time zone (SPEC §3, §7): days at local midnight,
// one-sided windows of 7 calendar days, the 7-day limit across DST changes.
#include "query/date_window.h"

#include <cstdint>
#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "query/facet_tally.h"
#include "query/time_zone.h"
#include "testing/status_matchers.h"

namespace sessiondb {
namespace {

using ::sessiondb::testing::StatusIs;
using ::testing::HasSubstr;

constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kNow = 1'773'316'800'000;  // 2026-03-12T12:00:00Z

int64_t UtcMs(int y, int mo, int d, int h = 0, int mi = 0) {
  return absl::ToUnixMillis(
      absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi), absl::UTCTimeZone()));
}

absl::TimeZone Zone(const std::string& name) {
  absl::StatusOr<absl::TimeZone> tz = LoadRequestTimeZone(name);
  EXPECT_TRUE(tz.ok()) << tz.status();
  return tz.value_or(absl::UTCTimeZone());
}

SessionQuery Days(std::optional<absl::CivilDay> from,
                  std::optional<absl::CivilDay> to) {
  SessionQuery q;
  q.from_day = from;
  q.to_day = to;
  return q;
}

DateWindow Resolve(const SessionQuery& q, const std::string& zone) {
  absl::StatusOr<DateWindow> w = ResolveDateWindow(q, Zone(zone), kNow);
  EXPECT_TRUE(w.ok()) << w.status();
  return w.value_or(DateWindow{});
}

// OneDay resolves dateFrom = dateTo = `day` in `zone`.
DateWindow OneDay(absl::CivilDay day, const std::string& zone) {
  return Resolve(Days(day, day), zone);
}

TEST(DateWindow, DstDaysAreAsLongAsTheZoneSays) {
  const DateWindow spring =
      OneDay(absl::CivilDay(2026, 3, 8), "America/New_York");
  EXPECT_EQ(spring.from_ms, UtcMs(2026, 3, 8, 5));
  EXPECT_EQ(spring.to_ms, UtcMs(2026, 3, 9, 4));  // 23 h
  const DateWindow fall = OneDay(absl::CivilDay(2026, 10, 25), "Europe/London");
  EXPECT_EQ(fall.from_ms, UtcMs(2026, 10, 24, 23));
  EXPECT_EQ(fall.to_ms - fall.from_ms, 25 * kHourMs);
  const DateWindow lord_howe =
      OneDay(absl::CivilDay(2026, 4, 5), "Australia/Lord_Howe");
  EXPECT_EQ(lord_howe.to_ms - lord_howe.from_ms, 24 * kHourMs + kHourMs / 2);
}

TEST(DateWindow, KolkataMidnightIsHalfPastSixteenUtc) {
  const DateWindow w =
      Resolve(Days(absl::CivilDay(2026, 3, 10), std::nullopt), "Asia/Kolkata");
  EXPECT_EQ(w.from_ms, UtcMs(2026, 3, 9, 18, 30));
  EXPECT_EQ(w.to_ms, UtcMs(2026, 3, 16, 18, 30));  // + 7 calendar days
}

TEST(DateWindow, OnlyDateToDefaultsFromToSevenCalendarDaysBefore) {
  // 2026-03-02 .. 03-08 in New York: 7 days, one of them 23 h long.
  const DateWindow w = Resolve(Days(std::nullopt, absl::CivilDay(2026, 3, 8)),
                               "America/New_York");
  EXPECT_EQ(w.from_ms, UtcMs(2026, 3, 2, 5));
  EXPECT_EQ(w.to_ms, UtcMs(2026, 3, 9, 4));
}

TEST(DateWindow, OnlyInstantFromMovesSevenCalendarDaysInTheZone) {
  SessionQuery q;
  q.from_ms = UtcMs(2026, 10, 30, 12);  // 08:00 EDT
  const DateWindow w = Resolve(q, "America/New_York");
  EXPECT_EQ(w.to_ms, UtcMs(2026, 11, 6, 13));  // 08:00 EST: 7 x 24 h + 1 h
}

TEST(DateWindow, NoBoundsEndAtNowAndStartSevenCalendarDaysBefore) {
  const DateWindow w = Resolve(SessionQuery{}, "America/New_York");
  EXPECT_EQ(w.to_ms, kNow);
  EXPECT_EQ(w.from_ms, kNow - 7 * 24 * kHourMs + kHourMs);  // across 03-08
  const DateWindow utc = Resolve(SessionQuery{}, "UTC");
  EXPECT_EQ(utc.from_ms, kNow - kMaxWindowMs);
}

TEST(DateWindow, SevenDatesAreAcceptedEightAreNotWhateverTheirHours) {
  // 2026-10-25 .. 10-31 in London is 7 x 24 h + 1 h: accepted.
  EXPECT_TRUE(ResolveDateWindow(Days(absl::CivilDay(2026, 10, 25),
                                     absl::CivilDay(2026, 10, 31)),
                                Zone("Europe/London"), kNow)
                  .ok());
  EXPECT_THAT(ResolveDateWindow(
                  Days(absl::CivilDay(2026, 3, 2), absl::CivilDay(2026, 3, 9)),
                  Zone("America/New_York"), kNow)
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("dateTo: the window from dateFrom to dateTo "
                                 "must be at most 7 days")));
}

TEST(DateWindow, InstantsGetAnHourMoreOnlyAcrossADstChange) {
  SessionQuery q;
  q.from_ms = UtcMs(2026, 10, 28, 12);
  q.to_ms = *q.from_ms + kMaxWindowMs + kHourMs;  // across 11-01
  EXPECT_TRUE(ResolveDateWindow(q, Zone("America/New_York"), kNow).ok());
  q.to_ms = *q.to_ms + 1;
  EXPECT_THAT(
      ResolveDateWindow(q, Zone("America/New_York"), kNow).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("dateTo")));
  q.from_ms = UtcMs(2026, 1, 10);  // no change inside
  q.to_ms = *q.from_ms + kMaxWindowMs + 1;
  EXPECT_THAT(
      ResolveDateWindow(q, Zone("America/New_York"), kNow).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("dateTo")));
  q.to_ms = *q.from_ms + kMaxWindowMs;
  EXPECT_TRUE(ResolveDateWindow(q, Zone("America/New_York"), kNow).ok());
}

TEST(DateWindow, UtcMessagesAreThoseOfSpecThree) {
  EXPECT_THAT(ResolveDateWindow(
                  Days(absl::CivilDay(2020, 3, 1), absl::CivilDay(2020, 2, 1)),
                  absl::UTCTimeZone(), kNow)
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "dateFrom: must not be after dateTo (dateFrom is "
                       "2020-03-01T00:00:00.000Z, dateTo ends the window at "
                       "2020-02-02T00:00:00.000Z)"));
}

TEST(DateWindow, ADayAndAnInstantForOneBoundIsAnError) {
  SessionQuery q = Days(absl::CivilDay(2026, 1, 1), std::nullopt);
  q.from_ms = 0;
  EXPECT_THAT(
      ResolveDateWindow(q, absl::UTCTimeZone(), kNow).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("dateFrom")));
}

TEST(LocalDays, TileTheWindowOldestFirst) {
  const DateWindow w{UtcMs(2026, 3, 7, 12), UtcMs(2026, 3, 9, 6)};
  const std::vector<LocalDay> days = LocalDaysOf(w, Zone("America/New_York"));
  ASSERT_EQ(days.size(), 3u);
  EXPECT_EQ(days[0].date, absl::CivilDay(2026, 3, 7));
  EXPECT_EQ(days[0].lo_ms, w.from_ms);
  EXPECT_EQ(days[1].lo_ms, UtcMs(2026, 3, 8, 5));
  EXPECT_EQ(days[2].lo_ms, UtcMs(2026, 3, 9, 4));
  EXPECT_EQ(days[2].hi_ms, w.to_ms);
  EXPECT_TRUE(LocalDaysOf({w.from_ms, w.from_ms}, absl::UTCTimeZone()).empty());
}

TEST(FacetTally, CountsOnlyTheAskedFacets) {
  FacetRequest request;
  request.day = true;
  request.session_type = true;
  const DateWindow w{UtcMs(2026, 1, 1), UtcMs(2026, 1, 3)};
  FacetTally tally(request, LocalDaysOf(w, absl::UTCTimeZone()));
  tally.Add(UtcMs(2026, 1, 2, 5), /*cell=*/3);  // selfService, non-interactive
  FacetCounts counts = tally.Counts();
  EXPECT_FALSE(counts.containment_type.has_value());
  ASSERT_TRUE(counts.session_type.has_value());
  EXPECT_EQ((*counts.session_type)[1], 1);
  ASSERT_EQ(counts.day->size(), 2u);
  EXPECT_EQ((*counts.day)[0].containment[1], 0);
  EXPECT_EQ((*counts.day)[1].containment[1], 1);
}

}  // namespace
}  // namespace sessiondb
