// Store::Check names every injected inconsistency — a missing, stale or
// wrongly valued index entry, a corrupt record (bytes or an enum byte), a
// record under the wrong key or stored twice, a changed counter or user
// count, a broken sessionId map, a lost bot dictionary entry — and
// CheckOptions::repair rebuilds the derived data so the store checks clean
// and answers queries as before. Inconsistencies are injected through raw
// RocksDB access (StorageEngineTestPeer) while the Store is closed.
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "flatbuffers/flatbuffers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "sessiondb/check.h"
#include "sessiondb/store.h"
#include "storage/bot_dictionary.h"
#include "storage/column_families.h"
#include "storage/counters.h"
#include "storage/index_entries.h"
#include "storage/key_codec.h"
#include "storage/record_codec.h"
#include "storage/storage_engine.h"
#include "testing/session_builder.h"
#include "testing/status_matchers.h"
#include "testing/storage_engine_test_peer.h"
#include "testing/temp_dir.h"

namespace sessiondb {
namespace {

using ::sessiondb::testing::MakeSession;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kBase = 20'000 * kDay;

// The fixture's sessions: two bots, several users, cells and tags of both
// kinds; some are upserted again (moved) and some deleted, so the counters
// hold zeros left behind by the moves.
std::vector<Session> FixtureSessions() {
  std::vector<Session> sessions;
  for (int i = 0; i < 40; ++i) {
    Session s =
        MakeSession("s" + std::to_string(i), i % 2 ? "bot-a" : "bot-b",
                    kBase + i * 3'600'123, "u-" + std::to_string(i % 4));
    s.containment_type = static_cast<ContainmentType>(i % 3);
    s.session_type = static_cast<SessionType>(i % 2);
    s.user_tags = {{"plan", i % 2 ? "gold" : "free"}};
    s.session_tags = {{"topic", "t" + std::to_string(i % 5)}, {"all", "yes"}};
    sessions.push_back(s);
  }
  return sessions;
}

Session Moved(Session s) {
  s.bot_id = s.bot_id == "bot-a" ? "bot-b" : "bot-a";
  s.start_time_ms += 1'000'003;
  s.end_time_ms = s.start_time_ms + 1000;
  s.user_id += "-moved";
  s.containment_type = ContainmentType::kAgent;
  s.session_tags = {{"moved", "1"}};
  return s;
}

// Matches an Inconsistency in column family `cf` whose key is `key` and
// whose problem mentions `problem`.
auto Names(Cf cf, const std::string& key, const std::string& problem) {
  return AllOf(Field(&Inconsistency::column_family, CfName(cf)),
               Field(&Inconsistency::key, DebugKey(key)),
               Field(&Inconsistency::problem, HasSubstr(problem)));
}

template <typename Matcher>
void ExpectContains(const std::vector<Inconsistency>& list,
                    const Matcher& matcher) {
  EXPECT_THAT(list, Contains(matcher));
}

class ConsistencyCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = Store::Open(Options(), dir_.path());
    ASSERT_OK(store);
    std::vector<Session> sessions = FixtureSessions();
    ASSERT_OK((*store)->PutBatch(sessions));
    for (int i = 0; i < 40; i += 7) {
      ASSERT_OK((*store)->Put(Moved(sessions[i])));
    }
    for (int i = 3; i < 40; i += 11) {
      ASSERT_OK((*store)->Delete(sessions[i].session_id));
    }
  }

  // Raw is the store's RocksDB without a Store on top, opened on first use
  // to inject damage and closed by Check.
  StorageEngine& Raw() {
    if (raw_ == nullptr) {
      auto engine = StorageEngine::Open(Options(), dir_.path());
      EXPECT_OK(engine);
      raw_ = *std::move(engine);
    }
    return *raw_;
  }
  rocksdb::DB* RawDb() { return StorageEngineTestPeer::db(Raw()); }
  rocksdb::ColumnFamilyHandle* RawHandle(Cf cf) {
    return StorageEngineTestPeer::handle(Raw(), cf);
  }
  void RawPut(Cf cf, const std::string& key, const std::string& value) {
    ASSERT_TRUE(
        RawDb()->Put(rocksdb::WriteOptions(), RawHandle(cf), key, value).ok());
  }
  void RawMerge(Cf cf, const std::string& key, const std::string& value) {
    ASSERT_TRUE(RawDb()
                    ->Merge(rocksdb::WriteOptions(), RawHandle(cf), key, value)
                    .ok());
  }
  void RawDelete(Cf cf, const std::string& key) {
    ASSERT_TRUE(
        RawDb()->Delete(rocksdb::WriteOptions(), RawHandle(cf), key).ok());
  }
  uint32_t BotNumber(const std::string& bot_id) {
    return Raw().bots().Find(bot_id).value_or(0);
  }

  // Current returns the primary key and record bytes of a stored session.
  void Current(const std::string& session_id, std::string* primary_key,
               std::string* record) {
    ASSERT_TRUE(RawDb()
                    ->Get(rocksdb::ReadOptions(), RawHandle(Cf::kSessionIds),
                          session_id, primary_key)
                    .ok());
    ASSERT_TRUE(RawDb()
                    ->Get(rocksdb::ReadOptions(), RawHandle(Cf::kSessions),
                          *primary_key, record)
                    .ok());
  }

  // IndexEntries lists the (cf, key, value) index entries of a session.
  std::vector<std::tuple<Cf, std::string, std::string>> IndexEntries(
      const std::string& session_id) {
    std::string primary_key, record;
    Current(session_id, &primary_key, &record);
    std::vector<std::tuple<Cf, std::string, std::string>> entries;
    ForEachIndexEntry(DecodeBigEndian32(primary_key.data()),
                      *fb::GetSession(record.data()), record,
                      [&](Cf cf, const std::string& k, const std::string& v) {
                        entries.emplace_back(cf, k, v);
                      });
    return entries;
  }

  absl::StatusOr<CheckReport> Check(bool repair = false) {
    raw_.reset();
    auto store = Store::Open(Options(), dir_.path());
    if (!store.ok()) return store.status();
    CheckOptions options;
    options.repair = repair;
    return (*store)->Check(options);
  }

  // ExpectFound checks the store and expects `count` inconsistencies (-1:
  // any number), among them one matching each of `named`.
  template <typename... Matchers>
  void ExpectFound(int64_t count, const Matchers&... named) {
    absl::StatusOr<CheckReport> report = Check();
    ASSERT_OK(report);
    EXPECT_FALSE(report->consistent());
    if (count >= 0) {
      EXPECT_EQ(report->inconsistency_count, count);
    }
    (ExpectContains(report->inconsistencies, named), ...);
  }

  // ExpectRepairFixes repairs the store, then checks that a fresh check is
  // clean, that `probe_id`'s lookup answers `present` and that counted and
  // scanned totals agree. The repair's report goes to *report, if given.
  void ExpectRepairFixes(const std::string& probe_id, bool present,
                         CheckReport* report = nullptr) {
    absl::StatusOr<CheckReport> repaired = Check(/*repair=*/true);
    ASSERT_OK(repaired);
    if (report != nullptr) *report = *repaired;
    EXPECT_TRUE(repaired->repaired);
    EXPECT_GT(repaired->repair_writes, 0);
    EXPECT_EQ(repaired->remaining_count, 0);
    EXPECT_THAT(repaired->remaining, IsEmpty());
    EXPECT_TRUE(repaired->consistent());

    absl::StatusOr<CheckReport> again = Check();
    ASSERT_OK(again);
    EXPECT_EQ(again->inconsistency_count, 0);
    EXPECT_THAT(again->inconsistencies, IsEmpty());

    auto store = Store::Open(Options(), dir_.path());
    ASSERT_OK(store);
    SessionQuery lookup;
    lookup.session_ids = {probe_id};
    auto page = (*store)->GetSessions(lookup);
    ASSERT_OK(page);
    EXPECT_EQ(page->sessions.size(), present ? 1u : 0u);
    SessionQuery week;
    week.from_ms = kBase;
    week.to_ms = kBase + 7 * kDay;
    week.limit = kMaxPageSize;
    auto all = (*store)->GetSessions(week);
    ASSERT_OK(all);
    EXPECT_EQ(all->total, static_cast<int64_t>(all->sessions.size()));
    week.tags.all_of.push_back({"all", {"yes"}, TagKind::kSession});
    auto tagged = (*store)->GetSessions(week);
    ASSERT_OK(tagged);
    EXPECT_EQ(tagged->total, static_cast<int64_t>(tagged->sessions.size()));
  }

  sessiondb::testing::TempDir dir_;
  std::unique_ptr<StorageEngine> raw_;
};

TEST_F(ConsistencyCheck, AStoreWrittenThroughTheApiIsConsistent) {
  absl::StatusOr<CheckReport> report = Check();
  ASSERT_OK(report);
  EXPECT_EQ(report->inconsistency_count, 0);
  EXPECT_THAT(report->inconsistencies, IsEmpty());
  EXPECT_TRUE(report->consistent());
  EXPECT_EQ(report->records, 40 - 4);  // ids 3, 14, 25, 36 deleted
  EXPECT_EQ(report->bots, 2);
  EXPECT_GT(report->index_entries, 4 * report->records);
  EXPECT_GT(report->counters, 0);
  // A column family the checker does not know fails here: teach
  // consistency_check.cc what it must hold.
  EXPECT_THAT(report->unverified_column_families, IsEmpty());
}

TEST_F(ConsistencyCheck, RepairOfAConsistentStoreWritesNothing) {
  absl::StatusOr<CheckReport> report = Check(/*repair=*/true);
  ASSERT_OK(report);
  EXPECT_FALSE(report->repaired);
  EXPECT_EQ(report->repair_writes, 0);
  EXPECT_TRUE(report->consistent());
}

TEST_F(ConsistencyCheck, NamesEveryDeletedIndexEntryAndRepairRestoresThem) {
  const auto entries = IndexEntries("s5");
  ASSERT_GE(entries.size(), 4u);
  for (const auto& [cf, key, value] : entries) RawDelete(cf, key);
  absl::StatusOr<CheckReport> report = Check();
  ASSERT_OK(report);
  EXPECT_EQ(report->inconsistency_count, static_cast<int64_t>(entries.size()));
  for (const auto& [cf, key, value] : entries) {
    EXPECT_THAT(report->inconsistencies, Contains(Names(cf, key, "missing")));
  }
  ExpectRepairFixes("s5", true);
}

TEST_F(ConsistencyCheck, FindingWithoutRepairChangesNothing) {
  const auto entries = IndexEntries("s6");
  ASSERT_GE(entries.size(), 4u);
  for (const auto& [cf, key, value] : entries) RawDelete(cf, key);
  absl::StatusOr<CheckReport> first = Check();
  ASSERT_OK(first);
  EXPECT_EQ(first->inconsistency_count, static_cast<int64_t>(entries.size()));
  EXPECT_FALSE(first->repaired);
  EXPECT_EQ(first->repair_writes, 0);
  absl::StatusOr<CheckReport> second = Check();
  ASSERT_OK(second);
  EXPECT_EQ(second->inconsistency_count, first->inconsistency_count);
}

TEST_F(ConsistencyCheck, NamesAStaleIndexEntryAndRepairRemovesIt) {
  // The by_tag entries of a session that was never written.
  Session ghost = MakeSession("ghost", "bot-a", kBase + 5, "u-ghost");
  ghost.session_tags = {{"all", "yes"}};
  const std::string bytes = EncodeRecordToString(ghost);
  std::string stale_key;
  ForEachIndexEntry(BotNumber("bot-a"), *fb::GetSession(bytes.data()), bytes,
                    [&](Cf cf, const std::string& k, const std::string& v) {
                      if (cf != Cf::kByTag) return;
                      stale_key = k;
                      RawPut(cf, k, v);
                    });
  ExpectFound(1, Names(Cf::kByTag, stale_key, "stale"));
  ExpectRepairFixes("ghost", false);
}

TEST_F(ConsistencyCheck, NamesAnIndexEntryWithTheWrongValue) {
  std::string key;
  for (const auto& [cf, k, v] : IndexEntries("s8")) {
    if (cf != Cf::kByUser) continue;
    key = k;
    RawPut(cf, k, v + "\x7f");
  }
  ASSERT_FALSE(key.empty());
  ExpectFound(1, Names(Cf::kByUser, key, "differs"));
  ExpectRepairFixes("s8", true);
}

TEST_F(ConsistencyCheck,
       NamesACellEntryWhoseRecordCopyDiffersAndRepairRewritesIt) {
  // by_cell entries carry a copy of the record: a stale copy (here, another
  // session's record) must be found and replaced by the owner's bytes.
  std::string key, other;
  for (const auto& [cf, k, v] : IndexEntries("s2"))
    if (cf == Cf::kByCell) other = v;
  for (const auto& [cf, k, v] : IndexEntries("s8")) {
    if (cf != Cf::kByCell) continue;
    key = k;
    RawPut(cf, k, other);
  }
  ASSERT_FALSE(key.empty());
  ASSERT_FALSE(other.empty());
  ExpectFound(1, Names(Cf::kByCell, key, "differs"));
  ExpectRepairFixes("s8", true);
}

TEST_F(ConsistencyCheck, NamesACorruptRecordAndRepairDropsIt) {
  std::string primary_key, record;
  Current("s9", &primary_key, &record);
  for (size_t i = 0; i < record.size(); i += 3) record[i] ^= 0x5A;
  RawPut(Cf::kSessions, primary_key, record);
  // Its index entries, sessionId map entry and counts now belong to no
  // readable record: they are reported too.
  ExpectFound(-1, Names(Cf::kSessions, primary_key, "corrupt"),
              Names(Cf::kSessionIds, "s9", "no record"));
  CheckReport repaired;
  ExpectRepairFixes("s9", false, &repaired);
  EXPECT_THAT(repaired.dropped_records, Contains(DebugKey(primary_key)));
}

TEST_F(ConsistencyCheck, NamesARecordWithAnOutOfRangeEnumByte) {
  std::string primary_key, record;
  Current("s2", &primary_key, &record);  // containment agent (2)
  auto* table = reinterpret_cast<const flatbuffers::Table*>(
      fb::GetSession(record.data()));
  const flatbuffers::voffset_t offset =
      table->GetOptionalFieldOffset(fb::Session::VT_CONTAINMENT_TYPE);
  ASSERT_NE(offset, 0);
  const size_t at =
      reinterpret_cast<const char*>(table) + offset - record.data();
  ASSERT_EQ(record[at], 2);
  record[at] = 7;
  RawPut(Cf::kSessions, primary_key, record);
  ExpectFound(-1, Names(Cf::kSessions, primary_key, "out of range"));
  ExpectRepairFixes("s2", false);
}

TEST_F(ConsistencyCheck, NamesAChangedCounterAndRepairRecountsIt) {
  const std::string minute_key = CounterKey(BotNumber("bot-a"), kMinuteLevel,
                                            kBase + 1 * 3'600'123);  // s1's
  const std::string total_key = BotTotalCounterKey(BotNumber("bot-a"));
  CellCounts plus_one{}, minus_two{};
  plus_one[3] = 1;
  minus_two[0] = -2;
  RawMerge(Cf::kCounts, minute_key, EncodeCellCounts(plus_one));
  RawMerge(Cf::kCounts, total_key, EncodeCellCounts(minus_two));
  ExpectFound(2, Names(Cf::kCounts, minute_key, "recount"),
              Names(Cf::kCounts, total_key, "recount"));
  ExpectRepairFixes("s1", true);
}

TEST_F(ConsistencyCheck, ADayCounterAboveItsHoursLeavesADeepPageExact) {
  // The skip search splits the day its count points into; when the day's
  // hours count less than the day, it must fall back to scanning from the
  // window's end skipping the whole request's skip, not what was left.
  SessionQuery week;
  week.bot_id = "bot-a";
  week.from_ms = kBase;
  week.to_ms = kBase + 7 * kDay;
  week.limit = kMaxPageSize;
  int64_t real = 0;
  {
    auto store = Store::Open(Options(), dir_.path());
    ASSERT_OK(store);
    auto all = (*store)->GetSessions(week);
    ASSERT_OK(all);
    real = all->total;
  }
  ASSERT_GT(real, 10);
  CellCounts extra{};
  extra[0] = 5;
  RawMerge(Cf::kCounts, CounterKey(BotNumber("bot-a"), kDayLevel, kBase),
           EncodeCellCounts(extra));
  raw_.reset();
  auto store = Store::Open(Options(), dir_.path());
  ASSERT_OK(store);
  week.skip = real;  // past every real session, inside the damaged total
  auto page = (*store)->GetSessions(week);
  ASSERT_OK(page);
  EXPECT_EQ(page->total, real + 5);
  EXPECT_THAT(page->sessions, IsEmpty());
}

TEST_F(ConsistencyCheck, NamesACounterNoRecordAccountsFor) {
  const std::string key =
      CounterKey(BotNumber("bot-b"), kDayLevel, kBase + 300 * kDay);
  CellCounts one{};
  one[1] = 1;
  RawMerge(Cf::kCounts, key, EncodeCellCounts(one));
  ExpectFound(1, Names(Cf::kCounts, key, "recount"));
  ExpectRepairFixes("s1", true);
}

TEST_F(ConsistencyCheck, NamesAChangedUserCount) {
  const int64_t plus = 5;
  RawMerge(Cf::kUsers, "u-1",
           std::string(reinterpret_cast<const char*>(&plus), 8));
  ExpectFound(1, Names(Cf::kUsers, "u-1", "recount"));
  ExpectRepairFixes("s1", true);
}

TEST_F(ConsistencyCheck, NamesEveryBreakOfTheSessionIdMap) {
  std::string s12_key, record;
  Current("s12", &s12_key, &record);
  RawDelete(Cf::kSessionIds, "s10");
  RawPut(Cf::kSessionIds, "s11", s12_key);
  RawPut(Cf::kSessionIds, "nobody", s12_key);
  ExpectFound(3, Names(Cf::kSessionIds, "s10", "missing"),
              Names(Cf::kSessionIds, "s11", "but the record is at"),
              Names(Cf::kSessionIds, "nobody", "no record"));
  ExpectRepairFixes("s10", true);
}

TEST_F(ConsistencyCheck,
       NamesARecordUnderAKeyItsFieldsDoNotGiveAndRepairMovesIt) {
  std::string primary_key, record;
  Current("s13", &primary_key, &record);
  const std::string wrong_key = SessionKey(
      DecodeBigEndian32(primary_key.data()), kBase - 5 * kDay, "s13");
  RawDelete(Cf::kSessions, primary_key);
  RawPut(Cf::kSessions, wrong_key, record);
  ExpectFound(-1, Names(Cf::kSessions, wrong_key, "belongs at key"));
  ExpectRepairFixes("s13", true);
}

TEST_F(ConsistencyCheck,
       NamesASessionIdStoredTwiceAndRepairKeepsTheMappedCopy) {
  std::string primary_key, record;
  Current("s15", &primary_key, &record);
  const std::string copy_key = SessionKey(DecodeBigEndian32(primary_key.data()),
                                          kBase + 3 * kDay, "s15");
  RawPut(Cf::kSessions, copy_key, record);
  ExpectFound(-1, Names(Cf::kSessions, copy_key, "stored again"));
  CheckReport repaired;
  ExpectRepairFixes("s15", true, &repaired);
  EXPECT_THAT(repaired.dropped_records, Contains(DebugKey(copy_key)));
}

TEST_F(ConsistencyCheck, NamesALostBotDictionaryEntryAndRepairRestoresIt) {
  RawDelete(Cf::kDefault, BotDictionary::StorageKey("bot-a"));
  ExpectFound(-1, Names(Cf::kDefault, BotDictionary::StorageKey("bot-a"),
                        "no bot dictionary entry"));
  ExpectRepairFixes("s1", true);
  // The restored number is the one the records are stored under: a
  // bot-scoped query finds them.
  auto store = Store::Open(Options(), dir_.path());
  ASSERT_OK(store);
  SessionQuery bot_a;
  bot_a.bot_id = "bot-a";
  bot_a.from_ms = kBase;
  bot_a.to_ms = kBase + 7 * kDay;
  auto page = (*store)->GetSessions(bot_a);
  ASSERT_OK(page);
  EXPECT_GT(page->total, 0);
}

TEST_F(ConsistencyCheck, ListsAtMostMaxReportedButCountsAll) {
  for (const char* id : {"s1", "s5", "s7"}) {
    for (const auto& [cf, key, value] : IndexEntries(id)) RawDelete(cf, key);
  }
  raw_.reset();
  auto store = Store::Open(Options(), dir_.path());
  ASSERT_OK(store);
  CheckOptions options;
  options.max_reported = 2;
  absl::StatusOr<CheckReport> report = (*store)->Check(options);
  ASSERT_OK(report);
  EXPECT_EQ(report->inconsistencies.size(), 2u);
  EXPECT_GT(report->inconsistency_count, 6);
}

TEST_F(ConsistencyCheck, RepairInSmallBatchesReachesTheSameResult) {
  // Lose a whole index column family and the user counts.
  for (Cf cf : {Cf::kByTag, Cf::kUsers}) {
    std::unique_ptr<rocksdb::Iterator> it(
        RawDb()->NewIterator(rocksdb::ReadOptions(), RawHandle(cf)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      RawDelete(cf, it->key().ToString());
    }
  }
  raw_.reset();
  auto store = Store::Open(Options(), dir_.path());
  ASSERT_OK(store);
  CheckOptions options;
  options.repair = true;
  options.repair_batch_ops = 3;
  absl::StatusOr<CheckReport> report = (*store)->Check(options);
  ASSERT_OK(report);
  EXPECT_GT(report->inconsistency_count, 36);
  EXPECT_EQ(report->repair_writes, report->inconsistency_count);
  EXPECT_TRUE(report->consistent());
  store->reset();
  absl::StatusOr<CheckReport> again = Check();
  ASSERT_OK(again);
  EXPECT_EQ(again->inconsistency_count, 0);
}

#ifdef SESSIONDB_CLI_PATH
// RunCli runs `sessiondb check --db DIR [extra]` and returns its exit status
// and its stderr.
int RunCli(const std::string& dir, const std::string& extra, std::string* err) {
  const std::string err_file = dir + ".stderr";
  const std::string command = std::string(SESSIONDB_CLI_PATH) + " check --db " +
                              dir + " " + extra + " >/dev/null 2>" + err_file;
  const int status = std::system(command.c_str());
  err->clear();
  if (FILE* f = std::fopen(err_file.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) err->append(buf, n);
    std::fclose(f);
  }
  std::remove(err_file.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(ConsistencyCheck, CheckCommandExitsNonZeroNamingEachInconsistency) {
  std::string err;
  EXPECT_EQ(RunCli(dir_.path(), "", &err), 0) << err;
  RawDelete(Cf::kSessionIds, "s10");
  raw_.reset();
  EXPECT_EQ(RunCli(dir_.path(), "", &err), 1);
  EXPECT_THAT(err, HasSubstr("cf session_ids key s10: missing"));
  EXPECT_EQ(RunCli(dir_.path(), "--repair", &err), 0) << err;
  EXPECT_EQ(RunCli(dir_.path(), "", &err), 0) << err;
}
#endif

}  // namespace
}  // namespace sessiondb
