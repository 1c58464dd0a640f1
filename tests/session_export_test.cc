// Export (sessiondb/utilities/session_export.h): the same sessions, in the
// same order and the same JSON, as getSessions pages taken window by window;
// one snapshot whatever writers do meanwhile; CSV per RFC 4180.
#include "sessiondb/utilities/session_export.h"

#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/random_sessions.h"
#include "testing/status_matchers.h"
#include "testing/temp_store.h"
#include "utilities/csv_row.h"

namespace sessiondb {
namespace {

using ::sessiondb::testing::ApiResult;
using ::sessiondb::testing::IsOk;
using ::sessiondb::testing::IsPage;
using ::sessiondb::testing::kMsPerDayForTests;
using ::sessiondb::testing::OrderedJson;
using ::sessiondb::testing::RandomSessions;
using ::sessiondb::testing::StatusIs;
using ::sessiondb::testing::TestSeed;
using ::sessiondb::testing::UtcMs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Iso(int64_t ms) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixMillis(ms),
                          absl::UTCTimeZone());
}

// ParseCsv reads RFC 4180 text (quoted fields, doubled quotes, CRLF rows)
// independently of the code under test. Fails the test on malformed input.
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  size_t i = 0;
  bool field_started = false;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '"' && !field_started) {
      ++i;
      while (true) {
        if (i >= text.size()) {
          ADD_FAILURE() << "unterminated quoted field";
          return rows;
        }
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field.push_back(text[i++]);
      }
      field_started = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      field_started = false;
      ++i;
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      row.push_back(std::move(field));
      field.clear();
      field_started = false;
      rows.push_back(std::move(row));
      row.clear();
      i += 2;
    } else {
      if (c == '"' || c == '\n' || c == '\r') {
        ADD_FAILURE() << "unquoted special character at byte " << i;
        return rows;
      }
      field.push_back(c);
      field_started = true;
      ++i;
    }
  }
  if (!row.empty() || field_started) ADD_FAILURE() << "last row lacks CRLF";
  return rows;
}

class SessionExportTest : public ::sessiondb::testing::TempStoreTest {
 protected:
  // The 28 days before DefaultNow()'s midnight: four 7-day windows.
  static int64_t End() { return UtcMs(2024, 3, 15); }
  static int64_t Begin() { return End() - 28 * kMsPerDayForTests; }

  void LoadCorpus(int count) {
    RandomSessions corpus(seed_, Begin(), End(), count);
    PutAll(corpus.sessions);
    for (const UserIdentity& id : corpus.identities)
      ASSERT_OK(store_->LinkUserAliases(id));
    sessions_ = corpus.sessions;
  }

  // ExportJson: the NDJSON objects of an export, parsed.
  std::vector<OrderedJson> ExportJson(const ExportFilter& filter) {
    std::ostringstream out;
    absl::StatusOr<ExportSummary> summary =
        ExportSessionsTo(*store_, filter, ExportOptions(), out);
    EXPECT_OK(summary);
    std::vector<OrderedJson> objects;
    for (absl::string_view line : absl::StrSplit(out.str(), '\n')) {
      if (line.empty()) continue;
      objects.push_back(OrderedJson::parse(line));
    }
    if (summary.ok()) {
      EXPECT_EQ(summary->rows, static_cast<int64_t>(objects.size()));
      EXPECT_EQ(summary->bytes, static_cast<int64_t>(out.str().size()));
    }
    return objects;
  }

  // PagedJson: the sessions of getSessions pages of `limit`, walked with skip
  // through each 7-day window of [Begin(), End()), newest window first.
  std::vector<OrderedJson> PagedJson(
      std::optional<std::string_view> bot,
      std::optional<std::string_view> containment, OrderedJson body,
      int limit) {
    std::vector<OrderedJson> objects;
    for (int64_t to = End(); to > Begin(); to -= 7 * kMsPerDayForTests) {
      body["dateFrom"] = Iso(to - 7 * kMsPerDayForTests);
      body["dateTo"] = Iso(to);
      body["limit"] = limit;
      for (int64_t skip = 0;; skip += limit) {
        body["skip"] = skip;
        ApiResult r = Call(bot, containment, body.dump());
        EXPECT_THAT(r, IsPage());
        if (r.status != 200) return objects;
        for (const OrderedJson& s : r.json["sessions"]) objects.push_back(s);
        if (!MoreAvailable(r)) break;
      }
    }
    return objects;
  }

  uint64_t seed_ = TestSeed(42);
  std::vector<Session> sessions_;
};

TEST_F(SessionExportTest, ExportEqualsWeeklyGetSessionsPagesConcatenated) {
  SCOPED_TRACE(::testing::Message() << "SESSIONDB_TEST_SEED=" << seed_);
  LoadCorpus(3000);
  struct Case {
    const char* name;
    ExportFilter filter;
    std::optional<std::string> bot;
    std::optional<std::string> containment;
    OrderedJson body;
  };
  std::vector<Case> cases;
  cases.push_back(
      {"account-wide", {}, std::nullopt, std::nullopt, OrderedJson::object()});
  {
    ExportFilter f;
    f.bot_id = RandomSessions::Bot(0);
    cases.push_back(
        {"one bot", f, f.bot_id, std::nullopt, OrderedJson::object()});
  }
  {
    ExportFilter f;
    f.bot_id = RandomSessions::Bot(1);
    f.containment = ContainmentType::kSelfService;
    cases.push_back({"bot and containment", f, f.bot_id,
                     std::string("selfService"), OrderedJson::object()});
  }
  {
    ExportFilter f;
    f.user_id = "USER4@corp.com";  // an alias, in another case
    cases.push_back({"user by alias", f, std::nullopt, std::nullopt,
                     OrderedJson{{"userId", "USER4@corp.com"}}});
  }
  {
    ExportFilter f;
    f.user_id = RandomSessions::User(3);
    f.bot_id = RandomSessions::Bot(2);
    cases.push_back({"user by internal id on one bot", f, f.bot_id,
                     std::nullopt, OrderedJson{{"userId", "u-3"}}});
  }
  {
    ExportFilter f;
    f.containment = ContainmentType::kAgent;
    f.session_type = SessionType::kNonInteractive;
    f.tags.all_of.push_back({"intent", {"billing"}, TagKind::kSession});
    cases.push_back(
        {"containment, sessionType and a tag", f, std::nullopt,
         std::string("agent"),
         OrderedJson{{"sessionType", "non-interactive"},
                     {"tags",
                      {{"sessionTags",
                        {{{"name", "intent"}, {"values", {"billing"}}}}}}}}});
  }
  for (Case& c : cases) {
    SCOPED_TRACE(c.name);
    c.filter.from_ms = Begin();
    c.filter.to_ms = End();
    std::vector<OrderedJson> exported = ExportJson(c.filter);
    std::vector<OrderedJson> paged =
        PagedJson(c.bot, c.containment, c.body, /*limit=*/97);
    EXPECT_GT(paged.size(), 10u);  // the case selects something
    EXPECT_EQ(exported, paged);
  }
}

TEST_F(SessionExportTest, ExportWithoutDatesHasNoWindowLimit) {
  SCOPED_TRACE(::testing::Message() << "SESSIONDB_TEST_SEED=" << seed_);
  LoadCorpus(500);
  Session ancient = sessions_.front();
  ancient.session_id = "ancient";
  ancient.start_time_ms = UtcMs(1999, 12, 31, 23, 59, 59, 999);
  ancient.end_time_ms = std::nullopt;
  Put(ancient);
  std::vector<OrderedJson> all = ExportJson(ExportFilter());
  ASSERT_EQ(all.size(), sessions_.size() + 1);
  EXPECT_EQ(all.back()["sessionId"], "ancient");
}

TEST_F(SessionExportTest, TypedExportEqualsTypedGetSessionsPages) {
  SCOPED_TRACE(::testing::Message() << "SESSIONDB_TEST_SEED=" << seed_);
  LoadCorpus(1000);
  ExportFilter filter;
  filter.bot_id = RandomSessions::Bot(0);
  filter.from_ms = Begin();
  filter.to_ms = End();
  std::vector<Session> exported;
  absl::StatusOr<int64_t> n =
      ExportSessions(*store_, filter, [&](const Session& s) {
        exported.push_back(s);
        return absl::OkStatus();
      });
  ASSERT_OK(n);
  EXPECT_EQ(*n, static_cast<int64_t>(exported.size()));
  std::vector<Session> paged;
  for (int64_t to = End(); to > Begin(); to -= 7 * kMsPerDayForTests) {
    SessionQuery q;
    q.bot_id = filter.bot_id;
    q.from_ms = to - 7 * kMsPerDayForTests;
    q.to_ms = to;
    q.limit = 1000;
    absl::StatusOr<SessionPage> page = store_->GetSessions(q);
    ASSERT_OK(page);
    ASSERT_FALSE(page->more_available);
    paged.insert(paged.end(), page->sessions.begin(), page->sessions.end());
  }
  EXPECT_EQ(exported, paged);
}

TEST_F(SessionExportTest, ExportSessionsStopsAtTheCallbacksError) {
  LoadCorpus(50);
  int calls = 0;
  absl::StatusOr<int64_t> n =
      ExportSessions(*store_, ExportFilter(), [&](const Session&) {
        return ++calls == 3 ? absl::CancelledError("enough") : absl::OkStatus();
      });
  EXPECT_THAT(n, StatusIs(absl::StatusCode::kCancelled, HasSubstr("enough")));
  EXPECT_EQ(calls, 3);
}

TEST_F(SessionExportTest, UnknownUserOrBotExportsNothing) {
  LoadCorpus(100);
  ExportFilter by_user;
  by_user.user_id = "nobody@corp.com";
  EXPECT_TRUE(ExportJson(by_user).empty());
  ExportFilter by_bot;
  by_bot.bot_id = "st-no-such-bot";
  EXPECT_TRUE(ExportJson(by_bot).empty());
}

TEST_F(SessionExportTest, FromAfterToIsInvalidArgument) {
  ExportFilter filter;
  filter.from_ms = 2000;
  filter.to_ms = 1000;
  EXPECT_THAT(NewSessionExportIterator(*store_, filter),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("from")));
  ExportFilter unnamed;
  unnamed.tags.any_of.push_back({"", {}, TagKind::kAny});
  EXPECT_THAT(NewSessionExportIterator(*store_, unnamed),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("tags")));
}

TEST_F(SessionExportTest, IteratorSeesItsSnapshotDespiteInterleavedWrites) {
  SCOPED_TRACE(::testing::Message() << "SESSIONDB_TEST_SEED=" << seed_);
  LoadCorpus(400);
  const std::vector<OrderedJson> before = ExportJson(ExportFilter());
  ASSERT_EQ(before.size(), 400u);

  absl::StatusOr<std::unique_ptr<SessionExportIterator>> it =
      NewSessionExportIterator(*store_, ExportFilter());
  ASSERT_OK(it);
  std::vector<OrderedJson> seen;
  for (int i = 0; i < 10 && (*it)->Valid(); ++i, (*it)->Next())
    seen.push_back(OrderedJson::parse((*it)->json()));

  // Newer and older sessions, a delete and an upsert of sessions not read
  // yet, a new bot and a new alias: none may show.
  Session newest = sessions_[0];
  newest.session_id = "z-newest";
  newest.start_time_ms = End() + 1;
  newest.end_time_ms = std::nullopt;
  Session oldest = sessions_[1];
  oldest.session_id = "a-oldest";
  oldest.bot_id = "st-new-bot";
  oldest.start_time_ms = Begin() - 1;
  oldest.end_time_ms = std::nullopt;
  PutAll({newest, oldest});
  const std::string last = before.back()["sessionId"];
  ASSERT_OK(store_->Delete(last));
  for (const Session& s : sessions_) {
    if (s.session_id == before[200]["sessionId"]) {
      Session changed = s;
      changed.messages_exchanged = 9999;
      changed.start_time_ms = End() - 1;
      changed.end_time_ms = std::nullopt;
      Put(changed);
    }
  }
  ASSERT_OK(store_->LinkUserAliases({"u-1", {"late@corp.com"}}));

  for (; (*it)->Valid(); (*it)->Next())
    seen.push_back(OrderedJson::parse((*it)->json()));
  ASSERT_OK((*it)->status());
  EXPECT_EQ(seen, before);
}

TEST_F(SessionExportTest, ExportRunningBesideAWriterThreadSeesItsSnapshot) {
  SCOPED_TRACE(::testing::Message() << "SESSIONDB_TEST_SEED=" << seed_);
  LoadCorpus(2000);
  const std::vector<OrderedJson> before = ExportJson(ExportFilter());

  absl::StatusOr<std::unique_ptr<SessionExportIterator>> it =
      NewSessionExportIterator(*store_, ExportFilter());
  ASSERT_OK(it);
  std::thread writer([&] {
    for (int i = 0; i < 300; ++i) {
      Session s = sessions_[static_cast<size_t>(i) * 5];
      if (i % 3 == 0) {
        EXPECT_OK(store_->Delete(s.session_id));
      } else {
        s.session_id = "w-" + std::to_string(i);
        s.start_time_ms += i;
        EXPECT_OK(store_->Put(s));
      }
    }
  });
  std::vector<OrderedJson> seen;
  for (; (*it)->Valid(); (*it)->Next())
    seen.push_back(OrderedJson::parse((*it)->json()));
  writer.join();
  ASSERT_OK((*it)->status());
  EXPECT_EQ(seen, before);
}

TEST_F(SessionExportTest, CsvHasHeaderAndQuotesPerRfc4180) {
  Session s = ::sessiondb::testing::MakeSession("s-1", UtcMs(2024, 3, 1));
  s.channel = "web,chat";
  s.user_id = "u-\"quoted\"";
  s.end_time_ms = std::nullopt;  // live
  s.session_lang = {"en", "de"};
  s.user_tags = {{"note", "line1\nline2\r\nline3"}};
  s.session_tags = {{"intent", "plain"}};
  Put(s);
  Session plain = ::sessiondb::testing::MakeSession("s-0", UtcMs(2024, 2, 1));
  Put(plain);

  std::ostringstream out;
  ExportOptions options;
  options.format = ExportFormat::kCsv;
  absl::StatusOr<ExportSummary> summary =
      ExportSessionsTo(*store_, ExportFilter(), options, out);
  ASSERT_OK(summary);
  EXPECT_EQ(summary->rows, 2);
  const std::string text = out.str();
  EXPECT_EQ(summary->bytes, static_cast<int64_t>(text.size()));
  ASSERT_EQ(text.rfind(ExportCsvHeader(), 0), 0u);
  EXPECT_EQ(ExportCsvHeader(),
            "sessionId,botId,channel,userId,start_time,end_time,session_lang,"
            "sessionType,containmentType,isDeveloper,sessionStatus,tags,"
            "noOfMessagesExchanged,noOfTasksExecuted\r\n");
  EXPECT_THAT(text, HasSubstr(",\"web,chat\",\"u-\"\"quoted\"\"\","));
  // A field without special characters is not quoted.
  EXPECT_THAT(text, HasSubstr("\r\ns-0,st-bot-a,rtm,u-default,"
                              "2024-02-01T00:00:00.000Z,"
                              "2024-02-01T00:00:05.000Z,"));

  std::vector<std::vector<std::string>> rows = ParseCsv(text);
  ASSERT_EQ(rows.size(), 3u);
  for (const auto& row : rows) EXPECT_EQ(row.size(), 14u);
  const std::vector<std::string>& r = rows[1];
  EXPECT_THAT(r, ::testing::ElementsAreArray(std::vector<std::string>{
                     "s-1", "st-bot-a", "web,chat", "u-\"quoted\"",
                     "2024-03-01T00:00:00.000Z", "", R"(["en","de"])",
                     "interactive", "dropOff", "false", "active",
                     r[11],  // tags: checked as JSON below
                     "0", "0"}));
  EXPECT_EQ(OrderedJson::parse(r[11]),
            OrderedJson::parse(R"({"userTags":[{"value":"line1\nline2\r\nline3",
                                  "name":"note"}],"sessionTags":[{"value":
                                  "plain","name":"intent"}]})"));
}

TEST_F(SessionExportTest, CsvRowsCarryTheSameValuesAsNdjsonLines) {
  SCOPED_TRACE(::testing::Message() << "SESSIONDB_TEST_SEED=" << seed_);
  LoadCorpus(300);
  std::ostringstream out;
  ExportOptions options;
  options.format = ExportFormat::kCsv;
  ASSERT_OK(ExportSessionsTo(*store_, ExportFilter(), options, out));
  std::vector<std::vector<std::string>> rows = ParseCsv(out.str());
  const std::vector<OrderedJson> objects = ExportJson(ExportFilter());
  ASSERT_EQ(rows.size(), objects.size() + 1);
  const std::vector<std::string>& header = rows[0];
  for (size_t i = 0; i < objects.size(); ++i) {
    for (size_t c = 0; c < header.size(); ++c) {
      const std::string& cell = rows[i + 1][c];
      if (!objects[i].contains(header[c])) {
        EXPECT_EQ(cell, "") << header[c];
        continue;
      }
      const OrderedJson& v = objects[i][header[c]];
      if (v.is_string()) {
        EXPECT_EQ(cell, v.get<std::string>()) << header[c];
      } else {
        EXPECT_EQ(OrderedJson::parse(cell), v) << header[c];
      }
    }
  }
}

TEST(CsvField, QuotesOnlyFieldsWithCommaQuoteOrLineBreak) {
  auto field = [](std::string_view s) {
    std::string out;
    AppendCsvField(s, &out);
    return out;
  };
  EXPECT_EQ(field("plain text"), "plain text");
  EXPECT_EQ(field(""), "");
  EXPECT_EQ(field("a,b"), "\"a,b\"");
  EXPECT_EQ(field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(field("a\nb"), "\"a\nb\"");
  EXPECT_EQ(field("a\rb"), "\"a\rb\"");
}

}  // namespace
}  // namespace sessiondb
