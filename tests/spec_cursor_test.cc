// SPEC §7 `cursor` -> `nextCursor`: cursor walks equal skip walks over every
// plan kind; walks interleaved with writes never repeat a session and never
// miss one that matched throughout; the cursor fixes the window and is
// bound to the filter; a malformed, altered or foreign cursor is a 400.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/base64url.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "storage/column_families.h"
#include "storage/storage_engine.h"
#include "testing/storage_engine_test_peer.h"
#include "testing/temp_store.h"
#include "testing/test_seed.h"
#include "utilities/engine_access.h"

namespace sessiondb {
namespace {

using ::nlohmann::json;
using ::sessiondb::testing::ApiResult;
using ::sessiondb::testing::ExpectedIds;
using ::sessiondb::testing::IsBadRequest;
using ::sessiondb::testing::IsPage;
using ::sessiondb::testing::kBotA;
using ::sessiondb::testing::kBotB;
using ::sessiondb::testing::kMsPerHour;
using ::sessiondb::testing::kMsPerMinute;
using ::sessiondb::testing::kMsPerSecond;
using ::sessiondb::testing::kWeekMs;
using ::sessiondb::testing::MakeSession;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A filter as the JSON front door takes it, and the model of what it
// matches (over the default window of the walk's first request).
struct FilterCase {
  std::string name;
  std::optional<std::string> bot;  // nullopt: the account-wide route
  std::optional<std::string> containment;
  json body;
  std::function<bool(const Session&)> keep;
  std::string plan;  // a word of ExplainGetSessions' plan line
};

std::vector<FilterCase> PlanCases() {
  auto bot_a = [](const Session& s) { return s.bot_id == kBotA; };
  return {
      {"NoFilter", kBotA, std::nullopt, json::object(), bot_a, "counted (bot"},
      {"Containment", kBotA, "agent", json::object(),
       [=](const Session& s) {
         return bot_a(s) && s.containment_type == ContainmentType::kAgent;
       },
       "counted (bot"},
      {"UserId",
       kBotA,
       std::nullopt,
       {{"userId", "u-walker"}},
       [=](const Session& s) { return bot_a(s) && s.user_id == "u-walker"; },
       "counted by_user"},
      {"OneTag",
       kBotA,
       std::nullopt,
       {{"tags",
         {{"and",
           {{{"name", "walk"}, {"value", "yes"}, {"type", "session"}}}}}}},
       [=](const Session& s) {
         return bot_a(s) && std::any_of(s.session_tags.begin(),
                                        s.session_tags.end(), [](const Tag& t) {
                                          return t.name == "walk" &&
                                                 t.value == "yes";
                                        });
       },
       "counted by_tag"},
      {"OrTagsScanned", kBotA, "dropOff",
       json::parse(R"({"tags": {"or": [{"name": "walk", "value": "yes"},
                   {"name": "lane", "values": ["b", "c"]}]}})"),
       [=](const Session& s) {
         if (!bot_a(s) || s.containment_type != ContainmentType::kDropOff)
           return false;
         for (const auto& tags : {s.user_tags, s.session_tags}) {
           for (const Tag& t : tags) {
             if ((t.name == "walk" && t.value == "yes") ||
                 (t.name == "lane" && (t.value == "b" || t.value == "c")))
               return true;
           }
         }
         return false;
       },
       "scan by_tag"},
      {"AccountWide", std::nullopt, std::nullopt, json::object(),
       [](const Session&) { return true; }, "counted (2 bots"},
  };
}

// SessionFor builds session `i` of a crowded week: three per start time
// (ties), two bots, every filter of PlanCases matching some.
Session SessionFor(int i, int64_t now) {
  Session s = MakeSession(absl::StrFormat("c-%05d", i),
                          now - 1 - (i / 3) * 7 * kMsPerMinute,
                          i % 5 == 0 ? kBotB : kBotA);
  s.containment_type = static_cast<ContainmentType>(i % 3);
  s.user_id = i % 4 == 0 ? "u-walker" : "u-other";
  if (i % 2 == 0) s.session_tags.push_back({"walk", "yes"});
  s.user_tags.push_back(
      {"lane", std::string(1, static_cast<char>('a' + i % 4))});
  return s;
}

// FirstCursorQuery is the typed first request of a cursor walk over kBotA.
SessionQuery FirstCursorQuery(int64_t limit) {
  SessionQuery q;
  q.bot_id = kBotA;
  q.limit = limit;
  q.cursor = "";
  return q;
}

// Retime moves a session to `start_ms`, its end with it.
void Retime(int64_t start_ms, Session* s) {
  s->start_time_ms = start_ms;
  s->end_time_ms = start_ms + 5 * kMsPerSecond;
}

class GetSessionsCursor : public sessiondb::testing::TempStoreTest {
 protected:
  ApiResult CallCase(const FilterCase& c, json body) {
    for (const auto& [k, v] : c.body.items()) body[k] = v;
    return c.containment.has_value()
               ? CallJson(c.bot, std::string_view(*c.containment), body)
               : CallJson(c.bot, std::nullopt, body);
  }

  static std::optional<std::string> NextCursor(const ApiResult& r) {
    if (!r.json.is_object() || !r.json.contains("nextCursor")) {
      return std::nullopt;
    }
    return r.json["nextCursor"].get<std::string>();
  }

  // CursorWalk pages through `c` with cursors of `limit`, checking on every
  // page that nextCursor is present exactly when moreAvailable, and calls
  // `between` after each page. Returns every id in the order received.
  std::vector<std::string> CursorWalk(
      const FilterCase& c, int limit,
      const std::function<void(const ApiResult&)>& between = nullptr) {
    std::vector<std::string> walked;
    std::string cursor;
    for (int page = 0;; ++page) {
      ApiResult r = CallCase(c, {{"cursor", cursor}, {"limit", limit}});
      EXPECT_THAT(r, IsPage());
      if (r.status != 200) break;
      const std::vector<std::string> ids = SessionIds(r);
      walked.insert(walked.end(), ids.begin(), ids.end());
      const std::optional<std::string> next = NextCursor(r);
      EXPECT_EQ(next.has_value(), MoreAvailable(r)) << r.raw;
      if (between) between(r);
      if (!next.has_value()) break;
      EXPECT_EQ(ids.size(), static_cast<size_t>(limit));
      if (page > 10000) {
        ADD_FAILURE() << "nextCursor never ended";
        break;
      }
      cursor = *next;
    }
    return walked;
  }

  void PutSessions(int n) {
    std::vector<Session> batch;
    for (int i = 0; i < n; ++i) batch.push_back(SessionFor(i, DefaultNow()));
    PutAll(batch);
    all_ = batch;
  }

  // StartCursor is the nextCursor of the first page of kBotA, limit 2.
  std::string StartCursor(const json& extra = json::object()) {
    json body = {{"cursor", ""}, {"limit", 2}};
    for (const auto& [k, v] : extra.items()) body[k] = v;
    ApiResult r = CallBot(body);
    EXPECT_THAT(r, IsPage());
    std::optional<std::string> next = NextCursor(r);
    EXPECT_TRUE(next.has_value()) << r.raw;
    return next.value_or("");
  }

  // WalkWithWrites puts "s-0" … "s-<n-1>" at t0_, t0_ - 1 ms, … and walks
  // kBotA with cursors of 2, calling `writes` once, after the first page
  // (whose cursor is at "s-1", t0_ - 1).
  const int64_t t0_ = DefaultNow() - kMsPerHour;
  std::vector<std::string> WalkWithWrites(int n,
                                          const std::function<void()>& writes) {
    for (int i = 0; i < n; ++i)
      Put(MakeSession(absl::StrCat("s-", i), t0_ - i));
    int page = 0;
    return CursorWalk(PlanCases()[0], 2, [&](const ApiResult&) {
      if (page++ == 0) writes();
    });
  }

  std::vector<Session> all_;
};

// ---- A cursor walk is the skip walk when nothing is written ----

TEST_F(GetSessionsCursor, WalkEqualsTheSkipWalkOverEveryPlanKind) {
  PutSessions(181);
  for (const FilterCase& c : PlanCases()) {
    SCOPED_TRACE(c.name);
    const std::vector<std::string> expected = ExpectedIds(all_, c.keep);
    ASSERT_GT(expected.size(), 10u);
    absl::StatusOr<std::string> explain =
        store_->ExplainGetSessions(c.bot, c.containment, c.body.dump());
    ASSERT_TRUE(explain.ok()) << explain.status();
    EXPECT_THAT(*explain, HasSubstr(c.plan));
    for (int limit : {1, 7, 50, 1000}) {
      SCOPED_TRACE(limit);
      EXPECT_THAT(CursorWalk(c, limit), ElementsAreArray(expected));
      std::vector<std::string> skip_walk;
      for (int skip = 0; skip < static_cast<int>(expected.size());
           skip += limit) {
        ApiResult r = CallCase(c, {{"skip", skip}, {"limit", limit}});
        const std::vector<std::string> ids = SessionIds(r);
        skip_walk.insert(skip_walk.end(), ids.begin(), ids.end());
      }
      EXPECT_THAT(skip_walk, ElementsAreArray(expected));
    }
  }
}

// SPEC §7's fields together: a walk in a zone asking for facets pages
// exactly as the skip walk does, and every page carries the facets of the
// whole window (not of the page), written before nextCursor.
TEST_F(GetSessionsCursor, AWalkInAZoneCarriesTheWholeWindowsFacets) {
  PutSessions(181);
  for (FilterCase c : PlanCases()) {
    SCOPED_TRACE(c.name);
    c.body["timeZone"] = "America/New_York";
    c.body["facets"] = {"day", "containmentType", "sessionType"};
    ApiResult first = CallCase(c, {{"limit", 1}});
    ASSERT_THAT(first, IsPage());
    const std::string facets = first.json["facets"].dump();
    ASSERT_EQ(first.json["facets"]["day"].size(), 8u)
        << "a default week touches 8 local days";
    EXPECT_THAT(CursorWalk(c, 7,
                           [&](const ApiResult& r) {
                             EXPECT_EQ(r.json["facets"].dump(), facets);
                             const size_t at_facets = r.raw.find("\"facets\"");
                             const size_t at_next =
                                 r.raw.find("\"nextCursor\"");
                             if (at_next != std::string::npos) {
                               EXPECT_LT(at_facets, at_next) << r.raw;
                             }
                           }),
                ElementsAreArray(ExpectedIds(all_, c.keep)));
  }
}

TEST_F(GetSessionsCursor, TotalAndMoreAvailableAreThoseOfTheSkipPage) {
  PutSessions(40);
  const FilterCase c = PlanCases()[0];
  const int64_t total = static_cast<int64_t>(ExpectedIds(all_, c.keep).size());
  int64_t seen = 0;
  CursorWalk(c, 6, [&](const ApiResult& r) {
    EXPECT_EQ(Total(r), total);
    seen += static_cast<int64_t>(SessionIds(r).size());
    EXPECT_EQ(MoreAvailable(r), seen < total);
  });
  EXPECT_EQ(seen, total);
}

TEST_F(GetSessionsCursor, EmptyCursorStartsAtTheFirstPage) {
  PutSessions(20);
  ApiResult with = CallBot({{"cursor", ""}, {"limit", 5}});
  ApiResult without = CallBot({{"limit", 5}});
  ASSERT_THAT(with, IsPage());
  EXPECT_EQ(SessionIds(with), SessionIds(without));
  EXPECT_FALSE(without.json.contains("nextCursor"));
}

TEST_F(GetSessionsCursor, NextCursorIsTheLastKeyAfterSessions) {
  PutSessions(20);
  ApiResult r = CallBot({{"cursor", ""}, {"limit", 2}});
  ASSERT_THAT(r, IsPage());
  std::vector<std::string> keys;
  for (const auto& [k, v] : r.json.items()) keys.push_back(k);
  EXPECT_THAT(keys,
              ElementsAre("total", "moreAvailable", "sessions", "nextCursor"));
  const std::string cursor = r.json["nextCursor"].get<std::string>();
  EXPECT_EQ(cursor.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
                                     "opqrstuvwxyz0123456789-_"),
            std::string::npos)
      << "not URL-safe: " << cursor;
}

TEST_F(GetSessionsCursor, LastPageHasNoNextCursor) {
  PutSessions(7);  // five of kBotA
  ApiResult r = CallBot({{"cursor", ""}, {"limit", 5}});
  ASSERT_THAT(r, IsPage());
  EXPECT_EQ(SessionIds(r).size(), 5u);
  EXPECT_FALSE(MoreAvailable(r));
  EXPECT_FALSE(r.json.contains("nextCursor"));
}

TEST_F(GetSessionsCursor, TiesOnStartTimeContinueBySessionIdDescending) {
  const int64_t t = DefaultNow() - kMsPerHour;
  for (const char* id : {"t-1", "t-5", "t-3", "t-2", "t-4"})
    Put(MakeSession(id, t));
  Put(MakeSession("t-0", t - 1));
  const FilterCase c = PlanCases()[0];
  EXPECT_THAT(CursorWalk(c, 2),
              ElementsAre("t-5", "t-4", "t-3", "t-2", "t-1", "t-0"));
}

TEST_F(GetSessionsCursor, LimitAboveTenThousandIsServedAsTenThousand) {
  std::vector<Session> batch;
  for (int i = 0; i < 10003; ++i) {
    batch.push_back(MakeSession(absl::StrFormat("big-%05d", i),
                                DefaultNow() - 1 - i * 50 * kMsPerSecond));
  }
  PutAll(batch);
  ApiResult first = CallBot({{"cursor", ""}, {"limit", 1000000}});
  ASSERT_THAT(first, IsPage());
  EXPECT_EQ(SessionIds(first).size(), 10000u);
  ASSERT_TRUE(NextCursor(first).has_value());
  ApiResult rest =
      CallBot({{"cursor", *NextCursor(first)}, {"limit", 1000000}});
  ASSERT_THAT(rest, IsPage());
  EXPECT_THAT(SessionIds(rest),
              ElementsAre("big-10000", "big-10001", "big-10002"));
  EXPECT_FALSE(NextCursor(rest).has_value());
  EXPECT_EQ(Total(rest), 10003);
}

TEST_F(GetSessionsCursor, CursorStaysValidAcrossAReopen) {
  PutSessions(30);
  const std::string cursor = StartCursor();
  Reopen();
  ApiResult r = CallBot({{"cursor", cursor}, {"limit", 2}});
  ASSERT_THAT(r, IsPage());
  const std::vector<std::string> expected =
      ExpectedIds(all_, PlanCases()[0].keep);
  EXPECT_THAT(SessionIds(r), ElementsAre(expected[2], expected[3]));
}

TEST_F(GetSessionsCursor, AReaderContinuesAWritersCursor) {
  PutSessions(30);
  const std::string cursor = StartCursor();
  absl::StatusOr<std::unique_ptr<Store>> reader =
      Store::OpenReader(Options(), dir_);
  ASSERT_TRUE(reader.ok()) << reader.status();
  ApiResponse r = (*reader)->HandleGetSessions(
      kBotA, std::nullopt, json({{"cursor", cursor}, {"limit", 2}}).dump());
  EXPECT_EQ(r.status, 200) << r.body;
}

// A store no writer of this version has opened has no cursor key; a reader
// cannot write one: it signs with its own until a Refresh finds the store's
// (docs/SPEC-DECISIONS.md).
TEST_F(GetSessionsCursor, AReaderOfAStoreWithoutAKeyAdoptsTheWritersLater) {
  PutSessions(30);
  {
    absl::StatusOr<StorageEngine*> engine = StoreInternals::EngineOf(*store_);
    ASSERT_TRUE(engine.ok());
    rocksdb::DB* db = StorageEngineTestPeer::db(**engine);
    ASSERT_TRUE(
        db->Delete(rocksdb::WriteOptions(),
                   StorageEngineTestPeer::handle(**engine, Cf::kDefault),
                   std::string(kCursorKeyKey))
            .ok());
  }
  store_.reset();  // closes: the store has no key now
  absl::StatusOr<std::unique_ptr<Store>> reader =
      Store::OpenReader(Options(), dir_);
  ASSERT_TRUE(reader.ok()) << reader.status();
  auto call = [&](Store& store, const std::string& cursor) {
    return store.HandleGetSessions(kBotA, std::nullopt,
                                   json({{"cursor", cursor},
                                         {"limit", 2},
                                         {"dateFrom", "2024-03-10"},
                                         {"dateTo", "2024-03-15"}})
                                       .dump());
  };
  ApiResponse first = call(**reader, "");
  ASSERT_EQ(first.status, 200) << first.body;
  const std::string readers_own =
      json::parse(first.body)["nextCursor"].get<std::string>();
  EXPECT_EQ(call(**reader, readers_own).status, 200);

  Reopen();  // a writer: creates the store's key
  ASSERT_TRUE((*reader)->Refresh().ok());
  ApiResponse refused = call(**reader, readers_own);
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_THAT(refused.body, HasSubstr("cursor"));
  ApiResponse again = call(**reader, "");
  ASSERT_EQ(again.status, 200);
  const std::string stores =
      json::parse(again.body)["nextCursor"].get<std::string>();
  EXPECT_EQ(call(*store_, stores).status, 200);  // the writer's key
}

TEST_F(GetSessionsCursor, TypedApiReturnsNextCursorExactlyWhenMoreAvailable) {
  PutSessions(12);
  SessionQuery q = FirstCursorQuery(4);
  std::vector<std::string> walked;
  for (int pages = 0; pages < 10; ++pages) {
    absl::StatusOr<SessionPage> page = store_->GetSessions(q);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const Session& s : page->sessions) walked.push_back(s.session_id);
    EXPECT_EQ(page->next_cursor.has_value(), page->more_available);
    if (!page->next_cursor.has_value()) break;
    q.cursor = page->next_cursor;
  }
  EXPECT_THAT(walked, ElementsAreArray(ExpectedIds(all_, [](const Session& s) {
                return s.bot_id == kBotA;
              })));
  q.cursor.reset();
  absl::StatusOr<SessionPage> skip_page = store_->GetSessions(q);
  ASSERT_TRUE(skip_page.ok());
  EXPECT_FALSE(skip_page->next_cursor.has_value());
}

// ---- Walks interleaved with writes ----

TEST_F(GetSessionsCursor, InsertsBeforeTheCursorAreNotReturnedAndAfterAre) {
  const std::vector<std::string> walked = WalkWithWrites(6, [&] {
    Put(MakeSession("newest", t0_ + 10));     // before the cursor
    Put(MakeSession("tie-before", t0_ - 1));  // "tie-before" > "s-1": before
    Put(MakeSession("s-0x", t0_ - 1));        // "s-0x" < "s-1": after
    Put(MakeSession("middle", t0_ - 3));      // "middle" < "s-3": after
  });
  EXPECT_THAT(walked, ElementsAre("s-0", "s-1", "s-0x", "s-2", "s-3", "middle",
                                  "s-4", "s-5"));
}

TEST_F(GetSessionsCursor, DeletedSessionsAreNotReturnedAndTheWalkGoesOn) {
  const std::vector<std::string> walked = WalkWithWrites(8, [&] {
    ASSERT_TRUE(store_->Delete("s-1").ok());  // the cursor's own session
    ASSERT_TRUE(store_->Delete("s-2").ok());  // the next one
    ASSERT_TRUE(store_->Delete("s-6").ok());
  });
  EXPECT_THAT(walked, ElementsAre("s-0", "s-1", "s-3", "s-4", "s-5", "s-7"));
}

// An upsert that changes what a session carries moves it between index
// ranges (by_cell, by_tag) but not in the order: walks over those ranges
// neither repeat nor miss it.
TEST_F(GetSessionsCursor, UpsertsThatMoveASessionBetweenIndexRanges) {
  PutSessions(60);
  for (const FilterCase& c : PlanCases()) {
    SCOPED_TRACE(c.name);
    const std::vector<std::string> expected = ExpectedIds(all_, c.keep);
    int page = 0;
    const std::vector<std::string> walked =
        CursorWalk(c, 3, [&](const ApiResult& r) {
          if (page++ != 1) return;
          // Re-put every session with its tags moved from "walk" to "lane b"
          // and back, and its containment rotated within the filter's
          // matches: still matching, at the same place in the order.
          std::vector<Session> moved;
          for (const Session& s : all_) {
            if (!c.keep(s)) continue;
            Session m = s;
            m.end_time_ms = *s.end_time_ms + 1;
            m.session_tags.push_back({"extra", "x"});
            m.user_tags.push_back({"lane", "c"});
            if (!c.containment.has_value())
              m.containment_type = static_cast<ContainmentType>(
                  (static_cast<int>(s.containment_type) + 1) % 3);
            moved.push_back(m);
          }
          PutAll(moved);
          (void)r;
        });
    EXPECT_THAT(walked, ElementsAreArray(expected));
    PutAll(all_);  // restore for the next case
  }
}

// A changed start_time moves a session in the order: for a walk it is a
// deletion at the old place and an insertion at the new one
// (docs/SPEC-DECISIONS.md): moved into the part still to walk, it is
// returned there (again, if it was returned before); moved into the part
// walked, it is not returned.
TEST_F(GetSessionsCursor, UpsertsThatChangeStartTimeMoveInTheOrder) {
  const std::vector<std::string> walked = WalkWithWrites(8, [&] {
    Put(MakeSession("s-0", t0_ - 100));  // returned; now older than every other
    Put(MakeSession("s-6", t0_ + 100));  // not returned; now newer than all
    Put(MakeSession("s-3", t0_ - 6));    // not returned; later in the walk
  });
  // s-0 reappears (deleted at its old place, inserted after the cursor),
  // s-6 is skipped (moved before the cursor): both as documented.
  EXPECT_THAT(walked, ElementsAre("s-0", "s-1", "s-2", "s-4", "s-5", "s-3",
                                  "s-7", "s-0"));
}

// The randomized walk: every filter, writes between the pages (inserts
// anywhere in the window, deletes, upserts that keep or change matching),
// the clock moving on. Checked against a model: no session twice, every
// session that matched throughout returned, each page in order and of the
// current data, total exact, nextCursor exactly when a match follows.
TEST_F(GetSessionsCursor, WalksInterleavedWithWritesMatchTheModel) {
  const uint64_t seed = sessiondb::testing::TestSeed(20261202);
  SCOPED_TRACE(absl::StrCat("SESSIONDB_TEST_SEED=", seed));
  std::mt19937_64 rng(seed);
  const int64_t window_to = DefaultNow();
  const int64_t window_from = window_to - kWeekMs;
  int next_id = 100000;
  for (const FilterCase& c : PlanCases()) {
    SCOPED_TRACE(c.name);
    // A fresh model and store contents for each filter.
    std::map<std::string, Session> model;
    for (const Session& s : all_)
      ASSERT_TRUE(store_->Delete(s.session_id).ok());
    all_.clear();
    now_ms_ = DefaultNow();
    std::vector<Session> batch;
    for (int i = 0; i < 150; ++i) {
      Session s = SessionFor(static_cast<int>(rng() % 100000), DefaultNow());
      s.session_id = absl::StrCat("r-", next_id++);
      // Few distinct times: many ties.
      Retime(window_from + static_cast<int64_t>(rng() % 60) * (kWeekMs / 60),
             &s);
      batch.push_back(s);
    }
    PutAll(batch);
    for (const Session& s : batch) model[s.session_id] = s;

    std::set<std::string> matched_throughout;
    for (const auto& [id, s] : model)
      if (c.keep(s)) matched_throughout.insert(id);

    auto model_ids = [&] {
      std::vector<Session> v;
      for (const auto& [id, s] : model) v.push_back(s);
      return ExpectedIds(v, c.keep);
    };
    auto position_of = [&](const std::string& id) {
      const Session& s = model.at(id);
      return std::make_pair(s.start_time_ms, s.session_id);
    };

    std::vector<std::string> walked;
    std::optional<std::pair<int64_t, std::string>> last;  // the cursor's
    std::string cursor;
    for (int page = 0; page < 1000; ++page) {
      ApiResult r = CallCase(c, {{"cursor", cursor}, {"limit", 7}});
      ASSERT_THAT(r, IsPage());
      const std::vector<std::string> expected_all = model_ids();
      EXPECT_EQ(Total(r), static_cast<int64_t>(expected_all.size()));
      // The model's page: the first 7 matches after the cursor's position.
      std::vector<std::string> expected_page;
      bool more = false;
      for (const std::string& id : expected_all) {
        const auto pos = position_of(id);
        if (last.has_value() &&
            !(pos.first < last->first ||
              (pos.first == last->first && pos.second < last->second)))
          continue;
        if (expected_page.size() == 7) {
          more = true;
          break;
        }
        expected_page.push_back(id);
      }
      const std::vector<std::string> ids = SessionIds(r);
      ASSERT_THAT(ids, ElementsAreArray(expected_page)) << "page " << page;
      EXPECT_EQ(MoreAvailable(r), more);
      ASSERT_EQ(NextCursor(r).has_value(), more);
      walked.insert(walked.end(), ids.begin(), ids.end());
      if (!more) break;
      cursor = *NextCursor(r);
      last = position_of(ids.back());

      // Writes before the next page; the clock moves on (a default window
      // would slide; the cursor's does not).
      now_ms_ += kMsPerHour;
      std::vector<Session> puts;
      for (int w = 0; w < 4; ++w) {
        switch (rng() % 4) {
          case 0: {  // a new session anywhere in the window
            Session s =
                SessionFor(static_cast<int>(rng() % 100000), DefaultNow());
            s.session_id = absl::StrCat("r-", next_id++);
            Retime(
                window_from + static_cast<int64_t>(rng() % 60) * (kWeekMs / 60),
                &s);
            puts.push_back(s);
            break;
          }
          case 1: {  // a session newer than all, inside the window
            Session s = SessionFor(0, DefaultNow());
            s.bot_id = c.bot.value_or(kBotA);
            s.session_id = absl::StrCat("r-", next_id++);
            Retime(window_to - 1, &s);
            puts.push_back(s);
            break;
          }
          case 2: {  // delete one
            auto it = model.begin();
            std::advance(it, static_cast<long>(rng() % model.size()));
            ASSERT_TRUE(store_->Delete(it->first).ok());
            matched_throughout.erase(it->first);
            model.erase(it);
            break;
          }
          default: {  // upsert one in place with other filter fields
            auto it = model.begin();
            std::advance(it, static_cast<long>(rng() % model.size()));
            Session s =
                SessionFor(static_cast<int>(rng() % 100000), DefaultNow());
            s.session_id = it->second.session_id;
            s.bot_id = it->second.bot_id;
            Retime(it->second.start_time_ms, &s);
            puts.push_back(s);
            break;
          }
        }
      }
      for (const Session& s : puts) {
        Put(s);
        model[s.session_id] = s;
      }
      for (auto it = matched_throughout.begin();
           it != matched_throughout.end();) {
        it = c.keep(model.at(*it)) ? std::next(it)
                                   : matched_throughout.erase(it);
      }
    }
    std::set<std::string> unique(walked.begin(), walked.end());
    EXPECT_EQ(unique.size(), walked.size()) << "a session was returned twice";
    for (const std::string& id : matched_throughout) {
      EXPECT_TRUE(unique.count(id) > 0) << id << " matched throughout, missed";
    }
    for (const auto& [id, s] : model) all_.push_back(s);
  }
}

// ---- The window ----

TEST_F(GetSessionsCursor, ADefaultWindowDoesNotSlide) {
  const int64_t old_edge = DefaultNow() - kWeekMs + kMsPerHour;  // oldest
  Put(MakeSession("newest", DefaultNow() - 1));
  Put(MakeSession("next", DefaultNow() - 2));
  Put(MakeSession("old-edge", old_edge));
  const std::string cursor = StartCursor({{"limit", 1}});
  now_ms_ += 2 * 24 * kMsPerHour;  // the default would slide
  Put(MakeSession("after-now", DefaultNow() + kMsPerHour));  // outside
  ApiResult r = CallBot({{"cursor", cursor}, {"limit", 10}});
  ASSERT_THAT(r, IsPage());
  EXPECT_THAT(SessionIds(r), ElementsAre("next", "old-edge"));
  EXPECT_EQ(Total(r), 3);
}

TEST_F(GetSessionsCursor, DatesThatResolveToTheCursorsWindowAreAccepted) {
  const int64_t t = testing::UtcMs(2024, 3, 10, 6);
  for (int i = 0; i < 5; ++i) Put(MakeSession(absl::StrCat("d-", i), t - i));
  const json dates = {{"dateFrom", "2024-03-09"}, {"dateTo", "2024-03-11"}};
  const std::string cursor = StartCursor(dates);
  json body = dates;
  body["cursor"] = cursor;
  body["limit"] = 2;
  ApiResult same = CallBot(body);
  ASSERT_THAT(same, IsPage());
  EXPECT_THAT(SessionIds(same), ElementsAre("d-2", "d-3"));
  body["dateFrom"] = "2024-03-09T00:00:00Z";  // the same instant, spelled out
  EXPECT_THAT(CallBot(body), IsPage());
  body.erase("dateFrom");
  body.erase("dateTo");  // the cursor's window
  EXPECT_THAT(SessionIds(CallBot(body)), ElementsAre("d-2", "d-3"));
}

TEST_F(GetSessionsCursor, DatesThatResolveToAnotherWindowAreABadRequest) {
  Put(MakeSession("a", DefaultNow() - 1));
  Put(MakeSession("b", DefaultNow() - 2));
  Put(MakeSession("c", DefaultNow() - 3));
  const std::string cursor = StartCursor();
  for (const json& dates :
       {json{{"dateFrom", "2024-03-10"}}, json{{"dateTo", "2024-03-15"}},
        json{{"dateFrom", "2024-03-08T12:00:00.001Z"},
             {"dateTo", "2024-03-15T12:00:00Z"}}}) {
    SCOPED_TRACE(dates.dump());
    json body = dates;
    body["cursor"] = cursor;
    EXPECT_THAT(CallBot(body),
                IsBadRequest(AllOf(HasSubstr("cursor"), HasSubstr("window"))));
  }
  json exact = {{"dateFrom", "2024-03-08T12:00:00Z"},
                {"dateTo", "2024-03-15T12:00:00Z"},
                {"cursor", cursor}};
  EXPECT_THAT(CallBot(exact), IsPage());
}

// ---- Binding to the filter ----

TEST_F(GetSessionsCursor, ACursorWithAnotherFilterIsABadRequest) {
  PutSessions(60);
  const json tags = {
      {"and", {{{"name", "walk"}, {"value", "yes"}, {"type", "session"}}}}};
  const std::string cursor =
      StartCursor({{"userId", "u-other"}, {"tags", tags}});
  struct Case {
    std::string name;
    std::optional<std::string> bot;
    std::optional<std::string> containment;
    json body;
  };
  const std::vector<Case> cases = {
      {"other bot",
       kBotB,
       std::nullopt,
       {{"userId", "u-other"}, {"tags", tags}}},
      {"account-wide",
       std::nullopt,
       std::nullopt,
       {{"userId", "u-other"}, {"tags", tags}}},
      {"containment", kBotA, "agent", {{"userId", "u-other"}, {"tags", tags}}},
      {"userId", kBotA, std::nullopt, {{"userId", "u-walker"}, {"tags", tags}}},
      {"no userId", kBotA, std::nullopt, {{"tags", tags}}},
      {"tags",
       kBotA,
       std::nullopt,
       {{"userId", "u-other"},
        {"tags", {{"and", {{{"name", "walk"}, {"value", "no"}}}}}}}},
      {"no tags", kBotA, std::nullopt, {{"userId", "u-other"}}},
      {"sessionType",
       kBotA,
       std::nullopt,
       {{"userId", "u-other"}, {"tags", tags}, {"sessionType", "interactive"}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    json body = c.body;
    body["cursor"] = cursor;
    ApiResult r = c.containment.has_value()
                      ? CallJson(c.bot, std::string_view(*c.containment), body)
                      : CallJson(c.bot, std::nullopt, body);
    EXPECT_THAT(r, IsBadRequest(
                       AllOf(HasSubstr("cursor"), HasSubstr("other filters"))));
  }
  // The same filter, its tag entry spelled in the other form: accepted.
  json same = {
      {"userId", "u-other"},
      {"tags",
       {{"sessionTags", {{{"name", "walk"}, {"values", {"yes", "yes"}}}}}}},
      {"cursor", cursor}};
  EXPECT_THAT(CallBot(same), IsPage());
}

TEST_F(GetSessionsCursor, ACursorWithAnotherTimeZoneIsInvalid) {
  PutSessions(30);
  SessionQuery q = FirstCursorQuery(2);
  absl::StatusOr<SessionPage> first = store_->GetSessions(q);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(first->next_cursor.has_value());
  q.cursor = first->next_cursor;
  q.time_zone = "UTC";  // the same zone as empty
  EXPECT_TRUE(store_->GetSessions(q).ok());
  q.time_zone = "America/New_York";
  absl::StatusOr<SessionPage> other = store_->GetSessions(q);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(other.status().message(), HasSubstr("cursor"));
}

// ---- skip / offset ----

TEST_F(GetSessionsCursor, SkipOrOffsetWithACursorIsABadRequest) {
  PutSessions(10);
  for (const char* field : {"skip", "offset"}) {
    SCOPED_TRACE(field);
    EXPECT_THAT(CallBot({{"cursor", ""}, {field, 3}}),
                IsBadRequest(AllOf(HasSubstr(field), HasSubstr("cursor"))));
    EXPECT_THAT(CallBot({{"cursor", ""}, {field, 0}}), IsPage());
  }
  SessionQuery q;
  q.cursor = "";
  q.skip = 1;
  EXPECT_EQ(store_->GetSessions(q).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(GetSessionsCursor, ACursorThatIsNotAStringIsABadRequest) {
  for (const json& value :
       {json(1), json(true), json::array({"x"}), json::object()}) {
    SCOPED_TRACE(value.dump());
    EXPECT_THAT(CallBot({{"cursor", value}}),
                IsBadRequest(HasSubstr("cursor")));
  }
}

TEST_F(GetSessionsCursor, IgnoredInLookupMode) {
  Put(MakeSession("look", DefaultNow() - 1));
  ApiResult r =
      CallBot({{"sessionId", "look"}, {"cursor", "garbage!"}, {"skip", 4}});
  ASSERT_THAT(r, IsPage());
  EXPECT_THAT(SessionIds(r), ElementsAre("look"));
  EXPECT_FALSE(r.json.contains("nextCursor"));
}

// ---- Tampering ----

TEST_F(GetSessionsCursor, EveryAlteredCursorIsABadRequest) {
  PutSessions(30);
  const std::string cursor = StartCursor();
  std::string bytes;
  ASSERT_TRUE(Base64UrlDecode(cursor, &bytes));
  auto expect_refused = [&](const std::string& token) {
    EXPECT_THAT(CallBot({{"cursor", token}, {"limit", 2}}),
                IsBadRequest(HasSubstr("cursor")))
        << token;
  };
  for (size_t i = 0; i < bytes.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("byte ", i));
    for (unsigned char flip : {0x01, 0x80, 0xff}) {
      std::string altered = bytes;
      altered[i] = static_cast<char>(altered[i] ^ flip);
      expect_refused(Base64UrlEncode(altered));
    }
  }
  for (size_t n = 0; n < bytes.size(); ++n) {
    SCOPED_TRACE(absl::StrCat("truncated to ", n));
    if (n > 0) expect_refused(Base64UrlEncode(bytes.substr(0, n)));
  }
  for (size_t n = 1; n < cursor.size(); ++n) {
    SCOPED_TRACE(absl::StrCat("text truncated to ", n));
    expect_refused(cursor.substr(0, n));
  }
  expect_refused(Base64UrlEncode(bytes + "x"));
  expect_refused(Base64UrlEncode(std::string(1, '\0') + bytes));
  expect_refused(cursor + "A");
  expect_refused(cursor + "AA");
  expect_refused(cursor + "=");
  for (const std::string& garbage :
       {std::string("garbage"), std::string("!!!!"), std::string(" "),
        std::string(5000, 'A'), cursor + cursor,
        std::string("eyJhbGciOiJIUzI1NiJ9")}) {
    expect_refused(garbage);
  }
}

TEST_F(GetSessionsCursor, ACursorOfAnotherStoreIsABadRequest) {
  PutSessions(30);
  const std::string ours = StartCursor();
  // Another store with the same sessions signs with another key.
  std::string other_dir = dir_ + "-other";
  {
    Options options;
    options.clock = [this] { return absl::FromUnixMillis(now_ms_.load()); };
    absl::StatusOr<std::unique_ptr<Store>> other =
        Store::Open(options, other_dir);
    ASSERT_TRUE(other.ok()) << other.status();
    ASSERT_TRUE((*other)->PutBatch(all_).ok());
    ApiResponse theirs = (*other)->HandleGetSessions(
        kBotA, std::nullopt, json({{"cursor", ""}, {"limit", 2}}).dump());
    ASSERT_EQ(theirs.status, 200);
    const std::string their_cursor =
        json::parse(theirs.body)["nextCursor"].get<std::string>();
    EXPECT_NE(their_cursor, ours);
    EXPECT_THAT(
        CallBot({{"cursor", their_cursor}, {"limit", 2}}),
        IsBadRequest(AllOf(HasSubstr("cursor"), HasSubstr("another store"))));
    ApiResponse back = (*other)->HandleGetSessions(
        kBotA, std::nullopt, json({{"cursor", ours}, {"limit", 2}}).dump());
    EXPECT_EQ(back.status, 400) << back.body;
  }
  std::error_code ec;
  std::filesystem::remove_all(other_dir, ec);
}

}  // namespace
}  // namespace sessiondb
