// The (bot, user), (bot, tag) and (bot, tag pair) counters: a userId-only
// request and a request with one or two typed, single-valued tag conditions
// take their total and skip position from counters (plan "counted by_user" /
// "counted by_tag"),
// answer exactly what a recount of the sessions says for windows with
// unaligned edges and any skip, and visit only the page's index entries plus
// the partial hours at the window's edges and at the skip position - not
// every match.
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/absl_compat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/temp_store.h"

namespace sessiondb::testing {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kMinute = kMsPerMinute;
constexpr int64_t kHour = kMsPerHour;
const int64_t kStart = UtcMs(2024, 3, 10);
constexpr int64_t kSpacing = 7 * kMinute;   // a session every 7 minutes
constexpr int kSessions = 3 * 24 * 60 / 7;  // three days of them

std::string Iso(int64_t ms) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixMillis(ms),
                          absl::UTCTimeZone());
}

// ExplainValue reads one "name: value" line of ExplainGetSessions' text.
int64_t ExplainValue(const std::string& explain, const std::string& name) {
  std::istringstream lines(explain);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(name + ":", 0) != 0) continue;
    return std::stoll(line.substr(name.size() + 1));
  }
  ADD_FAILURE() << "no \"" << name << "\" in\n" << explain;
  return -1;
}

class IndexCounters : public TempStoreTest {
 protected:
  void SetUp() override {
    TempStoreTest::SetUp();
    std::vector<Session> sessions;
    for (int i = 0; i < kSessions; ++i) {
      // Every third session is another user's; every second carries
      // intent=billing; containment cycles so cell filters matter.
      Session s = MakeSession(absl::StrCat("s-", i),
                              kStart + i * kSpacing + (i % 5) * 1000);
      s.user_id = i % 3 == 0 ? "u-other" : "u-heavy";
      s.containment_type = static_cast<ContainmentType>(i % 3);
      if (i % 2 == 0) s.session_tags = {{"intent", "billing"}};
      if (i % 4 == 1)
        s.session_tags = {{"intent", "billing"}, {"intent", "billing"}};
      if (i % 7 == 0) s.user_tags = {{"intent", "billing"}};  // other kind
      sessions.push_back(s);
    }
    // The same user and tag under another bot must not be counted.
    sessions.push_back(MakeSession("b-1", kStart + kHour, kBotB));
    sessions.back().user_id = "u-heavy";
    sessions.back().session_tags = {{"intent", "billing"}};
    PutAll(sessions);
    sessions_ = sessions;
  }

  // ExplainThreeDays explains a request with `tags` over the whole data.
  absl::StatusOr<std::string> ExplainThreeDays(std::string_view tags) {
    const std::string body = absl::StrCat(
        R"({"tags":)", AsAbsl(tags), R"(,"dateFrom":")", Iso(kStart),
        R"(","dateTo":")", Iso(kStart + 72 * kHour), R"("})");
    return store_->ExplainGetSessions(kBotA, std::nullopt, body);
  }

  std::vector<Session> sessions_;
};

bool CarriesSessionBilling(const Session& s) {
  for (const Tag& t : s.session_tags)
    if (t.name == "intent" && t.value == "billing") return true;
  return false;
}

constexpr char kBillingBothKinds[] =
    R"({"and":[{"name":"intent","values":["billing"],"type":"session"},)"
    R"({"name":"intent","values":["billing"],"type":"user"}]})";

bool CarriesUserBilling(const Session& s) {
  for (const Tag& t : s.user_tags)
    if (t.name == "intent" && t.value == "billing") return true;
  return false;
}

TEST_F(IndexCounters, UserAndTagPagesEqualARecountForUnalignedWindowsAndSkips) {
  std::mt19937_64 rng(11);
  struct Filter {
    std::string json;
    std::function<bool(const Session&)> keep;
  };
  const std::vector<Filter> filters = {
      {R"("userId":"u-heavy")",
       [](const Session& s) { return s.user_id == "u-heavy"; }},
      {R"("tags":{"and":[{"name":"intent","values":["billing"],"type":"session"}]})",
       CarriesSessionBilling},
      {absl::StrCat(R"("tags":)", kBillingBothKinds),
       [](const Session& s) {
         return CarriesSessionBilling(s) && CarriesUserBilling(s);
       }},
  };
  for (int round = 0; round < 60; ++round) {
    const Filter& f = filters[round % filters.size()];
    const int64_t from =
        kStart + static_cast<int64_t>(rng() % (60 * kHour)) - kHour;
    const int64_t to = from + static_cast<int64_t>(rng() % (40 * kHour));
    const bool agent_only = round % 5 == 4;
    auto keep = [&](const Session& s) {
      return s.bot_id == kBotA && s.start_time_ms >= from &&
             s.start_time_ms < to && f.keep(s) &&
             (!agent_only || s.containment_type == ContainmentType::kAgent);
    };
    const std::vector<std::string> expected = ExpectedIds(sessions_, keep);
    const int64_t skip =
        expected.empty() ? 0
                         : static_cast<int64_t>(rng() % (expected.size() + 2));
    const int64_t limit = 1 + static_cast<int64_t>(rng() % 40);
    const std::string body = absl::StrCat(
        "{", f.json, R"(,"dateFrom":")", Iso(from), R"(","dateTo":")", Iso(to),
        R"(","skip":)", skip, R"(,"limit":)", limit, "}");
    SCOPED_TRACE(body);
    ApiResult r = Call(
        kBotA,
        agent_only ? std::optional<std::string_view>("agent") : std::nullopt,
        body);
    ASSERT_THAT(r, IsPage());
    EXPECT_EQ(Total(r), static_cast<int64_t>(expected.size()));
    std::vector<std::string> page;
    for (int64_t i = skip;
         i < static_cast<int64_t>(expected.size()) && i < skip + limit; ++i)
      page.push_back(expected[i]);
    EXPECT_EQ(SessionIds(r), page);
  }
}

TEST_F(IndexCounters, UserTotalVisitsEdgeHoursAndThePageNotEveryMatch) {
  // Two and a half days of u-heavy: ~410 matches. Unaligned edges leave at
  // most two partial hours to scan (<= 9 entries each at one per 7 minutes);
  // the skip lands in one more hour.
  const std::string body = absl::StrCat(
      R"({"userId":"u-heavy","dateFrom":")", Iso(kStart + 20 * kMinute + 3),
      R"(","dateTo":")", Iso(kStart + 60 * kHour + 41 * kMinute),
      R"(","skip":200,"limit":10})");
  absl::StatusOr<std::string> explain =
      store_->ExplainGetSessions(kBotA, std::nullopt, body);
  ASSERT_OK(explain);
  EXPECT_THAT(*explain, HasSubstr("counted by_user"));
  EXPECT_LE(ExplainValue(*explain, "keys visited"), 10 + 4 * 9);
  EXPECT_GT(ExplainValue(*explain, "counters read"), 0);
}

TEST_F(IndexCounters, SingleTypedTagTotalVisitsEdgeHoursAndThePage) {
  const std::string body = absl::StrCat(
      R"({"tags":{"and":[{"name":"intent","values":["billing"],"type":"session"}]},)",
      R"("dateFrom":")", Iso(kStart + 5 * kMinute), R"(","dateTo":")",
      Iso(kStart + 70 * kHour + 1), R"(","skip":300,"limit":10})");
  absl::StatusOr<std::string> explain =
      store_->ExplainGetSessions(kBotA, std::nullopt, body);
  ASSERT_OK(explain);
  EXPECT_THAT(*explain, HasSubstr("counted by_tag"));
  EXPECT_LE(ExplainValue(*explain, "keys visited"), 10 + 4 * 9);
}

TEST_F(IndexCounters, AResultThatFitsInThePageReadsNoCounter) {
  // The page reaches the window's end: its size is the total.
  const std::string body =
      absl::StrCat(R"({"userId":"u-heavy","dateFrom":")", Iso(kStart),
                   R"(","dateTo":")", Iso(kStart + 2 * kHour), R"("})");
  absl::StatusOr<std::string> explain =
      store_->ExplainGetSessions(kBotA, std::nullopt, body);
  ASSERT_OK(explain);
  EXPECT_THAT(*explain, HasSubstr("counted by_user"));
  EXPECT_EQ(ExplainValue(*explain, "counters read"), 0);
  EXPECT_EQ(ExplainValue(*explain, "total"),
            static_cast<int64_t>(ExpectedIds(sessions_, [](const Session& s) {
                                   return s.bot_id == kBotA &&
                                          s.user_id == "u-heavy" &&
                                          s.start_time_ms < kStart + 2 * kHour;
                                 }).size()));
}

TEST_F(IndexCounters, ConditionsThatCouldCountASessionTwiceAreScanned) {
  // Either kind: a session with the tag in both kinds is one match.
  // Two values: a session carrying both is one match. Three conditions: no
  // scope keeps triples. None of these can sum one scope's counters.
  for (
      const char* tags :
      {R"({"and":[{"name":"intent","values":["billing"]}]})",
       R"({"and":[{"name":"intent","values":["billing","refund"],"type":"session"}]})",
       R"({"and":[{"name":"intent","values":["billing"],"type":"session"},)"
       R"({"name":"intent","values":["billing"],"type":"user"},)"
       R"({"name":"intent","values":["refund"],"type":"user"}]})"}) {
    SCOPED_TRACE(tags);
    absl::StatusOr<std::string> explain = ExplainThreeDays(tags);
    ASSERT_OK(explain);
    EXPECT_THAT(*explain, HasSubstr("scan by_tag"));
  }
}

TEST_F(IndexCounters, TwoTagTotalComesFromPairCountersAndIsExact) {
  const int64_t from = kStart + 3 * kHour + 17 * kMinute;
  const int64_t to = kStart + 66 * kHour + 5;
  const std::string body =
      absl::StrCat(R"({"tags":)", kBillingBothKinds, R"(,"dateFrom":")",
                   Iso(from), R"(","dateTo":")", Iso(to), R"(","skip":7})");
  absl::StatusOr<std::string> explain =
      store_->ExplainGetSessions(kBotA, std::nullopt, body);
  ASSERT_OK(explain);
  EXPECT_THAT(*explain, HasSubstr("counted by_tag"));
  const std::vector<std::string> expected =
      ExpectedIds(sessions_, [&](const Session& s) {
        return s.bot_id == kBotA && s.start_time_ms >= from &&
               s.start_time_ms < to && CarriesSessionBilling(s) &&
               CarriesUserBilling(s);
      });
  ASSERT_GT(expected.size(), 20u);
  ApiResult r = Call(kBotA, std::nullopt, body);
  ASSERT_THAT(r, IsPage());
  EXPECT_EQ(Total(r), static_cast<int64_t>(expected.size()));
  EXPECT_EQ(SessionIds(r),
            std::vector<std::string>(expected.begin() + 7, expected.end()));
}

TEST_F(IndexCounters, TheSmallerOfTwoTagsByItsCountersDrivesTheScan) {
  // session intent=billing is on every other session, user intent=billing
  // on every seventh: whichever order they come in, the user tag drives.
  for (const char* tags :
       {kBillingBothKinds,
        R"({"and":[{"name":"intent","values":["billing"],"type":"user"},)"
        R"({"name":"intent","values":["billing"],"type":"session"}]})"}) {
    SCOPED_TRACE(tags);
    absl::StatusOr<std::string> explain = ExplainThreeDays(tags);
    ASSERT_OK(explain);
    EXPECT_THAT(*explain, HasSubstr("user:intent=billing"));
    EXPECT_THAT(*explain, HasSubstr("counted "));
  }
}

TEST_F(IndexCounters, TheSameTagTwiceIsOneTag) {
  const std::string body = absl::StrCat(
      R"({"tags":{"and":[)",
      R"({"name":"intent","values":["billing"],"type":"session"},)",
      R"({"name":"intent","values":["billing","billing"],"type":"session"}]},)",
      R"("dateFrom":")", Iso(kStart), R"(","dateTo":")",
      Iso(kStart + 72 * kHour), R"("})");
  ApiResult r = Call(kBotA, std::nullopt, body);
  ASSERT_THAT(r, IsPage());
  EXPECT_EQ(Total(r),
            static_cast<int64_t>(ExpectedIds(sessions_, [](const Session& s) {
                                   return s.bot_id == kBotA &&
                                          CarriesSessionBilling(s);
                                 }).size()));
}

TEST_F(IndexCounters, ASessionWithManyTagsMakesPairTotalsFallBackToAScan) {
  // Past kMaxPairedTags distinct tags a session adds to no pair counter: in
  // the hours it touches, the pair total must come from a scan, and still
  // count it.
  Session many = MakeSession("many-tags", kStart + 30 * kHour + 1);
  many.user_tags = {{"intent", "billing"}};
  for (int i = 0; i < 9; ++i)
    many.session_tags.push_back({absl::StrCat("t", i), "v"});
  many.session_tags.push_back({"intent", "billing"});
  Put(many);
  sessions_.push_back(many);
  auto both = [](const Session& s) {
    return s.bot_id == kBotA && CarriesSessionBilling(s) &&
           CarriesUserBilling(s);
  };
  struct Case {
    int64_t from, to;
    bool inexact;
  };
  for (const Case& c :
       {Case{kStart, kStart + 72 * kHour, true},
        Case{kStart + 30 * kHour + 2, kStart + 40 * kHour, true},
        Case{kStart, kStart + 29 * kHour, false}}) {
    const std::string body =
        absl::StrCat(R"({"tags":)", kBillingBothKinds, R"(,"dateFrom":")",
                     Iso(c.from), R"(","dateTo":")", Iso(c.to), R"("})");
    SCOPED_TRACE(body);
    absl::StatusOr<std::string> explain =
        store_->ExplainGetSessions(kBotA, std::nullopt, body);
    ASSERT_OK(explain);
    EXPECT_EQ(explain->find("inexact") != std::string::npos, c.inexact)
        << *explain;
    ApiResult r = Call(kBotA, std::nullopt, body);
    ASSERT_THAT(r, IsPage());
    EXPECT_EQ(Total(r), static_cast<int64_t>(
                            ExpectedIds(sessions_, [&](const Session& s) {
                              return both(s) && s.start_time_ms >= c.from &&
                                     s.start_time_ms < c.to;
                            }).size()));
  }
}

TEST_F(IndexCounters, UserCountersFollowMovesAndDeletes) {
  // Move ten sessions from u-heavy to u-other and delete five more: the
  // counted total must follow.
  for (int i = 1; i <= 10; ++i) {
    Session& s = sessions_[3 * i + 1];
    ASSERT_EQ(s.user_id, "u-heavy");
    s.user_id = "u-other";
    Put(s);
  }
  for (int i = 20; i < 25; ++i) {
    ASSERT_OK(store_->Delete(sessions_[3 * i + 2].session_id));
    sessions_[3 * i + 2].bot_id = "deleted";
  }
  const std::string body =
      absl::StrCat(R"({"userId":"u-heavy","dateFrom":")", Iso(kStart),
                   R"(","dateTo":")", Iso(kStart + 72 * kHour), R"("})");
  ApiResult r = Call(kBotA, std::nullopt, body);
  ASSERT_THAT(r, IsPage());
  EXPECT_EQ(Total(r), static_cast<int64_t>(
                          ExpectedIds(sessions_, [](const Session& s) {
                            return s.bot_id == kBotA && s.user_id == "u-heavy";
                          }).size()));
}

}  // namespace
}  // namespace sessiondb::testing
