// RandomSessions: a deterministic, varied set of sessions for tests that
// compare whole stores: several bots, users with aliases, tags of both kinds,
// every containment and sessionType, live and closed sessions, and start
// times that collide (so the sessionId tie-break is exercised).
//
//   const uint64_t seed = TestSeed(42);  // SESSIONDB_TEST_SEED, test_seed.h
//   SCOPED_TRACE(::testing::Message() << "SESSIONDB_TEST_SEED=" << seed);
//   RandomSessions corpus(seed, from_ms, to_ms, 2000);
#ifndef SESSIONDB_TESTS_TESTING_RANDOM_SESSIONS_H_
#define SESSIONDB_TESTS_TESTING_RANDOM_SESSIONS_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "sessiondb/session.h"
#include "testing/test_seed.h"

namespace sessiondb::testing {

struct RandomSessions {
  static constexpr int kBots = 3;
  static constexpr int kUsers = 12;

  static std::string Bot(int i) { return "st-bot-" + std::to_string(i); }
  static std::string User(int i) { return "u-" + std::to_string(i); }
  // Users with an even number have two aliases: an email and an employee id.
  static std::string Email(int i) {
    return "user" + std::to_string(i) + "@corp.com";
  }
  static std::string EmployeeId(int i) { return "EMP-" + std::to_string(i); }

  // Sessions with start_time in [from_ms, to_ms), ids s-00000, s-00001, …
  RandomSessions(uint64_t seed, int64_t from_ms, int64_t to_ms, int count) {
    std::mt19937_64 rng(seed);
    auto pick = [&](int64_t n) { return static_cast<int64_t>(rng() % n); };
    const int64_t minutes = (to_ms - from_ms) / 60'000;
    for (int i = 0; i < count; ++i) {
      Session s;
      char id[16];
      std::snprintf(id, sizeof(id), "s-%05d", i);
      s.session_id = id;
      s.bot_id = Bot(static_cast<int>(pick(kBots)));
      s.channel = pick(2) == 0 ? "rtm" : "web";
      s.user_id = User(static_cast<int>(pick(kUsers)));
      // One session in ten starts exactly when the previous one did.
      s.start_time_ms = i > 0 && pick(10) == 0
                            ? sessions.back().start_time_ms
                            : from_ms + pick(minutes) * 60'000 + pick(3) * 7;
      if (pick(5) != 0) s.end_time_ms = s.start_time_ms + pick(600'000);
      s.session_lang = {pick(3) == 0 ? "de" : "en"};
      s.session_type = static_cast<SessionType>(pick(2));
      s.containment_type = static_cast<ContainmentType>(pick(3));
      s.is_developer = pick(20) == 0;
      if (pick(2) == 0) s.user_tags.push_back({"tier", pick(2) ? "gold" : ""});
      for (int t = static_cast<int>(pick(3)); t > 0; --t) {
        static const char* kIntents[] = {"billing", "refund", "greeting"};
        s.session_tags.push_back({"intent", kIntents[pick(3)]});
      }
      s.messages_exchanged = pick(40);
      s.tasks_executed = pick(4);
      sessions.push_back(std::move(s));
    }
    for (int u = 0; u < kUsers; u += 2) {
      identities.push_back({User(u), {Email(u), EmployeeId(u)}});
    }
  }

  std::vector<Session> sessions;
  std::vector<UserIdentity> identities;
};

}  // namespace sessiondb::testing

#endif  // SESSIONDB_TESTS_TESTING_RANDOM_SESSIONS_H_
