#include "codec/request_codec.h"

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "query/date_window.h"
#include "sessiondb/query.h"
#include "testing/json_mutation.h"
#include "testing/status_matchers.h"
#include "testing/test_seed.h"

namespace sessiondb {
namespace {

using ::sessiondb::testing::MutateJson;
using ::sessiondb::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

constexpr std::string_view kBot = "st-bot-1";

int64_t UtcMs(int y, int mo, int d, int h = 0, int mi = 0, int s = 0,
              int ms = 0) {
  return absl::ToUnixMillis(absl::FromCivil(
             absl::CivilSecond(y, mo, d, h, mi, s), absl::UTCTimeZone())) +
         ms;
}

absl::StatusOr<SessionQuery> Parse(
    std::string_view body,
    std::optional<std::string_view> containment = std::nullopt) {
  return ParseGetSessionsRequest(kBot, containment, body);
}

SessionQuery ParseOk(
    std::string_view body,
    std::optional<std::string_view> containment = std::nullopt) {
  absl::StatusOr<SessionQuery> q = Parse(body, containment);
  EXPECT_TRUE(q.ok()) << body << ": " << q.status();
  return q.ok() ? *std::move(q) : SessionQuery{};
}

void ExpectError(std::string_view body, std::string_view message,
                 std::optional<std::string_view> containment = std::nullopt) {
  EXPECT_THAT(Parse(body, containment),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith(std::string(message))))
      << body;
}

// ExpectDefaults checks every field of a query with no filter.
void ExpectDefaults(const SessionQuery& q) {
  EXPECT_EQ(q.bot_id, std::string(kBot));
  EXPECT_EQ(q.containment, std::nullopt);
  EXPECT_EQ(q.session_type, std::nullopt);
  EXPECT_EQ(q.user_id, std::nullopt);
  EXPECT_TRUE(q.tags.empty());
  EXPECT_EQ(q.from_ms, std::nullopt);
  EXPECT_EQ(q.to_ms, std::nullopt);
  EXPECT_EQ(q.skip, 0);
  EXPECT_EQ(q.limit, 50);
  EXPECT_THAT(q.session_ids, IsEmpty());
}

MATCHER_P3(Condition, name, values, kind, "") {
  return arg.name == name && arg.values == std::vector<std::string>(values) &&
         arg.kind == kind;
}

using Values = std::vector<std::string>;

// ---- Body shape ----

TEST(ParseGetSessionsRequest, EmptyBlankOrEmptyObjectBodyMeansAllDefaults) {
  for (std::string_view body : {"", "  \n\t\r ", "{}", " { }\n"}) {
    SCOPED_TRACE("body: '" + std::string(body) + "'");
    ExpectDefaults(ParseOk(body));
  }
}

TEST(ParseGetSessionsRequest, AccountWideRouteHasNoBot) {
  absl::StatusOr<SessionQuery> q =
      ParseGetSessionsRequest(std::nullopt, std::nullopt, "{}");
  ASSERT_OK(q);
  EXPECT_EQ(q->bot_id, std::nullopt);
}

TEST(ParseGetSessionsRequest, BodyMustBeAJsonObject) {
  for (std::string_view body : {"[]", "[{}]", "5", "\"{}\"", "null", "true"}) {
    ExpectError(body, "body: must be a JSON object");
  }
}

TEST(ParseGetSessionsRequest, MalformedJsonIsAnError) {
  for (std::string_view body : {"{", "{\"limit\":}", "{\"limit\":1,}", "{} {}",
                                "{'limit':1}", "{\"userId\":\"\xff\"}"}) {
    ExpectError(body, "body: invalid JSON");
  }
}

TEST(ParseGetSessionsRequest, NullFieldsAreAbsent) {
  ExpectDefaults(
      ParseOk(R"({"userId":null,"skip":null,"offset":null,"limit":null,)"
              R"("dateFrom":null,"dateTo":null,"tags":null,"sessionType":null,)"
              R"("sessionId":null})"));
}

TEST(ParseGetSessionsRequest, IgnoresUnknownBodyFields) {
  ExpectDefaults(
      ParseOk(R"({"callId":"c-1","Limit":"x","extra":{"tags":{"bad":1}}})"));
}

TEST(ParseGetSessionsRequest, ALaterDuplicateKeyWins) {
  EXPECT_EQ(ParseOk(R"({"limit":5,"limit":7})").limit, 7);
  EXPECT_EQ(ParseOk(R"({"limit":0,"limit":7})").limit, 7);
  EXPECT_EQ(ParseOk(R"({"limit":7,"limit":null})").limit, 50);
}

// ---- userId ----

TEST(ParseGetSessionsRequest, UserIdIsKeptAsGiven) {
  EXPECT_EQ(ParseOk(R"({"userId":"Jane@Corp.com"})").user_id, "Jane@Corp.com");
  EXPECT_EQ(ParseOk(R"({"userId":"u-123"})").user_id, "u-123");
}

TEST(ParseGetSessionsRequest, UserIdMustBeANonEmptyString) {
  ExpectError(R"({"userId":42})", "userId: must be a string, got 42");
  ExpectError(R"({"userId":["u-1"]})", "userId: must be a string");
  ExpectError(R"({"userId":""})", "userId: must not be empty");
}

// ---- skip / offset / limit ----

TEST(ParseGetSessionsRequest, SkipAndOffsetAreOneThing) {
  EXPECT_EQ(ParseOk(R"({"skip":10})").skip, 10);
  EXPECT_EQ(ParseOk(R"({"offset":10})").skip, 10);
  EXPECT_EQ(ParseOk(R"({"skip":10,"offset":10})").skip, 10);
  EXPECT_EQ(ParseOk(R"({"skip":0})").skip, 0);
  EXPECT_EQ(ParseOk(R"({"skip":9223372036854775807})").skip,
            INT64_C(9223372036854775807));
}

TEST(ParseGetSessionsRequest, SkipAndOffsetWithDifferentValuesIsAnError) {
  ExpectError(R"({"skip":10,"offset":20})",
              "skip and offset: name one thing and must be equal, got 10 and "
              "20");
  ExpectError(R"({"offset":0,"skip":1})", "skip and offset:");
}

TEST(ParseGetSessionsRequest, SkipAndOffsetMustBeIntegersAtLeastZero) {
  ExpectError(R"({"skip":-1})", "skip: must be an integer >= 0, got -1");
  ExpectError(R"({"offset":-5})", "offset: must be an integer >= 0, got -5");
  ExpectError(R"({"skip":"5"})", "skip: must be an integer, got \"5\"");
  ExpectError(R"({"offset":1.5})", "offset: must be an integer, got 1.5");
  ExpectError(R"({"skip":1.0})", "skip: must be an integer");
  ExpectError(R"({"skip":true})", "skip: must be an integer, got true");
}

TEST(ParseGetSessionsRequest, LimitIsKeptRawForTheCapLater) {
  EXPECT_EQ(ParseOk(R"({"limit":1})").limit, 1);
  EXPECT_EQ(ParseOk(R"({"limit":100})").limit, 100);
  EXPECT_EQ(ParseOk(R"({"limit":10000})").limit, 10000);
  EXPECT_EQ(ParseOk(R"({"limit":10001})").limit, 10001);
  EXPECT_EQ(ParseOk(R"({"limit":9223372036854775807})").limit,
            INT64_C(9223372036854775807));
}

TEST(ParseGetSessionsRequest, LimitMustBeAnIntegerAtLeastOne) {
  ExpectError(R"({"limit":0})", "limit: must be an integer >= 1, got 0");
  ExpectError(R"({"limit":-3})", "limit: must be an integer >= 1, got -3");
  ExpectError(R"({"limit":2.5})", "limit: must be an integer, got 2.5");
  ExpectError(R"({"limit":1e3})", "limit: must be an integer, got ");
  ExpectError(R"({"limit":"10"})", "limit: must be an integer, got \"10\"");
  ExpectError(R"({"limit":[10]})", "limit: must be an integer, got [10]");
}

TEST(ParseGetSessionsRequest, IntegersAbove2To63AreErrorsNotClamped) {
  ExpectError(R"({"limit":9223372036854775808})",
              "limit: must be an integer <= 9223372036854775807, got "
              "9223372036854775808");
  ExpectError(R"({"skip":18446744073709551615})",
              "skip: must be an integer <= 9223372036854775807");
}

// ---- dateFrom / dateTo ----

// A date alone is a civil day (placed in timeZone by ResolveDateWindow);
// in UTC the windows are those of SPEC §3.
DateWindow UtcWindow(const SessionQuery& q) {
  absl::StatusOr<DateWindow> w =
      ResolveDateWindow(q, absl::UTCTimeZone(), UtcMs(2030, 1, 1));
  EXPECT_TRUE(w.ok()) << w.status();
  return w.value_or(DateWindow{});
}

TEST(ParseGetSessionsRequest, DateFromAloneIsMidnightOfThatDay) {
  SessionQuery q = ParseOk(R"({"dateFrom":"2020-02-11"})");
  EXPECT_EQ(q.from_day, absl::CivilDay(2020, 2, 11));
  EXPECT_EQ(q.from_ms, std::nullopt);
  EXPECT_EQ(q.to_ms, std::nullopt);  // the 7-day default is applied later
  EXPECT_EQ(q.to_day, std::nullopt);
  EXPECT_EQ(UtcWindow(q).from_ms, UtcMs(2020, 2, 11));
}

TEST(ParseGetSessionsRequest, DateToAloneCoversThatWholeDay) {
  SessionQuery q = ParseOk(R"({"dateTo":"2020-02-12"})");
  EXPECT_EQ(q.from_ms, std::nullopt);
  EXPECT_EQ(q.to_day, absl::CivilDay(2020, 2, 12));
  EXPECT_EQ(UtcWindow(q).to_ms, UtcMs(2020, 2, 13));
}

TEST(ParseGetSessionsRequest, DocumentExampleWindowIsTwoDays) {
  SessionQuery q = ParseOk(
      R"({"skip":0,"limit":100,"dateFrom":"2020-02-11","dateTo":"2020-02-12"})");
  EXPECT_EQ(UtcWindow(q).from_ms, UtcMs(2020, 2, 11));
  EXPECT_EQ(UtcWindow(q).to_ms, UtcMs(2020, 2, 13));
  EXPECT_EQ(q.limit, 100);
}

TEST(ParseGetSessionsRequest, SameDateFromAndDateToIsThatDay) {
  SessionQuery q =
      ParseOk(R"({"dateFrom":"2020-02-29","dateTo":"2020-02-29"})");
  EXPECT_EQ(UtcWindow(q).from_ms, UtcMs(2020, 2, 29));
  EXPECT_EQ(UtcWindow(q).to_ms, UtcMs(2020, 3, 1));
}

TEST(ParseGetSessionsRequest, DateToWithATimeIsExact) {
  SessionQuery q = ParseOk(
      R"({"dateFrom":"2019-04-01T13:25:58.515Z","dateTo":"2019-04-01 T13:26:05.598Z"})");
  EXPECT_EQ(q.from_ms, UtcMs(2019, 4, 1, 13, 25, 58, 515));
  EXPECT_EQ(q.to_ms, UtcMs(2019, 4, 1, 13, 26, 5, 598));
}

TEST(ParseGetSessionsRequest, DatesWithOffsetsAreConvertedToUtc) {
  SessionQuery q = ParseOk(
      R"({"dateFrom":"2020-02-11T05:30:00.123456+05:30","dateTo":"2020-02-11T10:00:00-02:00"})");
  EXPECT_EQ(q.from_ms, UtcMs(2020, 2, 11, 0, 0, 0, 123));
  EXPECT_EQ(q.to_ms, UtcMs(2020, 2, 11, 12));
}

TEST(ParseGetSessionsRequest, WindowRulesAreNotAppliedHere) {
  // from after to, and a month: ResolveDateWindow's errors, not the codec's.
  SessionQuery q =
      ParseOk(R"({"dateFrom":"2020-03-01","dateTo":"2020-02-01"})");
  EXPECT_EQ(q.from_day, absl::CivilDay(2020, 3, 1));
  EXPECT_EQ(q.to_day, absl::CivilDay(2020, 2, 1));
}

// ---- SPEC §7: timeZone, facets ----

TEST(ParseGetSessionsRequest, TimeZoneIsKeptByName) {
  SessionQuery q =
      ParseOk(R"({"timeZone":"America/New_York","dateFrom":"2026-03-08",)"
              R"("dateTo":"2026-03-08T12:00:00-04:00"})");
  EXPECT_EQ(q.time_zone, "America/New_York");
  EXPECT_EQ(q.from_day, absl::CivilDay(2026, 3, 8));
  EXPECT_EQ(q.to_ms, UtcMs(2026, 3, 8, 16));  // an offset is its own
  EXPECT_EQ(ParseOk("{}").time_zone, "");
  EXPECT_EQ(ParseOk(R"({"timeZone":null})").time_zone, "");
}

TEST(ParseGetSessionsRequest, UnknownTimeZoneIsAnErrorNamingTimeZone) {
  for (const char* zone :
       {"Mars/Olympus_Mons", "America/New York", "../../etc/passwd",
        "localtime", "Fixed/UTC+05:00", "/usr/share/zoneinfo/UTC"}) {
    absl::StatusOr<SessionQuery> q = ParseGetSessionsRequest(
        "b", std::nullopt, absl::StrCat(R"({"timeZone":")", zone, R"("})"));
    EXPECT_THAT(q.status(),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr(absl::StrCat("timeZone: unknown time zone "
                                                "\"",
                                                zone, "\""))));
  }
  ExpectError(R"({"timeZone":""})", "timeZone: must not be empty");
  ExpectError(R"({"timeZone":5})", "timeZone: must be a string");
}

TEST(ParseGetSessionsRequest, FacetsAreASetOfNames) {
  SessionQuery q = ParseOk(R"({"facets":["day","sessionType","day"]})");
  EXPECT_TRUE(q.facets.day);
  EXPECT_TRUE(q.facets.session_type);
  EXPECT_FALSE(q.facets.containment_type);
  EXPECT_FALSE(ParseOk(R"({"facets":[]})").facets.any());
  EXPECT_FALSE(ParseOk(R"({"facets":null})").facets.any());
  EXPECT_TRUE(
      ParseOk(R"({"facets":["containmentType"]})").facets.containment_type);
}

TEST(ParseGetSessionsRequest, BadFacetsAreErrorsNamingFacets) {
  ExpectError(R"({"facets":"day"})", "facets: must be an array");
  ExpectError(R"({"facets":{"day":true}})", "facets: must be an array");
  ExpectError(R"({"facets":["day","week"]})",
              R"(facets[1]: must be "containmentType", "sessionType" or )"
              R"("day", got "week")");
  ExpectError(R"({"facets":["Day"]})", "facets[0]: must be");
  ExpectError(R"({"facets":[1]})", "facets[0]: must be");
}

TEST(ParseGetSessionsRequest, LookupIgnoresTimeZoneAndFacets) {
  SessionQuery q =
      ParseOk(R"({"sessionId":"s1","timeZone":"Mars/X","facets":["nope"]})");
  EXPECT_EQ(q.session_ids, std::vector<std::string>{"s1"});
  EXPECT_FALSE(q.facets.any());
}

TEST(ParseGetSessionsRequest, MalformedDatesNameTheField) {
  ExpectError(R"({"dateFrom":"2026-02-30"})",
              "dateFrom: no such date, got \"2026-02-30\"");
  ExpectError(R"({"dateTo":"2026-02-03T10:00:00"})",
              "dateTo: a time needs a zone");
  ExpectError(R"({"dateTo":"2026-02-03Z"})", "dateTo: must be YYYY-MM-DD");
  ExpectError(R"({"dateFrom":"02/11/2020"})", "dateFrom: must be YYYY-MM-DD");
  ExpectError(R"({"dateFrom":20200211})", "dateFrom: must be a string");
  ExpectError(R"({"dateTo":1581379200000})", "dateTo: must be a string");
}

// ---- sessionType ----

TEST(ParseGetSessionsRequest, SessionTypeMatchesCaseInsensitively) {
  EXPECT_EQ(ParseOk(R"({"sessionType":"interactive"})").session_type,
            SessionType::kInteractive);
  EXPECT_EQ(ParseOk(R"({"sessionType":"Non-Interactive"})").session_type,
            SessionType::kNonInteractive);
  EXPECT_EQ(ParseOk(R"({"sessionType":"INTERACTIVE"})").session_type,
            SessionType::kInteractive);
}

TEST(ParseGetSessionsRequest, UnknownSessionTypeIsAnError) {
  ExpectError(R"({"sessionType":"noninteractive"})",
              "sessionType: must be interactive or non-interactive, got "
              "\"noninteractive\"");
  ExpectError(R"({"sessionType":1})", "sessionType: must be a string");
}

// ---- containmentType (query parameter) ----

TEST(ParseGetSessionsRequest, ContainmentParameterMatchesCaseInsensitively) {
  EXPECT_EQ(ParseOk("", "dropOff").containment, ContainmentType::kDropOff);
  EXPECT_EQ(ParseOk("", "dropoff").containment, ContainmentType::kDropOff);
  EXPECT_EQ(ParseOk("{}", "Selfservice").containment,
            ContainmentType::kSelfService);  // the document's spelling
  EXPECT_EQ(ParseOk("{}", "selfService").containment,
            ContainmentType::kSelfService);
  EXPECT_EQ(ParseOk("{}", "AGENT").containment, ContainmentType::kAgent);
}

TEST(ParseGetSessionsRequest, AbsentOrBlankContainmentParameterIsNoFilter) {
  EXPECT_EQ(ParseOk("{}").containment, std::nullopt);
  EXPECT_EQ(ParseOk("{}", "").containment, std::nullopt);
}

TEST(ParseGetSessionsRequest, UnknownContainmentParameterIsAnError) {
  ExpectError("",
              "containmentType: must be dropOff, selfService or agent, "
              "got \"self-service\"",
              "self-service");
  ExpectError("{}", "containmentType:", "{{containmentType}}");
  ExpectError(R"({"limit":5})", "containmentType:", "all");
}

// ---- tags ----

TEST(ParseGetSessionsRequest, TagsAndEveryEntryMustMatch) {
  SessionQuery q = ParseOk(
      R"({"tags":{"and":[{"name":"tier","values":["gold","silver"],"type":"user"},)"
      R"({"name":"intent","value":"refund","type":"session"},)"
      R"({"name":"csat"}]}})");
  EXPECT_THAT(
      q.tags.all_of,
      ElementsAre(Condition("tier", Values{"gold", "silver"}, TagKind::kUser),
                  Condition("intent", Values{"refund"}, TagKind::kSession),
                  Condition("csat", Values{}, TagKind::kAny)));
  EXPECT_THAT(q.tags.any_of, IsEmpty());
}

TEST(ParseGetSessionsRequest, TagsOrAtLeastOneEntryMustMatch) {
  SessionQuery q =
      ParseOk(R"({"tags":{"or":[{"name":"intent","values":["refund"]},)"
              R"({"name":"campaign","value":"spring","type":"session"}]}})");
  EXPECT_THAT(q.tags.all_of, IsEmpty());
  EXPECT_THAT(
      q.tags.any_of,
      ElementsAre(Condition("intent", Values{"refund"}, TagKind::kAny),
                  Condition("campaign", Values{"spring"}, TagKind::kSession)));
}

TEST(ParseGetSessionsRequest, UserTagsAndSessionTagsFixTheKind) {
  SessionQuery q = ParseOk(
      R"({"tags":{"userTags":[{"name":"regular","values":["newuser"]}],)"
      R"("sessionTags":[{"name":"intent","value":"billing"},{"name":"csat"}]}})");
  EXPECT_THAT(
      q.tags.all_of,
      ElementsAre(Condition("regular", Values{"newuser"}, TagKind::kUser),
                  Condition("intent", Values{"billing"}, TagKind::kSession),
                  Condition("csat", Values{}, TagKind::kSession)));
}

TEST(ParseGetSessionsRequest, AllTagFormsCombineWithAnd) {
  SessionQuery q = ParseOk(
      R"({"tags":{"sessionTags":[{"name":"s"}],"or":[{"name":"o1"},{"name":"o2"}],)"
      R"("and":[{"name":"a"}],"userTags":[{"name":"u"}]}})");
  EXPECT_THAT(q.tags.all_of,
              ElementsAre(Condition("a", Values{}, TagKind::kAny),
                          Condition("u", Values{}, TagKind::kUser),
                          Condition("s", Values{}, TagKind::kSession)));
  EXPECT_THAT(q.tags.any_of,
              ElementsAre(Condition("o1", Values{}, TagKind::kAny),
                          Condition("o2", Values{}, TagKind::kAny)));
}

TEST(ParseGetSessionsRequest, EmptyAndOrEmptyTagsIsNoConstraint) {
  EXPECT_TRUE(ParseOk(R"({"tags":{"and":[]}})").tags.empty());
  EXPECT_TRUE(ParseOk(R"({"tags":{}})").tags.empty());
  EXPECT_TRUE(
      ParseOk(R"({"tags":{"userTags":[],"sessionTags":[]}})").tags.empty());
  EXPECT_TRUE(ParseOk(R"({"tags":{"and":null,"or":null}})").tags.empty());
}

TEST(ParseGetSessionsRequest, NullValueOrValuesIsAnyValue) {
  SessionQuery q = ParseOk(
      R"({"tags":{"and":[{"name":"a","value":null},{"name":"b","values":null,"type":null}]}})");
  EXPECT_THAT(q.tags.all_of,
              ElementsAre(Condition("a", Values{}, TagKind::kAny),
                          Condition("b", Values{}, TagKind::kAny)));
}

TEST(ParseGetSessionsRequest, TagValuesAreExactStrings) {
  SessionQuery q = ParseOk(
      R"({"tags":{"and":[{"name":"Tier","values":["Gold",""," x "]}]}})");
  EXPECT_THAT(
      q.tags.all_of,
      ElementsAre(Condition("Tier", Values{"Gold", "", " x "}, TagKind::kAny)));
}

TEST(ParseGetSessionsRequest, EmptyOrIsAnError) {
  ExpectError(R"({"tags":{"or":[]}})", "tags.or: must be a non-empty array");
}

TEST(ParseGetSessionsRequest, MessageTagsAreAnError) {
  ExpectError(R"({"tags":{"and":[{"name":"x","type":"message"}]}})",
              "tags.and[0].type: sessions carry no message tags");
}

TEST(ParseGetSessionsRequest, TagTypeIsExactLowercaseUserOrSession) {
  ExpectError(R"({"tags":{"or":[{"name":"x","type":"User"}]}})",
              "tags.or[0].type: must be \"user\" or \"session\", got \"User\"");
  ExpectError(R"({"tags":{"and":[{"name":"x"},{"name":"y","type":2}]}})",
              "tags.and[1].type: must be \"user\" or \"session\", got 2");
}

TEST(ParseGetSessionsRequest, TagEntryErrorsNameTheEntryAndField) {
  ExpectError(R"({"tags":"tier"})", "tags: must be an object");
  ExpectError(R"({"tags":[{"name":"x"}]})", "tags: must be an object");
  ExpectError(R"({"tags":{"and":{"name":"x"}}})", "tags.and: must be an array");
  ExpectError(R"({"tags":{"userTags":"x"}})",
              "tags.userTags: must be an array");
  ExpectError(R"({"tags":{"and":["tier"]}})", "tags.and[0]: must be an object");
  ExpectError(R"({"tags":{"and":[{"values":["a"]}]}})",
              "tags.and[0].name: is required");
  ExpectError(R"({"tags":{"and":[{"name":null,"value":"a"}]}})",
              "tags.and[0].name: is required");
  ExpectError(R"({"tags":{"or":[{"name":"a"},{"name":7}]}})",
              "tags.or[1].name: must be a non-empty string");
  ExpectError(R"({"tags":{"sessionTags":[{"name":""}]}})",
              "tags.sessionTags[0].name: must be a non-empty string");
  ExpectError(R"({"tags":{"and":[{"name":"a","values":[]}]}})",
              "tags.and[0].values: must be a non-empty array of strings");
  ExpectError(R"({"tags":{"and":[{"name":"a","values":"gold"}]}})",
              "tags.and[0].values: must be a non-empty array of strings");
  ExpectError(R"({"tags":{"and":[{"name":"a","values":["gold",1]}]}})",
              "tags.and[0].values[1]: must be a string");
  ExpectError(R"({"tags":{"userTags":[{"name":"a","value":["gold"]}]}})",
              "tags.userTags[0].value: must be a string");
  ExpectError(R"({"tags":{"and":[{"name":"a","value":"x","values":["y"]}]}})",
              "tags.and[0]: give either \"value\" or \"values\", not both");
}

TEST(ParseGetSessionsRequest, UnknownKeysInTagsAreErrors) {
  ExpectError(R"({"tags":{"not":[{"name":"a"}]}})", "tags.not: unknown key");
  ExpectError(R"({"tags":{"AND":[]}})", "tags.AND: unknown key");
  ExpectError(R"({"tags":{"and":[{"name":"a","op":"eq"}]}})",
              "tags.and[0].op: unknown key");
  ExpectError(R"({"tags":{"userTags":[{"name":"a","type":"user"}]}})",
              "tags.userTags[0].type: unknown key");
}

// ---- Lookup by id ----

TEST(ParseGetSessionsRequest, SessionIdStringIsALookupOfOne) {
  absl::StatusOr<SessionQuery> q =
      ParseGetSessionsRequest(kBot, "agent", R"({"sessionId":"s-1"})");
  ASSERT_OK(q);
  EXPECT_EQ(q->bot_id, std::string(kBot));
  EXPECT_THAT(q->session_ids, ElementsAre("s-1"));
  EXPECT_EQ(q->containment, std::nullopt);
}

TEST(ParseGetSessionsRequest, SessionIdArrayKeepsOrderAndDuplicates) {
  SessionQuery q = ParseOk(R"({"sessionId":["s-2","s-1","s-2"]})");
  EXPECT_THAT(q.session_ids, ElementsAre("s-2", "s-1", "s-2"));
}

TEST(ParseGetSessionsRequest, LookupIgnoresEveryOtherFieldWithoutValidating) {
  absl::StatusOr<SessionQuery> q = ParseGetSessionsRequest(
      std::nullopt, "not-a-containment",
      R"({"limit":0,"skip":-1,"offset":"x","dateFrom":"2026-02-30",)"
      R"("dateTo":"2026-02-03T10:00:00","tags":{"bad":1},"sessionType":"x",)"
      R"("userId":5,"sessionId":["s-1"]})");
  ASSERT_OK(q);
  EXPECT_EQ(q->bot_id, std::nullopt);
  EXPECT_THAT(q->session_ids, ElementsAre("s-1"));
  // Only bot_id and session_ids are set.
  SessionQuery defaults;
  EXPECT_EQ(q->containment, defaults.containment);
  EXPECT_EQ(q->session_type, defaults.session_type);
  EXPECT_EQ(q->user_id, defaults.user_id);
  EXPECT_TRUE(q->tags.empty());
  EXPECT_EQ(q->from_ms, defaults.from_ms);
  EXPECT_EQ(q->to_ms, defaults.to_ms);
  EXPECT_EQ(q->skip, defaults.skip);
  EXPECT_EQ(q->limit, defaults.limit);
}

TEST(ParseGetSessionsRequest, LookupTakesUpToFiftyIdsCountingDuplicates) {
  std::vector<std::string> fifty(50, "\"same\"");
  SessionQuery q = ParseOk(
      absl::StrCat(R"({"sessionId":[)", absl::StrJoin(fifty, ","), "]}"));
  EXPECT_EQ(q.session_ids.size(), 50u);
  std::vector<std::string> fifty_one(51, "\"same\"");
  ExpectError(
      absl::StrCat(R"({"sessionId":[)", absl::StrJoin(fifty_one, ","), "]}"),
      "sessionId: at most 50 ids, got 51");
}

TEST(ParseGetSessionsRequest, MalformedSessionIdIsAnError) {
  ExpectError(R"({"sessionId":[]})",
              "sessionId: must be a string or an array of 1-50 strings");
  ExpectError(R"({"sessionId":5})",
              "sessionId: must be a string or an array of 1-50 strings");
  ExpectError(R"({"sessionId":{"id":"s"}})",
              "sessionId: must be a string or an array of 1-50 strings");
  ExpectError(R"({"sessionId":""})", "sessionId: must not be empty");
  ExpectError(R"({"sessionId":["s-1",2]})",
              "sessionId[1]: must be a non-empty string, got 2");
  ExpectError(R"({"sessionId":["s-1",""]})",
              "sessionId[1]: must be a non-empty string");
  ExpectError(R"({"sessionId":["s-1",null]})",
              "sessionId[1]: must be a non-empty string, got null");
}

TEST(ParseGetSessionsRequest, NullSessionIdIsNoLookupAndValidatesTheRest) {
  ExpectError(R"({"sessionId":null,"limit":0})", "limit:");
}

TEST(ParseGetSessionsRequest, ParsesAFullRequest) {
  absl::StatusOr<SessionQuery> q = ParseGetSessionsRequest(
      kBot, "selfService",
      R"({"userId":"u-1","offset":100,"limit":1000,"dateFrom":"2026-01-05",)"
      R"("dateTo":"2026-01-11","sessionType":"interactive",)"
      R"("tags":{"and":[{"name":"intent","values":["refund"],"type":"session"}]},)"
      R"("callId":"ignored"})");
  ASSERT_OK(q);
  EXPECT_EQ(q->bot_id, std::string(kBot));
  EXPECT_EQ(q->containment, ContainmentType::kSelfService);
  EXPECT_EQ(q->user_id, "u-1");
  EXPECT_EQ(q->skip, 100);
  EXPECT_EQ(q->limit, 1000);
  EXPECT_EQ(UtcWindow(*q).from_ms, UtcMs(2026, 1, 5));
  EXPECT_EQ(UtcWindow(*q).to_ms, UtcMs(2026, 1, 12));
  EXPECT_EQ(q->session_type, SessionType::kInteractive);
  EXPECT_THAT(q->tags.all_of, ElementsAre(Condition("intent", Values{"refund"},
                                                    TagKind::kSession)));
  EXPECT_THAT(q->session_ids, IsEmpty());
}

// ---- Robustness ----

uint64_t TestSeed() { return sessiondb::testing::TestSeed(20200211); }

TEST(ParseGetSessionsRequest, MutatedBodiesAreParsedOrRejectedNeverCrash) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(absl::StrFormat("SESSIONDB_TEST_SEED=%d", seed));
  std::mt19937_64 rng(seed);
  const std::vector<std::string> valid = {
      R"({"skip":0,"limit":100,"dateFrom":"2020-02-11","dateTo":"2020-02-12"})",
      R"({"userId":"u-1","offset":5,"sessionType":"non-interactive",)"
      R"("dateTo":"2019-04-01 T13:26:05.598+05:30"})",
      R"({"tags":{"and":[{"name":"tier","values":["gold"],"type":"user"}],)"
      R"("or":[{"name":"intent","value":"refund"}],)"
      R"("userTags":[{"name":"r"}],"sessionTags":[{"name":"c","values":["1","2"]}]}})",
      R"({"sessionId":["s-1","s-2"],"limit":0})",
  };
  const std::optional<std::string_view> params[] = {std::nullopt, "agent",
                                                    "Selfservice"};
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string body = MutateJson(valid[i % valid.size()], rng);
    absl::StatusOr<SessionQuery> q =
        ParseGetSessionsRequest(kBot, params[i % 3], body);
    if (q.ok()) {
      ++accepted;
      ASSERT_GE(q->skip, 0) << body;
      ASSERT_GE(q->limit, 1) << body;
      ASSERT_LE(q->session_ids.size(), kMaxLookupIds) << body;
    } else {
      ASSERT_EQ(q.status().code(), absl::StatusCode::kInvalidArgument)
          << body << "\n"
          << q.status();
    }
  }
  EXPECT_GT(accepted, 0);
}

}  // namespace
}  // namespace sessiondb
