// SPEC §1, writes through the typed API: upsert by sessionId (every index
// follows a re-written session), delete, atomic batches, field validation,
// and durability across reopen and kill -9. Effects are observed through the
// JSON front door.

#include <signal.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/temp_store.h"

namespace sessiondb {
namespace {

using ::nlohmann::json;
using ::sessiondb::testing::ApiResult;
using ::sessiondb::testing::IsPage;
using ::sessiondb::testing::kBotA;
using ::sessiondb::testing::kBotB;
using ::sessiondb::testing::kMsPerDayForTests;
using ::sessiondb::testing::kMsPerHour;
using ::sessiondb::testing::kMsPerSecond;
using ::sessiondb::testing::MakeSession;
using ::sessiondb::testing::OrderedJson;
using ::sessiondb::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ContainsRegex;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr int64_t kDay = kMsPerDayForTests;
using std::nullopt;

class SessionWrites : public sessiondb::testing::TempStoreTest {
 protected:
  // Ids answers a route (bot = nullopt: account-wide) with a large limit and
  // checks that total agrees with the page.
  std::vector<std::string> Ids(std::optional<std::string_view> bot,
                               std::optional<std::string_view> containment,
                               json body = json::object()) {
    body["limit"] = 1000;
    ApiResult r = CallJson(bot, containment, body);
    EXPECT_THAT(r, IsPage()) << body.dump();
    if (r.status != 200) return {};
    EXPECT_EQ(Total(r), static_cast<int64_t>(r.json["sessions"].size()))
        << body.dump();
    return SessionIds(r);
  }
  std::vector<std::string> IdsA(json body = json::object()) {
    return Ids(kBotA, nullopt, std::move(body));
  }
  std::vector<std::string> IdsB(json body = json::object()) {
    return Ids(kBotB, nullopt, std::move(body));
  }
  std::vector<std::string> IdsAll(json body = json::object()) {
    return Ids(nullopt, nullopt, std::move(body));
  }
  // Total of a query with limit 1, so a total that does not come from the
  // page itself (e.g. from counters) is checked too.
  int64_t TotalOf(std::optional<std::string_view> bot,
                  std::optional<std::string_view> containment,
                  json body = json::object()) {
    body["limit"] = 1;
    ApiResult r = CallJson(bot, containment, body);
    EXPECT_THAT(r, IsPage()) << body.dump();
    return r.status == 200 ? Total(r) : -1;
  }
  // Lookup answers {"sessionId": id} account-wide: the stored record, or
  // nullopt when the store does not have it.
  std::optional<OrderedJson> Lookup(const std::string& id) {
    ApiResult r = CallJson(nullopt, nullopt, {{"sessionId", id}});
    EXPECT_THAT(r, IsPage());
    if (r.status != 200 || r.json["sessions"].empty()) return nullopt;
    return r.json["sessions"][0];
  }
};

// ---- Upsert ----

TEST_F(SessionWrites, PutOfAnExistingSessionIdReplacesTheRecord) {
  Session v1 = MakeSession("up-1", DefaultNow() - kMsPerHour);
  v1.channel = "rtm";
  v1.messages_exchanged = 1;
  v1.user_tags = {{"plan", "gold"}};
  Put(v1);
  Session v2 = v1;
  v2.channel = "web";
  v2.messages_exchanged = 5;
  v2.tasks_executed = 2;
  v2.end_time_ms.reset();
  v2.user_tags = {};
  v2.session_tags = {{"region", "eu"}};
  Put(v2);

  std::optional<OrderedJson> got = Lookup("up-1");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->value("channel", ""), "web");
  EXPECT_EQ(got->value("noOfMessagesExchanged", int64_t{-1}), 5);
  EXPECT_EQ(got->value("noOfTasksExecuted", int64_t{-1}), 2);
  EXPECT_FALSE(got->contains("end_time"));
  EXPECT_EQ(got->value("sessionStatus", ""), "active");
  EXPECT_EQ(
      (*got)["tags"].dump(),
      R"({"userTags":[],"sessionTags":[{"value":"eu","name":"region"}]})");
  EXPECT_THAT(IdsA(), ElementsAre("up-1"));
  EXPECT_EQ(TotalOf(kBotA, nullopt), 1);
  EXPECT_EQ(TotalOf(nullopt, nullopt), 1);
}

TEST_F(SessionWrites, LiveSessionRewrittenAsEndedBecomesClosed) {
  // A runtime writes a session when it starts and again when it ends.
  Session s = MakeSession("lifecycle", DefaultNow() - kMsPerHour);
  s.end_time_ms.reset();
  Put(s);
  std::optional<OrderedJson> live = Lookup("lifecycle");
  ASSERT_TRUE(live.has_value());
  EXPECT_EQ(live->value("sessionStatus", ""), "active");
  EXPECT_FALSE(live->contains("end_time"));

  s.end_time_ms = s.start_time_ms + 90 * kMsPerSecond;
  s.messages_exchanged = 4;
  Put(s);
  std::optional<OrderedJson> ended = Lookup("lifecycle");
  ASSERT_TRUE(ended.has_value());
  EXPECT_EQ(ended->value("sessionStatus", ""), "closed");
  EXPECT_TRUE(ended->contains("end_time"));
  EXPECT_EQ(ended->value("noOfMessagesExchanged", int64_t{-1}), 4);
  EXPECT_THAT(IdsA(), ElementsAre("lifecycle"));
}

TEST_F(SessionWrites, RewriteToAnotherBotIsFoundOnlyUnderTheNewBot) {
  Put(MakeSession("anchor-a", DefaultNow() - 2 * kMsPerHour, kBotA));
  Put(MakeSession("anchor-b", DefaultNow() - 2 * kMsPerHour, kBotB));
  Session s = MakeSession("moved", DefaultNow() - kMsPerHour, kBotA);
  s.containment_type = ContainmentType::kAgent;
  Put(s);
  ASSERT_THAT(IdsA(), ElementsAre("moved", "anchor-a"));

  s.bot_id = kBotB;
  Put(s);
  EXPECT_THAT(IdsA(), ElementsAre("anchor-a"));
  EXPECT_THAT(IdsB(), ElementsAre("moved", "anchor-b"));
  EXPECT_THAT(IdsAll(), ElementsAre("moved", "anchor-b", "anchor-a"));
  EXPECT_EQ(TotalOf(kBotA, nullopt), 1);
  EXPECT_EQ(TotalOf(kBotB, nullopt), 2);
  EXPECT_EQ(TotalOf(kBotA, "agent"), 0);
  EXPECT_EQ(TotalOf(kBotB, "agent"), 1);
  EXPECT_THAT(Ids(kBotA, "agent"), IsEmpty());
  EXPECT_THAT(Ids(kBotB, "agent"), ElementsAre("moved"));
  // Lookup on the old bot's route no longer finds it.
  ApiResult r = CallBot({{"sessionId", "moved"}});
  ASSERT_THAT(r, IsPage());
  EXPECT_THAT(SessionIds(r), IsEmpty());
}

TEST_F(SessionWrites, RewriteToAnotherStartTimeIsFoundOnlyAtTheNewTime) {
  Put(MakeSession("anchor", DefaultNow() - 2 * kMsPerHour));
  Session s = MakeSession("moved", DefaultNow() - kMsPerHour);
  Put(s);
  ASSERT_THAT(IdsA(), ElementsAre("moved", "anchor"));

  // Within the window: it moves from first to last place.
  s.start_time_ms = DefaultNow() - 3 * kMsPerHour;
  s.end_time_ms = s.start_time_ms + kMsPerSecond;
  Put(s);
  EXPECT_THAT(IdsA(), ElementsAre("anchor", "moved"));

  // Out of the default window, into an older one.
  s.start_time_ms = DefaultNow() - 10 * kDay;  // 2024-03-05T12:00Z
  s.end_time_ms = s.start_time_ms + kMsPerSecond;
  Put(s);
  EXPECT_THAT(IdsA(), ElementsAre("anchor"));
  EXPECT_EQ(TotalOf(kBotA, nullopt), 1);
  const json old_window = {{"dateFrom", "2024-03-05"},
                           {"dateTo", "2024-03-05"}};
  EXPECT_THAT(IdsA(old_window), ElementsAre("moved"));
  EXPECT_EQ(TotalOf(kBotA, nullopt, old_window), 1);
  EXPECT_THAT(Ids(kBotA, "dropOff"), ElementsAre("anchor"));
  EXPECT_THAT(Ids(kBotA, "dropOff", old_window), ElementsAre("moved"));
}

TEST_F(SessionWrites, RewriteToAnotherUserIsFoundOnlyUnderTheNewUser) {
  ASSERT_OK(store_->LinkUserAliases({"u-old", {"old@corp.com"}}));
  ASSERT_OK(store_->LinkUserAliases({"u-new", {"new@corp.com"}}));
  Session anchor = MakeSession("anchor", DefaultNow() - 2 * kMsPerHour);
  anchor.user_id = "u-old";
  Put(anchor);
  Session s = MakeSession("moved", DefaultNow() - kMsPerHour);
  s.user_id = "u-old";
  Put(s);
  ASSERT_THAT(IdsA({{"userId", "u-old"}}), ElementsAre("moved", "anchor"));

  s.user_id = "u-new";
  Put(s);
  EXPECT_THAT(IdsA({{"userId", "u-old"}}), ElementsAre("anchor"));
  EXPECT_THAT(IdsA({{"userId", "old@corp.com"}}), ElementsAre("anchor"));
  EXPECT_THAT(IdsA({{"userId", "u-new"}}), ElementsAre("moved"));
  EXPECT_THAT(IdsA({{"userId", "NEW@corp.com"}}), ElementsAre("moved"));
  EXPECT_EQ(TotalOf(kBotA, nullopt, {{"userId", "u-old"}}), 1);
  EXPECT_EQ(TotalOf(kBotA, nullopt, {{"userId", "u-new"}}), 1);
}

TEST_F(SessionWrites, RewriteToAnotherContainmentIsFoundOnlyUnderTheNewOne) {
  Session anchor = MakeSession("anchor", DefaultNow() - 2 * kMsPerHour);
  anchor.containment_type = ContainmentType::kDropOff;
  Put(anchor);
  Session s = MakeSession("moved", DefaultNow() - kMsPerHour);
  s.containment_type = ContainmentType::kDropOff;
  Put(s);
  ASSERT_THAT(Ids(kBotA, "dropOff"), ElementsAre("moved", "anchor"));

  s.containment_type = ContainmentType::kAgent;
  Put(s);
  EXPECT_THAT(Ids(kBotA, "dropOff"), ElementsAre("anchor"));
  EXPECT_THAT(Ids(kBotA, "agent"), ElementsAre("moved"));
  EXPECT_THAT(Ids(kBotA, "selfService"), IsEmpty());
  EXPECT_THAT(Ids(nullopt, "agent"), ElementsAre("moved"));
  EXPECT_EQ(TotalOf(kBotA, "dropOff"), 1);
  EXPECT_EQ(TotalOf(kBotA, "agent"), 1);
  EXPECT_EQ(TotalOf(kBotA, "selfService"), 0);
  EXPECT_EQ(TotalOf(nullopt, "dropOff"), 1);
  EXPECT_EQ(TotalOf(nullopt, "agent"), 1);
}

TEST_F(SessionWrites, RewriteToAnotherSessionTypeIsFoundOnlyUnderTheNewOne) {
  Session s = MakeSession("moved", DefaultNow() - kMsPerHour);
  s.session_type = SessionType::kInteractive;
  Put(s);
  ASSERT_THAT(IdsA({{"sessionType", "interactive"}}), ElementsAre("moved"));
  s.session_type = SessionType::kNonInteractive;
  Put(s);
  EXPECT_THAT(IdsA({{"sessionType", "interactive"}}), IsEmpty());
  EXPECT_THAT(IdsA({{"sessionType", "non-interactive"}}), ElementsAre("moved"));
  EXPECT_EQ(TotalOf(kBotA, nullopt, {{"sessionType", "interactive"}}), 0);
}

TEST_F(SessionWrites, RewriteWithOtherTagsIsFoundOnlyUnderTheNewTags) {
  Session s = MakeSession("moved", DefaultNow() - kMsPerHour);
  s.user_tags = {{"plan", "old"}, {"legacy", "x"}};
  s.session_tags = {{"region", "eu"}};
  Put(s);
  auto user_tag = [](const char* name, const char* value) {
    return json{{"tags", {{"userTags", {{{"name", name}, {"value", value}}}}}}};
  };
  auto session_tag = [](const char* name, const char* value) {
    return json{
        {"tags", {{"sessionTags", {{{"name", name}, {"value", value}}}}}}};
  };
  auto any_tag = [](const char* name) {
    return json{{"tags", {{"and", {{{"name", name}}}}}}};
  };
  ASSERT_THAT(IdsA(user_tag("plan", "old")), ElementsAre("moved"));
  ASSERT_THAT(IdsA(any_tag("legacy")), ElementsAre("moved"));

  s.user_tags = {{"plan", "new"}};
  s.session_tags = {{"region", "us"}, {"fresh", "1"}};
  Put(s);
  // The old tags answer nothing, in every form.
  EXPECT_THAT(IdsA(user_tag("plan", "old")), IsEmpty());
  EXPECT_THAT(IdsA(session_tag("region", "eu")), IsEmpty());
  EXPECT_THAT(IdsA(any_tag("legacy")), IsEmpty());
  EXPECT_THAT(IdsA({{"tags",
                     {{"or",
                       {{{"name", "plan"}, {"value", "old"}, {"type", "user"}},
                        {{"name", "region"}, {"value", "eu"}}}}}}}),
              IsEmpty());
  EXPECT_EQ(TotalOf(kBotA, nullopt, user_tag("plan", "old")), 0);
  // The new ones find it, in every form.
  EXPECT_THAT(IdsA(user_tag("plan", "new")), ElementsAre("moved"));
  EXPECT_THAT(IdsA(session_tag("region", "us")), ElementsAre("moved"));
  EXPECT_THAT(IdsA(any_tag("fresh")), ElementsAre("moved"));
  EXPECT_THAT(IdsA({{"tags",
                     {{"and",
                       {{{"name", "region"},
                         {"values", {"us"}},
                         {"type", "session"}}}}}}}),
              ElementsAre("moved"));
  EXPECT_THAT(IdsA({{"tags",
                     {{"or",
                       {{{"name", "plan"}, {"value", "old"}},
                        {{"name", "plan"}, {"value", "new"}}}}}}}),
              ElementsAre("moved"));
  EXPECT_EQ(TotalOf(kBotA, nullopt, user_tag("plan", "new")), 1);
}

TEST_F(SessionWrites, RewriteOfEveryIndexedFieldAtOnceLeavesNoStaleEntry) {
  ASSERT_OK(store_->LinkUserAliases({"u-old", {"old@corp.com"}}));
  ASSERT_OK(store_->LinkUserAliases({"u-new", {"new@corp.com"}}));
  Session before = MakeSession("moved", DefaultNow() - kMsPerHour, kBotA);
  before.user_id = "u-old";
  before.containment_type = ContainmentType::kSelfService;
  before.session_type = SessionType::kInteractive;
  before.user_tags = {{"plan", "old"}};
  before.session_tags = {{"region", "eu"}};
  Put(before);
  Session after = before;
  after.bot_id = kBotB;
  after.start_time_ms = DefaultNow() - 2 * kDay;
  after.end_time_ms.reset();
  after.user_id = "u-new";
  after.containment_type = ContainmentType::kAgent;
  after.session_type = SessionType::kNonInteractive;
  after.user_tags = {{"plan", "new"}};
  after.session_tags = {{"region", "us"}};
  Put(after);

  for (const std::optional<std::string_view> bot :
       {std::optional<std::string_view>(kBotA),
        std::optional<std::string_view>(kBotB),
        std::optional<std::string_view>()}) {
    SCOPED_TRACE(bot.value_or("<account-wide>"));
    const bool new_bot_visible = !bot.has_value() || *bot == kBotB;
    const std::vector<std::string> hit = new_bot_visible
                                             ? std::vector<std::string>{"moved"}
                                             : std::vector<std::string>{};
    // Old values: never found.
    EXPECT_THAT(Ids(bot, "selfService"), IsEmpty());
    EXPECT_THAT(Ids(bot, nullopt, {{"userId", "u-old"}}), IsEmpty());
    EXPECT_THAT(Ids(bot, nullopt, {{"userId", "old@corp.com"}}), IsEmpty());
    EXPECT_THAT(Ids(bot, nullopt, {{"sessionType", "interactive"}}), IsEmpty());
    EXPECT_THAT(
        Ids(bot, nullopt,
            {{"tags", {{"userTags", {{{"name", "plan"}, {"value", "old"}}}}}}}),
        IsEmpty());
    EXPECT_THAT(
        Ids(bot, nullopt,
            {{"tags",
              {{"sessionTags", {{{"name", "region"}, {"value", "eu"}}}}}}}),
        IsEmpty());
    EXPECT_THAT(Ids(bot, nullopt, {{"dateFrom", "2024-03-15"}}), IsEmpty());
    EXPECT_EQ(TotalOf(bot, "selfService"), 0);
    // New values: found where the new bot is visible.
    EXPECT_EQ(Ids(bot, "agent"), hit);
    EXPECT_EQ(Ids(bot, nullopt, {{"userId", "u-new"}}), hit);
    EXPECT_EQ(Ids(bot, nullopt, {{"userId", "new@corp.com"}}), hit);
    EXPECT_EQ(Ids(bot, nullopt, {{"sessionType", "non-interactive"}}), hit);
    EXPECT_EQ(
        Ids(bot, nullopt,
            {{"tags", {{"userTags", {{{"name", "plan"}, {"value", "new"}}}}}}}),
        hit);
    EXPECT_EQ(
        Ids(bot, nullopt,
            {{"tags",
              {{"sessionTags", {{{"name", "region"}, {"value", "us"}}}}}}}),
        hit);
    EXPECT_EQ(Ids(bot, nullopt,
                  {{"dateFrom", "2024-03-13"}, {"dateTo", "2024-03-13"}}),
              hit);
    EXPECT_EQ(Ids(bot, nullopt), hit);
    EXPECT_EQ(TotalOf(bot, "agent"), static_cast<int64_t>(hit.size()));
    EXPECT_EQ(TotalOf(bot, nullopt), static_cast<int64_t>(hit.size()));
  }
}

TEST_F(SessionWrites, ManyRewritesOfOneSessionLeaveExactlyOneEntry) {
  const ContainmentType kinds[] = {ContainmentType::kDropOff,
                                   ContainmentType::kSelfService,
                                   ContainmentType::kAgent};
  Session s = MakeSession("churn", DefaultNow() - kMsPerHour);
  for (int i = 0; i < 30; ++i) {
    s.containment_type = kinds[i % 3];
    s.user_id = absl::StrCat("u-", i % 4);
    s.start_time_ms = DefaultNow() - (i % 5 + 1) * kMsPerHour;
    s.end_time_ms = s.start_time_ms + kMsPerSecond;
    s.user_tags = {{"round", absl::StrCat(i)}};
    Put(s);
  }
  // The last write (i = 29) decides every index: containment kinds[29 % 3]
  // (agent), user u-1, start now-5h (07:00Z), round 29.
  ASSERT_EQ(s.containment_type, ContainmentType::kAgent);
  EXPECT_THAT(IdsA(), ElementsAre("churn"));
  EXPECT_THAT(Ids(kBotA, "agent"), ElementsAre("churn"));
  EXPECT_THAT(Ids(kBotA, "dropOff"), IsEmpty());
  EXPECT_THAT(Ids(kBotA, "selfService"), IsEmpty());
  EXPECT_EQ(TotalOf(kBotA, nullopt), 1);
  EXPECT_EQ(TotalOf(kBotA, "dropOff") + TotalOf(kBotA, "selfService") +
                TotalOf(kBotA, "agent"),
            1);
  EXPECT_THAT(IdsA({{"userId", "u-1"}}), ElementsAre("churn"));
  for (const char* u : {"u-0", "u-2", "u-3"}) {
    EXPECT_THAT(IdsA({{"userId", u}}), IsEmpty()) << u;
  }
  EXPECT_THAT(
      IdsA({{"tags", {{"userTags", {{{"name", "round"}, {"value", "29"}}}}}}}),
      ElementsAre("churn"));
  EXPECT_THAT(
      IdsA({{"tags", {{"userTags", {{{"name", "round"}, {"value", "28"}}}}}}}),
      IsEmpty());
  EXPECT_THAT(IdsA({{"dateFrom", "2024-03-15T06:59:00Z"},
                    {"dateTo", "2024-03-15T07:01:00Z"}}),
              ElementsAre("churn"));
  EXPECT_THAT(IdsA({{"dateFrom", "2024-03-15T07:01:00Z"}}), IsEmpty());
}

TEST_F(SessionWrites, BatchWithARepeatedSessionIdKeepsItsLastValue) {
  Session first = MakeSession("twice", DefaultNow() - kMsPerHour);
  first.containment_type = ContainmentType::kDropOff;
  Session last = first;
  last.containment_type = ContainmentType::kAgent;
  last.channel = "web";
  PutAll({first, MakeSession("other", DefaultNow() - 2 * kMsPerHour), last});
  EXPECT_THAT(IdsA(), ElementsAre("twice", "other"));
  EXPECT_THAT(Ids(kBotA, "agent"), ElementsAre("twice"));
  EXPECT_THAT(Ids(kBotA, "dropOff"), ElementsAre("other"));
  EXPECT_EQ(TotalOf(kBotA, nullopt), 2);
  std::optional<OrderedJson> got = Lookup("twice");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->value("channel", ""), "web");
}

// ---- Delete ----

TEST_F(SessionWrites, DeleteRemovesTheSessionFromEveryAnswer) {
  ASSERT_OK(store_->LinkUserAliases({"u-gone", {"gone@corp.com"}}));
  Session keep = MakeSession("keep", DefaultNow() - 2 * kMsPerHour);
  keep.containment_type = ContainmentType::kAgent;
  Session gone = MakeSession("gone", DefaultNow() - kMsPerHour);
  gone.containment_type = ContainmentType::kAgent;
  gone.user_id = "u-gone";
  gone.user_tags = {{"plan", "gold"}};
  gone.session_tags = {{"region", "eu"}};
  PutAll({keep, gone});
  ASSERT_THAT(IdsA(), ElementsAre("gone", "keep"));

  ASSERT_OK(store_->Delete("gone"));
  EXPECT_THAT(IdsA(), ElementsAre("keep"));
  EXPECT_THAT(IdsAll(), ElementsAre("keep"));
  EXPECT_THAT(Ids(kBotA, "agent"), ElementsAre("keep"));
  EXPECT_THAT(IdsA({{"userId", "u-gone"}}), IsEmpty());
  EXPECT_THAT(IdsA({{"userId", "gone@corp.com"}}), IsEmpty());
  EXPECT_THAT(IdsA({{"tags", {{"userTags", {{{"name", "plan"}}}}}}}),
              IsEmpty());
  EXPECT_THAT(
      IdsA({{"tags",
             {{"sessionTags", {{{"name", "region"}, {"value", "eu"}}}}}}}),
      IsEmpty());
  EXPECT_EQ(TotalOf(kBotA, nullopt), 1);
  EXPECT_EQ(TotalOf(kBotA, "agent"), 1);
  EXPECT_EQ(TotalOf(nullopt, nullopt), 1);

  ApiResult lookup = CallBot({{"sessionId", {"gone", "keep"}}});
  ASSERT_THAT(lookup, IsPage());
  EXPECT_THAT(SessionIds(lookup), ElementsAre("keep"));
  EXPECT_EQ(lookup.json["invalidSessions"], json::array({"gone"}));
}

TEST_F(SessionWrites, DeleteOfAnUnknownSessionIsNotFound) {
  Put(MakeSession("present", DefaultNow() - kMsPerHour));
  EXPECT_THAT(store_->Delete("absent"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("absent")));
  ASSERT_OK(store_->Delete("present"));
  EXPECT_THAT(store_->Delete("present"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("present")));
}

TEST_F(SessionWrites, DeletedSessionIdCanBeWrittenAgain) {
  Session s = MakeSession("again", DefaultNow() - kMsPerHour);
  Put(s);
  ASSERT_OK(store_->Delete("again"));
  s.containment_type = ContainmentType::kAgent;
  Put(s);
  EXPECT_THAT(IdsA(), ElementsAre("again"));
  EXPECT_THAT(Ids(kBotA, "agent"), ElementsAre("again"));
  EXPECT_EQ(TotalOf(kBotA, nullopt), 1);
}

// ---- Atomic batches ----

TEST_F(SessionWrites, ValidBatchWritesEveryRecord) {
  std::vector<Session> batch;
  for (int i = 0; i < 25; ++i) {
    batch.push_back(MakeSession(absl::StrFormat("b-%02d", i),
                                DefaultNow() - (i + 1) * kMsPerHour,
                                i % 2 ? kBotA : kBotB));
  }
  ASSERT_OK(store_->PutBatch(batch));
  EXPECT_EQ(TotalOf(nullopt, nullopt), 25);
  EXPECT_EQ(TotalOf(kBotA, nullopt), 12);
  EXPECT_EQ(TotalOf(kBotB, nullopt), 13);
}

TEST_F(SessionWrites, BatchWithAnInvalidRecordIsRejectedWholeNamingIt) {
  Session existing = MakeSession("existing", DefaultNow() - 5 * kMsPerHour);
  existing.channel = "rtm";
  Put(existing);

  std::vector<Session> batch;
  Session update = existing;
  update.channel = "web";
  update.containment_type = ContainmentType::kAgent;
  batch.push_back(update);  // index 0: an upsert of an existing session
  for (int i = 1; i < 9; ++i) {
    batch.push_back(
        MakeSession(absl::StrCat("new-", i), DefaultNow() - i * kMsPerHour));
  }
  batch[7].session_id = "broken-one";
  batch[7].channel = "";  // index 7 is invalid
  EXPECT_THAT(store_->PutBatch(batch),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(ContainsRegex("(^|[^0-9])7([^0-9]|$)"),
                             HasSubstr("broken-one"), HasSubstr("channel"))));

  // Nothing of the batch was applied.
  EXPECT_THAT(IdsAll(), ElementsAre("existing"));
  EXPECT_EQ(TotalOf(nullopt, nullopt), 1);
  EXPECT_THAT(Ids(kBotA, "agent"), IsEmpty());
  std::optional<OrderedJson> got = Lookup("existing");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->value("channel", ""), "rtm");
  EXPECT_EQ(got->value("containmentType", ""), "dropOff");
  EXPECT_FALSE(Lookup("new-1").has_value());
}

TEST_F(SessionWrites, BatchErrorNamesTheIndexOfARecordWithoutSessionId) {
  std::vector<Session> batch = {MakeSession("ok-0", DefaultNow() - kMsPerHour),
                                MakeSession("ok-1", DefaultNow() - kMsPerHour),
                                MakeSession("ok-2", DefaultNow() - kMsPerHour),
                                MakeSession("", DefaultNow() - kMsPerHour)};
  EXPECT_THAT(store_->PutBatch(batch),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(ContainsRegex("(^|[^0-9])3([^0-9]|$)"),
                             HasSubstr("sessionId"))));
  EXPECT_THAT(IdsAll(), IsEmpty());
}

// ---- Field validation ----

struct InvalidCase {
  std::string name;
  std::function<void(Session&)> mutate;
  std::string field;
};
void PrintTo(const InvalidCase& c, std::ostream* os) { *os << c.name; }

class SessionValidation : public SessionWrites,
                          public ::testing::WithParamInterface<InvalidCase> {};

TEST_P(SessionValidation, PutIsRejectedNamingTheFieldAndWritesNothing) {
  Session s = MakeSession("to-validate", DefaultNow() - kMsPerHour);
  GetParam().mutate(s);
  EXPECT_THAT(store_->Put(s), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr(GetParam().field)));
  EXPECT_THAT(ValidateSession(s), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr(GetParam().field)));
  EXPECT_THAT(IdsAll(), IsEmpty());
  EXPECT_EQ(TotalOf(nullopt, nullopt), 0);
}

TEST_P(SessionValidation, BatchIsRejectedNamingIndexSessionIdAndField) {
  Session bad = MakeSession("bad-record", DefaultNow() - kMsPerHour);
  GetParam().mutate(bad);
  std::vector<Session> batch;
  for (int i = 0; i < 7; ++i) {
    batch.push_back(
        MakeSession(absl::StrCat("good-", i), DefaultNow() - kMsPerHour));
  }
  batch[5] = bad;  // index 5
  auto names_record = AllOf(ContainsRegex("(^|[^0-9])5([^0-9]|$)"),
                            HasSubstr(GetParam().field));
  if (!bad.session_id.empty() && bad.session_id.size() <= 128) {
    EXPECT_THAT(store_->PutBatch(batch),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(names_record, HasSubstr(bad.session_id))));
  } else {
    EXPECT_THAT(store_->PutBatch(batch),
                StatusIs(absl::StatusCode::kInvalidArgument, names_record));
  }
  EXPECT_THAT(IdsAll(), IsEmpty());
}

std::string Bytes(size_t n) { return std::string(n, 'x'); }

INSTANTIATE_TEST_SUITE_P(
    EveryRuleOfSpecSection1, SessionValidation,
    ::testing::Values(
        InvalidCase{"EmptySessionId", [](Session& s) { s.session_id = ""; },
                    "sessionId"},
        InvalidCase{"SessionId129Bytes",
                    [](Session& s) { s.session_id = Bytes(129); }, "sessionId"},
        InvalidCase{"EmptyBotId", [](Session& s) { s.bot_id = ""; }, "botId"},
        InvalidCase{"BotId129Bytes", [](Session& s) { s.bot_id = Bytes(129); },
                    "botId"},
        InvalidCase{"EmptyChannel", [](Session& s) { s.channel = ""; },
                    "channel"},
        InvalidCase{"Channel65Bytes", [](Session& s) { s.channel = Bytes(65); },
                    "channel"},
        InvalidCase{"EmptyUserId", [](Session& s) { s.user_id = ""; },
                    "userId"},
        InvalidCase{"UserId257Bytes",
                    [](Session& s) { s.user_id = Bytes(257); }, "userId"},
        InvalidCase{"EndBeforeStart",
                    [](Session& s) { s.end_time_ms = s.start_time_ms - 1; },
                    "end_time"},
        InvalidCase{"NegativeMessages",
                    [](Session& s) { s.messages_exchanged = -1; },
                    "noOfMessagesExchanged"},
        InvalidCase{"NegativeTasks", [](Session& s) { s.tasks_executed = -1; },
                    "noOfTasksExecuted"},
        InvalidCase{"EmptyUserTagName",
                    [](Session& s) {
                      s.user_tags = {{"", "v"}};
                    },
                    "name"},
        InvalidCase{"UserTagName129Bytes",
                    [](Session& s) {
                      s.user_tags = {{"ok", "v"}, {Bytes(129), "v"}};
                    },
                    "name"},
        InvalidCase{"UserTagValue1025Bytes",
                    [](Session& s) {
                      s.user_tags = {{"n", Bytes(1025)}};
                    },
                    "value"},
        InvalidCase{"EmptySessionTagName",
                    [](Session& s) {
                      s.session_tags = {{"", "v"}};
                    },
                    "name"},
        InvalidCase{"SessionTagName129Bytes",
                    [](Session& s) {
                      s.session_tags = {{Bytes(129), "v"}};
                    },
                    "name"},
        InvalidCase{"SessionTagValue1025Bytes",
                    [](Session& s) {
                      s.session_tags = {{"n", Bytes(1025)}};
                    },
                    "value"},
        InvalidCase{
            "UnknownSessionType",
            [](Session& s) { s.session_type = static_cast<SessionType>(5); },
            "sessionType"},
        InvalidCase{"UnknownContainmentType",
                    [](Session& s) {
                      s.containment_type = static_cast<ContainmentType>(9);
                    },
                    "containmentType"},
        InvalidCase{"UnknownSessionStatus",
                    [](Session& s) {
                      s.session_status = static_cast<SessionStatus>(7);
                    },
                    "sessionStatus"}),
    [](const auto& info) { return info.param.name; });

struct AcceptedCase {
  std::string name;
  std::function<void(Session&)> mutate;
};
void PrintTo(const AcceptedCase& c, std::ostream* os) { *os << c.name; }

class SessionLimitsAccepted
    : public SessionWrites,
      public ::testing::WithParamInterface<AcceptedCase> {};

TEST_P(SessionLimitsAccepted, PutIsAcceptedAndReadBackUnchanged) {
  Session s = MakeSession("accepted", DefaultNow() - kMsPerHour);
  GetParam().mutate(s);
  ASSERT_OK(store_->Put(s));
  ApiResult r = CallJson(nullopt, nullopt, {{"sessionId", s.session_id}});
  ASSERT_THAT(r, IsPage());
  ASSERT_EQ(r.json["sessions"].size(), 1u);
  const OrderedJson& got = r.json["sessions"][0];
  EXPECT_EQ(got.value("sessionId", ""), s.session_id);
  EXPECT_EQ(got.value("botId", ""), s.bot_id);
  EXPECT_EQ(got.value("channel", ""), s.channel);
  EXPECT_EQ(got.value("userId", ""), s.user_id);
  EXPECT_EQ(got.value("noOfMessagesExchanged", int64_t{-1}),
            s.messages_exchanged);
  EXPECT_EQ(got.value("noOfTasksExecuted", int64_t{-1}), s.tasks_executed);
  json user_tags = json::array(), session_tags = json::array();
  for (const Tag& t : s.user_tags)
    user_tags.push_back({{"name", t.name}, {"value", t.value}});
  for (const Tag& t : s.session_tags) {
    session_tags.push_back({{"name", t.name}, {"value", t.value}});
  }
  EXPECT_EQ(json::parse(got["tags"]["userTags"].dump()), user_tags);
  EXPECT_EQ(json::parse(got["tags"]["sessionTags"].dump()), session_tags);
  EXPECT_EQ(got.contains("end_time"), s.end_time_ms.has_value());
}

INSTANTIATE_TEST_SUITE_P(
    BoundariesOfSpecSection1, SessionLimitsAccepted,
    ::testing::Values(
        AcceptedCase{"SessionId128Bytes",
                     [](Session& s) { s.session_id = Bytes(128); }},
        AcceptedCase{"SessionIdOneByte",
                     [](Session& s) { s.session_id = "x"; }},
        AcceptedCase{"BotId128Bytes",
                     [](Session& s) { s.bot_id = Bytes(128); }},
        AcceptedCase{"Channel64Bytes",
                     [](Session& s) { s.channel = Bytes(64); }},
        AcceptedCase{"UserId256Bytes",
                     [](Session& s) { s.user_id = Bytes(256); }},
        AcceptedCase{"TagName128Bytes",
                     [](Session& s) {
                       s.user_tags = {{Bytes(128), "v"}};
                     }},
        AcceptedCase{"TagValue1024Bytes",
                     [](Session& s) {
                       s.session_tags = {{"n", Bytes(1024)}};
                     }},
        AcceptedCase{"TagValueEmpty",
                     [](Session& s) {
                       s.user_tags = {{"n", ""}};
                     }},
        AcceptedCase{"EndEqualsStart",
                     [](Session& s) { s.end_time_ms = s.start_time_ms; }},
        AcceptedCase{"NoEndTime", [](Session& s) { s.end_time_ms.reset(); }},
        AcceptedCase{"LargeCounts",
                     [](Session& s) {
                       s.messages_exchanged = int64_t{1} << 40;
                       s.tasks_executed = 0;
                     }}),
    [](const auto& info) { return info.param.name; });

// ---- Durability ----

TEST_F(SessionWrites, WritesSurviveClosingAndReopening) {
  Session s = MakeSession("durable", DefaultNow() - kMsPerHour);
  s.containment_type = ContainmentType::kAgent;
  Put(s);
  Put(MakeSession("deleted", DefaultNow() - 2 * kMsPerHour));
  ASSERT_OK(store_->Delete("deleted"));
  Reopen();
  EXPECT_THAT(IdsA(), ElementsAre("durable"));
  EXPECT_THAT(Ids(kBotA, "agent"), ElementsAre("durable"));
  EXPECT_EQ(TotalOf(kBotA, nullopt), 1);
}

// The child half of AcknowledgedWritesSurviveKillNine: run only by that test,
// in a process of its own, which it kills with SIGKILL. It writes sessions
// forever and reports each acknowledged id on the file descriptor it is given.
TEST(SessionWritesCrashChild, DISABLED_WriteUntilKilled) {
  const char* dir = getenv("SESSIONDB_CRASH_DIR");
  const char* fd_text = getenv("SESSIONDB_CRASH_ACK_FD");
  ASSERT_NE(dir, nullptr);
  ASSERT_NE(fd_text, nullptr);
  const int fd = atoi(fd_text);
  Options options;
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options, dir);
  ASSERT_OK(store);
  const int64_t base = sessiondb::testing::UtcMs(2024, 3, 14);
  for (int i = 0;; ++i) {
    std::vector<Session> sessions;
    if (i % 10 == 9) {  // every tenth write is a batch of three
      for (int j = 0; j < 3; ++j) {
        sessions.push_back(
            MakeSession(absl::StrFormat("crash-%07d-%d", i, j), base + i));
      }
      ASSERT_OK((*store)->PutBatch(sessions));
    } else {
      sessions.push_back(
          MakeSession(absl::StrFormat("crash-%07d", i), base + i));
      ASSERT_OK((*store)->Put(sessions[0]));
    }
    std::string acks;
    for (const Session& s : sessions)
      absl::StrAppend(&acks, s.session_id, "\n");
    if (write(fd, acks.data(), acks.size()) !=
        static_cast<ssize_t>(acks.size()))
      return;
  }
}

TEST_F(SessionWrites, AcknowledgedWritesSurviveKillNine) {
  store_.reset();  // the child process owns the store until it is killed
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    setenv("SESSIONDB_CRASH_DIR", dir_.c_str(), 1);
    setenv("SESSIONDB_CRASH_ACK_FD", std::to_string(fds[1]).c_str(), 1);
    if (freopen("/dev/null", "w", stdout) == nullptr) _exit(126);
    execl("/proc/self/exe", "spec_writes_test",
          "--gtest_also_run_disabled_tests",
          "--gtest_filter=SessionWritesCrashChild.DISABLED_WriteUntilKilled",
          nullptr);
    _exit(127);
  }
  close(fds[1]);

  // Read acknowledgements until there are enough, kill -9, then drain what
  // the child acknowledged before it died.
  std::string acked;
  char buf[4096];
  auto count_lines = [&] {
    return std::count(acked.begin(), acked.end(), '\n');
  };
  while (count_lines() < 2000) {
    const ssize_t n = read(fds[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    acked.append(buf, n);
  }
  kill(pid, SIGKILL);
  int wstatus = 0;
  ASSERT_EQ(waitpid(pid, &wstatus, 0), pid);
  for (;;) {
    const ssize_t n = read(fds[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    acked.append(buf, n);
  }
  close(fds[0]);
  EXPECT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL)
      << "the child ended on its own before it was killed";

  std::vector<std::string> ids;
  // Each ack is one write() of less than PIPE_BUF bytes, so no line is cut.
  for (absl::string_view line :
       absl::StrSplit(acked, '\n', absl::SkipEmpty())) {
    ids.emplace_back(line);
  }
  ASSERT_GE(ids.size(), 2000u) << "the child acknowledged too few writes";

  Reopen();
  if (HasFatalFailure()) return;
  for (size_t i = 0; i < ids.size(); i += kMaxLookupIds) {
    SessionQuery q;
    q.session_ids.assign(ids.begin() + i,
                         ids.begin() + std::min(ids.size(), i + kMaxLookupIds));
    absl::StatusOr<SessionPage> page = store_->GetSessions(q);
    ASSERT_OK(page);
    EXPECT_THAT(page->invalid_sessions, IsEmpty()) << "acknowledged but lost";
  }
}

}  // namespace
}  // namespace sessiondb
