// Acknowledged writes survive a process killed with SIGKILL, and no batch is
// ever half-applied. A child process (this binary, re-executed into the
// DurabilityChild.Writer case) writes single sessions and batches of ten,
// acknowledging each through a pipe; the parent kills it mid-stream, reopens
// the store and checks every acknowledged session is there.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sessiondb/check.h"
#include "sessiondb/store.h"
#include "testing/session_builder.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace sessiondb {
namespace {

using ::sessiondb::testing::MakeSession;

constexpr int kBatch = 10;
constexpr int64_t kDay = 86'400'000;
constexpr int64_t kBase = 20'000 * kDay;

// Sessions are written in groups of kBatch ids: group g holds ids
// [g*kBatch, (g+1)*kBatch); even groups are written one Put at a time, odd
// groups as one PutBatch.
Session DurableSession(int i) {
  Session s =
      MakeSession("d" + std::to_string(i), i % 3 == 0 ? "bot-a" : "bot-b",
                  kBase + (i * 7919) % kDay, "u-" + std::to_string(i % 11));
  s.session_tags = {{"n", std::to_string(i)}};
  return s;
}

TEST(DurabilityChild, Writer) {
  const char* dir = std::getenv("SESSIONDB_DURABILITY_DIR");
  const char* fd_text = std::getenv("SESSIONDB_DURABILITY_FD");
  if (dir == nullptr || fd_text == nullptr)
    GTEST_SKIP() << "only run as a child";
  const int fd = std::atoi(fd_text);
  auto store = Store::Open(Options(), dir);
  ASSERT_OK(store);
  for (int group = 0; group < 100000; ++group) {
    std::vector<Session> sessions;
    for (int i = group * kBatch; i < (group + 1) * kBatch; ++i) {
      sessions.push_back(DurableSession(i));
    }
    if (group % 2 == 0) {
      for (int k = 0; k < kBatch; ++k) {
        ASSERT_OK((*store)->Put(sessions[k]));
        int32_t acked = group * kBatch + k + 1;
        ASSERT_EQ(write(fd, &acked, sizeof(acked)),
                  static_cast<ssize_t>(sizeof(acked)));
      }
    } else {
      ASSERT_OK((*store)->PutBatch(sessions));
      int32_t acked = (group + 1) * kBatch;
      ASSERT_EQ(write(fd, &acked, sizeof(acked)),
                static_cast<ssize_t>(sizeof(acked)));
    }
  }
}

// KillWriterAndCheck runs one writer per kill point against the same store
// directory, killing each after kill_after acknowledgements, and checks the
// store after each kill. Each writer rewrites d0, d1, ... from the start, so
// after a kill the store holds every session any earlier writer reached too.
// A writer runs on between the parent's last read and the kill (on a loaded
// machine the parent may not run for a while: hundreds of sessions), so an
// earlier writer may have reached further than a later one: the lookups
// cover the furthest any writer was acknowledged, not only this one.
void KillWriterAndCheck(const std::string& dir,
                        const std::vector<int>& kill_points) {
  // Lookups cover ids below this: past the furthest acknowledgement so far
  // by more than the one group a writer may have written but not
  // acknowledged.
  int lookup_end = 0;
  for (int kill_after : kill_points) {
    SCOPED_TRACE(::testing::Message()
                 << "killed after " << kill_after << " acks");
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      setenv("SESSIONDB_DURABILITY_DIR", dir.c_str(), 1);
      setenv("SESSIONDB_DURABILITY_FD", std::to_string(fds[1]).c_str(), 1);
      execl("/proc/self/exe", "durability_child",
            "--gtest_filter=DurabilityChild.Writer",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[1]);
    int32_t acked = 0, value = 0;
    while (acked < kill_after &&
           read(fds[0], &value, sizeof(value)) == sizeof(value)) {
      acked = value;
    }
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    // Acks already in the pipe were written after their writes returned.
    while (read(fds[0], &value, sizeof(value)) == sizeof(value)) acked = value;
    close(fds[0]);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer ended before it was killed";
    ASSERT_GE(acked, kill_after);
    lookup_end = std::max(lookup_end, acked + kBatch * 4);

    auto store = Store::Open(Options(), dir);
    ASSERT_OK(store);
    // Every acknowledged session is there, whole.
    int present_total = 0;
    for (int group = 0; group * kBatch < lookup_end; ++group) {
      SessionQuery lookup;
      for (int i = group * kBatch; i < (group + 1) * kBatch; ++i) {
        lookup.session_ids.push_back("d" + std::to_string(i));
      }
      auto page = (*store)->GetSessions(lookup);
      ASSERT_OK(page);
      for (const Session& s : page->sessions) {
        int i = std::stoi(s.session_id.substr(1));
        EXPECT_EQ(s, [&] {
          Session expected = DurableSession(i);
          expected.session_status = SessionStatus::kClosed;
          return expected;
        }());
      }
      const int present = static_cast<int>(page->sessions.size());
      present_total += present;
      for (int i = group * kBatch; i < (group + 1) * kBatch; ++i) {
        if (i < acked) {
          EXPECT_THAT(
              page->invalid_sessions,
              ::testing::Not(::testing::Contains("d" + std::to_string(i))))
              << "acknowledged session d" << i << " is lost";
        }
      }
      if (group % 2 == 1) {
        EXPECT_TRUE(present == 0 || present == kBatch)
            << "batch " << group << " is half-applied: " << present << " of "
            << kBatch;
      }
    }
    // The counters committed with the records: the counted total of the
    // account-wide day equals the sessions found.
    SessionQuery day;
    day.from_ms = kBase;
    day.to_ms = kBase + kDay;
    day.limit = 1;
    auto page = (*store)->GetSessions(day);
    ASSERT_OK(page);
    EXPECT_EQ(page->total, present_total);
    // The check recounts the records: the lookups found every session
    // there is, and every counter agrees with the records.
    auto report = (*store)->Check(CheckOptions());
    ASSERT_OK(report);
    EXPECT_EQ(report->records, present_total);
    EXPECT_TRUE(report->consistent())
        << report->inconsistency_count << " inconsistencies, the first "
        << (report->inconsistencies.empty()
                ? std::string()
                : report->inconsistencies.front().ToString());
  }
}

TEST(Durability, AcknowledgedWritesSurviveSigkillAndNoBatchIsHalfApplied) {
  sessiondb::testing::TempDir dir;
  KillWriterAndCheck(dir.path(), {37, 400, 1555});
}

// A later writer killed earlier than an earlier one: the store holds
// sessions past this writer's reach, written by the earlier one (as when a
// loaded parent lets the writer after kill point 37 run on past 400).
TEST(Durability, AWriterKilledEarlierThanTheLastLeavesTheLastOnesSessions) {
  sessiondb::testing::TempDir dir;
  KillWriterAndCheck(dir.path(), {1555, 400, 37});
}

}  // namespace
}  // namespace sessiondb
