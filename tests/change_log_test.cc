// The change sequence and the change log (src/storage/change_log.h): every
// committed write batch takes the next number and leaves an entry naming the
// sessions it touched with their previous keys; numbers survive reopens; a
// reader sees entries after Refresh; trimming keeps what the SHIPPED mark
// has not shipped; Check verifies the log.
#include "storage/change_log.h"

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sessiondb/bulk_load.h"
#include "sessiondb/check.h"
#include "sessiondb/store.h"
#include "sessiondb/utilities/retention.h"
#include "storage/storage_engine.h"
#include "testing/session_builder.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"
#include "testing/writer_store.h"
#include "utilities/engine_access.h"

namespace sessiondb {
namespace {

using ::sessiondb::testing::MakeSession;
using ::sessiondb::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kBase = 20'000 * kDayMs;

// A session change as a test states it: the previous key by botId.
struct Expected {
  std::string id;
  std::optional<std::pair<std::string, int64_t>> previous;
  bool exists;
};

class ChangeLogTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    store_.reset();
    testing::WriterStore opened = testing::OpenWriterStore(dir_.path());
    ASSERT_NE(opened.engine, nullptr);
    store_ = std::move(opened.store);
    engine_ = opened.engine;
  }

  ChangeLogState State(StorageEngine& engine) {
    ReadView view(engine);
    absl::StatusOr<ChangeLogState> state =
        ReadChangeLogState(engine, view.snapshot());
    EXPECT_OK(state);
    return state.ok() ? *state : ChangeLogState();
  }
  ChangeLogState State() { return State(*engine_); }

  std::vector<ChangeEntry> Entries(StorageEngine& engine, uint64_t after = 0) {
    ReadView view(engine);
    std::vector<ChangeEntry> entries;
    for (ChangeLogIterator it(engine, view.snapshot(), after); it.Valid();
         it.Next()) {
      entries.push_back(it.entry());
    }
    EXPECT_OK(ChangeLogIterator(engine, view.snapshot(), after).status());
    return entries;
  }
  std::vector<ChangeEntry> Entries(uint64_t after = 0) {
    return Entries(*engine_, after);
  }

  // Last is the newest entry.
  ChangeEntry Last() {
    std::vector<ChangeEntry> all = Entries();
    EXPECT_FALSE(all.empty());
    return all.empty() ? ChangeEntry() : all.back();
  }

  // Sessions renders an entry's sessions with bot ids.
  std::vector<Expected> Sessions(const ChangeEntry& entry) {
    std::vector<Expected> out;
    for (const SessionChange& s : entry.sessions) {
      Expected e{s.session_id, std::nullopt, s.exists};
      if (s.previous) {
        std::optional<std::string> bot =
            engine_->bots().IdOf(s.previous->bot_no);
        EXPECT_TRUE(bot.has_value()) << s.previous->bot_no;
        e.previous = std::pair(bot.value_or("?"), s.previous->start_ms);
      }
      out.push_back(std::move(e));
    }
    return out;
  }

  void ExpectCheckPasses() {
    absl::StatusOr<CheckReport> report = store_->Check(CheckOptions());
    ASSERT_OK(report);
    for (const Inconsistency& i : report->inconsistencies) {
      ADD_FAILURE() << i.ToString();
    }
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  StorageEngine* engine_ = nullptr;
};

MATCHER_P3(Change, id, previous, exists, "") {
  return arg.id == id && arg.previous == previous && arg.exists == exists;
}

void PrintTo(const Expected& e, std::ostream* os) {
  *os << e.id << " prev=";
  if (e.previous) {
    *os << e.previous->first << "@" << e.previous->second;
  } else {
    *os << "none";
  }
  *os << " exists=" << e.exists;
}

using Prev = std::optional<std::pair<std::string, int64_t>>;
Prev At(std::string bot, int64_t start) { return std::pair(bot, start); }

class VectorSource : public SessionSource {
 public:
  explicit VectorSource(std::vector<Session> sessions)
      : sessions_(std::move(sessions)) {}
  absl::StatusOr<bool> Next(Session* session) override {
    if (next_ >= sessions_.size()) return false;
    *session = sessions_[next_++];
    return true;
  }

 private:
  std::vector<Session> sessions_;
  size_t next_ = 0;
};

absl::StatusOr<BulkLoadSummary> BulkLoad(Store& store,
                                         std::vector<Session> sessions) {
  VectorSource source(std::move(sessions));
  return store.BulkLoad(source, BulkLoadOptions());
}

TEST_F(ChangeLogTest, NumbersIncreaseAcrossBatchesAndReopens) {
  EXPECT_EQ(State().sequence, 0u);
  EXPECT_THAT(Entries(), IsEmpty());
  ASSERT_OK(store_->Put(MakeSession("a", "bot-1", kBase)));
  ASSERT_OK(store_->PutBatch({MakeSession("b", "bot-1", kBase + 1),
                              MakeSession("c", "bot-2", kBase + 2)}));
  ASSERT_OK(store_->Delete("a"));
  ASSERT_OK(store_->LinkUserAliases({"u-1", {"Alice@x"}}));
  EXPECT_EQ(State().sequence, 4u);
  EXPECT_EQ(engine_->change_sequence(), 4u);
  // A failed write takes no number.
  EXPECT_FALSE(store_->Delete("nope").ok());
  Session invalid = MakeSession("d", "bot-1", kBase);
  invalid.channel.clear();
  EXPECT_FALSE(store_->Put(invalid).ok());
  EXPECT_EQ(State().sequence, 4u);

  Reopen();
  EXPECT_EQ(State().sequence, 4u);
  ASSERT_OK(store_->Put(MakeSession("d", "bot-1", kBase)));
  std::vector<ChangeEntry> entries = Entries();
  ASSERT_EQ(entries.size(), 5u);
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].number, i + 1);
    EXPECT_GT(entries[i].time_ms, 0);
    EXPECT_FALSE(entries[i].everything);
  }
  EXPECT_THAT(Entries(3), ::testing::SizeIs(2));
  ExpectCheckPasses();
}

TEST_F(ChangeLogTest, UpsertsListPreviousKeys) {
  ASSERT_OK(store_->Put(MakeSession("a", "bot-1", kBase)));
  EXPECT_THAT(Sessions(Last()), ElementsAre(Change("a", Prev(), true)));
  // Moved to another bot.
  ASSERT_OK(store_->Put(MakeSession("a", "bot-2", kBase)));
  EXPECT_THAT(Sessions(Last()),
              ElementsAre(Change("a", At("bot-1", kBase), true)));
  // Another start time.
  ASSERT_OK(store_->Put(MakeSession("a", "bot-2", kBase + 7)));
  EXPECT_THAT(Sessions(Last()),
              ElementsAre(Change("a", At("bot-2", kBase), true)));
  // Same key, other fields.
  ASSERT_OK(store_->Put(MakeSession("a", "bot-2", kBase + 7, "u-2")));
  EXPECT_THAT(Sessions(Last()),
              ElementsAre(Change("a", At("bot-2", kBase + 7), true)));
  // A batch naming a session twice lists it once, with its key in the store
  // before the batch.
  ASSERT_OK(store_->PutBatch({MakeSession("a", "bot-3", kBase + 9),
                              MakeSession("b", "bot-1", kBase),
                              MakeSession("a", "bot-1", kBase + 11)}));
  EXPECT_THAT(Sessions(Last()),
              ElementsAre(Change("a", At("bot-2", kBase + 7), true),
                          Change("b", Prev(), true)));
  ExpectCheckPasses();
}

TEST_F(ChangeLogTest, DeletesPurgesAndForgetUserListRemovedSessions) {
  ASSERT_OK(store_->PutBatch({MakeSession("a", "bot-1", kBase, "u-1"),
                              MakeSession("b", "bot-2", kBase + 5, "u-2"),
                              MakeSession("c", "bot-1", kBase + kDayMs, "u-2"),
                              MakeSession("d", "bot-2", kBase + 3, "u-3")}));
  ASSERT_OK(store_->Delete("a"));
  EXPECT_THAT(Sessions(Last()),
              ElementsAre(Change("a", At("bot-1", kBase), false)));

  // Purge: one entry per batch; every session it removed.
  const uint64_t before_purge = State().sequence;
  absl::StatusOr<DeletionSummary> purged =
      DeleteSessionsBefore(*store_, std::nullopt, kBase + 4);
  ASSERT_OK(purged);
  EXPECT_EQ(purged->sessions_deleted, 1);
  std::vector<ChangeEntry> entries = Entries(before_purge);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_THAT(Sessions(entries[0]),
              ElementsAre(Change("d", At("bot-2", kBase + 3), false)));

  // Forget-user: its sessions, then its aliases.
  ASSERT_OK(store_->LinkUserAliases({"u-2", {"Bob@X", "bob2"}}));
  EXPECT_THAT(Last().aliases, ::testing::SizeIs(2));
  EXPECT_EQ(Last().aliases[0].alias, "bob@x");
  EXPECT_EQ(Last().aliases[0].user_id, std::optional<std::string>("u-2"));
  const uint64_t before_forget = State().sequence;
  absl::StatusOr<DeletionSummary> forgot = DeleteUser(*store_, "bob@x");
  ASSERT_OK(forgot);
  entries = Entries(before_forget);
  std::vector<Expected> sessions;
  std::vector<std::string> removed_aliases;
  for (const ChangeEntry& e : entries) {
    for (Expected& s : Sessions(e)) sessions.push_back(std::move(s));
    for (const AliasChange& a : e.aliases) {
      EXPECT_FALSE(a.user_id.has_value());
      removed_aliases.push_back(a.alias);
    }
  }
  EXPECT_THAT(sessions, ::testing::UnorderedElementsAre(
                            Change("b", At("bot-2", kBase + 5), false),
                            Change("c", At("bot-1", kBase + kDayMs), false)));
  EXPECT_THAT(removed_aliases,
              ::testing::UnorderedElementsAre("bob@x", "bob2"));
  ExpectCheckPasses();
}

TEST_F(ChangeLogTest, BulkLoadPaths) {
  // Into an empty store: the files carry one `everything` entry.
  std::vector<Session> sessions;
  for (int i = 0; i < 50; ++i) {
    sessions.push_back(MakeSession("s" + std::to_string(i),
                                   i % 2 ? "bot-1" : "bot-2", kBase + i));
  }
  // A repeated id sends the rest through upserts: s3 moved to bot-3.
  sessions.push_back(MakeSession("s3", "bot-3", kBase + 100));
  sessions.push_back(MakeSession("s99", "bot-3", kBase + 101));
  absl::StatusOr<BulkLoadSummary> summary = BulkLoad(*store_, sessions);
  ASSERT_OK(summary);
  EXPECT_EQ(summary->ingested, 50);
  EXPECT_EQ(summary->upserted, 2);
  std::vector<ChangeEntry> entries = Entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].number, 1u);
  EXPECT_TRUE(entries[0].everything);
  EXPECT_THAT(entries[0].sessions, IsEmpty());
  EXPECT_EQ(entries[1].number, 2u);
  EXPECT_FALSE(entries[1].everything);
  EXPECT_THAT(Sessions(entries[1]),
              ElementsAre(Change("s3", At("bot-1", kBase + 3), true),
                          Change("s99", Prev(), true)));
  EXPECT_EQ(State().sequence, 2u);

  // Into a store with sessions: the files' entry gives a session the store
  // held its previous key.
  summary = BulkLoad(*store_, {MakeSession("s4", "bot-1", kBase + 200),
                               MakeSession("new", "bot-1", kBase)});
  ASSERT_OK(summary);
  EXPECT_EQ(summary->ingested, 2);
  EXPECT_THAT(Sessions(Last()),
              ElementsAre(Change("s4", At("bot-2", kBase + 4), true),
                          Change("new", Prev(), true)));
  EXPECT_EQ(Last().number, 3u);

  Reopen();
  EXPECT_EQ(State().sequence, 3u);
  ASSERT_OK(store_->Put(MakeSession("x", "bot-1", kBase)));
  EXPECT_EQ(Last().number, 4u);
  ExpectCheckPasses();
}

TEST_F(ChangeLogTest, BulkLoadIntoAStoreEmptiedByDeletes) {
  ASSERT_OK(store_->Put(MakeSession("a", "bot-1", kBase)));
  ASSERT_OK(store_->Delete("a"));
  absl::StatusOr<BulkLoadSummary> summary =
      BulkLoad(*store_, {MakeSession("a", "bot-1", kBase + 1)});
  ASSERT_OK(summary);
  EXPECT_EQ(summary->ingested, 1);
  EXPECT_EQ(State().sequence, 3u);
  EXPECT_TRUE(Last().everything);
  EXPECT_EQ(Last().number, 3u);
  Reopen();
  EXPECT_EQ(State().sequence, 3u);
  ExpectCheckPasses();
}

TEST_F(ChangeLogTest, BulkLoadIntoAStoreWithSessionsListsTheLoadedSessions) {
  ASSERT_OK(store_->Put(MakeSession("held", "bot-1", kBase)));
  // 9,001 new sessions and `held` take the file path; n7 repeated sends the
  // rest through an upsert batch.
  std::vector<Session> sessions;
  for (int i = 0; i <= 9000; ++i) {
    sessions.push_back(MakeSession("n" + std::to_string(i),
                                   i % 3 ? "bot-1" : "bot-2", kBase + i));
  }
  sessions.push_back(MakeSession("held", "bot-2", kBase + 1));
  sessions.push_back(MakeSession("n7", "bot-2", kBase + 2));
  absl::StatusOr<BulkLoadSummary> summary = BulkLoad(*store_, sessions);
  ASSERT_OK(summary);
  EXPECT_EQ(summary->ingested, 9002);
  EXPECT_EQ(summary->upserted, 1);
  // The files' entries list their sessions in source order, an upsert
  // batch's worth (4,000) each; only the session the store held has a
  // previous key.
  std::vector<ChangeEntry> entries = Entries(/*after=*/1);
  ASSERT_EQ(entries.size(), 4u);
  const size_t sizes[] = {4000, 4000, 1002};
  size_t next = 0;
  for (size_t e = 0; e < 3; ++e) {
    EXPECT_EQ(entries[e].number, e + 2);
    EXPECT_FALSE(entries[e].everything);
    ASSERT_EQ(entries[e].sessions.size(), sizes[e]);
    for (const Expected& change : Sessions(entries[e])) {
      if (next == 9001) {
        EXPECT_THAT(change, Change("held", At("bot-1", kBase), true));
      } else {
        EXPECT_THAT(change, Change("n" + std::to_string(next), Prev(), true));
      }
      ++next;
    }
  }
  EXPECT_EQ(entries[3].number, 5u);
  EXPECT_THAT(Sessions(entries[3]),
              ElementsAre(Change("n7", At("bot-1", kBase + 7), true)));
  EXPECT_EQ(State().sequence, 5u);
  Reopen();
  EXPECT_EQ(State().sequence, 5u);
  ExpectCheckPasses();
}

// EndsLate: a source that waits before saying it has no more sessions.
class EndsLate : public VectorSource {
 public:
  using VectorSource::VectorSource;
  absl::StatusOr<bool> Next(Session* session) override {
    absl::StatusOr<bool> more = VectorSource::Next(session);
    if (more.ok() && !*more && ended_ms_ == 0) {
      absl::SleepFor(absl::Milliseconds(20));
      ended_ms_ = absl::ToUnixMillis(absl::Now());
    }
    return more;
  }
  int64_t ended_ms() const { return ended_ms_; }

 private:
  int64_t ended_ms_ = 0;
};

TEST_F(ChangeLogTest, BulkLoadEntriesCarryTheTimeTheLoadCommitted) {
  // Entries staged early in a load (the first when its 4,001st session
  // comes) are stamped when the files are finished, after the source ends.
  ASSERT_OK(store_->Put(MakeSession("held", "bot-1", kBase)));
  std::vector<Session> sessions;
  for (int i = 0; i < 8001; ++i)
    sessions.push_back(MakeSession("n" + std::to_string(i), "bot-1", kBase));
  EndsLate source(sessions);
  ASSERT_OK(store_->BulkLoad(source, BulkLoadOptions()));
  const int64_t after_ms = absl::ToUnixMillis(absl::Now());
  std::vector<ChangeEntry> entries = Entries(/*after=*/1);
  ASSERT_EQ(entries.size(), 3u);
  for (const ChangeEntry& entry : entries) {
    EXPECT_GE(entry.time_ms, source.ended_ms()) << entry.number;
    EXPECT_LE(entry.time_ms, after_ms) << entry.number;
  }
}

TEST_F(ChangeLogTest, ReaderSeesEntriesAfterRefresh) {
  ASSERT_OK(store_->Put(MakeSession("a", "bot-1", kBase)));
  auto reader = Store::OpenReader(Options(), dir_.path());
  ASSERT_OK(reader);
  auto reader_engine = StoreInternals::EngineOf(**reader);
  ASSERT_OK(reader_engine);
  EXPECT_EQ(State(**reader_engine).sequence, 1u);
  ASSERT_OK(store_->Put(MakeSession("a", "bot-2", kBase + 1)));
  ASSERT_OK(store_->Delete("a"));
  EXPECT_EQ(State(**reader_engine).sequence, 1u);
  EXPECT_THAT(Entries(**reader_engine, 1), IsEmpty());
  ASSERT_OK((*reader)->Refresh());
  EXPECT_EQ(State(**reader_engine).sequence, 3u);
  std::vector<ChangeEntry> entries = Entries(**reader_engine, 1);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].number, 2u);
  EXPECT_EQ(entries[1].number, 3u);
  ASSERT_EQ(entries[1].sessions.size(), 1u);
  EXPECT_FALSE(entries[1].sessions[0].exists);
  EXPECT_EQ(
      (*reader_engine)->bots().IdOf(entries[1].sessions[0].previous->bot_no),
      std::optional<std::string>("bot-2"));
}

TEST_F(ChangeLogTest, TrimKeepsEverythingAfterTheShippedMark) {
  for (int i = 0; i < 40; ++i) {
    ASSERT_OK(
        store_->Put(MakeSession("s" + std::to_string(i), "bot-1", kBase + i)));
  }
  // No SHIPPED file: the newest keep_unshipped entries stay.
  engine_->SetChangeLogLimits({.keep_unshipped = 30, .keep_max = 15});
  ASSERT_OK(engine_->TrimChangeLog());
  EXPECT_EQ(State().trimmed_through, 10u);
  EXPECT_EQ(Entries().front().number, 11u);

  // A SHIPPED mark: everything after it stays.
  ASSERT_OK(WriteShippedMark(dir_.path(), 17));
  EXPECT_EQ(*ReadShippedMark(dir_.path()), std::optional<uint64_t>(17));
  engine_->SetChangeLogLimits({.keep_unshipped = 5, .keep_max = 100});
  ASSERT_OK(engine_->TrimChangeLog());
  EXPECT_EQ(State().trimmed_through, 17u);
  std::vector<ChangeEntry> entries = Entries();
  ASSERT_EQ(entries.size(), 23u);
  EXPECT_EQ(entries.front().number, 18u);
  EXPECT_EQ(entries.back().number, 40u);
  // A mark that goes back trims nothing more; nothing comes back.
  ASSERT_OK(WriteShippedMark(dir_.path(), 12));
  ASSERT_OK(engine_->TrimChangeLog());
  EXPECT_EQ(State().trimmed_through, 17u);
  // keep_max bounds what a stalled consumer keeps.
  engine_->SetChangeLogLimits({.keep_unshipped = 5, .keep_max = 10});
  ASSERT_OK(engine_->TrimChangeLog());
  EXPECT_EQ(State().trimmed_through, 30u);
  // A mark past the sequence trims no further than the sequence.
  ASSERT_OK(WriteShippedMark(dir_.path(), 1000));
  ASSERT_OK(engine_->TrimChangeLog());
  EXPECT_EQ(State().trimmed_through, 40u);
  EXPECT_THAT(Entries(), IsEmpty());
  EXPECT_EQ(State().sequence, 40u);
  ExpectCheckPasses();

  // The writer trims every trim_every numbers, and at open.
  engine_->SetChangeLogLimits(
      {.keep_unshipped = 5, .keep_max = 2, .trim_every = 4});
  ASSERT_OK(WriteShippedMark(dir_.path(), 41));
  for (int i = 0; i < 4; ++i) {
    ASSERT_OK(
        store_->Put(MakeSession("t" + std::to_string(i), "bot-1", kBase + i)));
  }
  EXPECT_EQ(State().sequence, 44u);
  EXPECT_EQ(State().trimmed_through, 42u);
  ASSERT_OK(WriteShippedMark(dir_.path(), 43));
  Reopen();
  EXPECT_EQ(State().trimmed_through, 43u);
  ASSERT_EQ(Entries().size(), 1u);
  EXPECT_EQ(Entries().front().number, 44u);
  ExpectCheckPasses();
}

TEST_F(ChangeLogTest, ShippedFileErrors) {
  EXPECT_EQ(*ReadShippedMark(dir_.path()), std::nullopt);
  std::ofstream(dir_.path() + "/SHIPPED") << "twelve\n";
  EXPECT_FALSE(ReadShippedMark(dir_.path()).ok());
  // The writer keeps writing; it trims nothing meanwhile.
  ASSERT_OK(store_->Put(MakeSession("a", "bot-1", kBase)));
  EXPECT_FALSE(engine_->TrimChangeLog().ok());
  EXPECT_EQ(State().trimmed_through, 0u);
  Reopen();
  EXPECT_EQ(State().sequence, 1u);
}

TEST_F(ChangeLogTest, EntriesRoundTripAndRejectDamage) {
  ChangeEntry entry;
  entry.time_ms = 123456789;
  entry.sessions.push_back(
      {std::string("id\0x", 4), SessionChange::Key{7, -5}, true});
  entry.sessions.push_back({"", std::nullopt, false});
  entry.aliases.push_back({"al", std::string("u")});
  entry.aliases.push_back({"gone", std::nullopt});
  const std::string value = EncodeChangeEntry(entry);
  absl::StatusOr<ChangeEntry> back = DecodeChangeEntry(ChangeKey(9), value);
  ASSERT_OK(back);
  EXPECT_EQ(back->number, 9u);
  EXPECT_EQ(back->time_ms, 123456789);
  ASSERT_EQ(back->sessions.size(), 2u);
  EXPECT_EQ(back->sessions[0].session_id, entry.sessions[0].session_id);
  EXPECT_EQ(back->sessions[0].previous, entry.sessions[0].previous);
  EXPECT_TRUE(back->sessions[0].exists);
  EXPECT_FALSE(back->sessions[1].previous.has_value());
  ASSERT_EQ(back->aliases.size(), 2u);
  EXPECT_EQ(back->aliases[0].user_id, std::optional<std::string>("u"));
  EXPECT_FALSE(back->aliases[1].user_id.has_value());
  for (size_t cut = 0; cut < value.size(); ++cut) {
    EXPECT_FALSE(DecodeChangeEntry(ChangeKey(9), value.substr(0, cut)).ok())
        << cut;
  }
  EXPECT_FALSE(DecodeChangeEntry(ChangeKey(9), value + "x").ok());
  EXPECT_FALSE(DecodeChangeEntry("changes/1", value).ok());
}

TEST_F(ChangeLogTest, SetEncodedChangeTimeChangesOnlyTheTime) {
  ChangeEntry entry;
  entry.time_ms = 5;
  entry.everything = true;
  entry.sessions.push_back({"a", SessionChange::Key{3, 4}, true});
  std::string value = EncodeChangeEntry(entry);
  ASSERT_TRUE(SetEncodedChangeTime(-987654321012, &value));
  absl::StatusOr<ChangeEntry> back = DecodeChangeEntry(ChangeKey(2), value);
  ASSERT_OK(back);
  EXPECT_EQ(back->time_ms, -987654321012);
  EXPECT_TRUE(back->everything);
  ASSERT_EQ(back->sessions.size(), 1u);
  EXPECT_EQ(back->sessions[0].session_id, "a");
  EXPECT_EQ(back->sessions[0].previous, entry.sessions[0].previous);
  // Not an entry: too short, or another format byte.
  for (std::string other : {value.substr(0, 8), "\x02" + value.substr(1)}) {
    const std::string before = other;
    EXPECT_FALSE(SetEncodedChangeTime(1, &other));
    EXPECT_EQ(other, before);
  }
}

}  // namespace
}  // namespace sessiondb
