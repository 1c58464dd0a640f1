// Many readers run random getSessions requests (typed and JSON) while
// writers upsert: every answer is internally consistent — the page is sorted
// in API order without duplicates, every session matches every filter, the
// page length and moreAvailable agree with total, skip and limit — and
// answers whose total is known at every instant (the whole store, one group
// of sessions that is always rewritten by one batch) have that total, with
// the group's sessions all of one generation (a batch is never seen half
// applied). Runs in every configuration; under ThreadSanitizer
// (tools/build.sh tsan) it is the race test of docs/RELIABILITY.md.
//
// Environment: SESSIONDB_TEST_SEED (default 20261126).
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sessiondb/store.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"
#include "testing/test_seed.h"

namespace sessiondb {
namespace {

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kBase = 20'000 * kDay;  // 2024-10-04
constexpr int64_t kSpan = 2 * kDay;
constexpr int kGroups = 30;  // "g<k>": kGroupSize sessions, one batch each
constexpr int kGroupSize = 10;
constexpr int kSolos = 100;  // "x<k>": moved one Put at a time
constexpr int kTotal = kGroups * kGroupSize + kSolos;
constexpr int kBots = 3;
constexpr int kUsers = 5;

#if defined(__SANITIZE_THREAD__)
constexpr bool kThreadSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
constexpr bool kThreadSanitizer = true;
#else
constexpr bool kThreadSanitizer = false;
#endif
#else
constexpr bool kThreadSanitizer = false;
#endif

uint64_t Seed() { return sessiondb::testing::TestSeed(20261126); }

Session RandomSession(std::mt19937_64& rng, std::string id) {
  Session s;
  s.session_id = std::move(id);
  s.bot_id = absl::StrCat("bot-", rng() % kBots);
  s.channel = "rtm";
  s.user_id = absl::StrCat("u-", rng() % kUsers);
  s.start_time_ms = kBase + static_cast<int64_t>(rng() % kSpan);
  if (rng() % 8 == 0) s.start_time_ms -= s.start_time_ms % 60'000;
  s.end_time_ms = s.start_time_ms + 1000;
  s.containment_type = static_cast<ContainmentType>(rng() % 3);
  s.session_type = static_cast<SessionType>(rng() % 2);
  s.user_tags = {{"tier", rng() % 2 ? "gold" : "free"}};
  return s;
}

std::vector<Session> GroupVersion(std::mt19937_64& rng, int group,
                                  int generation) {
  std::vector<Session> sessions;
  for (int k = 0; k < kGroupSize; ++k) {
    Session s = RandomSession(rng, absl::StrCat("g", group, "-", k));
    s.session_tags = {{"group", absl::StrCat(group)},
                      {"gen", absl::StrCat(generation)}};
    sessions.push_back(std::move(s));
  }
  return sessions;
}

// Query is a random request and the predicate its answers must satisfy.
struct Query {
  SessionQuery typed;
  std::string json;  // the same request as a body
  std::optional<int> group;
  bool whole_store = false;

  bool Matches(const Session& s) const {
    const SessionQuery& q = typed;
    if (q.bot_id && s.bot_id != *q.bot_id) return false;
    if (q.containment && s.containment_type != *q.containment) return false;
    if (q.session_type && s.session_type != *q.session_type) return false;
    if (q.user_id && s.user_id != *q.user_id) return false;
    if (s.start_time_ms < *q.from_ms || s.start_time_ms >= *q.to_ms) {
      return false;
    }
    for (const TagCondition& c : q.tags.all_of) {
      bool any = false;
      for (const Tag& t : s.session_tags) {
        any = any || (t.name == c.name && t.value == c.values[0]);
      }
      for (const Tag& t : s.user_tags) {
        any = any || (t.name == c.name && t.value == c.values[0]);
      }
      if (!any) return false;
    }
    return true;
  }
};

std::string IsoMs(int64_t ms) {
  const absl::Time t = absl::FromUnixMillis(ms);
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

Query RandomQuery(std::mt19937_64& rng) {
  Query q;
  nlohmann::json body = nlohmann::json::object();
  const int shape = static_cast<int>(rng() % 6);
  int64_t from = kBase, to = kBase + kSpan;
  if (shape == 0) {
    q.whole_store = true;
  } else if (shape == 1) {
    q.group = static_cast<int>(rng() % kGroups);
    q.typed.tags.all_of.push_back(
        {"group", {absl::StrCat(*q.group)}, TagKind::kSession});
    nlohmann::json entry = nlohmann::json::object();
    entry["name"] = "group";
    entry["values"] = nlohmann::json::array({absl::StrCat(*q.group)});
    entry["type"] = "session";
    body["tags"]["and"] = nlohmann::json::array({entry});
  } else {
    from = kBase + static_cast<int64_t>(rng() % kSpan);
    to = from + 1 + static_cast<int64_t>(rng() % (kSpan - (from - kBase)));
    if (rng() % 2) q.typed.bot_id = absl::StrCat("bot-", rng() % kBots);
    if (rng() % 3 == 0) {
      q.typed.containment = static_cast<ContainmentType>(rng() % 3);
    }
    if (rng() % 3 == 0) {
      q.typed.session_type = static_cast<SessionType>(rng() % 2);
      body["sessionType"] = *q.typed.session_type == SessionType::kInteractive
                                ? "interactive"
                                : "non-interactive";
    }
    if (rng() % 4 == 0) {
      q.typed.user_id = absl::StrCat("u-", rng() % kUsers);
      body["userId"] = *q.typed.user_id;
    }
    if (rng() % 4 == 0) {
      const std::string tier = rng() % 2 ? "gold" : "free";
      q.typed.tags.all_of.push_back({"tier", {tier}, TagKind::kUser});
      nlohmann::json entry = nlohmann::json::object();
      entry["name"] = "tier";
      entry["values"] = nlohmann::json::array({tier});
      body["tags"]["userTags"] = nlohmann::json::array({entry});
    }
  }
  q.typed.from_ms = from;
  q.typed.to_ms = to;
  body["dateFrom"] = IsoMs(from);
  body["dateTo"] = IsoMs(to);
  q.typed.skip = rng() % 4 == 0 ? static_cast<int64_t>(rng() % 50) : 0;
  q.typed.limit = 1 + static_cast<int64_t>(rng() % (kTotal + 20));
  if (q.whole_store || q.group) q.typed.limit = kTotal + 1;
  if (q.group) q.typed.skip = 0;  // the whole group, to compare generations
  body["skip"] = q.typed.skip;
  body["limit"] = q.typed.limit;
  q.json = body.dump();
  return q;
}

bool InApiOrder(const Session& a, const Session& b) {
  return a.start_time_ms != b.start_time_ms ? a.start_time_ms > b.start_time_ms
                                            : a.session_id > b.session_id;
}

// CheckAnswer asserts everything a single answer must satisfy on its own.
void CheckAnswer(const Query& q, const SessionPage& page) {
  ASSERT_GE(page.total, 0);
  ASSERT_LE(page.total, kTotal);
  const int64_t expected_len =
      std::max<int64_t>(0, std::min(q.typed.limit, page.total - q.typed.skip));
  ASSERT_EQ(static_cast<int64_t>(page.sessions.size()), expected_len)
      << "total " << page.total << " skip " << q.typed.skip << " limit "
      << q.typed.limit;
  ASSERT_EQ(
      page.more_available,
      q.typed.skip + static_cast<int64_t>(page.sessions.size()) < page.total);
  std::set<std::string> ids;
  for (size_t i = 0; i < page.sessions.size(); ++i) {
    const Session& s = page.sessions[i];
    ASSERT_TRUE(ids.insert(s.session_id).second)
        << "duplicate " << s.session_id;
    ASSERT_TRUE(q.Matches(s)) << s.session_id << " does not match " << q.json;
    if (i > 0) {
      ASSERT_TRUE(InApiOrder(page.sessions[i - 1], s))
          << page.sessions[i - 1].session_id << " before " << s.session_id;
    }
  }
  if (q.whole_store) {
    ASSERT_EQ(page.total, kTotal);
  }
  if (q.group) {
    ASSERT_EQ(page.total, kGroupSize);
    std::set<std::string> generations;
    for (const Session& s : page.sessions) {
      for (const Tag& t : s.session_tags) {
        if (t.name == "gen") generations.insert(t.value);
      }
    }
    std::string seen;
    for (const Session& s : page.sessions) {
      seen += s.session_id + "[";
      for (const Tag& t : s.session_tags) seen += t.name + "=" + t.value + " ";
      seen += "] ";
    }
    ASSERT_EQ(generations.size(), 1u)
        << "a group batch is half-applied: " << seen;
  }
}

// FromJson reads an HTTP-shaped answer back into a SessionPage.
SessionPage FromJson(const std::string& body) {
  SessionPage page;
  nlohmann::json j = nlohmann::json::parse(body);
  page.total = j["total"].get<int64_t>();
  page.more_available = j["moreAvailable"].get<bool>();
  for (const auto& s : j["sessions"]) {
    absl::StatusOr<Session> parsed = ParseSessionJson(s.dump());
    EXPECT_OK(parsed);
    if (parsed.ok()) page.sessions.push_back(*parsed);
  }
  return page;
}

// ReaderConsistency: a store in a fresh directory and the test's seed.
class ReaderConsistency : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Store::Open(Options(), dir_.path());
    ASSERT_OK(opened);
    store_ = *std::move(opened);
  }

  const uint64_t seed_ = Seed();
  sessiondb::testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(ReaderConsistency, EveryAnswerIsInternallyConsistentWhileWritersUpsert) {
  const uint64_t seed = seed_;
  SCOPED_TRACE(::testing::Message() << "SESSIONDB_TEST_SEED=" << seed);
  Store& store = *store_;
  {
    std::mt19937_64 rng(seed);
    for (int g = 0; g < kGroups; ++g) {
      ASSERT_OK(store.PutBatch(GroupVersion(rng, g, 0)));
    }
    for (int k = 0; k < kSolos; ++k) {
      ASSERT_OK(store.Put(RandomSession(rng, absl::StrCat("x", k))));
    }
  }

  constexpr int kWriters = 2;
  constexpr int kReaders = 6;
  // ThreadSanitizer runs ~20x slower: fewer writes, the same interleavings.
  constexpr int kWritesPerWriter = kThreadSanitizer ? 40 : 150;
  std::atomic<int> writers_left{kWriters};
  std::atomic<int64_t> answers{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      std::mt19937_64 rng(seed + 1000 + w);
      for (int n = 1; n <= kWritesPerWriter; ++n) {
        // Writer w owns the groups and solos of its parity.
        const int group =
            static_cast<int>(rng() % (kGroups / kWriters)) * kWriters + w;
        EXPECT_OK(store.PutBatch(GroupVersion(rng, group, n)));
        const int solo =
            static_cast<int>(rng() % (kSolos / kWriters)) * kWriters + w;
        EXPECT_OK(store.Put(RandomSession(rng, absl::StrCat("x", solo))));
      }
      --writers_left;
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&, r] {
      std::mt19937_64 rng(seed + 2000 + r);
      int rounds = 0;
      while (writers_left > 0 || rounds < 20) {
        ++rounds;
        const Query q = RandomQuery(rng);
        SCOPED_TRACE(q.json);
        if (rng() % 2 == 0) {
          absl::StatusOr<SessionPage> page = store.GetSessions(q.typed);
          ASSERT_OK(page);
          CheckAnswer(q, *page);
        } else {
          std::optional<std::string_view> bot;
          if (q.typed.bot_id) bot = *q.typed.bot_id;
          std::optional<std::string> containment;
          if (q.typed.containment) {
            static constexpr const char* kNames[] = {"dropOff", "selfService",
                                                     "agent"};
            containment = kNames[static_cast<int>(*q.typed.containment)];
          }
          ApiResponse r = store.HandleGetSessions(
              bot,
              containment ? std::optional<std::string_view>(*containment)
                          : std::nullopt,
              q.json);
          ASSERT_EQ(r.status, 200) << r.body;
          CheckAnswer(q, FromJson(r.body));
        }
        if (::testing::Test::HasFatalFailure()) return;
        ++answers;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_GE(answers.load(), kReaders * 20);

  absl::StatusOr<CheckReport> report = store.Check(CheckOptions());
  ASSERT_OK(report);
  EXPECT_TRUE(report->consistent());
  EXPECT_EQ(report->records, kTotal);
}

TEST_F(ReaderConsistency, CheckRunsWhileWritersUpsertAndFindsNothing) {
  const uint64_t seed = seed_;
  SCOPED_TRACE(::testing::Message() << "SESSIONDB_TEST_SEED=" << seed);
  Store& store = *store_;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    std::mt19937_64 rng(seed);
    for (int n = 0; n < (kThreadSanitizer ? 60 : 300); ++n) {
      EXPECT_OK(store.PutBatch(GroupVersion(rng, n % kGroups, n)));
      if (n % 7 == 3) {
        EXPECT_THAT(
            store.Delete(absl::StrCat("g", (n + 5) % kGroups, "-1")),
            ::testing::AnyOf(::sessiondb::testing::IsOk(),
                             ::sessiondb::testing::StatusIs(
                                 absl::StatusCode::kNotFound, ::testing::_)));
      }
    }
    done = true;
  });
  int checks = 0;
  while (!done || checks < 3) {
    ++checks;
    absl::StatusOr<CheckReport> report = store.Check(CheckOptions());
    ASSERT_OK(report);
    for (const Inconsistency& i : report->inconsistencies) {
      ADD_FAILURE() << i.ToString();
    }
    ASSERT_TRUE(report->consistent());
  }
  writer.join();
}

}  // namespace
}  // namespace sessiondb
