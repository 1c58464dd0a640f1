// Acknowledged writes survive a process killed with SIGKILL, and no batch is
// ever half-applied. A child process (this binary, re-executed into the
// DurabilityChild.Writer case) writes single sessions and batches of ten,
// acknowledging each through a pipe; the parent kills it mid-stream, reopens
// the store and checks every acknowledged session is there.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
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

TEST(Durability, AcknowledgedWritesSurviveSigkillAndNoBatchIsHalfApplied) {
  sessiondb::testing::TempDir dir;
  for (int kill_after : {37, 400, 1555}) {
    SCOPED_TRACE(::testing::Message()
                 << "killed after " << kill_after << " acks");
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      setenv("SESSIONDB_DURABILITY_DIR", dir.path().c_str(), 1);
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

    auto store = Store::Open(Options(), dir.path());
    ASSERT_OK(store);
    // Every acknowledged session is there, whole.
    int present_total = 0;
    for (int group = 0; group * kBatch < acked + kBatch * 4; ++group) {
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
  }
}

}  // namespace
}  // namespace sessiondb
