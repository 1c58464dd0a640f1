// A store written by format 3 (no quarter-hour counters) is upgraded by the
// first writer that opens it, to exactly what this code writes itself;
// readers and unknown formats are refused without a change.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "sessiondb/check.h"
#include "sessiondb/store.h"
#include "storage/column_families.h"
#include "storage/counters.h"
#include "storage/storage_engine.h"
#include "testing/random_sessions.h"
#include "testing/status_matchers.h"
#include "testing/store_contents.h"
#include "testing/temp_dir.h"
#include "testing/test_seed.h"

namespace sessiondb {
namespace {

using ::sessiondb::testing::NonZeroCounts;
using ::sessiondb::testing::RandomSessions;
using ::sessiondb::testing::ReadAllColumnFamilies;
using ::sessiondb::testing::TempDir;
using ::testing::HasSubstr;

constexpr int64_t kFrom = 1'768'780'800'000;  // 2026-01-19T00:00:00Z
constexpr int64_t kDayMs = 86'400'000;

// RewriteAsFormat writes `version` as the store's format version and, for a
// version below 4, removes every quarter-hour counter: the store as format
// 3 code left it.
void RewriteAsFormat(const std::string& path, const std::string& version) {
  auto descriptors =
      BuildCfDescriptors(Options(), rocksdb::NewLRUCache(8 << 20));
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(rocksdb::DBOptions(), path, descriptors,
                                        &handles, &raw);
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::ColumnFamilyHandle* meta = nullptr;
  rocksdb::ColumnFamilyHandle* counts = nullptr;
  for (size_t i = 0; i < descriptors.size(); ++i) {
    if (descriptors[i].name == CfName(Cf::kDefault)) meta = handles[i];
    if (descriptors[i].name == CfName(Cf::kCounts)) counts = handles[i];
  }
  ASSERT_NE(meta, nullptr);
  ASSERT_NE(counts, nullptr);
  rocksdb::WriteBatch batch;
  int removed = 0;
  if (version < "4") {
    std::unique_ptr<rocksdb::Iterator> it(
        db->NewIterator(rocksdb::ReadOptions(), counts));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      // Bot scope: bot(4) level(1) bucket(8); the quarter hour's byte is 3.
      if (it->key().size() == 13 && it->key()[4] == '\x03') {
        ASSERT_TRUE(batch.Delete(counts, it->key()).ok());
        ++removed;
      }
    }
    ASSERT_GT(removed, 0);
  }
  ASSERT_TRUE(batch.Put(meta, std::string(kFormatVersionKey), version).ok());
  ASSERT_TRUE(db->Write(rocksdb::WriteOptions(), &batch).ok());
  ASSERT_TRUE(db->Flush(rocksdb::FlushOptions(), handles).ok());
  for (rocksdb::ColumnFamilyHandle* h : handles)
    ASSERT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
}

class FormatUpgrade : public ::testing::Test {
 protected:
  // A store of three days of varied sessions and two days before 1970, some
  // moved and deleted (their counters went back to zero); closed.
  void SetUp() override {
    const uint64_t seed = sessiondb::testing::TestSeed(44);
    SCOPED_TRACE(::testing::Message() << "SESSIONDB_TEST_SEED=" << seed);
    RandomSessions corpus(seed, kFrom, kFrom + 3 * kDayMs, 800);
    auto store = Store::Open(Options(), dir_.path());
    ASSERT_OK(store);
    ASSERT_OK((*store)->PutBatch(corpus.sessions));
    // Sessions before 1970 too: negative buckets, sign bit flipped.
    RandomSessions old(seed + 1, -2 * kDayMs, 0, 200);
    for (Session& s : old.sessions) s.session_id = "old-" + s.session_id;
    ASSERT_OK((*store)->PutBatch(old.sessions));
    for (size_t i = 0; i < corpus.sessions.size(); i += 7) {
      Session moved = corpus.sessions[i];
      moved.start_time_ms += 47 * 60'000;  // into another quarter hour
      if (moved.end_time_ms) *moved.end_time_ms += 47 * 60'000;
      ASSERT_OK((*store)->Put(moved));
    }
    for (size_t i = 3; i < corpus.sessions.size(); i += 11)
      ASSERT_OK((*store)->Delete(corpus.sessions[i].session_id));
  }

  TempDir dir_;
};

TEST_F(FormatUpgrade, WriterOpenAddsTheQuarterHoursThisCodeWouldHaveWritten) {
  const auto written = ReadAllColumnFamilies(dir_.path());
  RewriteAsFormat(dir_.path(), "3");
  ASSERT_NE(NonZeroCounts(ReadAllColumnFamilies(dir_.path()).at("counts")),
            NonZeroCounts(written.at("counts")));

  {
    auto store = Store::Open(Options(), dir_.path());
    ASSERT_OK(store);
    auto report = (*store)->Check(CheckOptions());
    ASSERT_OK(report);
    EXPECT_TRUE(report->consistent());
  }
  const auto upgraded = ReadAllColumnFamilies(dir_.path());
  EXPECT_EQ(NonZeroCounts(upgraded.at("counts")),
            NonZeroCounts(written.at("counts")));
  EXPECT_EQ(upgraded.at("default").at(std::string(kFormatVersionKey)),
            std::to_string(kFormatVersion));
  for (const auto& [cf, contents] : written) {
    if (cf == "counts" || cf == "default") continue;
    EXPECT_EQ(upgraded.at(cf), contents) << cf;
  }
}

TEST_F(FormatUpgrade, AReaderRefusesAnOlderFormatAndNamesTheFix) {
  RewriteAsFormat(dir_.path(), "3");
  const auto before = ReadAllColumnFamilies(dir_.path());
  auto reader = Store::OpenReader(Options(), dir_.path());
  EXPECT_THAT(reader.status(), ::sessiondb::testing::StatusIs(
                                   absl::StatusCode::kFailedPrecondition,
                                   HasSubstr("format version 3 is older")));
  EXPECT_THAT(std::string(reader.status().message()),
              HasSubstr("open it once for writing"));
  reader = absl::InternalError("closed");
  const auto after = ReadAllColumnFamilies(dir_.path());
  EXPECT_EQ(after.at("default").at(std::string(kFormatVersionKey)), "3");
  EXPECT_EQ(after.at("counts"), before.at("counts"));
}

TEST_F(FormatUpgrade, AFormatItCannotUpgradeIsRefusedUnchanged) {
  for (const std::string version : {"2", "5", "x"}) {
    RewriteAsFormat(dir_.path(), version);
    const auto before = ReadAllColumnFamilies(dir_.path());
    auto store = Store::Open(Options(), dir_.path());
    EXPECT_THAT(store.status(), ::sessiondb::testing::StatusIs(
                                    absl::StatusCode::kFailedPrecondition,
                                    HasSubstr("is not the supported version")))
        << version;
    store = absl::InternalError("closed");
    EXPECT_EQ(ReadAllColumnFamilies(dir_.path()).at("counts"),
              before.at("counts"));
  }
}

}  // namespace
}  // namespace sessiondb
