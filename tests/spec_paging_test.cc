// SPEC §3-§4, paging and order: skip/offset, limit bounds and the page size
// cap, newest-first order with its sessionId tie-break, walking every page,
// moreAvailable and total, and one snapshot per answer while writers run.

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/temp_store.h"
#include "testing/test_seed.h"

namespace sessiondb {
namespace {

using ::nlohmann::json;
using ::sessiondb::testing::ApiResult;
using ::sessiondb::testing::ExpectedIds;
using ::sessiondb::testing::IsBadRequest;
using ::sessiondb::testing::IsPage;
using ::sessiondb::testing::kBotA;
using ::sessiondb::testing::kMsPerHour;
using ::sessiondb::testing::kMsPerMinute;
using ::sessiondb::testing::kMsPerSecond;
using ::sessiondb::testing::MakeSession;
using ::testing::_;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<std::string> Slice(const std::vector<std::string>& v, size_t from,
                               size_t n) {
  if (from >= v.size()) return {};
  return std::vector<std::string>(v.begin() + from,
                                  v.begin() + std::min(v.size(), from + n));
}

class GetSessionsPaging : public sessiondb::testing::TempStoreTest {
 protected:
  // PutMany puts `n` sessions of kBotA in the default window, three per
  // start_time (ties), inserted in an order unrelated to the answer's.
  void PutMany(int n) {
    std::vector<Session> batch;
    for (int k = 0; k < n; ++k) {
      const int i = (k * 7919) % n;  // a permutation: 7919 is prime
      Session s = MakeSession(absl::StrFormat("p-%05d", i),
                              DefaultNow() - 1 - (i / 3) * kMsPerMinute);
      s.containment_type =
          i % 2 == 0 ? ContainmentType::kAgent : ContainmentType::kDropOff;
      s.user_id = i % 3 == 0 ? "u-walker" : "u-other";
      if (i % 4 != 0) s.session_tags.push_back({"walk", "yes"});
      batch.push_back(s);
      all_.push_back(s);
    }
    PutAll(batch);
  }

  std::vector<std::string> ExpectedAll() const {
    return ExpectedIds(all_, [](const Session&) { return true; });
  }

  std::vector<Session> all_;
};

// ---- Order ----

TEST_F(GetSessionsPaging, NewestFirstWithTiesBrokenBySessionIdDescending) {
  const int64_t t = DefaultNow() - kMsPerHour;
  Put(MakeSession("m-1", t));
  Put(MakeSession("z-0", t - 1));
  Put(MakeSession("m-3", t));
  Put(MakeSession("a-9", t + 1));
  Put(MakeSession("m-2", t));
  ApiResult r = CallBot(json::object());
  ASSERT_THAT(r, IsPage());
  EXPECT_THAT(SessionIds(r), ElementsAre("a-9", "m-3", "m-2", "m-1", "z-0"));
}

TEST_F(GetSessionsPaging, TieBreakComparesSessionIdsByteWise) {
  // Byte order: "s-9" > "s-100" > "s-10" > "S-5" ('s' 0x73 > 'S' 0x53).
  const int64_t t = DefaultNow() - kMsPerHour;
  for (const char* id : {"s-10", "S-5", "s-9", "s-100"})
    Put(MakeSession(id, t));
  ApiResult r = CallBot(json::object());
  ASSERT_THAT(r, IsPage());
  EXPECT_THAT(SessionIds(r), ElementsAre("s-9", "s-100", "s-10", "S-5"));
}

TEST_F(GetSessionsPaging, OrderOfAManyTiedSetMatchesTheModel) {
  PutMany(137);
  ApiResult r = CallBot({{"limit", 1000}});
  ASSERT_THAT(r, IsPage());
  EXPECT_THAT(SessionIds(r), ElementsAreArray(ExpectedAll()));
  EXPECT_EQ(Total(r), 137);
}

TEST_F(GetSessionsPaging, OrderDoesNotDependOnTheBotOnTheAccountWideRoute) {
  const int64_t t = DefaultNow() - kMsPerHour;
  Put(MakeSession("k-2", t, "st-bot-z"));
  Put(MakeSession("k-3", t, "st-bot-a"));
  Put(MakeSession("k-1", t, "st-bot-m"));
  Put(MakeSession("k-0", t + 1, "st-bot-z"));
  ApiResult r = Call(std::nullopt, std::nullopt, "");
  ASSERT_THAT(r, IsPage());
  EXPECT_THAT(SessionIds(r), ElementsAre("k-0", "k-3", "k-2", "k-1"));
}

// ---- skip / offset ----

TEST_F(GetSessionsPaging, SkipSkipsThatManySessionsOfTheOrder) {
  PutMany(37);
  ApiResult r = CallBot({{"skip", 5}, {"limit", 10}});
  ASSERT_THAT(r, IsPage());
  EXPECT_THAT(SessionIds(r), ElementsAreArray(Slice(ExpectedAll(), 5, 10)));
  EXPECT_EQ(Total(r), 37);
}

TEST_F(GetSessionsPaging, OffsetIsAnotherNameForSkip) {
  PutMany(37);
  ApiResult r = CallBot({{"offset", 5}, {"limit", 10}});
  ASSERT_THAT(r, IsPage());
  EXPECT_THAT(SessionIds(r), ElementsAreArray(Slice(ExpectedAll(), 5, 10)));
}

TEST_F(GetSessionsPaging, SkipAndOffsetWithEqualValuesAreAccepted) {
  PutMany(37);
  ApiResult r = CallBot({{"skip", 12}, {"offset", 12}, {"limit", 10}});
  ASSERT_THAT(r, IsPage());
  EXPECT_THAT(SessionIds(r), ElementsAreArray(Slice(ExpectedAll(), 12, 10)));
}

TEST_F(GetSessionsPaging, SkipAndOffsetWithDifferentValuesAreABadRequest) {
  EXPECT_THAT(CallBot({{"skip", 1}, {"offset", 2}}),
              IsBadRequest(AllOf(HasSubstr("skip"), HasSubstr("offset"))));
  EXPECT_THAT(CallBot({{"skip", 0}, {"offset", 10}}),
              IsBadRequest(AllOf(HasSubstr("skip"), HasSubstr("offset"))));
}

TEST_F(GetSessionsPaging, SkipDefaultsToZero) {
  PutMany(12);
  ApiResult r = CallBot({{"limit", 4}});
  ASSERT_THAT(r, IsPage());
  EXPECT_THAT(SessionIds(r), ElementsAreArray(Slice(ExpectedAll(), 0, 4)));
}

TEST_F(GetSessionsPaging, SkipPastTheEndIsAnEmptyPageWithTheTotal) {
  PutMany(12);
  for (int skip : {12, 13, 1000}) {
    SCOPED_TRACE(skip);
    ApiResult r = CallBot({{"skip", skip}});
    ASSERT_THAT(r, IsPage());
    EXPECT_THAT(SessionIds(r), IsEmpty());
    EXPECT_EQ(Total(r), 12);
    EXPECT_FALSE(MoreAvailable(r));
  }
}

TEST_F(GetSessionsPaging,
       SkipOrOffsetThatIsNotAnIntegerAtLeastZeroIsABadRequest) {
  for (const char* field : {"skip", "offset"}) {
    for (const json& value : {json(-1), json(1.5), json("3"), json(true),
                              json::array({1}), json::object()}) {
      SCOPED_TRACE(absl::StrCat(field, "=", value.dump()));
      EXPECT_THAT(CallBot({{field, value}}), IsBadRequest(HasSubstr(field)));
    }
  }
}

// ---- limit ----

TEST_F(GetSessionsPaging, LimitThatIsNotAnIntegerAtLeastOneIsABadRequest) {
  for (const json& value : {json(0), json(-1), json(2.5), json("10"),
                            json(true), json::array({10}), json::object()}) {
    SCOPED_TRACE(value.dump());
    EXPECT_THAT(CallBot({{"limit", value}}), IsBadRequest(HasSubstr("limit")));
  }
}

TEST_F(GetSessionsPaging, LimitDefaultsToFifty) {
  PutMany(60);
  ApiResult r = CallBot(json::object());
  ASSERT_THAT(r, IsPage());
  EXPECT_THAT(SessionIds(r), ElementsAreArray(Slice(ExpectedAll(), 0, 50)));
  EXPECT_EQ(Total(r), 60);
  EXPECT_TRUE(MoreAvailable(r));
}

TEST_F(GetSessionsPaging, LimitOneGivesOneSession) {
  PutMany(3);
  ApiResult r = CallBot({{"limit", 1}});
  ASSERT_THAT(r, IsPage());
  EXPECT_THAT(SessionIds(r), ElementsAreArray(Slice(ExpectedAll(), 0, 1)));
  EXPECT_TRUE(MoreAvailable(r));
}

TEST_F(GetSessionsPaging, LimitAboveTenThousandIsServedAsTenThousand) {
  // 10,005 sessions, 50 s apart: about 5.8 days, inside the default window.
  std::vector<Session> batch;
  for (int i = 0; i < 10005; ++i) {
    Session s = MakeSession(absl::StrFormat("big-%05d", i),
                            DefaultNow() - 1 - i * 50 * kMsPerSecond);
    batch.push_back(s);
    all_.push_back(s);
  }
  PutAll(batch);
  const std::vector<std::string> expected = ExpectedAll();
  ASSERT_EQ(expected.size(), 10005u);

  for (const int64_t limit :
       {int64_t{10001}, int64_t{1000000}, int64_t{10000}}) {
    SCOPED_TRACE(limit);
    ApiResult r = CallBot({{"limit", limit}});
    ASSERT_THAT(r, IsPage());
    EXPECT_THAT(SessionIds(r), ElementsAreArray(Slice(expected, 0, 10000)));
    EXPECT_EQ(Total(r), 10005);
    EXPECT_TRUE(MoreAvailable(r));
  }
  ApiResult rest = CallBot({{"limit", 10001}, {"skip", 10000}});
  ASSERT_THAT(rest, IsPage());
  EXPECT_THAT(SessionIds(rest), ElementsAreArray(Slice(expected, 10000, 5)));
  EXPECT_FALSE(MoreAvailable(rest));
}

// ---- Walking the pages; total and moreAvailable ----

TEST_F(GetSessionsPaging,
       WalkingAllPagesWithSkipVisitsEverySessionOnceInOrder) {
  PutMany(137);
  ApiResult big = CallBot({{"limit", 1000}});
  ASSERT_THAT(big, IsPage());
  const std::vector<std::string> one_page = SessionIds(big);
  ASSERT_THAT(one_page, ElementsAreArray(ExpectedAll()));

  for (int page_size : {1, 7, 10, 50}) {
    SCOPED_TRACE(page_size);
    std::vector<std::string> walked;
    for (int skip = 0;; skip += page_size) {
      ApiResult r = CallBot({{"skip", skip}, {"limit", page_size}});
      ASSERT_THAT(r, IsPage());
      EXPECT_EQ(Total(r), 137);
      const std::vector<std::string> ids = SessionIds(r);
      walked.insert(walked.end(), ids.begin(), ids.end());
      if (!MoreAvailable(r)) break;
      ASSERT_EQ(ids.size(), static_cast<size_t>(page_size));
      ASSERT_LT(skip, 1000) << "moreAvailable never turned false";
    }
    EXPECT_THAT(walked, ElementsAreArray(one_page));
    EXPECT_EQ(std::set<std::string>(walked.begin(), walked.end()).size(), 137u);
  }
}

TEST_F(GetSessionsPaging, WalkingFilteredPagesMatchesTheModel) {
  PutMany(137);
  struct Case {
    std::optional<std::string> containment;
    json body;
    std::function<bool(const Session&)> keep;
  };
  const std::vector<Case> cases = {
      {"agent", json::object(),
       [](const Session& s) {
         return s.containment_type == ContainmentType::kAgent;
       }},
      {std::nullopt,
       {{"userId", "u-walker"}},
       [](const Session& s) { return s.user_id == "u-walker"; }},
      {std::nullopt,
       {{"tags", {{"sessionTags", {{{"name", "walk"}, {"value", "yes"}}}}}}},
       [](const Session& s) { return !s.session_tags.empty(); }},
      {"dropOff",
       {{"userId", "u-other"},
        {"tags", {{"and", {{{"name", "walk"}, {"type", "session"}}}}}}},
       [](const Session& s) {
         return s.containment_type == ContainmentType::kDropOff &&
                s.user_id == "u-other" && !s.session_tags.empty();
       }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body.dump());
    const std::vector<std::string> expected = ExpectedIds(all_, c.keep);
    ASSERT_FALSE(expected.empty());
    std::vector<std::string> walked;
    for (int skip = 0; skip <= static_cast<int>(expected.size()); skip += 9) {
      json body = c.body;
      body["skip"] = skip;
      body["limit"] = 9;
      ApiResult r =
          c.containment.has_value()
              ? CallJson(kBotA, std::string_view(*c.containment), body)
              : CallJson(kBotA, std::nullopt, body);
      ASSERT_THAT(r, IsPage());
      EXPECT_EQ(Total(r), static_cast<int64_t>(expected.size()));
      EXPECT_EQ(MoreAvailable(r), skip + 9 < static_cast<int>(expected.size()));
      const std::vector<std::string> ids = SessionIds(r);
      EXPECT_THAT(ids, ElementsAreArray(Slice(expected, skip, 9)));
      walked.insert(walked.end(), ids.begin(), ids.end());
    }
    EXPECT_THAT(walked, ElementsAreArray(expected));
  }
}

// Sessions spread unevenly over the whole week (some minutes, hours and
// days crowded, others empty): every skip lands on the right session.
TEST_F(GetSessionsPaging, SkipIsExactOverAWeekOfUnevenlySpreadSessions) {
  const uint64_t seed = sessiondb::testing::TestSeed(20240315);
  SCOPED_TRACE(absl::StrCat("SESSIONDB_TEST_SEED=", seed));
  std::mt19937 rng(seed);
  std::vector<Session> batch;
  const int64_t week_start = DefaultNow() - 7 * 24 * kMsPerHour;
  for (int i = 0; i < 600; ++i) {
    int64_t t;
    switch (rng() % 4) {
      case 0:  // anywhere in the week, to the millisecond
        t = week_start + static_cast<int64_t>(rng() % (7 * 24 * kMsPerHour));
        break;
      case 1:  // crowded into day 2, hour 5
        t = week_start + 2 * 24 * kMsPerHour + 5 * kMsPerHour +
            static_cast<int64_t>(rng() % kMsPerHour);
        break;
      case 2:  // crowded into one minute of day 6, with ties
        t = week_start + 6 * 24 * kMsPerHour + 17 * kMsPerMinute +
            (rng() % 20) * 1000;
        break;
      default:  // the week's two edges
        t = rng() % 2 == 0 ? week_start + static_cast<int64_t>(rng() % 3)
                           : DefaultNow() - 1 - static_cast<int64_t>(rng() % 3);
        break;
    }
    Session s = MakeSession(absl::StrFormat("spread-%04d", i), t);
    s.containment_type = static_cast<ContainmentType>(rng() % 3);
    s.session_type = rng() % 2 == 0 ? SessionType::kInteractive
                                    : SessionType::kNonInteractive;
    batch.push_back(s);
    all_.push_back(s);
  }
  PutAll(batch);

  struct Case {
    std::optional<std::string> containment;
    json body;
    std::function<bool(const Session&)> keep;
  };
  const std::vector<Case> cases = {
      {std::nullopt, json::object(), [](const Session&) { return true; }},
      {"agent", json::object(),
       [](const Session& s) {
         return s.containment_type == ContainmentType::kAgent;
       }},
      {"selfService",
       {{"sessionType", "interactive"}},
       [](const Session& s) {
         return s.containment_type == ContainmentType::kSelfService &&
                s.session_type == SessionType::kInteractive;
       }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::StrCat(c.containment.value_or("-"), " ", c.body.dump()));
    const std::vector<std::string> expected = ExpectedIds(all_, c.keep);
    ASSERT_FALSE(expected.empty());
    for (int skip = 0; skip <= static_cast<int>(expected.size()) + 1;
         skip += 1 + static_cast<int>(rng() % 23)) {
      json body = c.body;
      body["skip"] = skip;
      body["limit"] = 3;
      ApiResult r =
          c.containment.has_value()
              ? CallJson(kBotA, std::string_view(*c.containment), body)
              : CallJson(kBotA, std::nullopt, body);
      ASSERT_THAT(r, IsPage());
      EXPECT_EQ(Total(r), static_cast<int64_t>(expected.size()));
      EXPECT_THAT(SessionIds(r), ElementsAreArray(Slice(expected, skip, 3)))
          << "skip " << skip;
    }
  }
}

TEST_F(GetSessionsPaging, TotalIgnoresSkipAndLimitAndMoreAvailableIsExact) {
  PutMany(20);
  const std::vector<std::string> expected = ExpectedAll();
  const int total = 20;
  for (int skip = 0; skip <= 22; ++skip) {
    for (int limit : {1, 5, 19, 20, 21}) {
      SCOPED_TRACE(absl::StrCat("skip=", skip, " limit=", limit));
      ApiResult r = CallBot({{"skip", skip}, {"limit", limit}});
      ASSERT_THAT(r, IsPage());
      const int len = std::max(0, std::min(limit, total - skip));
      EXPECT_EQ(Total(r), total);
      EXPECT_THAT(SessionIds(r),
                  ElementsAreArray(Slice(expected, skip, limit)));
      EXPECT_EQ(static_cast<int>(SessionIds(r).size()), len);
      EXPECT_EQ(MoreAvailable(r), skip + len < total);
    }
  }
}

// ---- The typed API applies the same rules ----

TEST_F(GetSessionsPaging, TypedQueryCapsTheLimitAndPagesTheSameWay) {
  PutMany(30);
  const std::vector<std::string> expected = ExpectedAll();
  SessionQuery q;
  q.bot_id = kBotA;
  q.skip = 4;
  q.limit = 20000;
  absl::StatusOr<SessionPage> page = store_->GetSessions(q);
  ASSERT_OK(page);
  std::vector<std::string> ids;
  for (const Session& s : page->sessions) ids.push_back(s.session_id);
  EXPECT_THAT(ids, ElementsAreArray(Slice(expected, 4, 100)));
  EXPECT_EQ(page->total, 30);
  EXPECT_FALSE(page->more_available);
  q.skip = 0;
  q.limit = 29;
  page = store_->GetSessions(q);
  ASSERT_OK(page);
  EXPECT_TRUE(page->more_available);
}

TEST_F(GetSessionsPaging, TypedQueryRejectsBadLimitSkipAndWindow) {
  using ::sessiondb::testing::StatusIs;
  SessionQuery q;
  q.bot_id = kBotA;
  q.limit = 0;
  EXPECT_THAT(store_->GetSessions(q),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("limit")));
  q.limit = 10;
  q.skip = -1;
  EXPECT_THAT(store_->GetSessions(q),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("skip")));
  q.skip = 0;
  q.from_ms = DefaultNow() - 7 * 24 * kMsPerHour - 1;
  q.to_ms = DefaultNow();
  EXPECT_THAT(store_->GetSessions(q),
              StatusIs(absl::StatusCode::kInvalidArgument, _));
  q.from_ms = DefaultNow();
  q.to_ms = DefaultNow() - 1;
  EXPECT_THAT(store_->GetSessions(q),
              StatusIs(absl::StatusCode::kInvalidArgument, _));
  q.from_ms = DefaultNow() - 7 * 24 * kMsPerHour;
  q.to_ms = DefaultNow();
  EXPECT_OK(store_->GetSessions(q).status()) << "exactly 7 days";
}

// ---- One snapshot per answer ----

// A writer adds atomic batches of 5 sessions; every answer a reader gets must
// show whole batches, with total equal to the sessions it lists.
TEST_F(GetSessionsPaging, TotalAndPageComeFromOneSnapshotWhileWritersRun) {
  constexpr int kBatch = 5;
  constexpr int kBatches = 300;
  std::atomic<bool> writer_failed{false};
  std::thread writer([&] {
    for (int b = 0; b < kBatches; ++b) {
      std::vector<Session> batch;
      for (int j = 0; j < kBatch; ++j) {
        Session s =
            MakeSession(absl::StrFormat("w-%04d-%d", b, j),
                        DefaultNow() - 1 - (b * kBatch + j) * kMsPerSecond);
        s.containment_type = ContainmentType::kAgent;
        batch.push_back(s);
      }
      if (!store_->PutBatch(batch).ok()) writer_failed = true;
    }
  });
  // No ASSERT before the join: the writer thread must be joined first.
  bool failed = false;
  int64_t last_total = 0;
  for (int reads = 1; reads <= 2000 && !failed; ++reads) {
    ApiResult r = reads % 2 == 0 ? CallBot({{"limit", 10000}})
                                 : Call(kBotA, "agent", R"({"limit": 10000})");
    EXPECT_THAT(r, IsPage());
    if (r.status != 200) {
      failed = true;
      break;
    }
    const int64_t total = Total(r);
    const int64_t listed = static_cast<int64_t>(SessionIds(r).size());
    EXPECT_EQ(listed, total) << "read " << reads;
    EXPECT_EQ(total % kBatch, 0) << "read " << reads << " saw part of a batch";
    EXPECT_FALSE(MoreAvailable(r)) << "read " << reads;
    EXPECT_GE(total, last_total) << "read " << reads << ": a batch disappeared";
    failed = listed != total || total % kBatch != 0 || total < last_total;
    last_total = total;
    if (total == kBatch * kBatches) break;
  }
  writer.join();
  EXPECT_FALSE(writer_failed);
  ApiResult final_page = CallBot({{"limit", 10000}});
  EXPECT_EQ(Total(final_page), kBatch * kBatches);
}

}  // namespace
}  // namespace sessiondb
