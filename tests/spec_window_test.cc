// SPEC §3, the date window: formats of dateFrom/dateTo, their defaults, the
// 7-day limit and the window's boundaries, through the JSON front door.
//
// Every expected window is written by hand (with Abseil's civil time) and
// checked with probe sessions one millisecond on each side of both bounds.

#include <cctype>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/temp_store.h"

namespace sessiondb {
namespace {

using ::nlohmann::json;
using ::sessiondb::testing::ApiResult;
using ::sessiondb::testing::ExpectedIds;
using ::sessiondb::testing::IsBadRequest;
using ::sessiondb::testing::IsPage;
using ::sessiondb::testing::kWeekMs;
using ::sessiondb::testing::MakeSession;
using ::sessiondb::testing::UtcMs;
using ::testing::AnyOf;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class GetSessionsWindow : public sessiondb::testing::TempStoreTest {
 protected:
  void PutAt(const std::string& id, int64_t ms) {
    Session s = MakeSession(id, ms);
    Put(s);
    sessions_[id] = s;
  }

  std::vector<Session> All() const {
    std::vector<Session> all;
    for (const auto& [id, s] : sessions_) all.push_back(s);
    return all;
  }

  // ExpectWindow checks that `body` selects exactly [from, to): it puts
  // probes at from-1, from, the middle, to-1 and to, and compares the answer
  // with the model over every session put so far.
  void ExpectWindow(json body, int64_t from, int64_t to) {
    SCOPED_TRACE(body.dump());
    for (int64_t t : {from - 1, from, from + (to - from) / 2, to - 1, to}) {
      PutAt(absl::StrCat("probe-", t), t);
    }
    body["limit"] = 10000;
    ApiResult r = CallBot(body);
    ASSERT_THAT(r, IsPage());
    const std::vector<std::string> expected =
        ExpectedIds(All(), [&](const Session& s) {
          return from <= s.start_time_ms && s.start_time_ms < to;
        });
    EXPECT_THAT(SessionIds(r), ElementsAreArray(expected));
    EXPECT_EQ(Total(r), static_cast<int64_t>(expected.size()));
    // With a one-session page, total still counts the whole window.
    body["limit"] = 1;
    body["skip"] = 1;
    ApiResult small = CallBot(body);
    ASSERT_THAT(small, IsPage());
    EXPECT_EQ(Total(small), static_cast<int64_t>(expected.size()));
    EXPECT_EQ(MoreAvailable(small), expected.size() > 2);
    if (expected.size() > 1) {
      EXPECT_THAT(SessionIds(small), ElementsAre(expected[1]));
    }
  }

  std::map<std::string, Session> sessions_;
};

// ---- Formats ----

TEST_F(GetSessionsWindow, DateAloneIsMidnightUtcOfThatDay) {
  ExpectWindow({{"dateFrom", "2020-02-11"}, {"dateTo", "2020-02-11T18:00:00Z"}},
               UtcMs(2020, 2, 11), UtcMs(2020, 2, 11, 18));
}

TEST_F(GetSessionsWindow, DateTimeWithMillisecondsAndZ) {
  ExpectWindow({{"dateFrom", "2020-02-11T13:25:58.515Z"},
                {"dateTo", "2020-02-12T01:02:03.456Z"}},
               UtcMs(2020, 2, 11, 13, 25, 58, 515),
               UtcMs(2020, 2, 12, 1, 2, 3, 456));
}

TEST_F(GetSessionsWindow, DateTimeWithoutFraction) {
  ExpectWindow({{"dateFrom", "2020-02-11T13:25:58Z"},
                {"dateTo", "2020-02-11T13:26:05Z"}},
               UtcMs(2020, 2, 11, 13, 25, 58), UtcMs(2020, 2, 11, 13, 26, 5));
}

TEST_F(GetSessionsWindow, SingleSpaceBeforeTIsTolerated) {
  // The API document's own example: "2019-04-01 T13:26:05.598Z".
  ExpectWindow({{"dateFrom", "2019-04-01 T13:25:58.515Z"},
                {"dateTo", "2019-04-01 T13:26:05.598Z"}},
               UtcMs(2019, 4, 1, 13, 25, 58, 515),
               UtcMs(2019, 4, 1, 13, 26, 5, 598));
}

TEST_F(GetSessionsWindow, FractionBeyondMillisecondsIsTruncatedNotRounded) {
  // .5159 -> 515 ms (rounding would give 516); .9999999 -> 999 ms.
  ExpectWindow({{"dateFrom", "2020-02-11T13:25:58.5159Z"},
                {"dateTo", "2020-02-11T14:00:00.9999999Z"}},
               UtcMs(2020, 2, 11, 13, 25, 58, 515),
               UtcMs(2020, 2, 11, 14, 0, 0, 999));
}

TEST_F(GetSessionsWindow, ShortFractionIsTenthsAndHundredths) {
  // .5 is 500 ms, .05 is 50 ms.
  ExpectWindow({{"dateFrom", "2020-02-11T10:00:00.5Z"},
                {"dateTo", "2020-02-11T11:00:00.05Z"}},
               UtcMs(2020, 2, 11, 10, 0, 0, 500),
               UtcMs(2020, 2, 11, 11, 0, 0, 50));
}

TEST_F(GetSessionsWindow, PositiveOffsetIsConvertedToUtc) {
  // 15:30+02:00 is 13:30Z; 20:00:00.250+05:30 is 14:30:00.250Z.
  ExpectWindow({{"dateFrom", "2020-02-11T15:30:00+02:00"},
                {"dateTo", "2020-02-11T20:00:00.250+05:30"}},
               UtcMs(2020, 2, 11, 13, 30), UtcMs(2020, 2, 11, 14, 30, 0, 250));
}

TEST_F(GetSessionsWindow, NegativeOffsetIsConvertedToUtcAcrossMidnight) {
  // 2020-02-10T21:00-05:00 is 2020-02-11T02:00Z.
  ExpectWindow({{"dateFrom", "2020-02-10T21:00:00-05:00"},
                {"dateTo", "2020-02-11T06:00:00Z"}},
               UtcMs(2020, 2, 11, 2), UtcMs(2020, 2, 11, 6));
}

TEST_F(GetSessionsWindow, ZeroOffsetEqualsZ) {
  ExpectWindow({{"dateFrom", "2020-02-11T08:00:00+00:00"},
                {"dateTo", "2020-02-11T09:00:00-00:00"}},
               UtcMs(2020, 2, 11, 8), UtcMs(2020, 2, 11, 9));
}

TEST_F(GetSessionsWindow, LeapDayIsAValidDate) {
  ExpectWindow({{"dateFrom", "2020-02-29"}, {"dateTo", "2020-02-29"}},
               UtcMs(2020, 2, 29), UtcMs(2020, 3, 1));
}

// ---- Bad dates ----

class GetSessionsBadDate : public sessiondb::testing::TempStoreTest,
                           public ::testing::WithParamInterface<
                               std::tuple<std::string, std::string>> {};

TEST_P(GetSessionsBadDate, IsABadRequestNamingTheField) {
  const auto& [field, value] = GetParam();
  // The only date in the body, so only `value` can be wrong.
  json body = {{field, value}};
  ApiResult r = CallBot(body);
  EXPECT_THAT(r, IsBadRequest(HasSubstr(field)));
}

INSTANTIATE_TEST_SUITE_P(
    ImpossibleUnzonedOrGarbage, GetSessionsBadDate,
    ::testing::Combine(
        ::testing::Values("dateFrom", "dateTo"),
        ::testing::Values("2026-02-30",                     // impossible day
                          "2021-02-29",                     // not a leap year
                          "2020-13-01",                     // month 13
                          "2020-00-10",                     // month 0
                          "2020-02-00",                     // day 0
                          "2020-02-11T13:25:58",            // time without zone
                          "2020-02-11T13:25:58.515",        // time without zone
                          "2020-02-11T25:00:00Z",           // hour 25
                          "2020-02-11T13:61:00Z",           // minute 61
                          "2020-02-11T13:25:58.515+25:00",  // offset hour 25
                          "garbage", "", "2020/02/11", "11-02-2020",
                          "2020-02-11Z")),
    [](const auto& info) {
      std::string name = std::get<0>(info.param) + "_";
      for (char c : std::get<1>(info.param)) {
        name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      }
      return absl::StrCat(name, "_", info.index);
    });

TEST_F(GetSessionsWindow, DateThatIsNotAStringIsABadRequest) {
  EXPECT_THAT(CallBot({{"dateFrom", 20200211}}),
              IsBadRequest(HasSubstr("dateFrom")));
  EXPECT_THAT(CallBot({{"dateTo", json::array({"2020-02-11"})}}),
              IsBadRequest(HasSubstr("dateTo")));
}

// ---- Defaults ----

TEST_F(GetSessionsWindow, NeitherDateCoversTheSevenDaysBeforeNow) {
  const int64_t now = DefaultNow();
  ExpectWindow(json::object(), now - kWeekMs, now);
}

TEST_F(GetSessionsWindow, NeitherDateFollowsTheStoreClock) {
  const int64_t now = UtcMs(2023, 1, 1, 0, 0, 0, 1);
  now_ms_ = now;
  ExpectWindow(json::object(), now - kWeekMs, now);
}

TEST_F(GetSessionsWindow, OnlyDateFromCoversSevenDaysFromIt) {
  const int64_t from = UtcMs(2020, 2, 11, 13, 25, 58, 515);
  ExpectWindow({{"dateFrom", "2020-02-11T13:25:58.515Z"}}, from,
               from + kWeekMs);
}

TEST_F(GetSessionsWindow, OnlyDateFromAsDateCoversSevenWholeDays) {
  ExpectWindow({{"dateFrom", "2020-02-11"}}, UtcMs(2020, 2, 11),
               UtcMs(2020, 2, 18));
}

TEST_F(GetSessionsWindow, OnlyDateToCoversSevenDaysBeforeIt) {
  ExpectWindow({{"dateTo", "2020-02-18T06:00:00Z"}}, UtcMs(2020, 2, 11, 6),
               UtcMs(2020, 2, 18, 6));
}

TEST_F(GetSessionsWindow, OnlyDateToAsDateCoversThatDayAndTheSixBefore) {
  // dateTo 2020-02-17 ends the window at 02-18 00:00; from is 7 days before.
  ExpectWindow({{"dateTo", "2020-02-17"}}, UtcMs(2020, 2, 11),
               UtcMs(2020, 2, 18));
}

TEST_F(GetSessionsWindow, DateOnlyDateToCoversThatWholeDay) {
  // The API document's example: 2020-02-11 to 2020-02-12 is two days.
  ExpectWindow({{"dateFrom", "2020-02-11"}, {"dateTo", "2020-02-12"}},
               UtcMs(2020, 2, 11), UtcMs(2020, 2, 13));
}

TEST_F(GetSessionsWindow, DateOnlyDateToAfterATimedDateFrom) {
  ExpectWindow({{"dateFrom", "2020-02-11T12:00:00Z"}, {"dateTo", "2020-02-12"}},
               UtcMs(2020, 2, 11, 12), UtcMs(2020, 2, 13));
}

TEST_F(GetSessionsWindow, SameDateForDateFromAndDateToIsThatDay) {
  ExpectWindow({{"dateFrom", "2020-02-11"}, {"dateTo", "2020-02-11"}},
               UtcMs(2020, 2, 11), UtcMs(2020, 2, 12));
}

// ---- The 7-day limit ----

TEST_F(GetSessionsWindow, ExactlySevenDaysOfDatesIsAccepted) {
  // 2020-02-11 .. 2020-02-17 is a week: [02-11, 02-18).
  ExpectWindow({{"dateFrom", "2020-02-11"}, {"dateTo", "2020-02-17"}},
               UtcMs(2020, 2, 11), UtcMs(2020, 2, 18));
}

TEST_F(GetSessionsWindow, EightDaysOfDatesIsABadRequest) {
  EXPECT_THAT(CallBot({{"dateFrom", "2020-02-11"}, {"dateTo", "2020-02-18"}}),
              IsBadRequest(AnyOf(HasSubstr("dateFrom"), HasSubstr("dateTo"))));
}

TEST_F(GetSessionsWindow, ExactlySevenDaysOfTimesIsAccepted) {
  ExpectWindow({{"dateFrom", "2020-02-11T10:00:00.000Z"},
                {"dateTo", "2020-02-18T10:00:00.000Z"}},
               UtcMs(2020, 2, 11, 10), UtcMs(2020, 2, 18, 10));
}

TEST_F(GetSessionsWindow, OneMillisecondOverSevenDaysIsABadRequest) {
  EXPECT_THAT(CallBot({{"dateFrom", "2020-02-11T10:00:00.000Z"},
                       {"dateTo", "2020-02-18T10:00:00.001Z"}}),
              IsBadRequest(AnyOf(HasSubstr("dateFrom"), HasSubstr("dateTo"))));
}

TEST_F(GetSessionsWindow, SevenDaysAcrossAnOffsetIsMeasuredInUtc) {
  // 2020-02-11T00:00+02:00 is 02-10T22:00Z; 7 days later is 02-17T22:00Z,
  // written here as 02-18T00:00+02:00.
  ExpectWindow({{"dateFrom", "2020-02-11T00:00:00+02:00"},
                {"dateTo", "2020-02-18T00:00:00+02:00"}},
               UtcMs(2020, 2, 10, 22), UtcMs(2020, 2, 17, 22));
  EXPECT_THAT(CallBot({{"dateFrom", "2020-02-11T00:00:00+02:00"},
                       {"dateTo", "2020-02-18T00:00:00Z"}}),
              IsBadRequest(AnyOf(HasSubstr("dateFrom"), HasSubstr("dateTo"))));
}

TEST_F(GetSessionsWindow, DateFromAfterDateToIsABadRequest) {
  EXPECT_THAT(CallBot({{"dateFrom", "2020-02-11T10:00:00.001Z"},
                       {"dateTo", "2020-02-11T10:00:00.000Z"}}),
              IsBadRequest(AnyOf(HasSubstr("dateFrom"), HasSubstr("dateTo"))));
  // Dates: from 02-13 00:00 is after the end of 02-11 (02-12 00:00).
  EXPECT_THAT(CallBot({{"dateFrom", "2020-02-13"}, {"dateTo", "2020-02-11"}}),
              IsBadRequest(AnyOf(HasSubstr("dateFrom"), HasSubstr("dateTo"))));
}

TEST_F(GetSessionsWindow, DateFromEqualToDateToIsAnEmptyWindowNotAnError) {
  PutAt("exactly-at", UtcMs(2020, 2, 11, 10));
  ApiResult r = CallBot({{"dateFrom", "2020-02-11T10:00:00Z"},
                         {"dateTo", "2020-02-11T10:00:00Z"}});
  ASSERT_THAT(r, IsPage());
  EXPECT_THAT(SessionIds(r), IsEmpty());
  EXPECT_EQ(Total(r), 0);
}

// ---- Boundaries ----

TEST_F(GetSessionsWindow, FromIsInclusiveAndToIsExclusive) {
  PutAt("before-from", UtcMs(2020, 2, 11, 9, 59, 59, 999));
  PutAt("at-from", UtcMs(2020, 2, 11, 10));
  PutAt("before-to", UtcMs(2020, 2, 11, 10, 59, 59, 999));
  PutAt("at-to", UtcMs(2020, 2, 11, 11));
  ApiResult r = CallBot({{"dateFrom", "2020-02-11T10:00:00.000Z"},
                         {"dateTo", "2020-02-11T11:00:00.000Z"}});
  ASSERT_THAT(r, IsPage());
  EXPECT_THAT(SessionIds(r), ElementsAre("before-to", "at-from"));
  EXPECT_EQ(Total(r), 2);
}

TEST_F(GetSessionsWindow,
       DefaultWindowIncludesNowMinusSevenDaysAndExcludesNow) {
  const int64_t now = DefaultNow();
  PutAt("at-now", now);
  PutAt("just-before-now", now - 1);
  PutAt("at-week-ago", now - kWeekMs);
  PutAt("before-week-ago", now - kWeekMs - 1);
  ApiResult r = CallBot(json::object());
  ASSERT_THAT(r, IsPage());
  EXPECT_THAT(SessionIds(r), ElementsAre("just-before-now", "at-week-ago"));
}

TEST_F(GetSessionsWindow, WindowAppliesOnTheAccountWideRouteToo) {
  Session in_b = MakeSession("in-b", UtcMs(2020, 2, 11, 12), "st-bot-b");
  Session out_b = MakeSession("out-b", UtcMs(2020, 2, 12, 12), "st-bot-b");
  Put(in_b);
  Put(out_b);
  PutAt("in-a", UtcMs(2020, 2, 11, 13));
  ApiResult r =
      CallJson(std::nullopt, std::nullopt,
               {{"dateFrom", "2020-02-11"}, {"dateTo", "2020-02-11"}});
  ASSERT_THAT(r, IsPage());
  EXPECT_THAT(SessionIds(r), ElementsAre("in-a", "in-b"));
}

// ---- SPEC §7: timeZone ----

TEST_F(GetSessionsWindow, DateAloneIsLocalMidnightInTheTimeZone) {
  // 2026-03-08 springs forward in New York: a 23-hour day.
  ExpectWindow({{"dateFrom", "2026-03-08"},
                {"dateTo", "2026-03-08"},
                {"timeZone", "America/New_York"}},
               UtcMs(2026, 3, 8, 5), UtcMs(2026, 3, 9, 4));
  // Kolkata is 5:30 ahead: its days start at 18:30 UTC.
  ExpectWindow({{"dateFrom", "2026-03-08"},
                {"dateTo", "2026-03-08"},
                {"timeZone", "Asia/Kolkata"}},
               UtcMs(2026, 3, 7, 18, 30), UtcMs(2026, 3, 8, 18, 30));
}

TEST_F(GetSessionsWindow, TimeWithAnOffsetIgnoresTheTimeZone) {
  ExpectWindow({{"dateFrom", "2026-03-08T09:00:00Z"},
                {"dateTo", "2026-03-09T09:00:00+01:00"},
                {"timeZone", "Australia/Lord_Howe"}},
               UtcMs(2026, 3, 8, 9), UtcMs(2026, 3, 9, 8));
}

TEST_F(GetSessionsWindow, OnlyDateFromInAZoneCoversSevenCalendarDays) {
  // 2026-10-25 falls back in London (its midnight is still in summer
  // time): 7 local days of 169 hours.
  ExpectWindow({{"dateFrom", "2026-10-25"}, {"timeZone", "Europe/London"}},
               UtcMs(2026, 10, 24, 23), UtcMs(2026, 11, 1));
}

TEST_F(GetSessionsWindow, UnknownTimeZoneIsABadRequestNamingIt) {
  ApiResult r = CallBot({{"timeZone", "Mars/Olympus_Mons"}});
  EXPECT_THAT(r, IsBadRequest(HasSubstr("timeZone: unknown time zone")));
}

}  // namespace
}  // namespace sessiondb
