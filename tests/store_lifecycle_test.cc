// A store's life on disk across opens and closes: opening leaves no files
// behind, closing leaves no write-ahead log to replay, and Compact leaves
// the data as it was.
#include <cstring>
#include <filesystem>
#include <map>
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
using ::sessiondb::testing::TempDir;
using ::testing::Contains;
using ::testing::Each;
using ::testing::Eq;
using ::testing::Gt;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kBase = 20'000 * kDayMs;

// FileKind is what a file of a RocksDB directory is, by its name: "wal",
// "sst", "manifest", "options" or its own name (CURRENT, LOCK, LOG, ...).
std::string FileKind(const std::string& name) {
  auto ends_with = [&](const char* suffix) {
    return name.size() >= std::strlen(suffix) &&
           name.compare(name.size() - std::strlen(suffix), std::string::npos,
                        suffix) == 0;
  };
  if (ends_with(".log")) return "wal";
  if (ends_with(".sst")) return "sst";
  if (name.rfind("MANIFEST-", 0) == 0) return "manifest";
  if (name.rfind("OPTIONS-", 0) == 0) return "options";
  return name;
}

// FilesByKind counts the files of `dir` by FileKind. File numbers change
// with every open (a new WAL, a new MANIFEST); their count must not.
std::map<std::string, int> FilesByKind(const std::string& dir) {
  std::map<std::string, int> kinds;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    ++kinds[FileKind(entry.path().filename().string())];
  }
  return kinds;
}

// WalSizes is the size of every write-ahead log file in `dir`.
std::vector<uintmax_t> WalSizes(const std::string& dir) {
  std::vector<uintmax_t> sizes;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (FileKind(entry.path().filename().string()) == "wal") {
      sizes.push_back(entry.file_size());
    }
  }
  return sizes;
}

std::vector<Session> SomeSessions(int n) {
  std::vector<Session> sessions;
  for (int i = 0; i < n; ++i) {
    Session s =
        MakeSession("s-" + std::to_string(i), i % 2 == 0 ? "bot-a" : "bot-b",
                    kBase + i * 60'000, "u-" + std::to_string(i % 7));
    s.session_tags = {{"n", std::to_string(i % 5)}};
    sessions.push_back(std::move(s));
  }
  return sessions;
}

int64_t CountSessions(Store& store) {
  absl::StatusOr<StoreStats> stats = store.GetStats();
  EXPECT_OK(stats);
  return stats.ok() ? stats->sessions : -1;
}

TEST(StoreLifecycle, RepeatedOpensLeaveNoFilesBehind) {
  TempDir dir;
  {
    auto store = Store::Open(Options(), dir.path());
    ASSERT_OK(store);
    ASSERT_OK((*store)->PutBatch(SomeSessions(10)));
  }
  { ASSERT_OK(Store::Open(Options(), dir.path())); }
  const std::map<std::string, int> after_two_opens = FilesByKind(dir.path());
  EXPECT_EQ(after_two_opens.at("wal"), 1);
  for (int i = 0; i < 30; ++i) {
    SCOPED_TRACE(::testing::Message() << "open " << i + 3);
    { ASSERT_OK(Store::Open(Options(), dir.path())); }
    ASSERT_EQ(FilesByKind(dir.path()), after_two_opens);
  }
  auto store = Store::Open(Options(), dir.path());
  ASSERT_OK(store);
  EXPECT_EQ(CountSessions(**store), 10);
}

TEST(StoreLifecycle, OpensWithWritesBetweenThemLeaveOneWal) {
  TempDir dir;
  std::vector<Session> sessions = SomeSessions(40);
  for (int i = 0; i < 20; ++i) {
    auto store = Store::Open(Options(), dir.path());
    ASSERT_OK(store);
    ASSERT_OK((*store)->Put(sessions[i]));
    if (i % 3 == 0) {
      ASSERT_OK((*store)->Delete(sessions[i].session_id));
    }
  }
  EXPECT_THAT(WalSizes(dir.path()), SizeIs(1));
}

TEST(StoreLifecycle, CloseLeavesNoWriteAheadLogToReplay) {
  TempDir dir;
  {
    auto store = Store::Open(Options(), dir.path());
    ASSERT_OK(store);
    ASSERT_OK((*store)->PutBatch(SomeSessions(200)));
    ASSERT_OK((*store)->Delete("s-3"));
    UserIdentity identity;
    identity.user_id = "u-1";
    identity.aliases = {"one@example.com"};
    ASSERT_OK((*store)->LinkUserAliases(identity));
    // The writes are in the WAL until the close flushes them.
    ASSERT_THAT(WalSizes(dir.path()), Contains(Gt(0u)));
  }
  // Every write is in a table file: no WAL holds a byte.
  EXPECT_THAT(WalSizes(dir.path()), Each(Eq(0u)));
  EXPECT_THAT(WalSizes(dir.path()), Not(IsEmpty()));
  auto store = Store::Open(Options(), dir.path());
  ASSERT_OK(store);
  EXPECT_EQ(CountSessions(**store), 199);
  absl::StatusOr<StoreStats> stats = (*store)->GetStats();
  ASSERT_OK(stats);
  EXPECT_EQ(stats->aliases, 1);
}

// With a small budget, memtables are flushed in the background all along, so
// the close finds some column families' flushes still running.
TEST(StoreLifecycle,
     CloseDuringBackgroundFlushesLeavesNoWriteAheadLogToReplay) {
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(::testing::Message() << "round " << round);
    TempDir dir;
    Options options;
    options.memory_budget_bytes = size_t{1} << 20;
    {
      auto store = Store::Open(options, dir.path());
      ASSERT_OK(store);
      std::vector<Session> sessions = SomeSessions(3000);
      for (size_t i = 0; i < sessions.size(); i += 250) {
        ASSERT_OK(
            (*store)->PutBatch(absl::MakeConstSpan(sessions).subspan(i, 250)));
      }
    }
    EXPECT_THAT(WalSizes(dir.path()), Each(Eq(0u)));
    EXPECT_THAT(WalSizes(dir.path()), SizeIs(1));
  }
}

}  // namespace
}  // namespace sessiondb
