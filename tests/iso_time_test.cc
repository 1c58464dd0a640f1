#include "codec/iso_time.h"

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>

#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "base/timestamp_range.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"
#include "testing/test_seed.h"

namespace sessiondb {
namespace {

using ::sessiondb::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Expected instants come from Abseil's civil time, not from the code under
// test.
int64_t UtcMs(int y, int mo, int d, int h = 0, int mi = 0, int s = 0,
              int ms = 0) {
  return absl::ToUnixMillis(absl::FromCivil(
             absl::CivilSecond(y, mo, d, h, mi, s), absl::UTCTimeZone())) +
         ms;
}

int64_t ParseMs(const std::string& text) {
  absl::StatusOr<ParsedTime> t = ParseApiTime(text, "dateFrom");
  EXPECT_TRUE(t.ok()) << text << ": " << t.status();
  return t.ok() ? t->ms : INT64_MIN;
}

void ExpectRejected(const std::string& text, const std::string& why) {
  EXPECT_THAT(ParseApiTime(text, "dateTo"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(StartsWith("dateTo: "), HasSubstr(why))))
      << text;
}

TEST(ParseApiTime, DateAloneIsMidnightUtcAndSaysSo) {
  absl::StatusOr<ParsedTime> t = ParseApiTime("2020-02-11", "dateFrom");
  ASSERT_OK(t);
  EXPECT_EQ(t->ms, UtcMs(2020, 2, 11));
  EXPECT_TRUE(t->date_only);
}

TEST(ParseApiTime, ParsesTimestampWithMillisAndZ) {
  absl::StatusOr<ParsedTime> t =
      ParseApiTime("2021-04-26T11:27:25.977Z", "dateFrom");
  ASSERT_OK(t);
  EXPECT_EQ(t->ms, UtcMs(2021, 4, 26, 11, 27, 25, 977));
  EXPECT_EQ(t->ms, 1619436445977);  // by hand: 18743 days * 86400000 + ...
  EXPECT_FALSE(t->date_only);
}

TEST(ParseApiTime, FractionIsOptional) {
  EXPECT_EQ(ParseMs("2019-04-01T13:25:58Z"), UtcMs(2019, 4, 1, 13, 25, 58));
}

TEST(ParseApiTime, ToleratesASingleSpaceBeforeT) {
  // The API document's own dateTo example.
  EXPECT_EQ(ParseMs("2019-04-01 T13:26:05.598Z"),
            UtcMs(2019, 4, 1, 13, 26, 5, 598));
}

TEST(ParseApiTime, RejectsMoreThanOneSpaceOrSpaceInsteadOfT) {
  ExpectRejected("2019-04-01  T13:26:05Z", "must be YYYY-MM-DD");
  ExpectRejected("2019-04-01 13:26:05Z", "must be YYYY-MM-DD");
  ExpectRejected("2019-04-01 ", "must be YYYY-MM-DD");
}

TEST(ParseApiTime, TruncatesFractionOfAnyLengthToMillis) {
  const int64_t base = UtcMs(2020, 2, 11, 10, 0, 0);
  EXPECT_EQ(ParseMs("2020-02-11T10:00:00.9Z"), base + 900);
  EXPECT_EQ(ParseMs("2020-02-11T10:00:00.12Z"), base + 120);
  EXPECT_EQ(ParseMs("2020-02-11T10:00:00.123Z"), base + 123);
  EXPECT_EQ(ParseMs("2020-02-11T10:00:00.9999Z"), base + 999);
  EXPECT_EQ(ParseMs("2020-02-11T10:00:00.123456789012345678901234567890Z"),
            base + 123);
}

TEST(ParseApiTime, RejectsFractionWithoutDigits) {
  ExpectRejected("2020-02-11T10:00:00.Z", "must be YYYY-MM-DD");
}

TEST(ParseApiTime, PositiveOffsetIsAheadOfUtc) {
  // 05:30 in India is midnight UTC.
  EXPECT_EQ(ParseMs("2020-02-11T05:30:00+05:30"), UtcMs(2020, 2, 11));
  EXPECT_EQ(ParseMs("2020-02-11T05:30:00.250+05:30"),
            UtcMs(2020, 2, 11, 0, 0, 0, 250));
}

TEST(ParseApiTime, NegativeOffsetIsBehindUtc) {
  EXPECT_EQ(ParseMs("2020-02-10T19:00:00-05:00"), UtcMs(2020, 2, 11));
}

TEST(ParseApiTime, OffsetCanMoveTheInstantToAnotherYear) {
  EXPECT_EQ(ParseMs("2020-01-01T01:00:00+02:00"),
            UtcMs(2019, 12, 31, 23, 0, 0));
  EXPECT_EQ(ParseMs("2019-12-31T23:00:00-01:00"), UtcMs(2020, 1, 1));
}

TEST(ParseApiTime, ZeroOffsetsEqualZ) {
  EXPECT_EQ(ParseMs("2020-02-11T10:00:00+00:00"), UtcMs(2020, 2, 11, 10));
  EXPECT_EQ(ParseMs("2020-02-11T10:00:00-00:00"), UtcMs(2020, 2, 11, 10));
}

TEST(ParseApiTime, AcceptsLeapDays) {
  EXPECT_EQ(ParseMs("2024-02-29"), UtcMs(2024, 2, 29));
  EXPECT_EQ(ParseMs("2000-02-29"), UtcMs(2000, 2, 29));  // divisible by 400
  EXPECT_EQ(ParseMs("0000-02-29"), UtcMs(0, 2, 29));     // so is year 0
  EXPECT_EQ(ParseMs("2024-02-29T23:59:59.999Z"),
            UtcMs(2024, 2, 29, 23, 59, 59, 999));
}

TEST(ParseApiTime, RejectsFebruary29OfCommonYears) {
  ExpectRejected("2023-02-29", "no such date");
  ExpectRejected("1900-02-29", "no such date");  // divisible by 100 only
  ExpectRejected("2100-02-29T00:00:00Z", "no such date");
}

TEST(ParseApiTime, RejectsImpossibleDate) {
  ExpectRejected("2026-02-30", "no such date");
  ExpectRejected("2026-04-31", "no such date");
  ExpectRejected("2026-13-01", "no such date");
  ExpectRejected("2026-00-10", "no such date");
  ExpectRejected("2026-01-00", "no such date");
  ExpectRejected("2026-01-32T00:00:00Z", "no such date");
}

TEST(ParseApiTime, AcceptsLastDayOfEveryMonth) {
  const int last[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (int m = 1; m <= 12; ++m) {
    std::string text = absl::StrFormat("2026-%02d-%02d", m, last[m - 1]);
    EXPECT_EQ(ParseMs(text), UtcMs(2026, m, last[m - 1]));
  }
}

TEST(ParseApiTime, RejectsImpossibleTimeOfDay) {
  ExpectRejected("2026-02-03T24:00:00Z", "no such time of day");
  ExpectRejected("2026-02-03T23:60:00Z", "no such time of day");
  ExpectRejected("2026-02-03T23:59:60Z", "no such time of day");
  ExpectRejected("2026-02-03T10:00:00+24:00", "no such zone offset");
  ExpectRejected("2026-02-03T10:00:00+05:60", "no such zone offset");
}

TEST(ParseApiTime, RejectsTimeWithoutZone) {
  ExpectRejected("2026-02-03T10:00:00", "needs a zone");
  ExpectRejected("2026-02-03T10:00:00.123", "needs a zone");
}

TEST(ParseApiTime, RejectsTrailingCharacters) {
  ExpectRejected("2026-02-03x", "must be YYYY-MM-DD");
  ExpectRejected("2026-02-03T10:00:00Zx", "must be YYYY-MM-DD");
  ExpectRejected("2026-02-03T10:00:00Z ", "must be YYYY-MM-DD");
  ExpectRejected("2026-02-03T10:00:00+05:30:00", "must be YYYY-MM-DD");
  ExpectRejected(std::string("2026-02-03\0", 11), "must be YYYY-MM-DD");
}

TEST(ParseApiTime, RejectsOtherShapes) {
  for (const char* text : {"",
                           "2026",
                           "2026-2-3",
                           "26-02-03",
                           "2026/02/03",
                           "20260203",
                           "+2026-02-03",
                           "-001-01-01",
                           " 2026-02-03",
                           "2026-02-03T10:00Z",
                           "2026-02-03T10Z",
                           "2026-02-03T1:00:00Z",
                           "2026-02-03t10:00:00Z",
                           "2026-02-03T10:00:00z",
                           "2026-02-03T10:00:00+0530",
                           "2026-02-03T10:00:00+05",
                           "2026-02-03T10:00:00UTC",
                           "2026-02-03T10:00:00 Z",
                           "2026-02-03T",
                           "2026-02-03T10:00:00.1.2Z",
                           "２０２６-02-03"}) {
    ExpectRejected(text, "must be YYYY-MM-DD");
  }
}

TEST(ParseApiTime, ErrorNamesTheFieldAndQuotesTheText) {
  EXPECT_THAT(ParseApiTime("2026-02-30", "dateFrom"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "dateFrom: no such date, got \"2026-02-30\""));
  EXPECT_THAT(ParseApiTime("yesterday", "start_time"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(StartsWith("start_time: "),
                             HasSubstr("got \"yesterday\""))));
}

TEST(ParseApiTime, ErrorCutsLongTextOnACharacterBoundary) {
  // 63 ASCII bytes then a two-byte character across the 64-byte cut.
  std::string text = std::string(63, '9') + "\xC3\xA9" + std::string(100, 'x');
  absl::StatusOr<ParsedTime> t = ParseApiTime(text, "dateTo");
  ASSERT_THAT(t,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("got \"" + std::string(63, '9') + "...\"")));
}

TEST(ParseApiTime, AcceptsTheWholeRangeOfYears) {
  EXPECT_EQ(ParseMs("0000-01-01T00:00:00.000Z"), kMinTimestampMs);
  EXPECT_EQ(ParseMs("9999-12-31T23:59:59.999Z"), kMaxTimestampMs);
  EXPECT_EQ(ParseMs("0000-01-01"), UtcMs(0, 1, 1));
  EXPECT_EQ(ParseMs("9999-12-31"), UtcMs(9999, 12, 31));
  EXPECT_EQ(ParseMs("1969-12-31T23:59:59.999Z"), -1);
}

TEST(ParseApiTime, RejectsInstantsAnOffsetMovesOutOfYears0000To9999) {
  ExpectRejected("0000-01-01T00:00:00+00:01", "within years 0000-9999");
  ExpectRejected("9999-12-31T23:59:59-00:01", "within years 0000-9999");
}

TEST(FormatIsoMillis, WritesTheEpoch) {
  EXPECT_EQ(FormatIsoMillis(0), "1970-01-01T00:00:00.000Z");
}

TEST(FormatIsoMillis, WritesTheSpecSampleTimestamp) {
  EXPECT_EQ(FormatIsoMillis(1619436445977), "2021-04-26T11:27:25.977Z");
  EXPECT_EQ(FormatIsoMillis(UtcMs(2021, 4, 26, 11, 27, 26, 145)),
            "2021-04-26T11:27:26.145Z");
}

TEST(FormatIsoMillis, NegativeMillisAreBeforeTheEpoch) {
  EXPECT_EQ(FormatIsoMillis(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatIsoMillis(-1000), "1969-12-31T23:59:59.000Z");
  EXPECT_EQ(FormatIsoMillis(-86400000), "1969-12-31T00:00:00.000Z");
  EXPECT_EQ(FormatIsoMillis(-86400001), "1969-12-30T23:59:59.999Z");
}

TEST(FormatIsoMillis, WritesBothEndsOfTheRangeWithFourDigitYears) {
  EXPECT_EQ(FormatIsoMillis(kMinTimestampMs), "0000-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIsoMillis(kMaxTimestampMs), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatIsoMillis(UtcMs(999, 3, 1, 1, 2, 3, 4)),
            "0999-03-01T01:02:03.004Z");
}

TEST(FormatIsoMillis, WritesLeapDays) {
  EXPECT_EQ(FormatIsoMillis(UtcMs(2000, 2, 29, 12)),
            "2000-02-29T12:00:00.000Z");
  EXPECT_EQ(FormatIsoMillis(UtcMs(0, 2, 29)), "0000-02-29T00:00:00.000Z");
  EXPECT_EQ(FormatIsoMillis(UtcMs(2100, 3, 1)), "2100-03-01T00:00:00.000Z");
}

TEST(AppendIsoMillis, AppendsToWhatIsThere) {
  std::string out = "at ";
  AppendIsoMillis(0, &out);
  AppendIsoMillis(-1, &out);
  EXPECT_EQ(out, "at 1970-01-01T00:00:00.000Z1969-12-31T23:59:59.999Z");
}

uint64_t TestSeed() { return sessiondb::testing::TestSeed(20260101); }

TEST(FormatIsoMillis, AgreesWithAbslCivilTimeAndParsesBack) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(absl::StrFormat("SESSIONDB_TEST_SEED=%d", seed));
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int64_t> any_ms(kMinTimestampMs,
                                                kMaxTimestampMs);
  for (int i = 0; i < 20000; ++i) {
    const int64_t ms = any_ms(rng);
    const absl::Time t = absl::FromUnixMillis(ms);
    const absl::CivilSecond c = absl::ToCivilSecond(t, absl::UTCTimeZone());
    const int64_t milli =
        ms - absl::ToUnixMillis(absl::FromCivil(c, absl::UTCTimeZone()));
    const std::string want = absl::StrFormat(
        "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", c.year(), c.month(), c.day(),
        c.hour(), c.minute(), c.second(), milli);
    const std::string got = FormatIsoMillis(ms);
    ASSERT_EQ(got, want) << ms;
    absl::StatusOr<ParsedTime> back = ParseApiTime(got, "t");
    ASSERT_OK(back);
    ASSERT_EQ(back->ms, ms);
  }
}

}  // namespace
}  // namespace sessiondb
