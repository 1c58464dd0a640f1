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
#include "testing/store_contents.h"
#include "testing/temp_dir.h"
#include "testing/test_seed.h"

namespace sessiondb {
namespace {

using ::sessiondb::testing::ExpectStoreHolds;
using ::sessiondb::testing::MakeSession;
using ::sessiondb::testing::TempDir;

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
  const uint64_t seed = sessiondb::testing::TestSeed(42);
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
