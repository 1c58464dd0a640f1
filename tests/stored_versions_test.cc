// ReadStoredVersion (two Gets) and ReadStoredVersions (two sorted
// MultiGets): the stored version of a held session is its sessionId map
// entry and the record that entry names, read straight from RocksDB here;
// a session the store does not hold has none; a map entry too short to be
// a record's key, or naming a missing record, is DataLoss naming the
// sessionId. The two readers must agree, session for session.
#include "storage/stored_versions.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "sessiondb/store.h"
#include "storage/column_families.h"
#include "storage/storage_engine.h"
#include "testing/session_builder.h"
#include "testing/status_matchers.h"
#include "testing/storage_engine_test_peer.h"
#include "testing/temp_dir.h"
#include "testing/writer_store.h"

namespace sessiondb {
namespace {

using ::sessiondb::testing::MakeSession;
using ::sessiondb::testing::StatusIs;
using ::sessiondb::testing::TempDir;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr int64_t kStart = 1'750'000'000'000;

class StoredVersionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriterStore opened = testing::OpenWriterStore(dir_.path());
    ASSERT_NE(opened.engine, nullptr);
    store_ = std::move(opened.store);
    engine_ = opened.engine;
    // Ids whose order differs from their record keys' (the start times run
    // backwards and over two bots), so the second MultiGet's reordering
    // is exercised.
    std::vector<Session> sessions;
    for (int i = 0; i < 40; ++i) {
      sessions.push_back(MakeSession(Id(i), i % 2 ? "bot-a" : "bot-b",
                                     kStart - int64_t{i} * 60'000));
    }
    ASSERT_OK(store_->PutBatch(sessions));
  }

  static std::string Id(int i) {
    return "s" + std::string(i < 10 ? "0" : "") + std::to_string(i);
  }

  rocksdb::DB* Db() { return StorageEngineTestPeer::db(*engine_); }
  rocksdb::ColumnFamilyHandle* Handle(Cf cf) {
    return StorageEngineTestPeer::handle(*engine_, cf);
  }
  // Raw reads `key` of `cf` from RocksDB; nullopt when absent.
  std::optional<std::string> Raw(Cf cf, const std::string& key) {
    std::string value;
    rocksdb::Status s =
        Db()->Get(rocksdb::ReadOptions(), Handle(cf), key, &value);
    if (s.IsNotFound()) return std::nullopt;
    EXPECT_TRUE(s.ok()) << s.ToString();
    return value;
  }
  void RawPut(Cf cf, const std::string& key, const std::string& value) {
    ASSERT_TRUE(
        Db()->Put(rocksdb::WriteOptions(), Handle(cf), key, value).ok());
  }
  void RawDelete(Cf cf, const std::string& key) {
    ASSERT_TRUE(Db()->Delete(rocksdb::WriteOptions(), Handle(cf), key).ok());
  }

  // Batched reads `ids` (distinct) with ReadStoredVersions.
  absl::StatusOr<std::vector<std::optional<StoredVersion>>> Batched(
      const std::vector<std::string_view>& ids) {
    std::vector<std::optional<StoredVersion>> versions;
    absl::StatusOr<size_t> bytes = ReadStoredVersions(*engine_, ids, &versions);
    if (!bytes.ok()) return bytes.status();
    size_t record_bytes = 0;
    for (const auto& v : versions) {
      if (v.has_value()) record_bytes += v->record.size();
    }
    EXPECT_EQ(*bytes, record_bytes);
    return versions;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  StorageEngine* engine_ = nullptr;
};

TEST_F(StoredVersionsTest, BothReadersReturnTheMapEntryAndTheRecordItNames) {
  // Held and unheld ids interleaved: sorted bytewise, reversed and
  // shuffled. s01 (bot-a) sorts before s02 (bot-b) by id, after it by
  // record key.
  std::vector<std::string> sorted = {"a-none", Id(1),  Id(2),  Id(17),
                                     "s17x",   Id(23), Id(39), "zz-none"};
  std::vector<std::string> reversed(sorted.rbegin(), sorted.rend());
  std::vector<std::string> shuffled = {Id(17),   "zz-none", Id(1),  Id(39),
                                       "a-none", Id(23),    "s17x", Id(2)};
  for (const std::vector<std::string>& owned : {sorted, reversed, shuffled}) {
    std::vector<std::string_view> ids(owned.begin(), owned.end());
    auto batched = Batched(ids);
    ASSERT_OK(batched);
    ASSERT_EQ(batched->size(), ids.size());
    int held = 0;
    for (size_t i = 0; i < ids.size(); ++i) {
      SCOPED_TRACE(owned[i]);
      auto one = ReadStoredVersion(*engine_, ids[i]);
      ASSERT_OK(one);
      std::optional<std::string> key = Raw(Cf::kSessionIds, owned[i]);
      ASSERT_EQ(one->has_value(), key.has_value());
      ASSERT_EQ((*batched)[i].has_value(), key.has_value());
      if (!key.has_value()) continue;
      ++held;
      std::optional<std::string> record = Raw(Cf::kSessions, *key);
      ASSERT_TRUE(record.has_value());
      EXPECT_EQ((*one)->primary_key, *key);
      EXPECT_EQ((*one)->record, *record);
      EXPECT_EQ((*batched)[i]->primary_key, *key);
      EXPECT_EQ((*batched)[i]->record, *record);
    }
    EXPECT_EQ(held, 5);
  }
}

TEST_F(StoredVersionsTest, AMapEntryTooShortIsDataLossNamingTheSession) {
  RawPut(Cf::kSessionIds, Id(5), "short");
  const auto matches =
      StatusIs(absl::StatusCode::kDataLoss,
               AllOf(HasSubstr("s05"), HasSubstr("too short")));
  EXPECT_THAT(ReadStoredVersion(*engine_, Id(5)).status(), matches);
  const std::string a = Id(4), b = Id(5), c = Id(6);
  EXPECT_THAT(Batched({a, b, c}).status(), matches);
}

TEST_F(StoredVersionsTest, AMapEntryNamingAMissingRecordIsDataLoss) {
  std::optional<std::string> key = Raw(Cf::kSessionIds, Id(8));
  ASSERT_TRUE(key.has_value());
  RawDelete(Cf::kSessions, *key);
  const auto matches =
      StatusIs(absl::StatusCode::kDataLoss,
               AllOf(HasSubstr("s08"), HasSubstr("missing record")));
  EXPECT_THAT(ReadStoredVersion(*engine_, Id(8)).status(), matches);
  const std::string a = Id(7), b = Id(8), c = Id(9);
  EXPECT_THAT(Batched({a, b, c}).status(), matches);
}

TEST_F(StoredVersionsTest, RepeatedIdsAreRefusedNamingTheId) {
  // Each id has one place in the answer.
  const std::string a = Id(4), b = Id(5);
  const auto refused = StatusIs(absl::StatusCode::kInternal,
                                AllOf(HasSubstr("s04"), HasSubstr("repeated")));
  EXPECT_THAT(Batched({a, a}).status(), refused);
  EXPECT_THAT(Batched({a, b, a}).status(), refused);
  EXPECT_OK(Batched({b, a}).status());
}

}  // namespace
}  // namespace sessiondb
