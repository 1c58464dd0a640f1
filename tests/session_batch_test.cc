// SessionBatch's WriteBatch: a rewrite writes each key it keeps once (its
// delete is dropped for the put that overwrites it), and deletes exactly
// the keys it leaves; what the store then holds is checked by Check and
// the other store tests.
#include "storage/session_batch.h"

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "rocksdb/write_batch.h"
#include "sessiondb/check.h"
#include "sessiondb/store.h"
#include "storage/storage_engine.h"
#include "testing/session_builder.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"
#include "testing/writer_store.h"

namespace sessiondb {
namespace {

using ::sessiondb::testing::MakeSession;
using ::sessiondb::testing::TempDir;

constexpr int64_t kStart = 1'750'000'000'000;

// The operations of a WriteBatch per (column family id, key): "P" put, "D"
// delete, "M" merge, in order.
std::map<std::pair<uint32_t, std::string>, std::string> Operations(
    rocksdb::WriteBatch& batch) {
  struct Handler : rocksdb::WriteBatch::Handler {
    std::map<std::pair<uint32_t, std::string>, std::string> ops;
    rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& key,
                          const rocksdb::Slice&) override {
      ops[{cf, key.ToString()}] += "P";
      return rocksdb::Status::OK();
    }
    rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
      ops[{cf, key.ToString()}] += "D";
      return rocksdb::Status::OK();
    }
    rocksdb::Status MergeCF(uint32_t cf, const rocksdb::Slice& key,
                            const rocksdb::Slice&) override {
      ops[{cf, key.ToString()}] += "M";
      return rocksdb::Status::OK();
    }
  } handler;
  EXPECT_TRUE(batch.Iterate(&handler).ok());
  return handler.ops;
}

class SessionBatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriterStore opened = testing::OpenWriterStore(dir_.path());
    ASSERT_NE(opened.engine, nullptr);
    store_ = std::move(opened.store);
    engine_ = opened.engine;
  }

  // Staged is the WriteBatch's operations for upserting `session`.
  std::map<std::pair<uint32_t, std::string>, std::string> Staged(
      const Session& session) {
    SessionBatch batch(*engine_);
    EXPECT_OK(batch.Upsert(session));
    return Operations(*batch.Finish());
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  StorageEngine* engine_ = nullptr;
};

TEST_F(SessionBatchTest, ARewriteKeepingItsKeysPutsEachOnceAndDeletesNone) {
  Session s = MakeSession("s1", "bot-1", kStart);
  s.session_tags = {{"intent", "order"}, {"topic", "billing"}};
  ASSERT_OK(store_->Put(s));
  const auto first = Staged(MakeSession("s2", "bot-1", kStart));

  Session ended = s;
  *ended.end_time_ms += 60'000;  // the runtime rewriting it as it ends
  ended.messages_exchanged = 12;
  const auto ops = Staged(ended);
  int puts = 0;
  for (const auto& [key, kinds] : ops) {
    EXPECT_TRUE(kinds == "P" || kinds == "M") << kinds;
    puts += kinds == "P";
  }
  // The record, the sessionId map, by_cell, by_user and one by_tag entry a
  // tag: as many puts as a new session of two tags writes, no more.
  int new_session_puts = 0;
  for (const auto& [key, kinds] : first) new_session_puts += kinds == "P";
  EXPECT_EQ(puts, new_session_puts + 2);  // s2 has no tags
}

TEST_F(SessionBatchTest, ARewriteMovingItsKeysDeletesTheOldOnes) {
  Session s = MakeSession("s1", "bot-1", kStart);
  s.session_tags = {{"intent", "order"}};
  ASSERT_OK(store_->Put(s));
  Session moved = s;
  moved.start_time_ms += 3'600'000;
  *moved.end_time_ms += 3'600'000;
  moved.session_tags = {{"intent", "refund"}};
  const auto ops = Staged(moved);
  int deletes = 0, puts = 0;
  for (const auto& [key, kinds] : ops) {
    EXPECT_TRUE(kinds == "P" || kinds == "D" || kinds == "M") << kinds;
    deletes += kinds == "D";
    puts += kinds == "P";
  }
  // Every key but the sessionId map's moved: the record, by_cell, by_user
  // and the tag's entry go, and come back under new keys.
  EXPECT_EQ(deletes, 4);
  EXPECT_EQ(puts, 5);
  ASSERT_OK(store_->Put(moved));
  absl::StatusOr<CheckReport> report = store_->Check(CheckOptions());
  ASSERT_OK(report);
  EXPECT_TRUE(report->inconsistencies.empty());
}

TEST_F(SessionBatchTest, SeveralWritesOfOneSessionInABatchLeaveNoDelete) {
  // a rewritten twice; b deleted and written back: every key is kept, so
  // nothing is deleted, and the store stays consistent.
  const Session a = MakeSession("a", "bot-1", kStart);
  const Session b = MakeSession("b", "bot-1", kStart + 5);
  ASSERT_OK(store_->PutBatch({a, b}));
  Session a1 = a, a2 = a;
  a1.messages_exchanged = 3;
  a2.messages_exchanged = 5;
  SessionBatch batch(*engine_);
  ASSERT_OK(batch.Prefetch(std::vector<Session>{a1, a2, b}));
  ASSERT_OK(batch.Upsert(a1));
  ASSERT_OK(batch.Upsert(a2));
  bool found = false;
  ASSERT_OK(batch.Delete("b", &found));
  EXPECT_TRUE(found);
  ASSERT_OK(batch.Upsert(b));
  for (const auto& [key, kinds] : Operations(*batch.Finish())) {
    EXPECT_EQ(kinds.find('D'), std::string::npos) << key.second << " " << kinds;
  }
  ASSERT_OK(store_->PutBatch({a1, a2}));
  absl::StatusOr<CheckReport> report = store_->Check(CheckOptions());
  ASSERT_OK(report);
  EXPECT_TRUE(report->inconsistencies.empty());
}

}  // namespace
}  // namespace sessiondb
