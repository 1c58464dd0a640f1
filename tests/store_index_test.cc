// Index exactness: after any sequence of upserts (also ones that move a
// session to another bot, time, user, containment or tag set), deletes and
// batches, every column family holds exactly the entries the live sessions
// own — no stale entry, none missing — and the counters equal a recount.
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "sessiondb/store.h"
#include "storage/column_families.h"
#include "storage/counters.h"
#include "storage/key_codec.h"
#include "testing/session_builder.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace sessiondb {
namespace {

using ::sessiondb::testing::MakeSession;
using ::sessiondb::testing::TempDir;

using KeyValues = std::map<std::string, std::string>;

// ReadAllColumnFamilies opens the closed store read-only and returns every
// column family's contents.
std::map<std::string, KeyValues> ReadAllColumnFamilies(
    const std::string& path) {
  Options options;
  auto descriptors = BuildCfDescriptors(options, rocksdb::NewLRUCache(8 << 20));
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), path,
                                                   descriptors, &handles, &db);
  EXPECT_TRUE(s.ok()) << s.ToString();
  std::map<std::string, KeyValues> out;
  if (!s.ok()) return out;
  for (size_t i = 0; i < handles.size(); ++i) {
    std::unique_ptr<rocksdb::Iterator> it(
        db->NewIterator(rocksdb::ReadOptions(), handles[i]));
    KeyValues& kv = out[descriptors[i].name];
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      kv[it->key().ToString()] = it->value().ToString();
    }
    db->DestroyColumnFamilyHandle(handles[i]).PermitUncheckedError();
  }
  delete db;
  return out;
}

std::set<std::string> Keys(const KeyValues& kv) {
  std::set<std::string> keys;
  for (const auto& [k, v] : kv) keys.insert(k);
  return keys;
}

// Counter values with every all-zero entry dropped (a moved session leaves
// zero counts behind, which are equal to absent ones).
std::map<std::string, CellCounts> NonZeroCounts(const KeyValues& kv) {
  std::map<std::string, CellCounts> out;
  for (const auto& [k, v] : kv) {
    CellCounts c = DecodeCellCounts(v);
    bool zero = true;
    for (int64_t n : c) zero = zero && n == 0;
    if (!zero) out[k] = c;
  }
  return out;
}

uint8_t Cell(const Session& s) {
  return static_cast<uint8_t>(static_cast<int>(s.containment_type) * 2 +
                              static_cast<int>(s.session_type));
}

// ExpectStoreHolds checks every column family against `model`.
void ExpectStoreHolds(const std::string& path,
                      const std::map<std::string, Session>& model) {
  std::map<std::string, KeyValues> cfs = ReadAllColumnFamilies(path);
  std::map<std::string, uint32_t> bot_numbers;
  for (const auto& [k, v] : cfs["default"]) {
    if (k.rfind("bot/", 0) == 0)
      bot_numbers[k.substr(4)] = DecodeBigEndian32(v.data());
  }
  std::set<std::string> sessions, by_cell, by_user, by_tag, session_ids;
  std::map<std::string, CellCounts> counts;
  std::map<std::string, int64_t> users;
  for (const auto& [id, s] : model) {
    ASSERT_TRUE(bot_numbers.count(s.bot_id)) << s.bot_id;
    const uint32_t bot = bot_numbers[s.bot_id];
    std::string order;
    AppendOrder(s.start_time_ms, s.session_id, &order);
    const std::string primary = SessionKey(bot, s.start_time_ms, s.session_id);
    sessions.insert(primary);
    session_ids.insert(s.session_id);
    EXPECT_EQ(cfs["session_ids"][s.session_id], primary)
        << "sessionId map of " << id;
    by_cell.insert(CellIndexPrefix(bot, Cell(s)) + order);
    by_user.insert(UserIndexPrefix(bot, s.user_id) + order);
    for (const Tag& t : s.user_tags) {
      by_tag.insert(TagIndexPrefix(bot, kTagKindUser, t.name, t.value) + order);
    }
    for (const Tag& t : s.session_tags) {
      by_tag.insert(TagIndexPrefix(bot, kTagKindSession, t.name, t.value) +
                    order);
    }
    for (int level = 0; level < kCounterLevels; ++level) {
      counts[CounterKey(bot, level, s.start_time_ms)][Cell(s)] += 1;
    }
    counts[BotTotalCounterKey(bot)][Cell(s)] += 1;
    users[s.user_id] += 1;
  }
  EXPECT_EQ(Keys(cfs["sessions"]), sessions);
  EXPECT_EQ(Keys(cfs["session_ids"]), session_ids);
  EXPECT_EQ(Keys(cfs["by_cell"]), by_cell);
  EXPECT_EQ(Keys(cfs["by_user"]), by_user);
  EXPECT_EQ(Keys(cfs["by_tag"]), by_tag);
  EXPECT_EQ(NonZeroCounts(cfs["counts"]), counts);
  std::map<std::string, int64_t> actual_users;
  for (const auto& [k, v] : cfs["users"]) {
    int64_t n = 0;
    std::memcpy(&n, v.data(), std::min<size_t>(8, v.size()));
    if (n != 0) actual_users[k] = n;
  }
  EXPECT_EQ(actual_users, users);
}

class StoreIndexTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> OpenStore() {
    auto store = Store::Open(Options(), dir_.path());
    EXPECT_OK(store);
    return store.ok() ? std::move(*store) : nullptr;
  }
  TempDir dir_;
  std::map<std::string, Session> model_;
};

TEST_F(StoreIndexTest, UpsertThatMovesEveryIndexedFieldLeavesNoStaleEntry) {
  auto store = OpenStore();
  Session s = MakeSession("s1", "bot-a", 1'000'000, "u-1");
  s.user_tags = {{"tier", "gold"}};
  s.session_tags = {{"intent", "billing"}, {"intent", "billing"}};
  ASSERT_OK(store->Put(s));
  // Same session, every indexed field changed.
  s.bot_id = "bot-b";
  s.start_time_ms = 9'000'000'000;
  s.end_time_ms = std::nullopt;
  s.user_id = "u-2";
  s.containment_type = ContainmentType::kAgent;
  s.session_type = SessionType::kNonInteractive;
  s.user_tags = {{"tier", "silver"}};
  s.session_tags = {};
  ASSERT_OK(store->Put(s));
  model_["s1"] = s;
  store.reset();
  ExpectStoreHolds(dir_.path(), model_);
}

TEST_F(StoreIndexTest, DeleteRemovesTheRecordAndEveryEntry) {
  auto store = OpenStore();
  Session a = MakeSession("a", "bot-a", 5'000, "u-1");
  a.session_tags = {{"intent", "refund"}};
  Session b = MakeSession("b", "bot-a", 6'000, "u-1");
  ASSERT_OK(store->PutBatch({a, b}));
  ASSERT_OK(store->Delete("a"));
  EXPECT_THAT(store->Delete("a"),
              sessiondb::testing::StatusIs(absl::StatusCode::kNotFound,
                                           ::testing::HasSubstr("sessionId")));
  model_["b"] = b;
  store.reset();
  ExpectStoreHolds(dir_.path(), model_);
}

TEST_F(StoreIndexTest, RejectedBatchWritesNothing) {
  auto store = OpenStore();
  Session good = MakeSession("good", "bot-a", 5'000);
  ASSERT_OK(store->Put(good));
  model_["good"] = good;
  Session moved = good;
  moved.bot_id = "bot-z";
  Session bad = MakeSession("bad", "bot-a", 7'000);
  bad.channel = "";
  EXPECT_THAT(store->PutBatch({moved, MakeSession("new", "bot-q", 1), bad}),
              sessiondb::testing::StatusIs(
                  absl::StatusCode::kInvalidArgument,
                  ::testing::AllOf(::testing::HasSubstr("sessions[2]"),
                                   ::testing::HasSubstr("bad"),
                                   ::testing::HasSubstr("channel"))));
  store.reset();
  ExpectStoreHolds(dir_.path(), model_);
}

TEST_F(StoreIndexTest, RandomUpsertsMovesAndDeletesKeepEveryIndexExact) {
  const char* env = std::getenv("SESSIONDB_TEST_SEED");
  const uint32_t seed =
      env ? static_cast<uint32_t>(std::strtoul(env, nullptr, 10)) : 42u;
  SCOPED_TRACE(::testing::Message() << "SESSIONDB_TEST_SEED=" << seed);
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  auto random_session = [&](const std::string& id) {
    Session s = MakeSession(
        id, "bot-" + std::to_string(pick(4)),
        static_cast<int64_t>(pick(5)) * 86'400'000 + pick(3) * 60'000,
        "u-" + std::to_string(pick(6)));
    s.containment_type = static_cast<ContainmentType>(pick(3));
    s.session_type = static_cast<SessionType>(pick(2));
    for (int i = pick(3); i > 0; --i) {
      s.user_tags.push_back({"tier", std::to_string(pick(3))});
    }
    for (int i = pick(4); i > 0; --i) {
      s.session_tags.push_back({"intent", std::string(pick(2), 'x')});
    }
    return s;
  };
  auto store = OpenStore();
  for (int round = 0; round < 300; ++round) {
    const int op = pick(10);
    if (op < 6) {
      std::string id = "s" + std::to_string(pick(40));
      Session s = random_session(id);
      ASSERT_OK(store->Put(s));
      model_[id] = s;
    } else if (op < 8) {
      std::vector<Session> batch;
      for (int i = pick(5) + 1; i > 0; --i) {
        batch.push_back(random_session("s" + std::to_string(pick(40))));
      }
      ASSERT_OK(store->PutBatch(batch));
      for (const Session& s : batch) model_[s.session_id] = s;  // last wins
    } else {
      std::string id = "s" + std::to_string(pick(40));
      absl::Status st = store->Delete(id);
      EXPECT_EQ(st.ok(), model_.erase(id) == 1) << st;
    }
    if (round % 100 == 99) {  // also across reopen
      store.reset();
      ExpectStoreHolds(dir_.path(), model_);
      store = OpenStore();
    }
  }
}

}  // namespace
}  // namespace sessiondb
