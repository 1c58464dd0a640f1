// Store::OpenReader: a reader beside the process that writes the store sees
// every write acknowledged before it opened (and later ones after Refresh),
// refuses every write, and never creates or changes anything on disk.
//
// The writer of the cross-process test is this binary re-executed into the
// StoreReaderChild.Writer case; it acknowledges each step through a pipe and
// waits for the parent's go-ahead through another.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sessiondb/store.h"
#include "sessiondb/utilities/retention.h"
#include "sessiondb/utilities/session_export.h"
#include "testing/session_builder.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace sessiondb {
namespace {

using ::sessiondb::testing::MakeSession;
using ::sessiondb::testing::StatusIs;
using ::sessiondb::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kBase = 20'000 * kDayMs;

// Session i: bot-a or bot-b for the first 100, bot-c (a bot the reader has
// not seen when it opens) after.
Session Numbered(int i) {
  return MakeSession("s-" + std::to_string(i),
                     i >= 100 ? "bot-c" : (i % 2 == 0 ? "bot-a" : "bot-b"),
                     kBase + i * 60'000, "u-" + std::to_string(i % 7));
}

std::vector<Session> Range(int from, int to) {
  std::vector<Session> sessions;
  for (int i = from; i < to; ++i) sessions.push_back(Numbered(i));
  return sessions;
}

std::set<std::string> FileNames(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.insert(entry.path().filename().string());
  }
  return names;
}

int64_t Sessions(Store& store) {
  absl::StatusOr<StoreStats> stats = store.GetStats();
  EXPECT_OK(stats);
  return stats.ok() ? stats->sessions : -1;
}

// Total is getSessions' total for `bot` over the day of kBase.
int64_t Total(Store& store, const std::string& bot) {
  SessionQuery q;
  q.bot_id = bot;
  q.from_ms = kBase;
  q.to_ms = kBase + kDayMs;
  absl::StatusOr<SessionPage> page = store.GetSessions(q);
  EXPECT_OK(page);
  return page.ok() ? page->total : -1;
}

TEST(StoreReaderChild, Writer) {
  const char* dir = std::getenv("SESSIONDB_READER_TEST_DIR");
  const char* ack = std::getenv("SESSIONDB_READER_TEST_ACK_FD");
  const char* go = std::getenv("SESSIONDB_READER_TEST_GO_FD");
  if (dir == nullptr || ack == nullptr || go == nullptr) {
    GTEST_SKIP() << "only run as a child";
  }
  const int ack_fd = std::atoi(ack), go_fd = std::atoi(go);
  auto store = Store::Open(Options(), dir);
  ASSERT_OK(store);
  char step = '1';
  ASSERT_OK((*store)->PutBatch(Range(0, 100)));
  ASSERT_EQ(write(ack_fd, &step, 1), 1);
  ASSERT_EQ(read(go_fd, &step, 1), 1);
  ASSERT_OK((*store)->PutBatch(Range(100, 150)));
  ASSERT_OK((*store)->Delete("s-0"));
  step = '2';
  ASSERT_EQ(write(ack_fd, &step, 1), 1);
  // Holds the store until the parent closes the pipe.
  while (read(go_fd, &step, 1) == 1) {
  }
}

// WriterProcess runs StoreReaderChild.Writer on `dir`.
class WriterProcess {
 public:
  explicit WriterProcess(const std::string& dir) {
    int ack[2], go[2];
    if (pipe(ack) != 0 || pipe(go) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      close(ack[0]);
      close(go[1]);
      setenv("SESSIONDB_READER_TEST_DIR", dir.c_str(), 1);
      setenv("SESSIONDB_READER_TEST_ACK_FD", std::to_string(ack[1]).c_str(), 1);
      setenv("SESSIONDB_READER_TEST_GO_FD", std::to_string(go[0]).c_str(), 1);
      execl("/proc/self/exe", "store_reader_writer",
            "--gtest_filter=StoreReaderChild.Writer",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    close(ack[1]);
    close(go[0]);
    ack_fd_ = ack[0];
    go_fd_ = go[1];
  }
  ~WriterProcess() {
    if (pid_ <= 0) return;
    if (go_fd_ >= 0) close(go_fd_);
    int status = 0;
    waitpid(pid_, &status, 0);
  }

  // AwaitAck returns the step the writer acknowledged, or 0 if it ended.
  char AwaitAck() {
    char step = 0;
    return read(ack_fd_, &step, 1) == 1 ? step : 0;
  }
  void Go() {
    const char go = 'g';
    ASSERT_EQ(write(go_fd_, &go, 1), 1);
  }
  // Finish lets the writer close the store and returns its exit status.
  int Finish() {
    close(go_fd_);
    go_fd_ = -1;
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  int ack_fd_ = -1;
  int go_fd_ = -1;
};

TEST(StoreReader, SeesAnotherProcessesAcknowledgedWritesWhileItHoldsTheStore) {
  TempDir dir;
  WriterProcess writer(dir.path());
  ASSERT_EQ(writer.AwaitAck(), '1');
  // The writer holds the store: a second writer is refused.
  EXPECT_THAT(Store::Open(Options(), dir.path()),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("lock")));

  auto reader = Store::OpenReader(Options(), dir.path());
  ASSERT_OK(reader);
  EXPECT_EQ(Sessions(**reader), 100);
  EXPECT_EQ(Total(**reader, "bot-a"), 50);
  SessionQuery lookup;
  lookup.session_ids = {"s-0", "s-99"};
  absl::StatusOr<SessionPage> found = (*reader)->GetSessions(lookup);
  ASSERT_OK(found);
  EXPECT_EQ(found->total, 2);

  writer.Go();
  ASSERT_EQ(writer.AwaitAck(), '2');
  // A reader's view moves only when it refreshes.
  EXPECT_EQ(Sessions(**reader), 100);
  ASSERT_OK((*reader)->Refresh());
  EXPECT_EQ(Sessions(**reader), 149);
  // bot-c was first written after the reader opened: the refresh reloaded
  // the bot dictionary.
  EXPECT_EQ(Total(**reader, "bot-c"), 50);
  absl::StatusOr<CheckReport> check = (*reader)->Check(CheckOptions());
  ASSERT_OK(check);
  EXPECT_TRUE(check->consistent());
  EXPECT_EQ(check->records, 149);

#ifdef SESSIONDB_CLI_PATH
  // The read-only commands too, while the writer still holds the store.
  for (const std::string command : {"stats", "check", "export"}) {
    SCOPED_TRACE(command);
    const std::string line = std::string(SESSIONDB_CLI_PATH) + " " + command +
                             " --db " + dir.path() + " 2>&1";
    FILE* out = popen(line.c_str(), "r");
    ASSERT_NE(out, nullptr);
    std::string text;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), out)) > 0) text.append(buf, n);
    const int status = pclose(out);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << text;
    const std::string expected = command == "stats"   ? "sessions: 149"
                                 : command == "check" ? "records:         149"
                                                      : "exported 149 sessions";
    EXPECT_THAT(text, HasSubstr(expected));
  }
#endif
  EXPECT_EQ(writer.Finish(), 0);
}

TEST(StoreReader, SeesAWriterOfTheSameProcessAfterRefresh) {
  TempDir dir;
  auto writer = Store::Open(Options(), dir.path());
  ASSERT_OK(writer);
  ASSERT_OK((*writer)->PutBatch(Range(0, 10)));
  auto reader = Store::OpenReader(Options(), dir.path());
  ASSERT_OK(reader);
  EXPECT_EQ(Sessions(**reader), 10);
  ASSERT_OK((*writer)->PutBatch(Range(100, 130)));
  ASSERT_OK((*reader)->Refresh());
  EXPECT_EQ(Sessions(**reader), 40);
  EXPECT_EQ(Total(**reader, "bot-c"), 30);
  ASSERT_OK((*writer)->Refresh());  // a writer is always current
}

// A reader that replayed a writer's unflushed writes into its memtables:
// sessions 0..9 were written before it opened, 10..19 after, and Refresh
// took them in.
class ReaderHoldingReplayedWrites : public ::testing::Test {
 protected:
  void SetUp() override {
    auto writer = Store::Open(Options(), dir_.path());
    ASSERT_OK(writer);
    writer_ = *std::move(writer);
    ASSERT_OK(writer_->PutBatch(Range(0, 10)));
    auto reader = Store::OpenReader(Options(), dir_.path());
    ASSERT_OK(reader);
    reader_ = *std::move(reader);
    ASSERT_OK(writer_->PutBatch(Range(10, 20)));
    ASSERT_OK(reader_->Refresh());  // replays the WAL into its memtables
    ASSERT_EQ(Sessions(*reader_), 20);
  }

  TempDir dir_;
  std::unique_ptr<Store> writer_;
  std::unique_ptr<Store> reader_;
};

// RocksDB 7.8's secondary instance keeps what it replayed from a WAL in its
// memtable after the writer flushed that WAL, and a read finds the memtable
// first: without StorageEngine::CatchUpWithWriter's reopen, the reader
// below went on seeing s-3 and the old s-12, and missed the writer's last
// batch, until the next write (RocksDB issue 15051).
TEST_F(ReaderHoldingReplayedWrites,
       SeesAWritersLastBatchAfterItFlushedAndClosed) {
  ASSERT_OK(writer_->Delete("s-3"));
  Session moved = Numbered(12);
  moved.bot_id = "bot-c";
  ASSERT_OK(writer_->Put(moved));
  writer_.reset();  // Close flushes every memtable and drops the WAL
  ASSERT_OK(reader_->Refresh());

  EXPECT_EQ(Sessions(*reader_), 19);
  EXPECT_EQ(Total(*reader_, "bot-c"), 1);
  EXPECT_EQ(Total(*reader_, "bot-a"), 9);  // 0..18 even, without 12
  EXPECT_EQ(Total(*reader_, "bot-b"), 9);  // 1..19 odd, without 3
}

// The same defect through a compaction: Compact flushes and rewrites the
// bottommost level, whose files carry sequence number 0, and the counters'
// merge operands the reader replayed were counted twice (from its memtable
// and from the table) when only a flush's sequence numbers were watched.
TEST_F(ReaderHoldingReplayedWrites,
       CountsEachSessionOnceAfterTheWriterCompacted) {
  ASSERT_OK(writer_->Compact());
  ASSERT_OK(reader_->Refresh());
  EXPECT_EQ(Sessions(*reader_), 20);
  EXPECT_EQ(Total(*reader_, "bot-a"), 10);
  ASSERT_OK(writer_->PutBatch(Range(100, 105)));
  ASSERT_OK(reader_->Refresh());
  EXPECT_EQ(Sessions(*reader_), 25);
}

// Refresh reopens the secondary instance after the writer flushed (above);
// reads in flight or starting meanwhile on other threads stay whole, and
// what a reader sees never goes back.
TEST(StoreReader, RefreshesThatReopenLeaveConcurrentReadsWhole) {
  TempDir dir;
  auto writer = Store::Open(Options(), dir.path());
  ASSERT_OK(writer);
  ASSERT_OK((*writer)->PutBatch(Range(0, 10)));
  auto opened = Store::OpenReader(Options(), dir.path());
  ASSERT_OK(opened);
  Store& reader = **opened;
  constexpr int kBatches = 12;
  std::atomic<bool> done{false};
  std::thread write([&] {
    for (int b = 1; b <= kBatches; ++b) {
      EXPECT_OK((*writer)->PutBatch(Range(100 + b * 10, 110 + b * 10)));
      if (b % 3 == 0) {
        EXPECT_OK((*writer)->Compact());  // flushes
      }
    }
    done = true;
  });
  std::vector<std::thread> reads;
  for (int r = 0; r < 2; ++r) {
    reads.emplace_back([&] {
      int64_t last = 0;
      do {
        const int64_t now = Sessions(reader);
        EXPECT_GE(now, last);
        EXPECT_EQ((now - 10) % 10, 0) << "a batch seen in part";
        last = now;
      } while (!done);
    });
  }
  absl::Status refreshed;
  while (!done && refreshed.ok()) refreshed = reader.Refresh();
  write.join();
  for (std::thread& t : reads) t.join();
  ASSERT_OK(refreshed);
  ASSERT_OK(reader.Refresh());
  EXPECT_EQ(Sessions(reader), 10 + kBatches * 10);
}

TEST(StoreReader, RefusesEveryWriteWithFailedPrecondition) {
  TempDir dir;
  {
    auto store = Store::Open(Options(), dir.path());
    ASSERT_OK(store);
    ASSERT_OK((*store)->PutBatch(Range(0, 20)));
  }
  auto reader = Store::OpenReader(Options(), dir.path());
  ASSERT_OK(reader);
  Store& r = **reader;
  const auto refused = StatusIs(absl::StatusCode::kFailedPrecondition,
                                HasSubstr("open as a reader"));
  EXPECT_THAT(r.Put(Numbered(30)), refused);
  EXPECT_THAT(r.PutBatch(Range(30, 40)), refused);
  EXPECT_THAT(r.Delete("s-1"), refused);
  EXPECT_THAT(r.Delete("no-such-session"), refused);
  UserIdentity identity;
  identity.user_id = "u-1";
  identity.aliases = {"one@example.com"};
  EXPECT_THAT(r.LinkUserAliases(identity), refused);
  EXPECT_THAT(r.Compact(), refused);
  {
    class OneSession : public SessionSource {
     public:
      absl::StatusOr<bool> Next(Session* session) override {
        if (done_) return false;
        *session = Numbered(50);
        done_ = true;
        return true;
      }

     private:
      bool done_ = false;
    } source;
    EXPECT_THAT(r.BulkLoad(source, BulkLoadOptions()), refused);
  }
  CheckOptions repair;
  repair.repair = true;
  EXPECT_THAT(r.Check(repair), refused);
  EXPECT_THAT(DeleteSessionsBefore(r, std::nullopt, kBase + kDayMs), refused);
  EXPECT_THAT(DeleteUser(r, "u-1"), refused);
  EXPECT_EQ(Sessions(r), 20);
}

TEST(StoreReader, MissingStoreIsNotFoundNamingThePathAndCreatesNothing) {
  TempDir dir;
  const std::string absent = dir.Sub("absent");
  EXPECT_THAT(Store::OpenReader(Options(), absent),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(absent)));
  EXPECT_FALSE(std::filesystem::exists(absent));

  Options no_create;
  no_create.create_if_missing = false;
  EXPECT_THAT(Store::Open(no_create, absent),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(absent)));
  EXPECT_FALSE(std::filesystem::exists(absent));

  // An existing directory without a store stays empty.
  EXPECT_THAT(Store::OpenReader(Options(), dir.path()),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(dir.path())));
  EXPECT_THAT(Store::Open(no_create, dir.path()),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(dir.path())));
  EXPECT_THAT(FileNames(dir.path()), IsEmpty());
}

TEST(StoreReader, LeavesTheStoreDirectoryAsItWas) {
  TempDir dir;
  {
    auto store = Store::Open(Options(), dir.path());
    ASSERT_OK(store);
    ASSERT_OK((*store)->PutBatch(Range(0, 20)));
  }
  const std::set<std::string> before = FileNames(dir.path());
  for (int i = 0; i < 3; ++i) {
    auto reader = Store::OpenReader(Options(), dir.path());
    ASSERT_OK(reader);
    EXPECT_EQ(Sessions(**reader), 20);
    ASSERT_OK((*reader)->Refresh());
  }
  EXPECT_EQ(FileNames(dir.path()), before);
}

TEST(StoreReader, KeepsItsOwnFilesInATemporaryDirectoryRemovedAtClose) {
  TempDir dir, tmp;
  { ASSERT_OK(Store::Open(Options(), dir.path())); }
  const char* old_tmpdir = std::getenv("TMPDIR");
  const std::string saved = old_tmpdir != nullptr ? old_tmpdir : "";
  setenv("TMPDIR", tmp.path().c_str(), 1);
  {
    auto reader = Store::OpenReader(Options(), dir.path());
    ASSERT_OK(reader);
    EXPECT_EQ(FileNames(tmp.path()).size(), 1u) << "the reader's directory";
  }
  EXPECT_THAT(FileNames(tmp.path()), IsEmpty());
  if (old_tmpdir != nullptr) {
    setenv("TMPDIR", saved.c_str(), 1);
  } else {
    unsetenv("TMPDIR");
  }
}

}  // namespace
}  // namespace sessiondb
