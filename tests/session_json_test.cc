#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sessiondb/session.h"
#include "sessiondb/session_json_parser.h"
#include "testing/json_mutation.h"
#include "testing/status_matchers.h"
#include "testing/test_seed.h"

namespace sessiondb {
namespace {

using ::sessiondb::testing::MutateJson;
using ::sessiondb::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

int64_t UtcMs(int y, int mo, int d, int h, int mi, int s, int ms) {
  return absl::ToUnixMillis(absl::FromCivil(
             absl::CivilSecond(y, mo, d, h, mi, s), absl::UTCTimeZone())) +
         ms;
}

// The SPEC §4 sample session as getSessions writes it, by hand.
constexpr char kSpecSampleJson[] =
    R"({"sessionId":"xxxxaxxexxxaxexdxxxdxxxe",)"
    R"("botId":"st-ffeffxxx-xxxc-xexa-axxx-cxxabxxxxcxx","channel":"rtm",)"
    R"("userId":"u-xxfexxxd-xxex-xdxe-xaec-xeaxbxxxxfxx",)"
    R"("start_time":"2021-04-26T11:27:25.977Z",)"
    R"("end_time":"2021-04-26T11:27:26.145Z","session_lang":["en"],)"
    R"("sessionType":"interactive","containmentType":"dropOff",)"
    R"("isDeveloper":false,"sessionStatus":"closed",)"
    R"("tags":{"userTags":[{"value":"newuser","name":"regular"}],)"
    R"("sessionTags":[]},"noOfMessagesExchanged":1,"noOfTasksExecuted":0})";

// The seed document's sample, pretty-printed as there (no sessionStatus).
constexpr char kSeedSampleJson[] = R"({
         "sessionId": "xxxxaxxexxxaxexdxxxdxxxe",
         "botId": "st-ffeffxxx-xxxc-xexa-axxx-cxxabxxxxcxx",
         "channel": "rtm",
         "userId": "u-xxfexxxd-xxex-xdxe-xaec-xeaxbxxxxfxx",
         "start_time": "2021-04-26T11:27:25.977Z",
         "end_time": "2021-04-26T11:27:26.145Z",
         "session_lang": [
           "en"
          ],
         "sessionType": "interactive",
         "containmentType": "dropOff",
         "isDeveloper": false,
         "tags": {
           "userTags": [
            {
             "value": "newuser",
             "name": "regular"
            }
          ],
          "sessionTags": []
         },
         "noOfMessagesExchanged": 1,
         "noOfTasksExecuted": 0
       })";

// A minimal valid session line; `extra` is spliced in as more fields.
std::string Minimal(const std::string& extra = "") {
  return absl::StrCat(
      R"({"sessionId":"s1","botId":"b1","channel":"web","userId":"u1",)"
      R"("start_time":"2026-01-05T10:00:00.000Z","sessionType":"interactive",)"
      R"("containmentType":"agent")",
      extra.empty() ? "" : ",", extra, "}");
}

// WithField replaces the whole `"key":value` text of the sample.
std::string Replace(const std::string& from, const std::string& to) {
  std::string json = kSpecSampleJson;
  std::string out = absl::StrReplaceAll(json, {{from, to}});
  EXPECT_NE(out, json) << "test bug: " << from << " not in the sample";
  return out;
}

void ExpectError(const std::string& json, const std::string& message) {
  EXPECT_THAT(ParseSessionJson(json),
              StatusIs(absl::StatusCode::kInvalidArgument, StartsWith(message)))
      << json;
}

TEST(ParseSessionJson, ParsesTheSeedSampleFieldByField) {
  absl::StatusOr<Session> s = ParseSessionJson(kSeedSampleJson);
  ASSERT_OK(s);
  EXPECT_EQ(s->session_id, "xxxxaxxexxxaxexdxxxdxxxe");
  EXPECT_EQ(s->bot_id, "st-ffeffxxx-xxxc-xexa-axxx-cxxabxxxxcxx");
  EXPECT_EQ(s->channel, "rtm");
  EXPECT_EQ(s->user_id, "u-xxfexxxd-xxex-xdxe-xaec-xeaxbxxxxfxx");
  EXPECT_EQ(s->start_time_ms, UtcMs(2021, 4, 26, 11, 27, 25, 977));
  EXPECT_EQ(s->end_time_ms, UtcMs(2021, 4, 26, 11, 27, 26, 145));
  EXPECT_THAT(s->session_lang, ElementsAre("en"));
  EXPECT_EQ(s->session_type, SessionType::kInteractive);
  EXPECT_EQ(s->containment_type, ContainmentType::kDropOff);
  EXPECT_FALSE(s->is_developer);
  EXPECT_EQ(s->session_status, std::nullopt);  // resolved when written
  EXPECT_THAT(s->user_tags, ElementsAre(Tag{"regular", "newuser"}));
  EXPECT_TRUE(s->session_tags.empty());
  EXPECT_EQ(s->messages_exchanged, 1);
  EXPECT_EQ(s->tasks_executed, 0);
}

TEST(SessionToJson, WritesTheSpecSampleByteForByte) {
  absl::StatusOr<Session> s = ParseSessionJson(kSeedSampleJson);
  ASSERT_OK(s);
  EXPECT_EQ(SessionToJson(*s), kSpecSampleJson);
}

TEST(SessionToJson, RoundTripsThroughParseSessionJson) {
  absl::StatusOr<Session> first = ParseSessionJson(kSpecSampleJson);
  ASSERT_OK(first);
  const std::string written = SessionToJson(*first);
  EXPECT_EQ(written, kSpecSampleJson);
  absl::StatusOr<Session> second = ParseSessionJson(written);
  ASSERT_OK(second);
  EXPECT_EQ(*second, *first);
}

TEST(SessionToJson, RoundTripsEveryFieldAtItsNonDefault) {
  Session s;
  s.session_id = "id \"1\"";
  s.bot_id = "st-\xC3\xA9";
  s.channel = "msteams";
  s.user_id = "u-\n";
  s.start_time_ms = -1;
  s.end_time_ms = 253402300799999;
  s.session_lang = {"en", "es"};
  s.session_type = SessionType::kNonInteractive;
  s.containment_type = ContainmentType::kAgent;
  s.is_developer = true;
  s.session_status = SessionStatus::kActive;
  s.user_tags = {Tag{"tier", "gold"}, Tag{"empty", ""}};
  s.session_tags = {Tag{"intent", "refund \\ \x01"}};
  s.messages_exchanged = 9223372036854775807;
  s.tasks_executed = 3;
  absl::StatusOr<Session> back = ParseSessionJson(SessionToJson(s));
  ASSERT_OK(back);
  EXPECT_EQ(*back, s);
}

TEST(ParseSessionJson, AcceptsTimestampsAsEpochMillis) {
  absl::StatusOr<Session> s = ParseSessionJson(Replace(
      R"("start_time":"2021-04-26T11:27:25.977Z","end_time":"2021-04-26T11:27:26.145Z")",
      R"("start_time":1619436445977,"end_time":1619436446145)"));
  ASSERT_OK(s);
  EXPECT_EQ(s->start_time_ms, UtcMs(2021, 4, 26, 11, 27, 25, 977));
  EXPECT_EQ(s->end_time_ms, UtcMs(2021, 4, 26, 11, 27, 26, 145));
  EXPECT_EQ(SessionToJson(*s), kSpecSampleJson);
}

TEST(ParseSessionJson, AcceptsNegativeEpochMillis) {
  absl::StatusOr<Session> s = ParseSessionJson(absl::StrReplaceAll(
      Minimal(), {{R"("2026-01-05T10:00:00.000Z")", "-1"}}));
  ASSERT_OK(s);
  EXPECT_EQ(s->start_time_ms, -1);
}

TEST(ParseSessionJson, AcceptsTimestampsWithAnOffset) {
  absl::StatusOr<Session> s = ParseSessionJson(
      Replace(R"("start_time":"2021-04-26T11:27:25.977Z")",
              R"("start_time":"2021-04-26T16:57:25.977123+05:30")"));
  ASSERT_OK(s);
  EXPECT_EQ(s->start_time_ms, UtcMs(2021, 4, 26, 11, 27, 25, 977));
}

TEST(ParseSessionJson, RejectsADateWithoutATime) {
  ExpectError(Replace(R"("start_time":"2021-04-26T11:27:25.977Z")",
                      R"("start_time":"2021-04-26")"),
              "start_time: must have a time and a zone");
}

TEST(ParseSessionJson, RejectsATimeWithoutAZone) {
  ExpectError(Replace(R"("end_time":"2021-04-26T11:27:26.145Z")",
                      R"("end_time":"2021-04-26T11:27:26.145")"),
              "end_time: a time needs a zone");
}

TEST(ParseSessionJson, RejectsAnImpossibleDate) {
  ExpectError(Replace(R"("start_time":"2021-04-26T11:27:25.977Z")",
                      R"("start_time":"2021-02-30T11:27:25.977Z")"),
              "start_time: no such date");
}

TEST(ParseSessionJson, RejectsTimestampsThatAreNeitherStringNorInteger) {
  for (const char* bad : {"1.6e12", "1619436445977.5", "true", "{}", "[]"}) {
    ExpectError(Replace(R"("start_time":"2021-04-26T11:27:25.977Z")",
                        absl::StrCat(R"("start_time":)", bad)),
                "start_time: must be an ISO-8601 string with a time and a "
                "zone, or an integer");
  }
}

TEST(ParseSessionJson, RejectsEpochMillisOutsideYears0000To9999) {
  ExpectError(Replace(R"("end_time":"2021-04-26T11:27:26.145Z")",
                      R"("end_time":253402300800000)"),
              "end_time: must be within years 0000-9999");
  ExpectError(Replace(R"("end_time":"2021-04-26T11:27:26.145Z")",
                      R"("end_time":18446744073709551615)"),
              "end_time: must be within years 0000-9999");
}

TEST(ParseSessionJson, EndTimeBeforeStartTimeIsAnError) {
  ExpectError(Replace(R"("end_time":"2021-04-26T11:27:26.145Z")",
                      R"("end_time":"2021-04-26T11:27:25.976Z")"),
              "end_time: must not be before start_time");
}

TEST(ParseSessionJson, AbsentOrNullEndTimeIsALiveSession) {
  for (const std::string& json :
       {Replace(R"("end_time":"2021-04-26T11:27:26.145Z",)", ""),
        Replace(R"("end_time":"2021-04-26T11:27:26.145Z")",
                R"("end_time":null)")}) {
    absl::StatusOr<Session> s = ParseSessionJson(json);
    ASSERT_OK(s);
    EXPECT_EQ(s->end_time_ms, std::nullopt);
  }
}

TEST(SessionToJson, OmitsEndTimeOfALiveSession) {
  absl::StatusOr<Session> s = ParseSessionJson(
      Replace(R"("end_time":"2021-04-26T11:27:26.145Z",)", ""));
  ASSERT_OK(s);
  EXPECT_EQ(SessionToJson(*s),
            Replace(R"("end_time":"2021-04-26T11:27:26.145Z",)", ""));
}

TEST(ParseSessionJson, OptionalFieldsTakeTheirDefaults) {
  absl::StatusOr<Session> s = ParseSessionJson(Minimal());
  ASSERT_OK(s);
  EXPECT_TRUE(s->session_lang.empty());
  EXPECT_FALSE(s->is_developer);
  EXPECT_EQ(s->end_time_ms, std::nullopt);
  EXPECT_EQ(s->session_status, std::nullopt);
  EXPECT_TRUE(s->user_tags.empty());
  EXPECT_TRUE(s->session_tags.empty());
  EXPECT_EQ(s->messages_exchanged, 0);
  EXPECT_EQ(s->tasks_executed, 0);
  // Written back, every default is spelled out; live sessions are active.
  EXPECT_EQ(SessionToJson(*s),
            R"({"sessionId":"s1","botId":"b1","channel":"web","userId":"u1",)"
            R"("start_time":"2026-01-05T10:00:00.000Z","session_lang":[],)"
            R"("sessionType":"interactive","containmentType":"agent",)"
            R"("isDeveloper":false,"sessionStatus":"active",)"
            R"("tags":{"userTags":[],"sessionTags":[]},)"
            R"("noOfMessagesExchanged":0,"noOfTasksExecuted":0})");
}

TEST(ParseSessionJson, NullOptionalFieldsTakeTheirDefaults) {
  absl::StatusOr<Session> s = ParseSessionJson(Minimal(
      R"("end_time":null,"session_lang":null,"isDeveloper":null,)"
      R"("sessionStatus":null,"tags":null,"noOfMessagesExchanged":null,)"
      R"("noOfTasksExecuted":null)"));
  ASSERT_OK(s);
  absl::StatusOr<Session> plain = ParseSessionJson(Minimal());
  ASSERT_OK(plain);
  EXPECT_EQ(*s, *plain);
}

TEST(SessionToJson, AbsentStatusIsClosedWhenTheSessionHasEnded) {
  absl::StatusOr<Session> s =
      ParseSessionJson(Minimal(R"("end_time":"2026-01-05T10:01:00Z")"));
  ASSERT_OK(s);
  EXPECT_THAT(SessionToJson(*s), HasSubstr(R"("sessionStatus":"closed")"));
}

TEST(ParseSessionJson, EnumValuesMatchCaseInsensitively) {
  absl::StatusOr<Session> s = ParseSessionJson(Replace(
      R"("sessionType":"interactive","containmentType":"dropOff","isDeveloper":false,"sessionStatus":"closed")",
      R"("sessionType":"NON-Interactive","containmentType":"Selfservice","isDeveloper":false,"sessionStatus":"ACTIVE")"));
  ASSERT_OK(s);
  EXPECT_EQ(s->session_type, SessionType::kNonInteractive);
  EXPECT_EQ(s->containment_type, ContainmentType::kSelfService);
  EXPECT_EQ(s->session_status, SessionStatus::kActive);
  absl::StatusOr<Session> agent = ParseSessionJson(Replace(
      R"("containmentType":"dropOff")", R"("containmentType":"AGENT")"));
  ASSERT_OK(agent);
  EXPECT_EQ(agent->containment_type, ContainmentType::kAgent);
}

TEST(ParseSessionJson, RejectsUnknownEnumValuesListingTheNames) {
  ExpectError(Replace(R"("sessionType":"interactive")",
                      R"("sessionType":"non_interactive")"),
              R"(sessionType: must be "interactive" or "non-interactive")");
  ExpectError(
      Replace(R"("containmentType":"dropOff")",
              R"("containmentType":"drop-off")"),
      R"(containmentType: must be "dropOff", "selfService" or "agent")");
  ExpectError(
      Replace(R"("sessionStatus":"closed")", R"("sessionStatus":"ended")"),
      R"(sessionStatus: must be "active" or "closed")");
  ExpectError(Replace(R"("sessionType":"interactive")", R"("sessionType":0)"),
              "sessionType: must be");
}

TEST(ParseContainmentType, ReadsTheApiNamesInAnyCase) {
  EXPECT_EQ(*ParseContainmentType("dropOff", "f"), ContainmentType::kDropOff);
  EXPECT_EQ(*ParseContainmentType("SELFSERVICE", "f"),
            ContainmentType::kSelfService);
  EXPECT_EQ(*ParseContainmentType("Agent", "f"), ContainmentType::kAgent);
}

TEST(ParseContainmentType, ErrorNamesTheFieldTheNamesAndTheText) {
  EXPECT_THAT(ParseContainmentType("drop-off", "--containment"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       R"(--containment: must be dropOff, selfService or )"
                       R"(agent, got "drop-off")"));
  EXPECT_THAT(ParseContainmentType("", "containmentType"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("containmentType: must be")));
}

TEST(ParseSessionJson, IgnoresUnknownTopLevelKeys) {
  absl::StatusOr<Session> s = ParseSessionJson(Replace(
      R"("channel":"rtm",)",
      R"("channel":"rtm","callId":{"deep":[1,2,{"x":null}]},"future":7,)"));
  ASSERT_OK(s);
  EXPECT_EQ(SessionToJson(*s), kSpecSampleJson);
}

TEST(ParseSessionJson, ALaterDuplicateKeyWins) {
  absl::StatusOr<Session> s =
      ParseSessionJson(Minimal(R"("channel":"rtm","userId":"u2")"));
  ASSERT_OK(s);
  EXPECT_EQ(s->channel, "rtm");
  EXPECT_EQ(s->user_id, "u2");
}

TEST(ParseSessionJson, RequiresEveryFieldWithoutADefault) {
  for (const char* field : {"sessionId", "botId", "channel", "userId",
                            "start_time", "sessionType", "containmentType"}) {
    // Remove the field from a minimal line: it is absent, then null.
    std::string json = Minimal();
    const size_t at = json.find(absl::StrCat("\"", field, "\":"));
    ASSERT_NE(at, std::string::npos);
    const size_t end = json.find_first_of(",}", json.find(':', at) + 1);
    std::string value = json.substr(at, end - at);
    std::string absent =
        absl::StrReplaceAll(json, {{value + ",", ""}, {"," + value, ""}});
    ExpectError(absent, absl::StrCat(field, ": is required"));
    std::string null = absl::StrReplaceAll(
        json, {{value, absl::StrCat("\"", field, "\":null")}});
    ExpectError(null, absl::StrCat(field, ": is required"));
  }
}

TEST(ParseSessionJson, WrongTypesNameTheField) {
  ExpectError(
      Replace(R"("sessionId":"xxxxaxxexxxaxexdxxxdxxxe")", R"("sessionId":5)"),
      "sessionId: must be a string");
  ExpectError(Replace(R"("botId":"st-ffeffxxx-xxxc-xexa-axxx-cxxabxxxxcxx")",
                      R"("botId":["st-1"])"),
              "botId: must be a string");
  ExpectError(Replace(R"("channel":"rtm")", R"("channel":true)"),
              "channel: must be a string");
  ExpectError(Replace(R"("userId":"u-xxfexxxd-xxex-xdxe-xaec-xeaxbxxxxfxx")",
                      R"("userId":{})"),
              "userId: must be a string");
  ExpectError(Replace(R"("session_lang":["en"])", R"("session_lang":"en")"),
              "session_lang: must be an array of strings");
  ExpectError(Replace(R"("session_lang":["en"])", R"("session_lang":["en",1])"),
              "session_lang[1]: must be a string");
  ExpectError(Replace(R"("isDeveloper":false)", R"("isDeveloper":"false")"),
              "isDeveloper: must be true or false");
  ExpectError(Replace(R"("isDeveloper":false)", R"("isDeveloper":0)"),
              "isDeveloper: must be true or false");
}

TEST(ParseSessionJson, CountsMustBeIntegersAtLeastZero) {
  for (const char* bad : {"-1", "1.5", "1e2", "\"3\"", "true", "[]"}) {
    ExpectError(Replace(R"("noOfMessagesExchanged":1)",
                        absl::StrCat(R"("noOfMessagesExchanged":)", bad)),
                "noOfMessagesExchanged: must be an integer >= 0");
    ExpectError(Replace(R"("noOfTasksExecuted":0)",
                        absl::StrCat(R"("noOfTasksExecuted":)", bad)),
                "noOfTasksExecuted: must be an integer >= 0");
  }
  ExpectError(Replace(R"("noOfTasksExecuted":0)",
                      R"("noOfTasksExecuted":9223372036854775808)"),
              "noOfTasksExecuted: must be an integer >= 0");
}

TEST(ParseSessionJson, TagErrorsNameTheTagAndField) {
  ExpectError(Replace(R"("tags":{"userTags")", R"("tags":[],"x":{"userTags")"),
              "tags: must be an object");
  ExpectError(Replace(R"("sessionTags":[])", R"("sessionTags":{})"),
              "tags.sessionTags: must be an array");
  ExpectError(Replace(R"("sessionTags":[])", R"("sessionTags":["intent"])"),
              "tags.sessionTags[0]: must be an object");
  ExpectError(
      Replace(R"({"value":"newuser","name":"regular"})",
              R"({"value":"newuser","name":"regular"},{"value":"x","name":5})"),
      "tags.userTags[1].name: must be a string");
  ExpectError(Replace(R"({"value":"newuser","name":"regular"})",
                      R"({"value":null,"name":"regular"})"),
              "tags.userTags[0].value: is required");
  ExpectError(Replace(R"({"value":"newuser","name":"regular"})",
                      R"({"value":"newuser"})"),
              "tags.userTags[0].name: is required");
  ExpectError(Replace(R"({"value":"newuser","name":"regular"})",
                      R"({"value":7,"name":"regular"})"),
              "tags.userTags[0].value: must be a string");
}

TEST(ParseSessionJson, RejectsUnknownKeysInsideTags) {
  ExpectError(
      Replace(R"("sessionTags":[])", R"("sessionTags":[],"messageTags":[])"),
      "tags.messageTags: unknown key");
  ExpectError(Replace(R"({"value":"newuser","name":"regular"})",
                      R"({"value":"newuser","name":"regular","type":"user"})"),
              "tags.userTags[0].type: unknown key");
}

TEST(ParseSessionJson, ValidationErrorsNameTheField) {
  ExpectError(
      Replace(R"("sessionId":"xxxxaxxexxxaxexdxxxdxxxe")",
              absl::StrCat(R"("sessionId":")", std::string(129, 'x'), "\"")),
      "sessionId: must be 1-128 bytes, got 129");
  ExpectError(Replace(R"("channel":"rtm")", R"("channel":"")"),
              "channel: must be 1-64 bytes, got 0");
  ExpectError(Replace(R"("name":"regular")", R"("name":"")"),
              "tags.userTags[0].name: must be 1-128 bytes, got 0");
}

TEST(ParseSessionJson, RejectsDocumentsThatAreNotOneObject) {
  ExpectError("", "session: invalid JSON");
  ExpectError("{", "session: invalid JSON");
  ExpectError(R"({"sessionId":"a",})", "session: invalid JSON");
  ExpectError(std::string(kSpecSampleJson) + " {}", "session: invalid JSON");
  ExpectError("\"\xff\"", "session: invalid JSON");  // not UTF-8
  ExpectError("[]", "session: must be a JSON object");
  ExpectError("null", "session: must be a JSON object");
  ExpectError("42", "session: must be a JSON object");
}

TEST(SessionToJson, EscapesWhatJsonRequiresAndKeepsUnicode) {
  // Escapes in, the shortest correct escapes out; non-ASCII passes as UTF-8.
  absl::StatusOr<Session> s = ParseSessionJson(
      Replace(R"("value":"newuser")",
              R"("value":"say \"hi\"\\ \/ \n\t\u0001\u00e9 \ud83d\ude00 é")"));
  ASSERT_OK(s);
  EXPECT_EQ(s->user_tags[0].value,
            "say \"hi\"\\ / \n\t\x01\xC3\xA9 \xF0\x9F\x98\x80 \xC3\xA9");
  EXPECT_THAT(SessionToJson(*s),
              HasSubstr("\"value\":\"say \\\"hi\\\"\\\\ / \\n\\t\\u0001"
                        "\xC3\xA9 \xF0\x9F\x98\x80 \xC3\xA9\""));
}

TEST(SessionJsonParser, ReusesItsBuffersAcrossDocuments) {
  SessionJsonParser parser;
  absl::StatusOr<Session> a = parser.ParseSession(kSeedSampleJson);
  ASSERT_OK(a);
  EXPECT_THAT(parser.ParseSession("{"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("session: invalid JSON")));
  absl::StatusOr<Session> b = parser.ParseSession(Minimal());
  ASSERT_OK(b);
  EXPECT_EQ(b->session_id, "s1");
  absl::StatusOr<Session> c = parser.ParseSession(kSpecSampleJson);
  ASSERT_OK(c);
  EXPECT_EQ(c->user_tags, a->user_tags);
}

TEST(ParseUserIdentityJson, ParsesUserIdAndAliases) {
  absl::StatusOr<UserIdentity> id = ParseUserIdentityJson(
      R"({"userId":"u-1","aliases":["jane@corp.com","EMP-0042"],"x":1})");
  ASSERT_OK(id);
  EXPECT_EQ(id->user_id, "u-1");
  EXPECT_THAT(id->aliases, ElementsAre("jane@corp.com", "EMP-0042"));
}

TEST(ParseUserIdentityJson, AbsentOrNullAliasesAreNone) {
  for (const char* json :
       {R"({"userId":"u-1"})", R"({"userId":"u-1","aliases":null})",
        R"({"userId":"u-1","aliases":[]})"}) {
    absl::StatusOr<UserIdentity> id = ParseUserIdentityJson(json);
    ASSERT_OK(id);
    EXPECT_TRUE(id->aliases.empty()) << json;
  }
}

TEST(ParseUserIdentityJson, ErrorsNameTheField) {
  auto expect = [](const std::string& json, const std::string& message) {
    EXPECT_THAT(
        ParseUserIdentityJson(json),
        StatusIs(absl::StatusCode::kInvalidArgument, StartsWith(message)))
        << json;
  };
  expect(R"({"aliases":["a"]})", "userId: is required");
  expect(R"({"userId":null})", "userId: is required");
  expect(R"({"userId":42})", "userId: must be a string");
  expect(R"({"userId":""})", "userId: must be 1-256 bytes, got 0");
  expect(absl::StrCat(R"({"userId":")", std::string(257, 'u'), "\"}"),
         "userId: must be 1-256 bytes, got 257");
  expect(R"({"userId":"u","aliases":"a@b.c"})",
         "aliases: must be an array of strings");
  expect(R"({"userId":"u","aliases":["a",3]})", "aliases[1]: must be a string");
  expect(R"({"userId":"u","aliases":["a",""]})",
         "aliases[1]: must be 1-256 bytes, got 0");
  expect(absl::StrCat(R"({"userId":"u","aliases":[")", std::string(257, 'a'),
                      "\"]}"),
         "aliases[0]: must be 1-256 bytes, got 257");
  expect("[]", "identity: must be a JSON object");
  expect("{", "identity: invalid JSON");
}

uint64_t TestSeed() { return sessiondb::testing::TestSeed(20260105); }

TEST(SessionJsonParser, MutatedInputIsParsedOrRejectedNeverCrashes) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(absl::StrFormat("SESSIONDB_TEST_SEED=%d", seed));
  std::mt19937_64 rng(seed);
  const std::vector<std::string> valid = {
      kSpecSampleJson, kSeedSampleJson, Minimal(),
      Minimal(
          R"("end_time":1767607200001,"sessionStatus":"Closed",)"
          R"("tags":{"userTags":[],"sessionTags":[{"name":"csat","value":"5"}]},)"
          R"("session_lang":["en","es"],"noOfTasksExecuted":2)")};
  SessionJsonParser parser;
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string json = MutateJson(valid[i % valid.size()], rng);
    absl::StatusOr<Session> s = parser.ParseSession(json);
    if (s.ok()) {
      ++accepted;
      // Whatever is accepted is valid and survives its own round trip.
      ASSERT_OK(ValidateSession(*s)) << json;
      absl::StatusOr<Session> back = ParseSessionJson(SessionToJson(*s));
      ASSERT_OK(back) << json;
      if (!s->session_status.has_value()) {
        s->session_status = s->end_time_ms.has_value() ? SessionStatus::kClosed
                                                       : SessionStatus::kActive;
      }
      ASSERT_EQ(*back, *s) << json;
    } else {
      ASSERT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument)
          << json << "\n"
          << s.status();
    }
    absl::StatusOr<UserIdentity> id = parser.ParseUserIdentity(MutateJson(
        R"({"userId":"u-1","aliases":["jane@corp.com","EMP-0042"]})", rng));
    if (!id.ok()) {
      ASSERT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument)
          << id.status();
    }
  }
  EXPECT_GT(accepted, 0);  // the mutations do not only break the JSON
}

}  // namespace
}  // namespace sessiondb
