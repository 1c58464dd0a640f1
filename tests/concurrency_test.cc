// Readers see one consistent snapshot while a writer moves sessions between
// bots, times and containment types: the total never changes (moves only),
// every page is complete, sorted and free of duplicates, and the counted
// total (bucket counters) agrees with the scanned one (tag index).
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sessiondb/store.h"
#include "testing/session_builder.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace sessiondb {
namespace {

using ::sessiondb::testing::MakeSession;

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kBase = 20'000 * kDay;
constexpr int kSessions = 600;

Session Moving(int i, int generation) {
  // Each generation moves the session to another bot, minute and cell,
  // always inside [kBase, kBase + 2 days).
  const int g = i + generation;
  Session s =
      MakeSession("c" + std::to_string(i), g % 2 ? "bot-a" : "bot-b",
                  kBase + (static_cast<int64_t>(g) * 60'013) % (2 * kDay),
                  "u-" + std::to_string(g % 5));
  s.containment_type = static_cast<ContainmentType>(g % 3);
  s.session_tags = {{"all", "yes"}};
  return s;
}

bool InApiOrder(const Session& a, const Session& b) {
  return a.start_time_ms != b.start_time_ms ? a.start_time_ms > b.start_time_ms
                                            : a.session_id > b.session_id;
}

TEST(Concurrency, ReadersSeeConsistentSnapshotsWhileAWriterMovesSessions) {
  sessiondb::testing::TempDir dir;
  auto opened = Store::Open(Options(), dir.path());
  ASSERT_OK(opened);
  Store& store = **opened;
  std::vector<Session> initial;
  for (int i = 0; i < kSessions; ++i) initial.push_back(Moving(i, 0));
  ASSERT_OK(store.PutBatch(initial));

  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int generation = 1; generation <= 40; ++generation) {
      std::vector<Session> batch;
      for (int i = 0; i < kSessions; ++i) {
        if (i % 3 == generation % 3) {
          ASSERT_OK(store.Put(Moving(i, generation)));
        } else {
          batch.push_back(Moving(i, generation));
        }
      }
      ASSERT_OK(store.PutBatch(batch));
    }
    done = true;
  });

  auto reader = [&](int which) {
    int rounds = 0;
    while (!done || rounds < 5) {
      ++rounds;
      SessionQuery all;
      all.from_ms = kBase;
      all.to_ms = kBase + 2 * kDay;
      all.limit = kMaxPageSize;
      if (which == 1)
        all.tags.all_of.push_back({"all", {"yes"}, TagKind::kSession});
      auto page = store.GetSessions(all);
      ASSERT_OK(page);
      ASSERT_EQ(page->total, kSessions);
      ASSERT_EQ(static_cast<int>(page->sessions.size()), kSessions);
      std::set<std::string> ids;
      for (size_t k = 0; k < page->sessions.size(); ++k) {
        ids.insert(page->sessions[k].session_id);
        if (k > 0) {
          ASSERT_TRUE(InApiOrder(page->sessions[k - 1], page->sessions[k]));
        }
      }
      ASSERT_EQ(static_cast<int>(ids.size()), kSessions);

      // One bot and one containment: a counted total and its page agree.
      SessionQuery some = all;
      some.tags = {};
      some.bot_id = "bot-a";
      some.containment = ContainmentType::kAgent;
      auto part = store.GetSessions(some);
      ASSERT_OK(part);
      ASSERT_EQ(part->total, static_cast<int64_t>(part->sessions.size()));
      for (const Session& s : part->sessions) {
        ASSERT_EQ(s.bot_id, "bot-a");
        ASSERT_EQ(s.containment_type, ContainmentType::kAgent);
      }
    }
  };
  std::thread r0(reader, 0), r1(reader, 1);
  writer.join();
  r0.join();
  r1.join();
}

}  // namespace
}  // namespace sessiondb
