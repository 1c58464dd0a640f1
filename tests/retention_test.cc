// Retention and erasure (sessiondb/utilities/retention.h): exactly the
// selected sessions go, through the write path, leaving every column family
// as a store that never held them (no stale index entry, counters equal a
// recount), aliases resolved and removed, counts reported.
#include "sessiondb/utilities/retention.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/storage_engine.h"
#include "testing/random_sessions.h"
#include "testing/status_matchers.h"
#include "testing/store_contents.h"
#include "testing/temp_dir.h"
#include "testing/temp_store.h"

namespace sessiondb {
namespace {

using ::sessiondb::testing::ExpectStoreHolds;
using ::sessiondb::testing::kMsPerDayForTests;
using ::sessiondb::testing::RandomSessions;
using ::sessiondb::testing::ReadAllColumnFamilies;
using ::sessiondb::testing::StatusIs;
using ::sessiondb::testing::TestSeed;
using ::sessiondb::testing::UtcMs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class RetentionTest : public ::sessiondb::testing::TempStoreTest {
 protected:
  static int64_t Begin() { return UtcMs(2024, 2, 1); }
  static int64_t End() { return UtcMs(2024, 3, 1); }

  void LoadCorpus(int count) {
    RandomSessions corpus(seed_, Begin(), End(), count);
    PutAll(corpus.sessions);
    for (const UserIdentity& id : corpus.identities) {
      ASSERT_OK(store_->LinkUserAliases(id));
      for (const std::string& alias : id.aliases)
        aliases_[absl::AsciiStrToLower(alias)] = id.user_id;
    }
    for (const Session& s : corpus.sessions) model_[s.session_id] = s;
  }

  // Erase removes from the model every session `drop` selects; returns how
  // many.
  int64_t Erase(const std::function<bool(const Session&)>& drop) {
    int64_t n = 0;
    for (auto it = model_.begin(); it != model_.end();) {
      if (drop(it->second)) {
        it = model_.erase(it);
        ++n;
      } else {
        ++it;
      }
    }
    return n;
  }

  // ExpectExact closes the store, checks every column family against the
  // model and the alias map against aliases_, reopens it and runs
  // Store::Check.
  void ExpectExact() {
    store_.reset();
    ExpectStoreHolds(dir_, model_);
    auto cfs = ReadAllColumnFamilies(dir_);
    const std::map<std::string, std::string> stored_aliases(
        cfs["aliases"].begin(), cfs["aliases"].end());
    EXPECT_EQ(stored_aliases, aliases_);
    Reopen();
    // And the store's own verifier (`sessiondb check`) agrees.
    absl::StatusOr<CheckReport> report = store_->Check(CheckOptions());
    ASSERT_OK(report);
    EXPECT_TRUE(report->consistent())
        << report->inconsistency_count << " inconsistencies, first: "
        << (report->inconsistencies.empty()
                ? ""
                : report->inconsistencies.front().ToString());
  }

  uint64_t seed_ = TestSeed(42);
  std::map<std::string, Session> model_;
  std::map<std::string, std::string> aliases_;  // lowered alias -> userId
};

TEST_F(RetentionTest, PurgeDeletesExactlyTheSessionsBeforeTheCutoff) {
  SCOPED_TRACE(::testing::Message() << "SESSIONDB_TEST_SEED=" << seed_);
  LoadCorpus(2500);
  const int64_t cutoff = UtcMs(2024, 2, 17, 13, 30);
  const int64_t expected =
      Erase([&](const Session& s) { return s.start_time_ms < cutoff; });
  ASSERT_GT(expected, 1000);

  absl::StatusOr<DeletionSummary> summary =
      DeleteSessionsBefore(*store_, std::nullopt, cutoff);
  ASSERT_OK(summary);
  EXPECT_EQ(summary->sessions_deleted, expected);
  EXPECT_EQ(summary->batches, (expected + 999) / 1000);
  ExpectExact();

  // Nothing older is left to delete.
  summary = DeleteSessionsBefore(*store_, std::nullopt, cutoff);
  ASSERT_OK(summary);
  EXPECT_EQ(summary->sessions_deleted, 0);
}

TEST_F(RetentionTest, PurgeOfOneBotKeepsEveryOtherBot) {
  SCOPED_TRACE(::testing::Message() << "SESSIONDB_TEST_SEED=" << seed_);
  LoadCorpus(1500);
  const std::string bot = RandomSessions::Bot(1);
  const int64_t cutoff = UtcMs(2024, 2, 20);
  const int64_t expected = Erase([&](const Session& s) {
    return s.bot_id == bot && s.start_time_ms < cutoff;
  });
  RetentionOptions options;
  options.batch_size = 37;
  std::vector<int64_t> progress;
  options.progress = [&](int64_t deleted) { progress.push_back(deleted); };

  absl::StatusOr<DeletionSummary> summary =
      DeleteSessionsBefore(*store_, bot, cutoff, options);
  ASSERT_OK(summary);
  EXPECT_EQ(summary->sessions_deleted, expected);
  EXPECT_EQ(summary->batches, (expected + 36) / 37);
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back(), expected);
  ExpectExact();
}

TEST_F(RetentionTest, PurgeOfAnUnknownBotDeletesNothing) {
  LoadCorpus(100);
  absl::StatusOr<DeletionSummary> summary =
      DeleteSessionsBefore(*store_, "st-no-such-bot", End());
  ASSERT_OK(summary);
  EXPECT_EQ(summary->sessions_deleted, 0);
  ExpectExact();
}

TEST_F(RetentionTest, PurgeRejectsAnEmptyBatch) {
  RetentionOptions options;
  options.batch_size = 0;
  EXPECT_THAT(
      DeleteSessionsBefore(*store_, std::nullopt, End(), options),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("batch_size")));
}

TEST_F(RetentionTest, ForgetUserByAliasErasesTheInternalIdAndEveryAlias) {
  SCOPED_TRACE(::testing::Message() << "SESSIONDB_TEST_SEED=" << seed_);
  LoadCorpus(1200);
  const std::string user = RandomSessions::User(4);
  const int64_t expected =
      Erase([&](const Session& s) { return s.user_id == user; });
  ASSERT_GT(expected, 0);
  aliases_.erase("user4@corp.com");
  aliases_.erase("emp-4");

  RetentionOptions options;
  options.batch_size = 10;
  absl::StatusOr<DeletionSummary> summary =
      DeleteUser(*store_, "User4@Corp.com", options);  // the alias, any case
  ASSERT_OK(summary);
  EXPECT_EQ(summary->sessions_deleted, expected);
  EXPECT_EQ(summary->aliases_removed, 2);
  EXPECT_THAT(summary->user_ids, ElementsAre(user));
  ExpectExact();
  store_.reset();
  EXPECT_EQ(ReadAllColumnFamilies(dir_)["users"].count(user), 0u)
      << "the per-user count of an erased user must go too";
  Reopen();

  // The API no longer finds anything by the id or the aliases.
  for (const char* id : {"u-4", "user4@corp.com", "EMP-4"}) {
    SessionQuery q;
    q.user_id = id;
    q.from_ms = Begin();
    q.to_ms = Begin() + 7 * kMsPerDayForTests;
    absl::StatusOr<SessionPage> page = store_->GetSessions(q);
    ASSERT_OK(page);
    EXPECT_EQ(page->total, 0) << id;
  }
}

TEST_F(RetentionTest, ForgetUserByInternalIdAlsoRemovesItsAliases) {
  SCOPED_TRACE(::testing::Message() << "SESSIONDB_TEST_SEED=" << seed_);
  LoadCorpus(800);
  const int64_t expected =
      Erase([&](const Session& s) { return s.user_id == "u-2"; });
  aliases_.erase("user2@corp.com");
  aliases_.erase("emp-2");
  absl::StatusOr<DeletionSummary> summary = DeleteUser(*store_, "u-2");
  ASSERT_OK(summary);
  EXPECT_EQ(summary->sessions_deleted, expected);
  EXPECT_EQ(summary->aliases_removed, 2);
  EXPECT_THAT(summary->user_ids, ElementsAre("u-2"));
  ExpectExact();
}

TEST_F(RetentionTest, ForgetUserWhoseIdIsAlsoAnotherUsersAliasErasesBoth) {
  SCOPED_TRACE(::testing::Message() << "SESSIONDB_TEST_SEED=" << seed_);
  LoadCorpus(800);
  // "u-5" is an internal id with sessions and also an alias of u-7.
  ASSERT_OK(store_->LinkUserAliases({"u-7", {"U-5"}}));
  aliases_["u-5"] = "u-7";
  const int64_t expected = Erase([&](const Session& s) {
    return s.user_id == "u-5" || s.user_id == "u-7";
  });
  aliases_.erase("u-5");  // u-7's only alias
  absl::StatusOr<DeletionSummary> summary = DeleteUser(*store_, "u-5");
  ASSERT_OK(summary);
  EXPECT_EQ(summary->sessions_deleted, expected);
  EXPECT_EQ(summary->aliases_removed, 1);
  EXPECT_THAT(summary->user_ids, ElementsAre("u-5", "u-7"));
  ExpectExact();
}

TEST_F(RetentionTest, ForgetUnknownUserDeletesNothing) {
  LoadCorpus(200);
  absl::StatusOr<DeletionSummary> summary = DeleteUser(*store_, "nobody");
  ASSERT_OK(summary);
  EXPECT_EQ(summary->sessions_deleted, 0);
  EXPECT_EQ(summary->aliases_removed, 0);
  EXPECT_THAT(summary->user_ids, IsEmpty());
  ExpectExact();
  EXPECT_THAT(
      DeleteUser(*store_, ""),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("userId")));
}

// The storage primitive under both: a session chosen from an older snapshot
// that a later upsert moved out of the selection is kept.
TEST(StorageEngineDeleteSessionsIf, KeepsASessionMovedOutOfTheSelection) {
  ::sessiondb::testing::TempDir dir;
  absl::StatusOr<std::unique_ptr<StorageEngine>> engine =
      StorageEngine::Open(Options(), dir.path());
  ASSERT_OK(engine);
  Session a = ::sessiondb::testing::MakeSession("a", 1'000);
  Session b = ::sessiondb::testing::MakeSession("b", 2'000);
  ASSERT_OK((*engine)->UpsertSessions({a, b}));
  // Chosen as "older than 5000" ... then b moves past the cutoff.
  b.start_time_ms = 9'000;
  ASSERT_OK((*engine)->UpsertSessions({b}));
  absl::StatusOr<int64_t> deleted = (*engine)->DeleteSessionsIf(
      {"a", "b", "missing"},
      [](const fb::Session& r) { return r.start_time_ms() < 5'000; });
  ASSERT_OK(deleted);
  EXPECT_EQ(*deleted, 1);
  engine->reset();
  ExpectStoreHolds(dir.path(), {{"b", b}});
}

}  // namespace
}  // namespace sessiondb
