// Store::BulkLoad: the sorted-file path writes exactly what PutBatch upserts
// would (every column family compared key by key and value by value), into
// an empty store or one with sessions (new ones and rewrites of those it
// holds), whatever the memory budget, and the upsert path takes over,
// exactly, from the first sessionId the files already hold.
#include "sessiondb/bulk_load.h"

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "rocksdb/metadata.h"
#include "rocksdb/table_properties.h"
#include "sessiondb/store.h"
#include "storage/rocksdb_status.h"
#include "storage/storage_engine.h"
#include "testing/random_sessions.h"
#include "testing/status_matchers.h"
#include "testing/storage_engine_test_peer.h"
#include "testing/store_contents.h"
#include "testing/temp_dir.h"
#include "testing/temp_store.h"
#include "utilities/engine_access.h"

namespace sessiondb {
namespace {

using ::sessiondb::testing::ExpectStoreHolds;
using ::sessiondb::testing::RandomSessions;
using ::sessiondb::testing::ReadAllColumnFamilies;
using ::sessiondb::testing::TempDir;
using ::sessiondb::testing::TestSeed;
using ::sessiondb::testing::UtcMs;
using ::testing::HasSubstr;

class VectorSource : public SessionSource {
 public:
  explicit VectorSource(const std::vector<Session>& sessions)
      : sessions_(sessions) {}
  absl::StatusOr<bool> Next(Session* session) override {
    if (next_ == sessions_.size()) return false;
    *session = sessions_[next_++];
    return true;
  }

 private:
  const std::vector<Session>& sessions_;
  size_t next_ = 0;
};

// The corpus: RandomSessions plus sessions with many tags (their index
// payloads leave the tags out, and they skip the pair counters).
std::vector<Session> Corpus(int count) {
  RandomSessions corpus(TestSeed(42), UtcMs(2024, 3, 1), UtcMs(2024, 3, 20),
                        count);
  std::vector<Session> sessions = corpus.sessions;
  for (int i = 0; i < count / 20; ++i) {
    Session s = sessions[static_cast<size_t>(i) * 7 % sessions.size()];
    s.session_id = "many-tags-" + std::to_string(i);
    for (int t = 0; t < 30; ++t)
      s.session_tags.push_back({"topic" + std::to_string(t % 12), "v"});
    sessions.push_back(std::move(s));
  }
  return sessions;
}

std::unique_ptr<Store> Open(const std::string& path) {
  auto store = Store::Open(Options(), path);
  EXPECT_OK(store);
  return store.ok() ? std::move(*store) : nullptr;
}

std::map<std::string, Session> ModelOf(const std::vector<Session>& sessions) {
  std::map<std::string, Session> model;
  for (const Session& s : sessions) model[s.session_id] = s;
  return model;
}

class BulkLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SCOPED_TRACE(::testing::Message()
                 << "SESSIONDB_TEST_SEED=" << TestSeed(42));
  }

  // Upserted writes `sessions` with PutBatch into a fresh store and returns
  // its column families.
  std::map<std::string, testing::KeyValues> Upserted(
      const std::vector<Session>& sessions) {
    const std::string path = dir_.Sub("upserted");
    {
      std::unique_ptr<Store> store = Open(path);
      for (size_t i = 0; i < sessions.size(); i += 100) {
        std::vector<Session> batch(
            sessions.begin() + static_cast<std::ptrdiff_t>(i),
            sessions.begin() + static_cast<std::ptrdiff_t>(
                                   std::min(i + 100, sessions.size())));
        EXPECT_OK(store->PutBatch(batch));
      }
    }
    return ReadAllColumnFamilies(path);
  }

  absl::StatusOr<BulkLoadSummary> Load(Store& store,
                                       const std::vector<Session>& sessions,
                                       size_t memory_bytes = size_t{64} << 20) {
    VectorSource source(sessions);
    BulkLoadOptions options;
    options.memory_bytes = memory_bytes;
    return store.BulkLoad(source, options);
  }

  // ExpectSameColumnFamilies compares two stores key for key, but for the
  // cursor key: each store draws its own (storage_engine.h), and both must
  // have one; and for the change log, which differs by construction (a
  // load's entries against one entry per PutBatch; change_log_test.cc
  // checks them).
  static void ExpectSameColumnFamilies(
      std::map<std::string, testing::KeyValues> actual,
      std::map<std::string, testing::KeyValues> expected) {
    ASSERT_EQ(actual.size(), expected.size());
    for (auto* store : {&actual, &expected}) {
      testing::KeyValues& kv = (*store)["default"];
      EXPECT_EQ(kv.erase(std::string(kCursorKeyKey)), 1u);
      EXPECT_EQ(kv.erase(std::string(kChangeSeqKey)), 1u);
      kv.erase(kv.lower_bound(std::string(kChangeLogPrefix)),
               kv.lower_bound(std::string(kChangeLogPrefix) + "\xff"));
    }
    for (const auto& [cf, kv] : expected) {
      ASSERT_TRUE(actual.count(cf)) << cf;
      EXPECT_EQ(actual.at(cf).size(), kv.size()) << cf;
      EXPECT_TRUE(actual.at(cf) == kv) << "column family " << cf << " differs";
    }
  }

  // ExpectLoadIntoAStoreWithSessions puts `first`, then loads `rest` into
  // that store: the first `ingested` sessions of `rest` take the file path
  // and the others the upsert path; the store passes Check, holds each
  // sessionId's last value, and every column family is what upserting
  // `first` then `rest` writes.
  void ExpectLoadIntoAStoreWithSessions(const std::string& path,
                                        const std::vector<Session>& first,
                                        const std::vector<Session>& rest,
                                        int64_t ingested,
                                        size_t memory_bytes = size_t{64}
                                                              << 20) {
    {
      std::unique_ptr<Store> store = Open(path);
      ASSERT_OK(store->PutBatch(first));
      absl::StatusOr<BulkLoadSummary> summary =
          Load(*store, rest, memory_bytes);
      ASSERT_OK(summary);
      EXPECT_EQ(summary->ingested, ingested);
      EXPECT_EQ(summary->upserted,
                static_cast<int64_t>(rest.size()) - ingested);
      ExpectCheckPasses(*store);
    }
    std::map<std::string, Session> model = ModelOf(first);
    for (const Session& s : rest) model[s.session_id] = s;
    ExpectStoreHolds(path, model);
    std::vector<Session> all = first;
    all.insert(all.end(), rest.begin(), rest.end());
    ExpectSameColumnFamilies(ReadAllColumnFamilies(path), Upserted(all));
  }

  static void ExpectCheckPasses(Store& store) {
    absl::StatusOr<CheckReport> report = store.Check(CheckOptions());
    ASSERT_OK(report);
    EXPECT_THAT(report->inconsistencies, ::testing::IsEmpty());
  }

  TempDir dir_;
};

TEST_F(BulkLoadTest, IntoAnEmptyStoreWritesWhatUpsertsWrite) {
  const std::vector<Session> sessions = Corpus(3000);
  const std::string path = dir_.Sub("bulk");
  {
    std::unique_ptr<Store> store = Open(path);
    absl::StatusOr<BulkLoadSummary> summary = Load(*store, sessions);
    ASSERT_OK(summary);
    EXPECT_EQ(summary->sessions, static_cast<int64_t>(sessions.size()));
    EXPECT_EQ(summary->ingested, static_cast<int64_t>(sessions.size()));
    EXPECT_EQ(summary->upserted, 0);
    ExpectCheckPasses(*store);
  }
  ExpectSameColumnFamilies(ReadAllColumnFamilies(path), Upserted(sessions));
  ExpectStoreHolds(path, ModelOf(sessions));
}

TEST_F(BulkLoadTest, ASmallMemoryBudgetSpillsRunsAndMergesThemInSteps) {
  const std::vector<Session> sessions = Corpus(16000);
  const std::string path = dir_.Sub("bulk");
  {
    std::unique_ptr<Store> store = Open(path);
    // Below the 1 MiB minimum: ~80 runs per column family, more than one
    // merge opens at once, counters summed across all of them.
    ASSERT_OK(Load(*store, sessions, size_t{40} << 10));
    ExpectCheckPasses(*store);
  }
  EXPECT_FALSE(std::filesystem::exists(path + "/bulk-load.tmp"));
  ExpectStoreHolds(path, ModelOf(sessions));
  ExpectSameColumnFamilies(ReadAllColumnFamilies(path), Upserted(sessions));
}

TEST_F(BulkLoadTest, ARepeatedSessionIdSwitchesToUpsertsAndTheLastValueWins) {
  std::vector<Session> sessions = Corpus(1000);
  // Repeat some earlier sessions, moved to another bot, time and cell.
  for (int i = 0; i < 50; ++i) {
    Session again = sessions[static_cast<size_t>(i) * 13];
    again.bot_id = RandomSessions::Bot((i + 1) % RandomSessions::kBots);
    again.start_time_ms += 3'600'000;
    if (again.end_time_ms.has_value()) *again.end_time_ms += 3'600'000;
    again.containment_type = ContainmentType::kAgent;
    sessions.push_back(std::move(again));
  }
  sessions.insert(sessions.begin() + 700, sessions[10]);  // mid-load repeat
  const std::string path = dir_.Sub("bulk");
  {
    std::unique_ptr<Store> store = Open(path);
    absl::StatusOr<BulkLoadSummary> summary = Load(*store, sessions);
    ASSERT_OK(summary);
    EXPECT_EQ(summary->ingested, 700);
    EXPECT_EQ(summary->upserted, static_cast<int64_t>(sessions.size()) - 700);
    ExpectCheckPasses(*store);
  }
  ExpectStoreHolds(path, ModelOf(sessions));
  ExpectSameColumnFamilies(ReadAllColumnFamilies(path), Upserted(sessions));
}

TEST_F(BulkLoadTest, IntoAStoreWithSessionsNewSessionsTakeTheFilePath) {
  // The same bots, users, tags and days as the stored sessions: the files'
  // keys interleave with the store's, and their counters add to its counters.
  const std::vector<Session> sessions = Corpus(3000);
  const std::vector<Session> first(sessions.begin(), sessions.begin() + 400);
  std::vector<Session> rest(sessions.begin() + 400, sessions.end());
  rest[7].bot_id = "st-new-bot";  // a new bot takes the next number
  ASSERT_NO_FATAL_FAILURE(ExpectLoadIntoAStoreWithSessions(
      dir_.Sub("bulk"), first, rest, static_cast<int64_t>(rest.size())));
}

TEST_F(BulkLoadTest,
       IntoAStoreWithSessionsASmallBudgetSpillsEveryColumnFamily) {
  // Runs of every column family merged in steps, counters merged as
  // operands, and the change entries spilled as runs of their own.
  const std::vector<Session> sessions = Corpus(16000);
  const std::vector<Session> first(sessions.begin(), sessions.begin() + 400);
  const std::vector<Session> rest(sessions.begin() + 400, sessions.end());
  ASSERT_NO_FATAL_FAILURE(ExpectLoadIntoAStoreWithSessions(
      dir_.Sub("bulk"), first, rest, static_cast<int64_t>(rest.size()),
      size_t{40} << 10));
}

TEST_F(BulkLoadTest, NewBotsSessionsLandBesideTheStoresAndSurviveCompaction) {
  // Only new bots: the files of the bot-keyed column families overlap
  // nothing stored, and RocksDB puts them in the bottommost level with
  // sequence number 0 (its LOG says so), the counters as bare merge
  // operands; a compaction then folds them.
  const std::vector<Session> first = Corpus(600);
  std::vector<Session> rest = Corpus(900);
  for (Session& s : rest) {
    s.session_id = "other-" + s.session_id;
    s.bot_id = "other-" + s.bot_id;
  }
  const std::string path = dir_.Sub("bulk");
  ASSERT_NO_FATAL_FAILURE(ExpectLoadIntoAStoreWithSessions(
      path, first, rest, static_cast<int64_t>(rest.size())));
  std::vector<Session> all = first;
  all.insert(all.end(), rest.begin(), rest.end());
  {
    std::unique_ptr<Store> store = Open(path);
    ASSERT_OK(store->Compact());
    ExpectCheckPasses(*store);
  }
  ExpectSameColumnFamilies(ReadAllColumnFamilies(path), Upserted(all));
}

TEST_F(BulkLoadTest, IntoAStoreWithDeletesNewCountsAddToTheZeroedOnes) {
  const std::vector<Session> sessions = Corpus(2000);
  const std::vector<Session> first(sessions.begin(), sessions.begin() + 600);
  const std::vector<Session> rest(sessions.begin() + 600, sessions.end());
  auto write_first = [&](Store& store) {
    ASSERT_OK(store.PutBatch(first));
    for (size_t i = 0; i < first.size(); i += 2)
      ASSERT_OK(store.Delete(first[i].session_id));
  };
  const std::string bulk = dir_.Sub("bulk"), upserted = dir_.Sub("upserted");
  {
    std::unique_ptr<Store> store = Open(bulk);
    ASSERT_NO_FATAL_FAILURE(write_first(*store));
    absl::StatusOr<BulkLoadSummary> summary = Load(*store, rest);
    ASSERT_OK(summary);
    EXPECT_EQ(summary->ingested, static_cast<int64_t>(rest.size()));
    ExpectCheckPasses(*store);
  }
  {
    std::unique_ptr<Store> store = Open(upserted);
    ASSERT_NO_FATAL_FAILURE(write_first(*store));
    ASSERT_OK(store->PutBatch(rest));
  }
  ExpectSameColumnFamilies(ReadAllColumnFamilies(bulk),
                           ReadAllColumnFamilies(upserted));
}

TEST_F(BulkLoadTest, ASnapshotTakenBeforeALoadSeesNoneOfIt) {
  const std::vector<Session> sessions = Corpus(1500);
  const std::vector<Session> first(sessions.begin(), sessions.begin() + 500);
  const std::vector<Session> rest(sessions.begin() + 500, sessions.end());
  std::unique_ptr<Store> store = Open(dir_.Sub("bulk"));
  ASSERT_OK(store->PutBatch(first));
  absl::StatusOr<StorageEngine*> engine = StoreInternals::EngineOf(*store);
  ASSERT_OK(engine);
  auto read = [&](const rocksdb::Snapshot* snapshot, Cf cf) {
    rocksdb::ReadOptions options;
    options.snapshot = snapshot;
    testing::KeyValues kv;
    std::unique_ptr<rocksdb::Iterator> it = (*engine)->NewIterator(options, cf);
    for (it->SeekToFirst(); it->Valid(); it->Next())
      kv[it->key().ToString()] = it->value().ToString();
    EXPECT_OK(FromRocksStatus(it->status(), "reading"));
    return kv;
  };
  ReadView view(**engine);
  const testing::KeyValues sessions_before =
      read(view.snapshot(), Cf::kSessions);
  const testing::KeyValues counts_before = read(view.snapshot(), Cf::kCounts);
  absl::StatusOr<BulkLoadSummary> summary = Load(*store, rest);
  ASSERT_OK(summary);
  EXPECT_EQ(summary->ingested, static_cast<int64_t>(rest.size()));
  EXPECT_EQ(sessions_before.size(), first.size());
  EXPECT_TRUE(read(view.snapshot(), Cf::kSessions) == sessions_before);
  EXPECT_TRUE(read(view.snapshot(), Cf::kCounts) == counts_before);
  // Without the snapshot, the load is there.
  EXPECT_EQ(read(nullptr, Cf::kSessions).size(), sessions.size());
  EXPECT_FALSE(read(nullptr, Cf::kCounts) == counts_before);
}

// Rewrites of `stored`, each changing what its keys are made of: moved in
// time, to another bot, user or cell, tags dropped or added, and unchanged.
std::vector<Session> Rewrites(const std::vector<Session>& stored) {
  std::vector<Session> rewrites;
  for (size_t i = 0; i < stored.size(); i += 3) {
    Session s = stored[i];
    switch (i / 3 % 7) {
      case 0:
        s.start_time_ms += 60'000;
        if (s.end_time_ms.has_value()) *s.end_time_ms += 60'000;
        break;
      case 1:  // to another stored bot, or to a new one
        s.bot_id =
            i % 2 ? "st-rewritten-bot"
                  : RandomSessions::Bot(s.bot_id == RandomSessions::Bot(0));
        break;
      case 2:
        s.user_id = "rewritten-user-" + std::to_string(i % 5);
        break;
      case 3:
        s.containment_type = ContainmentType::kDropOff;
        break;
      case 4:
        s.session_tags.clear();
        s.user_tags.clear();
        break;
      case 5:
        s.session_tags.push_back({"rewritten", std::to_string(i % 4)});
        break;
      default:
        break;  // the same value again: every key kept, no count moves
    }
    rewrites.push_back(std::move(s));
  }
  return rewrites;
}

TEST_F(BulkLoadTest, SessionsTheStoreHoldsAreRewrittenThroughTheFiles) {
  const std::vector<Session> sessions = Corpus(3000);
  const std::vector<Session> first(sessions.begin(), sessions.begin() + 1200);
  std::vector<Session> rest = Rewrites(first);
  rest.insert(rest.begin() + 100, sessions.begin() + 1200, sessions.end());
  ASSERT_NO_FATAL_FAILURE(ExpectLoadIntoAStoreWithSessions(
      dir_.Sub("bulk"), first, rest, static_cast<int64_t>(rest.size())));
}

// A table file: its level and its compression.
struct TableFile {
  int level = -1;
  std::string compression;
};

// TableFiles: the table files of `cf` in `store`, by file name.
std::map<std::string, TableFile> TableFiles(Store& store, Cf cf) {
  std::map<std::string, TableFile> out;
  absl::StatusOr<StorageEngine*> engine = StoreInternals::EngineOf(store);
  EXPECT_OK(engine);
  if (!engine.ok()) return out;
  rocksdb::DB* db = StorageEngineTestPeer::db(**engine);
  rocksdb::ColumnFamilyHandle* handle =
      StorageEngineTestPeer::handle(**engine, cf);
  rocksdb::ColumnFamilyMetaData meta;
  db->GetColumnFamilyMetaData(handle, &meta);
  for (const rocksdb::LevelMetaData& level : meta.levels) {
    for (const rocksdb::SstFileMetaData& file : level.files) {
      out[std::filesystem::path(file.name).filename().string()].level =
          level.level;
    }
  }
  rocksdb::TablePropertiesCollection tables;
  EXPECT_TRUE(db->GetPropertiesOfAllTables(handle, &tables).ok());
  for (const auto& [path, properties] : tables) {
    out[std::filesystem::path(path).filename().string()].compression =
        properties->compression_name;
  }
  return out;
}

TEST_F(BulkLoadTest, FilesAreCompressedAsTheLevelTheyLandInIs) {
  // A file that overlaps no stored key of its column family lands in the
  // bottommost level: ZSTD, as compaction writes there. One that overlaps
  // (rewrites do) lands above: LZ4, as a flush's and upper levels' are.
  const std::vector<Session> sessions = Corpus(1000);
  const std::vector<Session> first(sessions.begin(), sessions.begin() + 500);
  std::vector<Session> new_bots(sessions.begin() + 500, sessions.end());
  for (Session& s : new_bots) s.bot_id = "new-" + s.bot_id;
  std::unique_ptr<Store> store = Open(dir_.Sub("bulk"));
  constexpr int kBottommost = 6;  // RocksDB's default num_levels - 1
  // The sessions table file the next load adds, which must be one.
  std::map<std::string, TableFile> before;
  auto added = [&] {
    std::map<std::string, TableFile> now = TableFiles(*store, Cf::kSessions);
    std::vector<TableFile> files;
    for (const auto& [name, file] : now) {
      if (!before.count(name)) files.push_back(file);
    }
    before = now;
    EXPECT_EQ(files.size(), 1u);
    return files.empty() ? TableFile{} : files.front();
  };
  ASSERT_OK(Load(*store, first));  // into an empty store
  TableFile file = added();
  EXPECT_EQ(file.compression, "ZSTD");
  EXPECT_EQ(file.level, kBottommost);
  ASSERT_OK(Load(*store, new_bots));  // after every stored key
  file = added();
  EXPECT_EQ(file.compression, "ZSTD");
  EXPECT_EQ(file.level, kBottommost);
  ASSERT_OK(Load(*store, Rewrites(first)));  // among the stored keys
  file = added();
  EXPECT_EQ(file.compression, "LZ4");
  EXPECT_LT(file.level, kBottommost);
}

TEST_F(BulkLoadTest, RewritesThatDropEveryTagLeaveOnlyDeletionsInByTag) {
  // by_tag gets deletions and no put: a file of deletions alone.
  std::vector<Session> first = Corpus(600);
  first.resize(400);  // RandomSessions only
  std::vector<Session> rest;
  for (size_t i = 0; i < first.size(); i += 2) {
    if (first[i].session_tags.empty() && first[i].user_tags.empty()) continue;
    Session s = first[i];
    s.session_tags.clear();
    s.user_tags.clear();
    rest.push_back(std::move(s));
  }
  ASSERT_GT(rest.size(), 50u);
  ASSERT_NO_FATAL_FAILURE(ExpectLoadIntoAStoreWithSessions(
      dir_.Sub("bulk"), first, rest, static_cast<int64_t>(rest.size())));
}

TEST_F(BulkLoadTest, RewritesUnderASmallBudgetSpillAndMergeTheirDeletions) {
  // Deletions of every index column family spilled as many runs, merged
  // into one, and interleaved with the new keys.
  const std::vector<Session> sessions = Corpus(12000);
  const std::vector<Session> first(sessions.begin(), sessions.begin() + 9000);
  std::vector<Session> rest = Rewrites(first);
  rest.insert(rest.end(), sessions.begin() + 9000, sessions.end());
  ASSERT_NO_FATAL_FAILURE(ExpectLoadIntoAStoreWithSessions(
      dir_.Sub("bulk"), first, rest, static_cast<int64_t>(rest.size()),
      size_t{40} << 10));
}

TEST_F(BulkLoadTest, UpsertsSpanningSeveralBatchesKeepEachSessionsLastValue) {
  // More upserts than two of the upsert path's batches (4,000 sessions): a
  // session of the first batch rewritten in the third, and one moved early
  // in the second; a new bot in each of the first two batches. The first
  // session (one the store holds) takes the file path, and its repeat sends
  // every later session through the upsert path.
  const std::vector<Session> sessions = Corpus(9000);
  const std::vector<Session> first(sessions.begin(), sessions.begin() + 400);
  std::vector<Session> rest(sessions.begin() + 400, sessions.end());
  rest.insert(rest.begin(), first[5]);
  rest.front().user_id = "rewritten-first";
  // The same value again (a changed one would leave zero counts where
  // PutBatch, with both in one batch, writes none: equal answers, not equal
  // keys).
  rest.insert(rest.begin() + 1, rest.front());
  rest[3996].bot_id = "st-new-bot-a";
  rest[4011].bot_id = "st-new-bot-b";
  Session again = rest[3991];
  again.user_id = "rewritten-in-the-next-batch";
  again.start_time_ms += 60'000;  // moved: its old keys must go
  if (again.end_time_ms.has_value()) *again.end_time_ms += 60'000;
  rest.insert(rest.begin() + 4006, again);
  rest.push_back(rest[10]);
  rest.back().user_id = "rewritten-in-a-later-batch";
  rest.back().containment_type = ContainmentType::kDropOff;
  ASSERT_NO_FATAL_FAILURE(
      ExpectLoadIntoAStoreWithSessions(dir_.Sub("bulk"), first, rest, 1));
  // Each new bot answers its own session only (two bots given one number
  // would answer both).
  std::unique_ptr<Store> store = Open(dir_.Sub("bulk"));
  for (const Session* s : {&rest[3996], &rest[4012]}) {
    const std::string day =
        absl::FormatTime("%Y-%m-%d", absl::FromUnixMillis(s->start_time_ms),
                         absl::UTCTimeZone());
    ApiResponse answer = store->HandleGetSessions(
        s->bot_id, std::nullopt,
        absl::StrCat(R"({"dateFrom":")", day, R"(","dateTo":")", day, R"("})"));
    EXPECT_EQ(answer.status, 200) << answer.body;
    EXPECT_THAT(answer.body, ::testing::StartsWith(R"({"total":1,)"))
        << s->bot_id;
    EXPECT_THAT(answer.body, ::testing::HasSubstr(s->session_id));
  }
}

TEST_F(BulkLoadTest, AStoreWhoseSessionsWereAllDeletedTakesTheFilePath) {
  const std::vector<Session> sessions = Corpus(600);
  const std::string path = dir_.Sub("bulk");
  {
    std::unique_ptr<Store> store = Open(path);
    ASSERT_OK(store->PutBatch(sessions));
    for (const Session& s : sessions) ASSERT_OK(store->Delete(s.session_id));
    // Zero counters remain from the deletes; the loaded ones replace them.
    std::vector<Session> again(sessions.begin(), sessions.begin() + 300);
    absl::StatusOr<BulkLoadSummary> summary = Load(*store, again);
    ASSERT_OK(summary);
    EXPECT_EQ(summary->ingested, 300);
    ExpectCheckPasses(*store);
  }
  ExpectStoreHolds(path, ModelOf(std::vector<Session>(sessions.begin(),
                                                      sessions.begin() + 300)));
}

TEST_F(BulkLoadTest, AnInvalidSessionFailsTheFilePathWithNothingWritten) {
  std::vector<Session> sessions = Corpus(500);
  sessions[321].end_time_ms = sessions[321].start_time_ms - 5;  // invalid
  const std::string path = dir_.Sub("bulk");
  {
    std::unique_ptr<Store> store = Open(path);
    absl::StatusOr<BulkLoadSummary> summary = Load(*store, sessions);
    ASSERT_FALSE(summary.ok());
    EXPECT_EQ(summary.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(summary.status().message(), HasSubstr("sessions[321]"));
    EXPECT_THAT(summary.status().message(),
                HasSubstr(sessions[321].session_id));
    absl::StatusOr<StoreStats> stats = store->GetStats();
    ASSERT_OK(stats);
    EXPECT_EQ(stats->sessions, 0);
  }
  ExpectStoreHolds(path, {});
}

TEST_F(BulkLoadTest, AnInvalidSessionAfterManyChunksStopsTheWorkers) {
  std::vector<Session> sessions = Corpus(3000);
  sessions[2500].channel = "";  // invalid, after the workers took chunks
  const std::string path = dir_.Sub("bulk");
  {
    std::unique_ptr<Store> store = Open(path);
    absl::StatusOr<BulkLoadSummary> summary =
        Load(*store, sessions, size_t{1} << 20);
    ASSERT_FALSE(summary.ok());
    EXPECT_THAT(summary.status().message(), HasSubstr("sessions[2500]"));
    EXPECT_FALSE(std::filesystem::exists(path + "/bulk-load.tmp"));
    absl::StatusOr<StoreStats> stats = store->GetStats();
    ASSERT_OK(stats);
    EXPECT_EQ(stats->sessions, 0);
  }
  ExpectStoreHolds(path, {});
}

TEST_F(BulkLoadTest, ANewBotAfterTheSwitchToUpsertsGetsTheNextNumber) {
  std::vector<Session> sessions = Corpus(600);
  sessions.push_back(sessions[5]);  // the switch
  Session late = sessions[6];
  late.session_id = "late-bot-session";
  late.bot_id = "st-bot-late";
  sessions.push_back(late);
  const std::string path = dir_.Sub("bulk");
  {
    std::unique_ptr<Store> store = Open(path);
    absl::StatusOr<BulkLoadSummary> summary = Load(*store, sessions);
    ASSERT_OK(summary);
    EXPECT_EQ(summary->upserted, 2);
    ExpectCheckPasses(*store);
  }
  ExpectStoreHolds(path, ModelOf(sessions));
  ExpectSameColumnFamilies(ReadAllColumnFamilies(path), Upserted(sessions));
}

TEST_F(BulkLoadTest, AFailingSourceStopsTheLoadWithItsError) {
  class FailingSource : public SessionSource {
   public:
    absl::StatusOr<bool> Next(Session* session) override {
      if (++calls_ > 3) return absl::DataLossError("disk gone");
      *session =
          testing::MakeSession("s" + std::to_string(calls_), UtcMs(2024, 3, 1));
      return true;
    }

   private:
    int calls_ = 0;
  };
  std::unique_ptr<Store> store = Open(dir_.Sub("bulk"));
  FailingSource source;
  absl::StatusOr<BulkLoadSummary> summary =
      store->BulkLoad(source, BulkLoadOptions());
  EXPECT_EQ(summary.status().code(), absl::StatusCode::kDataLoss);
  absl::StatusOr<StoreStats> stats = store->GetStats();
  ASSERT_OK(stats);
  EXPECT_EQ(stats->sessions, 0);
}

TEST_F(BulkLoadTest, LoadedSessionsAnswerQueriesAfterAReopen) {
  const std::vector<Session> sessions = Corpus(2000);
  const std::string path = dir_.Sub("bulk");
  {
    std::unique_ptr<Store> store = Open(path);
    ASSERT_OK(Load(*store, sessions));
  }
  std::unique_ptr<Store> store = Open(path);
  std::unique_ptr<Store> upserted = Open(dir_.Sub("upserted"));
  ASSERT_OK(upserted->PutBatch(sessions));
  for (const char* body :
       {R"({"dateFrom":"2024-03-05","dateTo":"2024-03-11","limit":50})",
        R"({"dateFrom":"2024-03-05","dateTo":"2024-03-11","userId":"u-3"})",
        R"({"dateFrom":"2024-03-05","dateTo":"2024-03-11","skip":20,)"
        R"("tags":{"sessionTags":[{"name":"intent","value":"refund"}]}})",
        R"({"dateFrom":"2024-03-01","dateTo":"2024-03-07",)"
        R"("tags":{"sessionTags":[{"name":"topic3","value":"v"}]}})"}) {
    for (int bot = 0; bot < RandomSessions::kBots; ++bot) {
      ApiResponse a = store->HandleGetSessions(RandomSessions::Bot(bot),
                                               std::nullopt, body);
      ApiResponse b = upserted->HandleGetSessions(RandomSessions::Bot(bot),
                                                  std::nullopt, body);
      EXPECT_EQ(a.status, 200) << a.body;
      EXPECT_EQ(a.body, b.body) << body;
    }
  }
}

}  // namespace
}  // namespace sessiondb
