// A reader (StorageEngine::OpenReader, a RocksDB secondary instance) never
// holds one column family's part of a writer's batch without another's,
// even when the write-ahead log holding the batch vanishes while the reader
// catches up: RocksDB skips a log that is gone and keeps the MANIFEST it read
// before, which may record some of the flushes that retired the log and not
// the others.
//
// The interleaving is forced, not waited for: the reader's files go through
// a FileSystemWrapper that, the first time the reader opens a given log,
// lets the writer flush the rest of its column families and waits until the
// log is deleted.
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "storage/change_log.h"
#include "storage/storage_engine.h"
#include "testing/status_matchers.h"
#include "testing/storage_engine_test_peer.h"
#include "testing/temp_dir.h"

namespace sessiondb {
namespace {

using ::sessiondb::testing::TempDir;

// BeforeLogOpen runs a hook once, before the first open of a file whose
// name ends with `log_name`, then opens it as the default file system does.
class BeforeLogOpen : public rocksdb::FileSystemWrapper {
 public:
  BeforeLogOpen() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "SessiondbTestBeforeLogOpen"; }

  void Arm(std::string log_name, std::function<void()> hook) {
    log_name_ = std::move(log_name);
    hook_ = std::move(hook);
  }
  bool fired() const { return fired_; }

  rocksdb::IOStatus NewSequentialFile(
      const std::string& fname, const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSSequentialFile>* result,
      rocksdb::IODebugContext* dbg) override {
    if (hook_ && !fired_ && absl::EndsWith(fname, "/" + log_name_)) {
      fired_ = true;
      hook_();
    }
    return target()->NewSequentialFile(fname, options, result, dbg);
  }

 private:
  std::string log_name_;
  std::function<void()> hook_;
  bool fired_ = false;
};

// NewestLog is the name of the newest write-ahead log in `dir`.
std::string NewestLog(const std::string& dir) {
  std::string newest;
  uint64_t newest_number = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".log") continue;
    const uint64_t number = std::stoull(name.substr(0, name.size() - 4));
    if (newest.empty() || number > newest_number) {
      newest = name;
      newest_number = number;
    }
  }
  return newest;
}

absl::Status Flush(StorageEngine& writer, Cf cf) {
  rocksdb::DB* db = StorageEngineTestPeer::db(writer);
  rocksdb::Status s = db->Flush(rocksdb::FlushOptions(),
                                StorageEngineTestPeer::handle(writer, cf));
  return s.ok() ? absl::OkStatus() : absl::InternalError(s.ToString());
}

// The reader is about to catch up with an alias change whose write-ahead
// log vanishes under it: change 3's change log part (the default column
// family) is in a table the MANIFEST records, its alias map part only in
// the log until the hook flushes it.
class ReaderCatchUpAcrossAVanishingLog : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = StorageEngine::Open(Options(), dir_.path());
    ASSERT_OK(opened.status());
    writer_ = *std::move(opened);
    ASSERT_OK(writer_->PutAliases({"user-0", {"zero@example.com"}}));
    ASSERT_OK(FlushAll(*writer_));
    // The reader opens with empty memtables (everything is in tables), so
    // catching up later needs no reopen, which would hide the loss.
    fs_ = std::make_shared<BeforeLogOpen>();
    env_ = rocksdb::NewCompositeEnv(fs_);
    auto opened_reader =
        StorageEngine::OpenReader(Options(), dir_.path(), env_.get());
    ASSERT_OK(opened_reader.status());
    reader_ = *std::move(opened_reader);

    // The reader only loses a log it has not opened yet: one after the log
    // it opened with.
    ASSERT_OK(writer_->PutAliases({"user-1", {"first@example.com"}}));
    ASSERT_OK(FlushAll(*writer_));
    log_ = NewestLog(dir_.path());
    ASSERT_FALSE(log_.empty());
    ASSERT_OK(writer_->PutAliases({"user-2", {"second@example.com"}}));
    ASSERT_OK(Flush(*writer_, Cf::kDefault));

    // Once the reader has read the MANIFEST and is about to replay that
    // log, the writer flushes the alias map too, which retires the log.
    fs_->Arm(log_, [this] {
      ASSERT_OK(Flush(*writer_, Cf::kAliases));
      const std::string path = dir_.path() + "/" + log_;
      for (int i = 0; i < 500 && std::filesystem::exists(path); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      ASSERT_FALSE(std::filesystem::exists(path)) << "the writer kept " << log_;
    });
  }

  static absl::Status FlushAll(StorageEngine& writer) {
    for (int cf = 0; cf < kNumCfs; ++cf) {
      absl::Status s = Flush(writer, static_cast<Cf>(cf));
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }

  uint64_t Sequence() {
    absl::StatusOr<ChangeLogState> state =
        ReadChangeLogState(*reader_, nullptr);
    EXPECT_OK(state.status());
    return state.ok() ? state->sequence : 0;
  }

  // SecondAlias is the reader's view of change 3's alias.
  rocksdb::Status SecondAlias(std::string* user) {
    return reader_->Get(rocksdb::ReadOptions(), Cf::kAliases,
                        "second@example.com", user);
  }

  TempDir dir_;
  std::unique_ptr<StorageEngine> writer_;
  std::shared_ptr<BeforeLogOpen> fs_;
  std::unique_ptr<rocksdb::Env> env_;
  std::unique_ptr<StorageEngine> reader_;
  std::string log_;
};

TEST_F(ReaderCatchUpAcrossAVanishingLog, NeverShowsAnEntryWithoutItsAlias) {
  ASSERT_OK(reader_->CatchUp());
  ASSERT_TRUE(fs_->fired()) << "the reader never opened " << log_;
  EXPECT_TRUE(reader_->caught_up_whole());
  ASSERT_EQ(Sequence(), 3u) << "all three alias changes are acknowledged";
  std::string user;
  rocksdb::Status s = SecondAlias(&user);
  ASSERT_TRUE(s.ok()) << "change 3 is visible, its alias is not: "
                      << s.ToString();
  EXPECT_EQ(user, "user-2");
}

TEST_F(ReaderCatchUpAcrossAVanishingLog, SaysSoWhenItStoppedBeforeAWholeState) {
  StorageEngineTestPeer::set_max_catch_ups(*reader_, 1);
  ASSERT_OK(reader_->CatchUp());
  ASSERT_TRUE(fs_->fired()) << "the reader never opened " << log_;
  EXPECT_FALSE(reader_->caught_up_whole());
  std::string user;
  EXPECT_EQ(Sequence(), 3u);
  EXPECT_TRUE(SecondAlias(&user).IsNotFound()) << "the torn state it reports";

  ASSERT_OK(reader_->CatchUp());
  EXPECT_TRUE(reader_->caught_up_whole());
  ASSERT_TRUE(SecondAlias(&user).ok());
  EXPECT_EQ(user, "user-2");
}

}  // namespace
}  // namespace sessiondb
