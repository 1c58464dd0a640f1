#include "codec/record_json.h"

#include <cstdint>
#include <limits>
#include <string>

#include "absl/status/status.h"
#include "codec/error_json.h"
#include "codec/json_escape.h"
#include "codec/wire_names.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sessiondb/session.h"
#include "storage/record_codec.h"
#include "testing/status_matchers.h"

namespace sessiondb {
namespace {

// The SPEC §4 sample session, field by field.
Session SpecSample() {
  Session s;
  s.session_id = "xxxxaxxexxxaxexdxxxdxxxe";
  s.bot_id = "st-ffeffxxx-xxxc-xexa-axxx-cxxabxxxxcxx";
  s.channel = "rtm";
  s.user_id = "u-xxfexxxd-xxex-xdxe-xaec-xeaxbxxxxfxx";
  s.start_time_ms = 1619436445977;  // 2021-04-26T11:27:25.977Z
  s.end_time_ms = 1619436446145;    // 2021-04-26T11:27:26.145Z
  s.session_lang = {"en"};
  s.session_type = SessionType::kInteractive;
  s.containment_type = ContainmentType::kDropOff;
  s.is_developer = false;
  s.user_tags = {Tag{"regular", "newuser"}};
  s.messages_exchanged = 1;
  s.tasks_executed = 0;
  return s;
}

// RecordJson writes `s` the way a page does: from its stored record.
std::string RecordJson(const Session& s) {
  const std::string bytes = EncodeRecordToString(s);
  absl::StatusOr<const fb::Session*> record = VerifyRecord(bytes, "test");
  EXPECT_TRUE(record.ok()) << record.status();
  std::string out;
  if (record.ok()) AppendRecordJson(**record, &out);
  return out;
}

std::string Escaped(std::string_view s) {
  std::string out;
  AppendJsonString(s, &out);
  return out;
}

TEST(AppendRecordJson, WritesTheSpecSampleByteForByte) {
  EXPECT_EQ(
      RecordJson(SpecSample()),
      R"({"sessionId":"xxxxaxxexxxaxexdxxxdxxxe",)"
      R"("botId":"st-ffeffxxx-xxxc-xexa-axxx-cxxabxxxxcxx","channel":"rtm",)"
      R"("userId":"u-xxfexxxd-xxex-xdxe-xaec-xeaxbxxxxfxx",)"
      R"("start_time":"2021-04-26T11:27:25.977Z",)"
      R"("end_time":"2021-04-26T11:27:26.145Z","session_lang":["en"],)"
      R"("sessionType":"interactive","containmentType":"dropOff",)"
      R"("isDeveloper":false,"sessionStatus":"closed",)"
      R"("tags":{"userTags":[{"value":"newuser","name":"regular"}],)"
      R"("sessionTags":[]},"noOfMessagesExchanged":1,"noOfTasksExecuted":0})");
}

TEST(AppendRecordJson, OmitsEndTimeOfALiveSessionAndCallsItActive) {
  Session s = SpecSample();
  s.end_time_ms.reset();
  EXPECT_EQ(
      RecordJson(s),
      R"({"sessionId":"xxxxaxxexxxaxexdxxxdxxxe",)"
      R"("botId":"st-ffeffxxx-xxxc-xexa-axxx-cxxabxxxxcxx","channel":"rtm",)"
      R"("userId":"u-xxfexxxd-xxex-xdxe-xaec-xeaxbxxxxfxx",)"
      R"("start_time":"2021-04-26T11:27:25.977Z","session_lang":["en"],)"
      R"("sessionType":"interactive","containmentType":"dropOff",)"
      R"("isDeveloper":false,"sessionStatus":"active",)"
      R"("tags":{"userTags":[{"value":"newuser","name":"regular"}],)"
      R"("sessionTags":[]},"noOfMessagesExchanged":1,"noOfTasksExecuted":0})");
}

TEST(AppendRecordJson, WritesEveryEnumValueByItsApiName) {
  Session s = SpecSample();
  s.session_type = SessionType::kNonInteractive;
  s.containment_type = ContainmentType::kSelfService;
  s.is_developer = true;
  s.session_status = SessionStatus::kActive;  // explicit beats the default
  std::string json = RecordJson(s);
  EXPECT_THAT(json, ::testing::HasSubstr(
                        R"("sessionType":"non-interactive",)"
                        R"("containmentType":"selfService",)"
                        R"("isDeveloper":true,"sessionStatus":"active",)"));
  s.containment_type = ContainmentType::kAgent;
  s.session_status = SessionStatus::kClosed;
  EXPECT_THAT(
      RecordJson(s),
      ::testing::HasSubstr(R"("containmentType":"agent",)"
                           R"("isDeveloper":true,"sessionStatus":"closed")"));
}

TEST(AppendRecordJson, WritesEmptyListsAndZeroCounts) {
  Session s;
  s.session_id = "s";
  s.bot_id = "b";
  s.channel = "web";
  s.user_id = "u";
  s.start_time_ms = 0;
  EXPECT_EQ(RecordJson(s),
            R"({"sessionId":"s","botId":"b","channel":"web","userId":"u",)"
            R"("start_time":"1970-01-01T00:00:00.000Z","session_lang":[],)"
            R"("sessionType":"interactive","containmentType":"selfService",)"
            R"("isDeveloper":false,"sessionStatus":"active",)"
            R"("tags":{"userTags":[],"sessionTags":[]},)"
            R"("noOfMessagesExchanged":0,"noOfTasksExecuted":0})");
}

TEST(AppendRecordJson, KeepsTheOrderOfLanguagesAndTags) {
  Session s = SpecSample();
  s.session_lang = {"en", "es", ""};
  s.user_tags = {Tag{"tier", "gold"}, Tag{"region", "emea"}};
  s.session_tags = {Tag{"intent", "refund"}, Tag{"csat", ""}};
  std::string json = RecordJson(s);
  EXPECT_THAT(json, ::testing::HasSubstr(R"("session_lang":["en","es",""],)"));
  EXPECT_THAT(json, ::testing::HasSubstr(
                        R"("tags":{"userTags":[{"value":"gold","name":"tier"},)"
                        R"({"value":"emea","name":"region"}],)"
                        R"("sessionTags":[{"value":"refund","name":"intent"},)"
                        R"({"value":"","name":"csat"}]},)"));
}

TEST(AppendRecordJson, WritesLargeCountsAsPlainIntegers) {
  Session s = SpecSample();
  s.messages_exchanged = std::numeric_limits<int64_t>::max();
  s.tasks_executed = 1234567890123;
  EXPECT_THAT(
      RecordJson(s),
      ::testing::EndsWith(R"("noOfMessagesExchanged":9223372036854775807,)"
                          R"("noOfTasksExecuted":1234567890123})"));
}

TEST(AppendRecordJson, WritesTimestampsAtBothEndsOfTheRange) {
  Session s = SpecSample();
  s.start_time_ms = -62167219200000;  // 0000-01-01T00:00:00.000Z
  s.end_time_ms = 253402300799999;    // 9999-12-31T23:59:59.999Z
  EXPECT_THAT(RecordJson(s), ::testing::HasSubstr(
                                 R"("start_time":"0000-01-01T00:00:00.000Z",)"
                                 R"("end_time":"9999-12-31T23:59:59.999Z",)"));
}

TEST(AppendRecordJson, EscapesStringsInEveryField) {
  Session s = SpecSample();
  s.session_id = "a\"b";
  s.channel = "c\\d";
  s.session_lang = {"\n"};
  s.user_tags = {Tag{"n\t", "v\x01"}};
  std::string json = RecordJson(s);
  EXPECT_THAT(json, ::testing::StartsWith(R"({"sessionId":"a\"b",)"));
  EXPECT_THAT(json, ::testing::HasSubstr(R"("channel":"c\\d",)"));
  EXPECT_THAT(json, ::testing::HasSubstr(R"("session_lang":["\n"],)"));
  EXPECT_THAT(json, ::testing::HasSubstr(
                        R"("userTags":[{"value":"v\u0001","name":"n\t"}])"));
}

TEST(AppendRecordJson, AppendsToWhatIsThere) {
  std::string out = "[";
  const std::string bytes = EncodeRecordToString(SpecSample());
  absl::StatusOr<const fb::Session*> record = VerifyRecord(bytes, "test");
  ASSERT_OK(record);
  AppendRecordJson(**record, &out);
  out += ',';
  AppendRecordJson(**record, &out);
  out += ']';
  const std::string one = RecordJson(SpecSample());
  EXPECT_EQ(out, "[" + one + "," + one + "]");
}

TEST(AppendJsonString, EscapesQuoteAndBackslash) {
  EXPECT_EQ(Escaped(R"(say "hi" \o/)"), R"("say \"hi\" \\o/")");
}

TEST(AppendJsonString, EscapesControlCharactersShortWhereJsonHasAName) {
  EXPECT_EQ(Escaped("\b\f\n\r\t"), R"("\b\f\n\r\t")");
  EXPECT_EQ(Escaped(std::string("\0\x01\x1f", 3)), R"("\u0000\u0001\u001f")");
  EXPECT_EQ(Escaped("\x0b"), R"("\u000b")");
}

TEST(AppendJsonString, PassesUnicodeSlashAndDelThrough) {
  EXPECT_EQ(Escaped("caf\xC3\xA9 \xF0\x9F\x98\x80 / \x7f"),
            "\"caf\xC3\xA9 \xF0\x9F\x98\x80 / \x7f\"");
  EXPECT_EQ(Escaped(""), "\"\"");
}

TEST(AppendJsonString, EscapesEveryControlCharacterAndNothingElseAscii) {
  for (int c = 0; c < 128; ++c) {
    const std::string got = Escaped(std::string(1, static_cast<char>(c)));
    if (c < 0x20 || c == '"' || c == '\\') {
      EXPECT_EQ(got[1], '\\') << c;
    } else {
      EXPECT_EQ(got, std::string("\"") + static_cast<char>(c) + "\"") << c;
    }
  }
}

TEST(ErrorJson, WritesTheMessageAndHttpCode) {
  EXPECT_EQ(ErrorJson(absl::InvalidArgumentError(
                "limit: must be an integer >= 1, got 0")),
            R"({"errors":[{"msg":"limit: must be an integer >= 1, got 0",)"
            R"("code":400}]})");
}

TEST(ErrorJson, EscapesTheMessage) {
  EXPECT_EQ(ErrorJson(absl::InvalidArgumentError("dateTo: got \"x\"\n")),
            R"({"errors":[{"msg":"dateTo: got \"x\"\n","code":400}]})");
}

TEST(ErrorJson, ReplacesBytesThatAreNotUtf8) {
  EXPECT_EQ(ErrorJson(absl::InternalError("bad \xff\xC3 key \xC3\xA9")),
            "{\"errors\":[{\"msg\":\"bad ?? key \xC3\xA9\",\"code\":500}]}");
}

// The names API.md §1 gives each enum value, written as listed and read in
// any ASCII case.
TEST(WireNames, AreTheApiNamesReadInAnyCase) {
  EXPECT_EQ(WireName(SessionType::kInteractive), "interactive");
  EXPECT_EQ(WireName(SessionType::kNonInteractive), "non-interactive");
  EXPECT_EQ(WireName(ContainmentType::kDropOff), "dropOff");
  EXPECT_EQ(WireName(ContainmentType::kSelfService), "selfService");
  EXPECT_EQ(WireName(ContainmentType::kAgent), "agent");
  EXPECT_EQ(WireName(SessionStatus::kActive), "active");
  EXPECT_EQ(WireName(SessionStatus::kClosed), "closed");
  EXPECT_EQ(QuotedWireName(ContainmentType::kAgent), "\"agent\"");

  EXPECT_EQ(ContainmentTypeFromWire("Selfservice"),
            ContainmentType::kSelfService);
  EXPECT_EQ(ContainmentTypeFromWire("DROPOFF"), ContainmentType::kDropOff);
  EXPECT_EQ(SessionTypeFromWire("Non-Interactive"),
            SessionType::kNonInteractive);
  EXPECT_EQ(SessionStatusFromWire("CLOSED"), SessionStatus::kClosed);
  EXPECT_EQ(ContainmentTypeFromWire("self-service"), std::nullopt);
  EXPECT_EQ(SessionTypeFromWire(""), std::nullopt);
  EXPECT_EQ(SessionStatusFromWire("open"), std::nullopt);
  // A value outside the table (never a verified record's) is "unknown".
  EXPECT_EQ(QuotedWireName(static_cast<SessionStatus>(7)), "\"unknown\"");
}

TEST(HttpStatusFor, MapsEachCodeAsTheSpecSays) {
  EXPECT_EQ(HttpStatusFor(absl::InvalidArgumentError("")), 400);
  EXPECT_EQ(HttpStatusFor(absl::OutOfRangeError("")), 400);
  EXPECT_EQ(HttpStatusFor(absl::UnauthenticatedError("")), 401);
  EXPECT_EQ(HttpStatusFor(absl::PermissionDeniedError("")), 403);
  EXPECT_EQ(HttpStatusFor(absl::NotFoundError("")), 404);
  EXPECT_EQ(HttpStatusFor(absl::UnimplementedError("")), 405);
  EXPECT_EQ(HttpStatusFor(absl::DataLossError("")), 500);
  EXPECT_EQ(HttpStatusFor(absl::InternalError("")), 500);
  // Busy, locked: retryable, unlike the 500s above.
  EXPECT_EQ(HttpStatusFor(absl::UnavailableError("")), 503);
  EXPECT_EQ(HttpStatusFor(absl::ResourceExhaustedError("")), 500);
}

TEST(ErrorResponse, CarriesTheHttpStatusAndBody) {
  ApiResponse r = ErrorResponse(absl::PermissionDeniedError("bot: no access"));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, R"({"errors":[{"msg":"bot: no access","code":403}]})");
}

}  // namespace
}  // namespace sessiondb
