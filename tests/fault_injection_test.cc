// Disk and I/O faults, lock conflicts and corrupt files:
//   - a write that fails (disk full, failed sync, failed flush) returns an
//     error to the caller, the store stays consistent (Check) and holds every
//     acknowledged write, and once space returns it writes again after a
//     reopen;
//   - the same on a real, full, size-limited tmpfs (skipped where mounting
//     is not allowed);
//   - a read that fails while the planner sizes its candidate drivers fails
//     the query (it does not make the candidate look small);
//   - opening a store another process (or another open in this one) holds
//     fails Unavailable naming LOCK; a RocksDB store with column families
//     not ours fails FailedPrecondition; FromRocksStatus reads codes, never
//     the message text;
//   - opening a store with a corrupt CURRENT, MANIFEST or table file fails
//     with a status naming the file (DataLoss for corrupt bytes); a corrupt
//     data block found later is DataLoss for Check and HTTP 500 for a
//     query — never a crash.
// Faults are injected the way RocksDB's own tests do it: a FileSystemWrapper
// passed to StorageEngine::Open through its Env parameter.
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "api/store_impl.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "sessiondb/check.h"
#include "sessiondb/store.h"
#include "storage/rocksdb_status.h"
#include "storage/storage_engine.h"
#include "testing/session_builder.h"
#include "testing/status_matchers.h"
#include "testing/storage_engine_test_peer.h"
#include "testing/temp_dir.h"

namespace sessiondb {
namespace {

using ::sessiondb::testing::IsOk;
using ::sessiondb::testing::MakeSession;
using ::sessiondb::testing::StatusIs;
using ::testing::AllOf;
using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kBase = 20'000 * kDay;

Session Numbered(int i) {
  Session s = MakeSession("f" + std::to_string(i), i % 2 ? "bot-a" : "bot-b",
                          kBase + i * 61'001, "u-" + std::to_string(i % 3));
  s.session_tags = {{"n", std::to_string(i % 4)}};
  return s;
}

// ---- A file system that fails on demand ----

enum class Fault { kNone, kDiskFull, kSyncFails, kNextReadFails };

class FaultFileSystem;

// FaultWritableFile fails appends (disk full) or syncs as its file system
// says, and otherwise forwards to the real file.
class FaultWritableFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultWritableFile(const FaultFileSystem& fs,
                    std::unique_ptr<rocksdb::FSWritableFile> file)
      : FSWritableFileOwnerWrapper(std::move(file)), fs_(fs) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data,
                           const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus Append(const rocksdb::Slice& data,
                           const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& info,
                           rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data,
                                     uint64_t offset,
                                     const rocksdb::IOOptions& options,
                                     rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                         rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override;

 private:
  const FaultFileSystem& fs_;
};

// FaultRandomAccessFile fails the next read when its file system says so.
class FaultRandomAccessFile : public rocksdb::FSRandomAccessFileOwnerWrapper {
 public:
  FaultRandomAccessFile(FaultFileSystem& fs,
                        std::unique_ptr<rocksdb::FSRandomAccessFile> file)
      : FSRandomAccessFileOwnerWrapper(std::move(file)), fs_(fs) {}

  rocksdb::IOStatus Read(uint64_t offset, size_t n,
                         const rocksdb::IOOptions& options,
                         rocksdb::Slice* result, char* scratch,
                         rocksdb::IODebugContext* dbg) const override;
  rocksdb::IOStatus MultiRead(rocksdb::FSReadRequest* reqs, size_t num_reqs,
                              const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) override;

 private:
  FaultFileSystem& fs_;
};

class FaultFileSystem : public rocksdb::FileSystemWrapper {
 public:
  FaultFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "SessiondbTestFaultFileSystem"; }

  void Set(Fault fault) { fault_ = fault; }
  Fault fault() const { return fault_; }
  int injected() const { return injected_; }

  // FailRead returns an injected read error once after
  // Set(Fault::kNextReadFails), and OK otherwise.
  rocksdb::IOStatus FailRead() {
    Fault armed = Fault::kNextReadFails;
    if (!fault_.compare_exchange_strong(armed, Fault::kNone)) {
      return rocksdb::IOStatus::OK();
    }
    ++injected_;
    return rocksdb::IOStatus::IOError("injected: read failed");
  }

  // Fail returns the injected error for an operation of `kind`, or OK.
  rocksdb::IOStatus Fail(Fault kind) const {
    if (fault_ != kind) return rocksdb::IOStatus::OK();
    ++injected_;
    return kind == Fault::kDiskFull
               ? rocksdb::IOStatus::NoSpace("injected: no space left on device")
               : rocksdb::IOStatus::IOError("injected: sync failed");
  }

  rocksdb::IOStatus NewWritableFile(
      const std::string& fname, const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* result,
      rocksdb::IODebugContext* dbg) override {
    if (rocksdb::IOStatus s = Fail(Fault::kDiskFull); !s.ok()) return s;
    return Wrap(target()->NewWritableFile(fname, options, result, dbg), result);
  }
  rocksdb::IOStatus ReopenWritableFile(
      const std::string& fname, const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* result,
      rocksdb::IODebugContext* dbg) override {
    if (rocksdb::IOStatus s = Fail(Fault::kDiskFull); !s.ok()) return s;
    return Wrap(target()->ReopenWritableFile(fname, options, result, dbg),
                result);
  }
  rocksdb::IOStatus ReuseWritableFile(
      const std::string& fname, const std::string& old_fname,
      const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* result,
      rocksdb::IODebugContext* dbg) override {
    if (rocksdb::IOStatus s = Fail(Fault::kDiskFull); !s.ok()) return s;
    return Wrap(
        target()->ReuseWritableFile(fname, old_fname, options, result, dbg),
        result);
  }

  rocksdb::IOStatus NewRandomAccessFile(
      const std::string& fname, const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSRandomAccessFile>* result,
      rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s =
        target()->NewRandomAccessFile(fname, options, result, dbg);
    if (s.ok()) {
      *result =
          std::make_unique<FaultRandomAccessFile>(*this, std::move(*result));
    }
    return s;
  }

 private:
  rocksdb::IOStatus Wrap(rocksdb::IOStatus s,
                         std::unique_ptr<rocksdb::FSWritableFile>* result) {
    if (s.ok()) {
      *result = std::make_unique<FaultWritableFile>(*this, std::move(*result));
    }
    return s;
  }

  std::atomic<Fault> fault_{Fault::kNone};
  mutable std::atomic<int> injected_{0};
};

rocksdb::IOStatus FaultRandomAccessFile::Read(
    uint64_t offset, size_t n, const rocksdb::IOOptions& options,
    rocksdb::Slice* result, char* scratch, rocksdb::IODebugContext* dbg) const {
  if (rocksdb::IOStatus s = fs_.FailRead(); !s.ok()) return s;
  return FSRandomAccessFileOwnerWrapper::Read(offset, n, options, result,
                                              scratch, dbg);
}
rocksdb::IOStatus FaultRandomAccessFile::MultiRead(
    rocksdb::FSReadRequest* reqs, size_t num_reqs,
    const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) {
  if (rocksdb::IOStatus s = fs_.FailRead(); !s.ok()) {
    for (size_t i = 0; i < num_reqs; ++i) reqs[i].status = s;
    return s;
  }
  return FSRandomAccessFileOwnerWrapper::MultiRead(reqs, num_reqs, options,
                                                   dbg);
}

rocksdb::IOStatus FaultWritableFile::Append(const rocksdb::Slice& data,
                                            const rocksdb::IOOptions& options,
                                            rocksdb::IODebugContext* dbg) {
  if (rocksdb::IOStatus s = fs_.Fail(Fault::kDiskFull); !s.ok()) return s;
  return FSWritableFileOwnerWrapper::Append(data, options, dbg);
}
rocksdb::IOStatus FaultWritableFile::Append(
    const rocksdb::Slice& data, const rocksdb::IOOptions& options,
    const rocksdb::DataVerificationInfo& info, rocksdb::IODebugContext* dbg) {
  if (rocksdb::IOStatus s = fs_.Fail(Fault::kDiskFull); !s.ok()) return s;
  return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
}
rocksdb::IOStatus FaultWritableFile::PositionedAppend(
    const rocksdb::Slice& data, uint64_t offset,
    const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) {
  if (rocksdb::IOStatus s = fs_.Fail(Fault::kDiskFull); !s.ok()) return s;
  return FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options,
                                                      dbg);
}
rocksdb::IOStatus FaultWritableFile::Sync(const rocksdb::IOOptions& options,
                                          rocksdb::IODebugContext* dbg) {
  if (rocksdb::IOStatus s = fs_.Fail(Fault::kSyncFails); !s.ok()) return s;
  if (rocksdb::IOStatus s = fs_.Fail(Fault::kDiskFull); !s.ok()) return s;
  return FSWritableFileOwnerWrapper::Sync(options, dbg);
}
rocksdb::IOStatus FaultWritableFile::Fsync(const rocksdb::IOOptions& options,
                                           rocksdb::IODebugContext* dbg) {
  if (rocksdb::IOStatus s = fs_.Fail(Fault::kSyncFails); !s.ok()) return s;
  if (rocksdb::IOStatus s = fs_.Fail(Fault::kDiskFull); !s.ok()) return s;
  return FSWritableFileOwnerWrapper::Fsync(options, dbg);
}

// FaultyStore is a Store whose RocksDB files go through a FaultFileSystem.
class FaultyStoreTest : public ::testing::Test {
 protected:
  FaultyStoreTest()
      : fs_(std::make_shared<FaultFileSystem>()),
        env_(rocksdb::NewCompositeEnv(fs_)) {}

  void Open(bool sync_writes = false) {
    store_.reset();
    Options options;
    options.sync_writes = sync_writes;
    auto engine = StorageEngine::Open(options, dir_.path(), env_.get());
    ASSERT_OK(engine);
    store_ = std::make_unique<StoreImpl>(*std::move(engine));
  }

  // ExpectConsistentWith checks the store and that exactly the sessions
  // 0 … n-1 (and none of `absent`) are there.
  void ExpectConsistentWith(int n, const std::vector<std::string>& absent) {
    absl::StatusOr<CheckReport> report = store_->Check(CheckOptions());
    ASSERT_OK(report);
    for (const Inconsistency& i : report->inconsistencies) {
      ADD_FAILURE() << i.ToString();
    }
    EXPECT_TRUE(report->consistent());
    int records = n;
    for (const std::string& id : absent) {
      if (std::stoi(id.substr(1)) < n) --records;
    }
    EXPECT_EQ(report->records, records);
    SessionQuery lookup;
    lookup.session_ids = absent;
    for (int i = 0; i < n && lookup.session_ids.size() < kMaxLookupIds; ++i) {
      lookup.session_ids.push_back("f" + std::to_string(i));
    }
    auto page = store_->GetSessions(lookup);
    ASSERT_OK(page);
    EXPECT_EQ(page->invalid_sessions, absent);
  }

  sessiondb::testing::TempDir dir_;
  std::shared_ptr<FaultFileSystem> fs_;
  std::unique_ptr<rocksdb::Env> env_;
  std::unique_ptr<Store> store_;
};

TEST_F(FaultyStoreTest,
       AWriteOnAFullDiskFailsResourceExhaustedAndChangesNothing) {
  Open();
  for (int i = 0; i < 20; ++i) ASSERT_OK(store_->Put(Numbered(i)));

  fs_->Set(Fault::kDiskFull);
  EXPECT_THAT(store_->Put(Numbered(20)),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("writing sessions")));
  std::vector<Session> batch = {Numbered(21), Numbered(22), Numbered(3)};
  batch[2].bot_id = "bot-moved";
  EXPECT_THAT(store_->PutBatch(batch), Not(IsOk()));
  EXPECT_THAT(store_->Delete("f4"), Not(IsOk()));
  EXPECT_GT(fs_->injected(), 0);

  // Reads still answer, from what was acknowledged, and the store is
  // consistent while the disk is full.
  ExpectConsistentWith(20, {"f20", "f21", "f22"});
  ApiResponse r = store_->HandleGetSessions(
      std::nullopt, std::nullopt,
      R"({"dateFrom": "2024-10-04", "dateTo": "2024-10-05", "limit": 1})");
  EXPECT_EQ(r.status, 200) << r.body;

  // Space returns. RocksDB keeps the store read-only after a failed WAL
  // write (a background error); reopening recovers it.
  fs_->Set(Fault::kNone);
  EXPECT_THAT(
      store_->Put(Numbered(20)),
      StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("No space")));
  Open();
  ExpectConsistentWith(20, {"f20", "f21", "f22"});
  ASSERT_OK(store_->Put(Numbered(20)));
  ASSERT_OK(store_->PutBatch(batch));
  ASSERT_OK(store_->Delete("f4"));
  ExpectConsistentWith(23, {"f4"});
}

TEST_F(FaultyStoreTest,
       AFailedSyncIsAnErrorAndTheBatchIsWholeOrAbsentAfterReopen) {
  Open(/*sync_writes=*/true);
  for (int i = 0; i < 10; ++i) ASSERT_OK(store_->Put(Numbered(i)));
  fs_->Set(Fault::kSyncFails);
  std::vector<Session> batch;
  for (int i = 10; i < 15; ++i) batch.push_back(Numbered(i));
  EXPECT_THAT(store_->PutBatch(batch),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("sync failed")));
  EXPECT_THAT(store_->Put(Numbered(15)), Not(IsOk()));

  fs_->Set(Fault::kNone);
  Open(/*sync_writes=*/true);
  // The failed batch reached the log but not the disk's promise: after a
  // process restart it may be there, but only whole.
  absl::StatusOr<CheckReport> report = store_->Check(CheckOptions());
  ASSERT_OK(report);
  EXPECT_TRUE(report->consistent());
  EXPECT_THAT(report->records, AnyOf(10, 15, 16));
  SessionQuery lookup;
  for (int i = 0; i < 16; ++i)
    lookup.session_ids.push_back("f" + std::to_string(i));
  auto page = store_->GetSessions(lookup);
  ASSERT_OK(page);
  EXPECT_GE(page->sessions.size(), 10u);
  const size_t batch_present = std::count_if(
      page->sessions.begin(), page->sessions.end(), [](const Session& s) {
        const int i = std::stoi(s.session_id.substr(1));
        return i >= 10 && i < 15;
      });
  EXPECT_TRUE(batch_present == 0 || batch_present == 5) << batch_present;
  ASSERT_OK(store_->Put(Numbered(16)));
}

TEST_F(FaultyStoreTest, AFailedFlushKeepsAcknowledgedWritesInTheLog) {
  Open();
  for (int i = 0; i < 30; ++i) ASSERT_OK(store_->Put(Numbered(i)));
  fs_->Set(Fault::kDiskFull);
  StorageEngine& engine = static_cast<StoreImpl&>(*store_).engine();
  rocksdb::FlushOptions flush;
  rocksdb::Status s = StorageEngineTestPeer::db(engine)->Flush(
      flush, StorageEngineTestPeer::handle(engine, Cf::kSessions));
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(store_->Put(Numbered(30)), Not(IsOk()));
  fs_->Set(Fault::kNone);
  Open();
  ExpectConsistentWith(30, {"f30"});
  ASSERT_OK(store_->Put(Numbered(30)));
  ExpectConsistentWith(31, {});
}

TEST_F(FaultyStoreTest, AReadErrorWhileSizingTagDriversFailsTheQuery) {
  Open();
  for (int i = 0; i < 40; ++i) ASSERT_OK(store_->Put(Numbered(i)));
  StorageEngine& engine = static_cast<StoreImpl&>(*store_).engine();
  ASSERT_OK(engine.FlushMemtables());
  Open();  // an empty block cache: the query's reads reach the files
  SessionQuery query;
  query.from_ms = kBase;
  query.to_ms = kBase + kDay;
  // Two conditions of either kind are not single tags: the planner probes
  // both index ranges to pick the smaller, and the first probe's first read
  // fails. Counted as a short range, it would drive and the query succeed.
  query.tags.all_of = {{"n", {"1"}}, {"n", {"1", "3"}}};
  fs_->Set(Fault::kNextReadFails);
  EXPECT_THAT(store_->GetSessions(query),
              StatusIs(absl::StatusCode::kInternal,
                       AllOf(HasSubstr("scanning"),
                             HasSubstr("injected: read failed"))));
  EXPECT_EQ(fs_->injected(), 1);

  absl::StatusOr<SessionPage> page = store_->GetSessions(query);
  ASSERT_OK(page);
  EXPECT_EQ(page->total, 10);  // i % 4 == 1 for 10 of the 40
}

// ---- A real full disk: a size-limited tmpfs ----

class TmpfsMount {
 public:
  explicit TmpfsMount(const std::string& dir) : dir_(dir) {
    mounted_ = mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=3m") == 0;
    error_ = mounted_ ? 0 : errno;
  }
  ~TmpfsMount() {
    if (mounted_) umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  int error() const { return error_; }
  bool Grow() {
    return mount("tmpfs", dir_.c_str(), "tmpfs", MS_REMOUNT, "size=64m") == 0;
  }

 private:
  std::string dir_;
  bool mounted_ = false;
  int error_ = 0;
};

// Regression: RocksDB's own LOG writer aborted the process (an assertion in
// Debian's librocksdb) on the log line after a failed one; the store now
// logs through NewInfoLog (src/storage/info_log.h).
TEST(TmpfsDiskFull,
     WritesFailResourceExhaustedWithoutAbortingAndResumeAfterSpaceReturns) {
  sessiondb::testing::TempDir dir;
  TmpfsMount mount(dir.path());
  if (!mount.mounted()) {
    GTEST_SKIP() << "cannot mount a size-limited tmpfs here ("
                 << std::strerror(mount.error())
                 << "); needs root or CAP_SYS_ADMIN";
  }
  const std::string path = dir.Sub("store");
  Options options;
  // 256 KiB memtables: flushes happen while filling.
  options.memory_budget_bytes = size_t{2} << 20;
  int acked = 0;
  absl::Status failure;
  {
    auto store = Store::Open(options, path);
    ASSERT_OK(store);
    const std::string padding(1000, 'x');
    for (int i = 0; i < 100'000; ++i) {
      Session s = Numbered(i);
      for (int k = 0; k < 4; ++k) {
        s.session_tags.push_back({"pad" + std::to_string(k), padding});
      }
      absl::Status st = (*store)->Put(s);
      if (!st.ok()) {
        failure = st;
        break;
      }
      acked = i + 1;
    }
    ASSERT_FALSE(failure.ok()) << "3 MiB never filled up";
    EXPECT_THAT(failure, StatusIs(absl::StatusCode::kResourceExhausted,
                                  HasSubstr("space")));
  }
  ASSERT_TRUE(mount.Grow());
  auto store = Store::Open(options, path);
  ASSERT_OK(store);
  absl::StatusOr<CheckReport> report = (*store)->Check(CheckOptions());
  ASSERT_OK(report);
  for (const Inconsistency& i : report->inconsistencies) {
    ADD_FAILURE() << i.ToString();
  }
  EXPECT_TRUE(report->consistent());
  EXPECT_GE(report->records, acked);
  EXPECT_LE(report->records, acked + 1);
  SessionQuery lookup;
  for (int i = std::max(0, acked - 40); i < acked; ++i) {
    lookup.session_ids.push_back("f" + std::to_string(i));
  }
  auto page = (*store)->GetSessions(lookup);
  ASSERT_OK(page);
  EXPECT_TRUE(page->invalid_sessions.empty());
  ASSERT_OK((*store)->Put(Numbered(acked + 1)));
}

// ---- Locks ----

TEST(StoreOpen, FailsUnavailableNamingTheLockWhileAnotherProcessHoldsTheStore) {
  sessiondb::testing::TempDir dir;
  { ASSERT_OK(Store::Open(Options(), dir.path())); }
  int ready[2], release[2];
  ASSERT_EQ(pipe(ready), 0);
  ASSERT_EQ(pipe(release), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto store = Store::Open(Options(), dir.path());
    char c = store.ok() ? 'y' : 'n';
    if (write(ready[1], &c, 1) != 1) _exit(2);
    if (read(release[0], &c, 1) < 0) _exit(3);
    _exit(0);
  }
  char c = 0;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  ASSERT_EQ(c, 'y');
  EXPECT_THAT(Store::Open(Options(), dir.path()),
              StatusIs(absl::StatusCode::kUnavailable,
                       AllOf(HasSubstr("LOCK"), HasSubstr("another process"))));
  ASSERT_EQ(write(release[1], &c, 1), 1);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_OK(Store::Open(Options(), dir.path()));
}

TEST(StoreOpen, FailsUnavailableWhileAnotherOpenInThisProcessHoldsTheStore) {
  sessiondb::testing::TempDir dir;
  auto first = Store::Open(Options(), dir.path());
  ASSERT_OK(first);
  EXPECT_THAT(Store::Open(Options(), dir.path()),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("LOCK")));
  first->reset();
  EXPECT_OK(Store::Open(Options(), dir.path()));
}

TEST(StoreOpen, ARocksDbWithColumnFamiliesWeDoNotKnowFailsFailedPrecondition) {
  sessiondb::testing::TempDir dir;
  {
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, dir.path(), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    rocksdb::ColumnFamilyHandle* handle = nullptr;
    ASSERT_TRUE(db->CreateColumnFamily(rocksdb::ColumnFamilyOptions(),
                                       "not_ours", &handle)
                    .ok());
    ASSERT_TRUE(db->DestroyColumnFamilyHandle(handle).ok());
  }
  EXPECT_THAT(Store::Open(Options(), dir.path()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("not a sessiondb store"),
                             HasSubstr("not_ours"))));
}

// FromRocksStatus classifies by code, never by the text: an I/O error whose
// message happens to say "lock" (a block read) is not a held lock.
TEST(FromRocksStatus, AnIoErrorIsInternalWhateverItsTextSays) {
  EXPECT_THAT(FromRocksStatus(
                  rocksdb::Status::IOError("while reading block", "000012.sst"),
                  "scanning"),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("block")));
  EXPECT_THAT(FromRocksStatus(rocksdb::Status::Busy(), "writing"),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("writing")));
  EXPECT_THAT(
      FromRocksStatus(rocksdb::Status::IOError(rocksdb::Status::kPathNotFound),
                      "opening"),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("missing")));
}

// ---- Corrupt files ----

class CorruptStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = Store::Open(Options(), dir_.path());
    ASSERT_OK(store);
    std::vector<Session> sessions;
    for (int i = 0; i < 300; ++i) sessions.push_back(Numbered(i));
    ASSERT_OK((*store)->PutBatch(sessions));
  }

  // Flush writes the memtables to table files so there is an SST to damage.
  void Flush() {
    auto engine = StorageEngine::Open(Options(), dir_.path());
    ASSERT_OK(engine);
    for (int i = 0; i < kNumCfs; ++i) {
      ASSERT_TRUE(StorageEngineTestPeer::db(**engine)
                      ->Flush(rocksdb::FlushOptions(),
                              StorageEngineTestPeer::handle(**engine,
                                                            static_cast<Cf>(i)))
                      .ok());
    }
  }

  std::vector<std::string> Files(const std::string& prefix,
                                 const std::string& suffix) {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
      const std::string name = e.path().filename().string();
      if (name.starts_with(prefix) && name.ends_with(suffix)) {
        out.push_back(e.path().string());
      }
    }
    return out;
  }

  static void Overwrite(const std::string& file, size_t at,
                        const std::string& bytes) {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f.good()) << file;
    f.seekp(static_cast<std::streamoff>(at));
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }

  sessiondb::testing::TempDir dir_;
};

TEST_F(CorruptStoreTest, GarbageInCurrentFailsOpenWithDataLoss) {
  std::ofstream(dir_.Sub("CURRENT"), std::ios::trunc) << "garbage";
  EXPECT_THAT(Store::Open(Options(), dir_.path()),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr("opening"), HasSubstr("CURRENT"))));
}

TEST_F(CorruptStoreTest, CurrentNamingAMissingManifestFailsOpenWithDataLoss) {
  std::ofstream(dir_.Sub("CURRENT"), std::ios::trunc) << "MANIFEST-999999\n";
  EXPECT_THAT(Store::Open(Options(), dir_.path()),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr("opening"), HasSubstr("MANIFEST-999999"),
                             HasSubstr("No such file"))));
}

TEST_F(CorruptStoreTest, AMissingTableFileFailsOpenWithDataLoss) {
  Flush();
  std::vector<std::string> tables = Files("", ".sst");
  ASSERT_FALSE(tables.empty());
  std::filesystem::remove(tables.front());
  EXPECT_THAT(Store::Open(Options(), dir_.path()),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("opening")));
}

TEST_F(CorruptStoreTest, AGarbledManifestFailsOpenWithDataLoss) {
  Flush();
  std::vector<std::string> manifests = Files("MANIFEST-", "");
  ASSERT_FALSE(manifests.empty());
  for (const std::string& m : manifests) {
    const size_t size = std::filesystem::file_size(m);
    Overwrite(m, 0, std::string(std::min<size_t>(size, 64), '\xAB'));
  }
  EXPECT_THAT(Store::Open(Options(), dir_.path()),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("opening")));
}

TEST_F(CorruptStoreTest, ATruncatedTableFileFailsOpenWithDataLoss) {
  Flush();
  std::vector<std::string> tables = Files("", ".sst");
  ASSERT_FALSE(tables.empty());
  for (const std::string& t : tables) {
    std::filesystem::resize_file(t, std::filesystem::file_size(t) / 2);
  }
  EXPECT_THAT(Store::Open(Options(), dir_.path()),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr("opening"), HasSubstr(".sst"))));
}

TEST_F(CorruptStoreTest, ACorruptDataBlockIsDataLossForCheckAndA500ForQueries) {
  Flush();
  std::vector<std::string> tables = Files("", ".sst");
  ASSERT_FALSE(tables.empty());
  // The largest table (the records): its first data block is damaged; the
  // index, properties and footer at its end stay intact.
  std::sort(tables.begin(), tables.end(),
            [](const std::string& a, const std::string& b) {
              return std::filesystem::file_size(a) >
                     std::filesystem::file_size(b);
            });
  Overwrite(tables[0], 100, std::string(64, '\x5C'));
  auto store = Store::Open(Options(), dir_.path());
  ASSERT_OK(store);
  EXPECT_THAT((*store)->Check(CheckOptions()),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr("scanning column family"),
                             HasSubstr("checksum mismatch"))));
  ApiResponse r = (*store)->HandleGetSessions(
      std::nullopt, std::nullopt,
      R"({"dateFrom": "2024-10-04", "dateTo": "2024-10-05"})");
  EXPECT_EQ(r.status, 500);
  EXPECT_THAT(r.body, AllOf(HasSubstr("Corruption"), HasSubstr(".sst")));
}

}  // namespace
}  // namespace sessiondb
