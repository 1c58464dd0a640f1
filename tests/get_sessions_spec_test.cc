// SPEC §3-§4, the JSON front door as a whole: the response's exact shape and
// key order, what a session looks like in it, the body rules (empty body,
// unknown fields, a body that is not an object) and the error shape.
//
// Filters, window, paging, lookup and writes have their own files:
// spec_{filters,window,paging,lookup,writes}_test.cc.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
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
using ::sessiondb::testing::kBotA;
using ::sessiondb::testing::kBotB;
using ::sessiondb::testing::kMsPerHour;
using ::sessiondb::testing::kWeekMs;
using ::sessiondb::testing::MakeSession;
using ::sessiondb::testing::OrderedJson;
using ::sessiondb::testing::UtcMs;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

std::vector<std::string> Keys(const OrderedJson& object) {
  std::vector<std::string> keys;
  for (auto it = object.begin(); it != object.end(); ++it)
    keys.push_back(it.key());
  return keys;
}

class GetSessionsResponse : public sessiondb::testing::TempStoreTest {
 protected:
  // OnlySession puts `s` alone and returns it as the answer shows it.
  OrderedJson OnlySession(const Session& s) {
    EXPECT_OK(store_->Put(s));
    ApiResult r = CallBot({{"sessionId", s.session_id}});
    EXPECT_THAT(r, IsPage());
    if (r.status != 200 || r.json["sessions"].size() != 1) {
      ADD_FAILURE() << r.raw;
      return OrderedJson::object();
    }
    return r.json["sessions"][0];
  }
};

TEST_F(GetSessionsResponse,
       TopLevelKeysAreTotalMoreAvailableSessionsInThatOrder) {
  Put(MakeSession("s-1", DefaultNow() - kMsPerHour));
  for (const ApiResult& r :
       {CallBot(json::object()), Call(std::nullopt, std::nullopt, "")}) {
    ASSERT_THAT(r, IsPage());
    EXPECT_THAT(Keys(r.json),
                ElementsAre("total", "moreAvailable", "sessions"));
  }
}

TEST_F(GetSessionsResponse, EmptyAnswerHasTheSameShape) {
  ApiResult r = CallBot(json::object());
  ASSERT_THAT(r, IsPage());
  EXPECT_EQ(r.json.dump(),
            R"({"total":0,"moreAvailable":false,"sessions":[]})");
}

TEST_F(GetSessionsResponse, ClosedSessionHasEveryFieldInTheSpecOrder) {
  Session s;
  s.session_id = "xxxxaxxexxxaxexdxxxdxxxe";
  s.bot_id = kBotA;
  s.channel = "rtm";
  s.user_id = "u-xxfexxxd-xxex-xdxe-xaec-xeaxbxxxxfxx";
  s.start_time_ms = UtcMs(2021, 4, 26, 11, 27, 25, 977);
  s.end_time_ms = UtcMs(2021, 4, 26, 11, 27, 26, 145);
  s.session_lang = {"en"};
  s.session_type = SessionType::kInteractive;
  s.containment_type = ContainmentType::kDropOff;
  s.is_developer = false;
  s.user_tags = {{"regular", "newuser"}};
  s.messages_exchanged = 1;
  s.tasks_executed = 0;
  // The seed's sample session, plus sessionStatus (written by hand).
  const OrderedJson expected = OrderedJson::parse(R"({
    "sessionId": "xxxxaxxexxxaxexdxxxdxxxe",
    "botId": "st-bot-a",
    "channel": "rtm",
    "userId": "u-xxfexxxd-xxex-xdxe-xaec-xeaxbxxxxfxx",
    "start_time": "2021-04-26T11:27:25.977Z",
    "end_time": "2021-04-26T11:27:26.145Z",
    "session_lang": ["en"],
    "sessionType": "interactive",
    "containmentType": "dropOff",
    "isDeveloper": false,
    "sessionStatus": "closed",
    "tags": {"userTags": [{"value": "newuser", "name": "regular"}], "sessionTags": []},
    "noOfMessagesExchanged": 1,
    "noOfTasksExecuted": 0})");
  EXPECT_EQ(OnlySession(s).dump(), expected.dump());
}

TEST_F(GetSessionsResponse, LiveSessionOmitsEndTimeAndIsActive) {
  Session s = MakeSession("live-1", DefaultNow() - kMsPerHour);
  s.end_time_ms.reset();
  const OrderedJson got = OnlySession(s);
  EXPECT_THAT(
      Keys(got),
      ElementsAre("sessionId", "botId", "channel", "userId", "start_time",
                  "session_lang", "sessionType", "containmentType",
                  "isDeveloper", "sessionStatus", "tags",
                  "noOfMessagesExchanged", "noOfTasksExecuted"));
  EXPECT_EQ(got.value("sessionStatus", ""), "active");
}

TEST_F(GetSessionsResponse, SessionStatusDefaultsToClosedWhenEndTimeIsPresent) {
  Session s = MakeSession("ended-1", DefaultNow() - kMsPerHour);
  ASSERT_TRUE(s.end_time_ms.has_value());
  s.session_status.reset();
  EXPECT_EQ(OnlySession(s).value("sessionStatus", ""), "closed");
}

TEST_F(GetSessionsResponse, ExplicitSessionStatusIsKept) {
  Session ended_but_active =
      MakeSession("ended-active", DefaultNow() - kMsPerHour);
  ended_but_active.session_status = SessionStatus::kActive;
  EXPECT_EQ(OnlySession(ended_but_active).value("sessionStatus", ""), "active");
  Session live_but_closed =
      MakeSession("live-closed", DefaultNow() - kMsPerHour);
  live_but_closed.end_time_ms.reset();
  live_but_closed.session_status = SessionStatus::kClosed;
  const OrderedJson got = OnlySession(live_but_closed);
  EXPECT_EQ(got.value("sessionStatus", ""), "closed");
  EXPECT_FALSE(got.contains("end_time"));
}

TEST_F(GetSessionsResponse, DefaultsAreWrittenOut) {
  Session s;
  s.session_id = "bare";
  s.bot_id = kBotA;
  s.channel = "web";
  s.user_id = "u-1";
  s.start_time_ms = UtcMs(2024, 3, 15, 1, 2, 3, 0);
  s.end_time_ms = UtcMs(2024, 3, 15, 1, 2, 3, 0);
  const OrderedJson expected = OrderedJson::parse(R"({
    "sessionId": "bare", "botId": "st-bot-a", "channel": "web", "userId": "u-1",
    "start_time": "2024-03-15T01:02:03.000Z", "end_time": "2024-03-15T01:02:03.000Z",
    "session_lang": [], "sessionType": "interactive", "containmentType": "selfService",
    "isDeveloper": false, "sessionStatus": "closed",
    "tags": {"userTags": [], "sessionTags": []},
    "noOfMessagesExchanged": 0, "noOfTasksExecuted": 0})");
  EXPECT_EQ(OnlySession(s).dump(), expected.dump());
}

TEST_F(GetSessionsResponse, EnumsAndTagsAreWrittenAsTheApiNamesThem) {
  Session s = MakeSession("enums", DefaultNow() - kMsPerHour);
  s.session_type = SessionType::kNonInteractive;
  s.containment_type = ContainmentType::kAgent;
  s.is_developer = true;
  s.session_lang = {"en", "de"};
  s.user_tags = {{"plan", "gold"}, {"vip", ""}};
  s.session_tags = {{"region", "eu"}};
  s.messages_exchanged = 7;
  s.tasks_executed = 2;
  const OrderedJson got = OnlySession(s);
  EXPECT_EQ(got.value("sessionType", ""), "non-interactive");
  EXPECT_EQ(got.value("containmentType", ""), "agent");
  EXPECT_EQ(got.value("isDeveloper", false), true);
  EXPECT_EQ(got["session_lang"].dump(), R"(["en","de"])");
  EXPECT_EQ(
      got["tags"].dump(),
      R"({"userTags":[{"value":"gold","name":"plan"},{"value":"","name":"vip"}],)"
      R"("sessionTags":[{"value":"eu","name":"region"}]})");
  EXPECT_EQ(got.value("noOfMessagesExchanged", int64_t{-1}), 7);
  EXPECT_EQ(got.value("noOfTasksExecuted", int64_t{-1}), 2);

  Session self = MakeSession("self", DefaultNow() - kMsPerHour);
  self.containment_type = ContainmentType::kSelfService;
  EXPECT_EQ(OnlySession(self).value("containmentType", ""), "selfService");
  Session drop = MakeSession("drop", DefaultNow() - kMsPerHour);
  drop.containment_type = ContainmentType::kDropOff;
  EXPECT_EQ(OnlySession(drop).value("containmentType", ""), "dropOff");
}

TEST_F(GetSessionsResponse, TimestampsAreUtcWithThreeDigitMilliseconds) {
  Session s = MakeSession("times", UtcMs(2024, 3, 9, 0, 0, 0, 7));
  s.end_time_ms = UtcMs(2024, 3, 10, 23, 59, 59, 999);
  const OrderedJson got = OnlySession(s);
  EXPECT_EQ(got.value("start_time", ""), "2024-03-09T00:00:00.007Z");
  EXPECT_EQ(got.value("end_time", ""), "2024-03-10T23:59:59.999Z");
}

TEST_F(GetSessionsResponse, StringsNeedingEscapesRoundTrip) {
  Session s = MakeSession("esc \"quoted\" \\ back", DefaultNow() - kMsPerHour);
  s.channel = "tab\there";
  s.user_id = "u-\xC3\xBC\xC3\xB1\x01";  // "u-üñ" and a control byte
  s.user_tags = {{"na\"me", "line\nbreak"}};
  const OrderedJson got = OnlySession(s);
  EXPECT_EQ(got.value("sessionId", ""), s.session_id);
  EXPECT_EQ(got.value("channel", ""), s.channel);
  EXPECT_EQ(got.value("userId", ""), s.user_id);
  ASSERT_EQ(got["tags"]["userTags"].size(), 1u);
  EXPECT_EQ(got["tags"]["userTags"][0].value("name", ""), "na\"me");
  EXPECT_EQ(got["tags"]["userTags"][0].value("value", ""), "line\nbreak");
}

TEST_F(GetSessionsResponse, EverySessionInAPageHasTheSameKeyOrder) {
  Session live = MakeSession("a-live", DefaultNow() - kMsPerHour);
  live.end_time_ms.reset();
  Put(live);
  Put(MakeSession("b-closed", DefaultNow() - 2 * kMsPerHour));
  ApiResult r = CallBot(json::object());
  ASSERT_THAT(r, IsPage());
  ASSERT_EQ(r.json["sessions"].size(), 2u);
  EXPECT_THAT(
      Keys(r.json["sessions"][1]),
      ElementsAre("sessionId", "botId", "channel", "userId", "start_time",
                  "end_time", "session_lang", "sessionType", "containmentType",
                  "isDeveloper", "sessionStatus", "tags",
                  "noOfMessagesExchanged", "noOfTasksExecuted"));
  EXPECT_THAT(Keys(r.json["sessions"][1]["tags"]),
              ElementsAre("userTags", "sessionTags"));
  EXPECT_FALSE(r.json["sessions"][0].contains("end_time"));
}

// ---- The body ----

class GetSessionsBody : public sessiondb::testing::TempStoreTest {
 protected:
  void SetUp() override {
    TempStoreTest::SetUp();
    if (HasFatalFailure()) return;
    // 55 sessions in the default window, 2 just outside it, 3 of another bot.
    for (int i = 0; i < 55; ++i) {
      all_.push_back(MakeSession(absl::StrCat("in-", 100 + i),
                                 DefaultNow() - 1 - i * 2 * kMsPerHour));
    }
    all_.push_back(MakeSession("too-old", DefaultNow() - kWeekMs - 1));
    all_.push_back(MakeSession("too-new", DefaultNow()));
    for (int i = 0; i < 3; ++i) {
      all_.push_back(MakeSession(absl::StrCat("other-", i),
                                 DefaultNow() - 1 - i * kMsPerHour, kBotB));
    }
    PutAll(all_);
  }

  // The defaults: bot kBotA, the 7 days before now, skip 0, limit 50.
  std::vector<std::string> DefaultPage() const {
    std::vector<std::string> ids = ExpectedIds(all_, [&](const Session& s) {
      return s.bot_id == kBotA && s.start_time_ms >= DefaultNow() - kWeekMs &&
             s.start_time_ms < DefaultNow();
    });
    ids.resize(50);
    return ids;
  }

  std::vector<Session> all_;
};

TEST_F(GetSessionsBody, EmptyOrBlankBodyMeansAllDefaults) {
  for (const char* body : {"", "{}", " ", "\n", " { } ", "\t{}\r\n"}) {
    SCOPED_TRACE(absl::StrCat("body '", body, "'"));
    ApiResult r = Call(kBotA, std::nullopt, body);
    ASSERT_THAT(r, IsPage());
    EXPECT_THAT(SessionIds(r), ElementsAreArray(DefaultPage()));
    EXPECT_EQ(Total(r), 55);
    EXPECT_TRUE(MoreAvailable(r));
  }
}

TEST_F(GetSessionsBody, UnknownBodyFieldsAreIgnoredAndNotValidated) {
  ApiResult plain = CallBot({{"limit", 3}, {"skip", 2}});
  ASSERT_THAT(plain, IsPage());
  ApiResult extra = CallBot({{"limit", 3},
                             {"skip", 2},
                             {"callId", "abc-123"},
                             {"foo", {{"bar", json::array({1, 2})}}},
                             {"date_from", "2026-02-30"},
                             {"Limit", 0},
                             {"channel", "msteams"}});
  ASSERT_THAT(extra, IsPage());
  EXPECT_EQ(extra.raw, plain.raw);
  const std::vector<std::string> page = DefaultPage();
  EXPECT_THAT(SessionIds(extra), ElementsAre(page[2], page[3], page[4]));
}

class GetSessionsBodyNotAnObject
    : public sessiondb::testing::TempStoreTest,
      public ::testing::WithParamInterface<std::string> {};

TEST_P(GetSessionsBodyNotAnObject, IsABadRequest) {
  EXPECT_THAT(Call(kBotA, std::nullopt, GetParam()),
              IsBadRequest(Not(IsEmpty())));
  EXPECT_THAT(Call(std::nullopt, std::nullopt, GetParam()),
              IsBadRequest(Not(IsEmpty())));
}

INSTANTIATE_TEST_SUITE_P(ArraysScalarsAndBrokenJson, GetSessionsBodyNotAnObject,
                         ::testing::Values("[]", "[{\"limit\": 5}]", "42",
                                           "\"{}\"", "true", "null", "{",
                                           "{\"limit\": }", "{\"limit\": 5,}",
                                           "not json", "{} {}",
                                           "{\"limit\": 5} trailing"));

// ---- Errors ----

TEST_F(GetSessionsBody, ErrorsHaveTheApiShapeAndNameTheField) {
  struct Case {
    std::optional<std::string> containment;
    std::string body;
    std::string field;
  };
  const std::vector<Case> cases = {
      {std::nullopt, R"({"limit": 0})", "limit"},
      {std::nullopt, R"({"skip": -1})", "skip"},
      {std::nullopt, R"({"offset": "1"})", "offset"},
      {std::nullopt, R"({"dateFrom": "2026-02-30"})", "dateFrom"},
      {std::nullopt, R"({"dateTo": "2020-02-11T10:00:00"})", "dateTo"},
      {std::nullopt, R"({"sessionType": "chatty"})", "sessionType"},
      {std::nullopt, R"({"userId": 7})", "userId"},
      {std::nullopt, R"({"tags": {"xor": []}})", "tags"},
      {std::nullopt, R"({"sessionId": 7})", "sessionId"},
      {"transfer", "", "containmentType"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body);
    std::optional<std::string_view> containment;
    if (c.containment.has_value()) containment = *c.containment;
    // The exact error shape is checked by IsBadRequest.
    EXPECT_THAT(Call(kBotA, containment, c.body),
                IsBadRequest(HasSubstr(c.field)));
    EXPECT_THAT(Call(std::nullopt, containment, c.body),
                IsBadRequest(HasSubstr(c.field)));
  }
}

TEST_F(GetSessionsBody, ErrorBodyIsExactlyOneErrorObjectInOrder) {
  ApiResult r = CallBot({{"limit", 0}});
  ASSERT_THAT(r, IsBadRequest(HasSubstr("limit")));
  EXPECT_THAT(Keys(r.json), ElementsAre("errors"));
  EXPECT_THAT(Keys(r.json["errors"][0]), ElementsAre("msg", "code"));
}

}  // namespace
}  // namespace sessiondb
