// SPEC §3 "Lookup by id": sessionId in the body (a string or an array of 1-50
// ids) answers the named sessions, each once, newest first, with
// invalidSessions; every other filter, the window, skip and limit are ignored
// and not validated.

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
using ::sessiondb::testing::MakeSession;
using ::sessiondb::testing::OrderedJson;
using ::sessiondb::testing::UtcMs;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class GetSessionsLookup : public sessiondb::testing::TempStoreTest {
 protected:
  void SetUp() override {
    TempStoreTest::SetUp();
    if (HasFatalFailure()) return;
    Session old = MakeSession(
        "a-old", UtcMs(2019, 6, 1, 8));  // outside any default window
    old.containment_type = ContainmentType::kDropOff;
    Session fresh = MakeSession("b-new", DefaultNow() - kMsPerHour);
    fresh.containment_type = ContainmentType::kAgent;
    fresh.session_type = SessionType::kNonInteractive;
    fresh.user_id = "u-fresh";
    Session other =
        MakeSession("c-other-bot", DefaultNow() - 2 * kMsPerHour, kBotB);
    Session mid = MakeSession("d-mid", DefaultNow() - 3 * kMsPerHour);
    mid.containment_type = ContainmentType::kSelfService;
    Session tie1 = MakeSession("e-tie1", DefaultNow() - 5 * kMsPerHour);
    Session tie2 = MakeSession("e-tie2", DefaultNow() - 5 * kMsPerHour);
    all_ = {old, fresh, other, mid, tie1, tie2};
    PutAll(all_);
  }

  static std::vector<std::string> Invalid(const ApiResult& r) {
    std::vector<std::string> ids;
    if (!r.json.is_object() || !r.json.contains("invalidSessions") ||
        !r.json["invalidSessions"].is_array()) {
      ADD_FAILURE() << "no invalidSessions array: " << r.raw;
      return ids;
    }
    for (const auto& id : r.json["invalidSessions"]) {
      ids.push_back(id.is_string() ? id.get<std::string>() : id.dump());
    }
    return ids;
  }

  std::vector<Session> all_;
};

TEST_F(GetSessionsLookup, SingleIdAsAStringFindsThatSession) {
  ApiResult r = CallBot({{"sessionId", "d-mid"}});
  ASSERT_THAT(r, IsPage());
  EXPECT_THAT(SessionIds(r), ElementsAre("d-mid"));
  EXPECT_EQ(Total(r), 1);
  EXPECT_FALSE(MoreAvailable(r));
  EXPECT_THAT(Invalid(r), IsEmpty());
}

TEST_F(GetSessionsLookup, AnswerHasInvalidSessionsAsAFourthKey) {
  ApiResult r = CallBot({{"sessionId", json::array({"d-mid", "nope"})}});
  ASSERT_THAT(r, IsPage());
  std::vector<std::string> keys;
  for (auto it = r.json.begin(); it != r.json.end(); ++it)
    keys.push_back(it.key());
  EXPECT_THAT(keys, ElementsAre("total", "moreAvailable", "sessions",
                                "invalidSessions"));
}

TEST_F(GetSessionsLookup, ArrayIsAnsweredNewestFirstNotInRequestOrder) {
  const std::vector<std::string> ids = {"a-old", "e-tie1", "d-mid", "b-new",
                                        "e-tie2"};
  ApiResult r = CallBot({{"sessionId", ids}});
  ASSERT_THAT(r, IsPage());
  EXPECT_THAT(SessionIds(r),
              ElementsAre("b-new", "d-mid", "e-tie2", "e-tie1", "a-old"));
  EXPECT_EQ(Total(r), 5);
  EXPECT_FALSE(MoreAvailable(r));
  EXPECT_THAT(Invalid(r), IsEmpty());
}

TEST_F(GetSessionsLookup, BotScopedRouteFindsOnlySessionsOfThatBot) {
  const json body = {{"sessionId", {"b-new", "c-other-bot"}}};
  ApiResult a = CallJson(kBotA, std::nullopt, body);
  ASSERT_THAT(a, IsPage());
  EXPECT_THAT(SessionIds(a), ElementsAre("b-new"));
  EXPECT_EQ(Total(a), 1);
  EXPECT_THAT(Invalid(a), ElementsAre("c-other-bot"));

  ApiResult b = CallJson(kBotB, std::nullopt, body);
  ASSERT_THAT(b, IsPage());
  EXPECT_THAT(SessionIds(b), ElementsAre("c-other-bot"));
  EXPECT_EQ(Total(b), 1);
  EXPECT_THAT(Invalid(b), ElementsAre("b-new"));
}

TEST_F(GetSessionsLookup, AccountWideRouteFindsSessionsOfEveryBot) {
  ApiResult r = CallJson(std::nullopt, std::nullopt,
                         {{"sessionId", {"c-other-bot", "a-old", "b-new"}}});
  ASSERT_THAT(r, IsPage());
  EXPECT_THAT(SessionIds(r), ElementsAre("b-new", "c-other-bot", "a-old"));
  EXPECT_EQ(Total(r), 3);
  EXPECT_THAT(Invalid(r), IsEmpty());
}

TEST_F(GetSessionsLookup, DuplicateIdsAreAnsweredOnce) {
  ApiResult r =
      CallBot({{"sessionId", {"b-new", "b-new", "d-mid", "b-new", "d-mid"}}});
  ASSERT_THAT(r, IsPage());
  EXPECT_THAT(SessionIds(r), ElementsAre("b-new", "d-mid"));
  EXPECT_EQ(Total(r), 2);
  EXPECT_THAT(Invalid(r), IsEmpty());
}

TEST_F(GetSessionsLookup,
       InvalidSessionsListsMissingIdsOnceEachInRequestOrder) {
  ApiResult r = CallBot(
      {{"sessionId",
        {"zz-9", "b-new", "aa-1", "zz-9", "mm-5", "aa-1", "c-other-bot"}}});
  ASSERT_THAT(r, IsPage());
  EXPECT_THAT(SessionIds(r), ElementsAre("b-new"));
  EXPECT_EQ(Total(r), 1);
  EXPECT_THAT(Invalid(r), ElementsAre("zz-9", "aa-1", "mm-5", "c-other-bot"));
}

TEST_F(GetSessionsLookup, OnlyUnknownIdsIsAnEmptyAnswerNotAnError) {
  ApiResult r = CallBot({{"sessionId", "no-such"}});
  ASSERT_THAT(r, IsPage());
  EXPECT_THAT(SessionIds(r), IsEmpty());
  EXPECT_EQ(Total(r), 0);
  EXPECT_FALSE(MoreAvailable(r));
  EXPECT_THAT(Invalid(r), ElementsAre("no-such"));
}

TEST_F(GetSessionsLookup, OtherFieldsAreIgnoredAndNotValidated) {
  const json body = {{"sessionId", {"a-old", "b-new", "d-mid"}},
                     {"limit", 0},
                     {"skip", -1},
                     {"offset", 7},
                     {"dateFrom", "2026-02-30"},
                     {"dateTo", "garbage"},
                     {"tags", {{"bogus", 1}}},
                     {"sessionType", "chatty"},
                     {"userId", 42}};
  for (const std::optional<std::string_view> containment :
       {std::optional<std::string_view>(),
        std::optional<std::string_view>("transfer"),
        std::optional<std::string_view>("agent")}) {
    SCOPED_TRACE(containment.value_or("<none>"));
    ApiResult r = CallJson(kBotA, containment, body);
    ASSERT_THAT(r, IsPage());
    EXPECT_THAT(SessionIds(r), ElementsAre("b-new", "d-mid", "a-old"));
    EXPECT_EQ(Total(r), 3);
    EXPECT_FALSE(MoreAvailable(r));
  }
}

TEST_F(GetSessionsLookup, ValidFiltersDoNotNarrowTheAnswer) {
  // Each of these would exclude some of the sessions in a window query.
  const json body = {{"sessionId", {"a-old", "b-new", "d-mid"}},
                     {"limit", 1},
                     {"skip", 2},
                     {"userId", "u-fresh"},
                     {"sessionType", "non-interactive"},
                     {"dateFrom", "2020-01-01"},
                     {"tags", {{"and", {{{"name", "absent-tag"}}}}}}};
  ApiResult r = CallJson(kBotA, "agent", body);
  ASSERT_THAT(r, IsPage());
  EXPECT_THAT(SessionIds(r), ElementsAre("b-new", "d-mid", "a-old"));
  EXPECT_EQ(Total(r), 3);
  EXPECT_FALSE(MoreAvailable(r));
}

TEST_F(GetSessionsLookup,
       ManyFoundSessionsAreAllAnsweredWithMoreAvailableFalse) {
  std::vector<Session> batch;
  std::vector<std::string> ids;
  for (int i = 0; i < 50; ++i) {
    Session s = MakeSession(absl::StrCat("many-", 100 + i),
                            DefaultNow() - (i % 7 + 1) * kMsPerHour);
    batch.push_back(s);
    ids.push_back(s.session_id);
  }
  PutAll(batch);
  ApiResult r = CallBot({{"sessionId", ids}});
  ASSERT_THAT(r, IsPage());
  EXPECT_THAT(SessionIds(r), ElementsAreArray(ExpectedIds(
                                 batch, [](const Session&) { return true; })));
  EXPECT_EQ(Total(r), 50);
  EXPECT_FALSE(MoreAvailable(r));
}

TEST_F(GetSessionsLookup, FiftyIdsAreAcceptedAndFiftyOneAreABadRequest) {
  std::vector<std::string> ids = {"b-new"};
  for (int i = 1; i < 50; ++i) ids.push_back(absl::StrCat("unknown-", i));
  ApiResult fifty = CallBot({{"sessionId", ids}});
  ASSERT_THAT(fifty, IsPage());
  EXPECT_THAT(SessionIds(fifty), ElementsAre("b-new"));
  EXPECT_EQ(Invalid(fifty).size(), 49u);

  ids.push_back("unknown-50");
  EXPECT_THAT(CallBot({{"sessionId", ids}}),
              IsBadRequest(HasSubstr("sessionId")));
}

TEST_F(GetSessionsLookup, DuplicatesCountTowardTheFiftyIds) {
  EXPECT_THAT(CallBot({{"sessionId", std::vector<std::string>(51, "b-new")}}),
              IsBadRequest(HasSubstr("sessionId")));
  ApiResult fifty =
      CallBot({{"sessionId", std::vector<std::string>(50, "b-new")}});
  ASSERT_THAT(fifty, IsPage());
  EXPECT_THAT(SessionIds(fifty), ElementsAre("b-new"));
}

TEST_F(GetSessionsLookup, MalformedSessionIdIsABadRequest) {
  for (const json& value : {json::array(), json(7), json::array({"b-new", 7}),
                            json::object(), json(true)}) {
    SCOPED_TRACE(value.dump());
    EXPECT_THAT(CallBot({{"sessionId", value}}),
                IsBadRequest(HasSubstr("sessionId")));
  }
}

TEST_F(GetSessionsLookup, AnsweredSessionsHaveTheFullRecord) {
  ApiResult r = CallBot({{"sessionId", "b-new"}});
  ASSERT_THAT(r, IsPage());
  ASSERT_EQ(r.json["sessions"].size(), 1u);
  const OrderedJson& s = r.json["sessions"][0];
  EXPECT_EQ(s.value("botId", ""), kBotA);
  EXPECT_EQ(s.value("userId", ""), "u-fresh");
  EXPECT_EQ(s.value("containmentType", ""), "agent");
  EXPECT_EQ(s.value("sessionType", ""), "non-interactive");
}

}  // namespace
}  // namespace sessiondb
