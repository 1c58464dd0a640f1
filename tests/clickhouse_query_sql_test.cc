// The SQL the ClickHouse query backend generates and the RowBinary it reads
// (backends/clickhouse/clickhouse_query_sql.h). Its answers are checked
// against the embedded store's by clickhouse_query_test.py.
#include "backends/clickhouse/clickhouse_query_sql.h"

#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sessiondb {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(SessionMatchSql, EveryUserValueIsAQuotedLiteral) {
  SessionQuery q;
  q.bot_id = "st-'; DROP TABLE x; --";
  q.containment = ContainmentType::kAgent;
  q.session_type = SessionType::kNonInteractive;
  q.tags.all_of.push_back({"ti'er", {"it's", "a\\b"}, TagKind::kUser});
  const std::string sql =
      SessionMatchSql(q, std::string("u-'x"), DateWindow{10, 20});
  EXPECT_THAT(sql, HasSubstr(R"(bot = 'st-\'; DROP TABLE x; --')"));
  EXPECT_THAT(sql, HasSubstr("start_ms >= 10 AND start_ms < 20"));
  EXPECT_THAT(sql, HasSubstr("containment = 2"));
  EXPECT_THAT(sql, HasSubstr("session_type = 1"));
  EXPECT_THAT(sql, HasSubstr(R"(user_id = 'u-\'x')"));
  EXPECT_THAT(
      sql,
      HasSubstr(
          R"(arrayExists((n, v) -> n = 'ti\'er' AND has(['it\'s', 'a\\b'], v), user_tag_names, user_tag_values))"));
}

TEST(SessionMatchSql, AccountWideHasNoBotAndAnyKindTriesBoth) {
  SessionQuery q;
  q.tags.any_of.push_back({"intent", {}, TagKind::kAny});
  q.tags.any_of.push_back({"csat", {"1"}, TagKind::kSession});
  const std::string sql = SessionMatchSql(q, std::nullopt, DateWindow{0, 1});
  EXPECT_THAT(sql, Not(HasSubstr("bot =")));
  EXPECT_THAT(sql, Not(HasSubstr("user_id")));
  EXPECT_THAT(sql, HasSubstr("AND ((has(user_tag_names, 'intent') OR "
                             "has(session_tag_names, 'intent')) OR "
                             "arrayExists("));
}

TEST(AfterPositionSql, ComparesTheOrderTuple) {
  EXPECT_EQ(AfterPositionSql({5, "a'b"}),
            R"(start_ms <= 5 AND (start_ms, session_id) < (5, 'a\'b'))");
}

TEST(LatestSpanStart, IsTheWindowsLastSpanOrNothingWhenItIsTheWhole) {
  const DateWindow week{1'000, 1'000 + 7 * 100};
  EXPECT_EQ(LatestSpanStart(week, std::nullopt, 100), 1'600);
  EXPECT_EQ(LatestSpanStart(week, std::nullopt, 700), std::nullopt);
  EXPECT_EQ(LatestSpanStart(week, std::nullopt, 699), 1'001);
}

TEST(LatestSpanStart, EndsJustAfterTheCursorsPosition) {
  const DateWindow week{1'000, 1'700};
  // The keys after (1'300, "s") start at or before 1'300.
  EXPECT_EQ(LatestSpanStart(week, OrderPosition{1'300, "s"}, 100), 1'201);
  EXPECT_EQ(LatestSpanStart(week, OrderPosition{1'050, "s"}, 100),
            std::nullopt);
  // A position past the window's end leaves the window's own end.
  EXPECT_EQ(LatestSpanStart(week, OrderPosition{5'000, "s"}, 100), 1'600);
}

TEST(DayBucketSql, NumbersDaysByTheirStarts) {
  EXPECT_EQ(DayBucketSql({}), "toUInt32(0)");
  EXPECT_EQ(DayBucketSql({100, 200}),
            "toUInt32(multiIf(start_ms < 100, 0, start_ms < 200, 1, 2))");
}

TEST(OnePassSql, CountsEveryMatchAndSortsOnlyTheKeysFromTheNthStart) {
  EXPECT_EQ(
      OnePassSql(" FROM T FINAL WHERE M", std::nullopt, 101),
      "WITH groupArray(start_ms) AS page_starts, "
      "arrayReverseSort(page_starts)[least(101, length(page_starts))] "
      "AS page_last_start "
      "SELECT count(), arraySlice(arrayReverseSort(arrayMap("
      "(s, i, b) -> (s, i, b), "
      "arrayFilter(s -> s >= page_last_start, page_starts), "
      "arrayFilter((i, s) -> s >= page_last_start, groupArray(session_id), "
      "page_starts), "
      "arrayFilter((b, s) -> s >= page_last_start, groupArray(bot), "
      "page_starts))), 1, 101)"
      " FROM T FINAL WHERE M FORMAT RowBinary");
}

TEST(OnePassSql, AfterRestrictsTheKeysNotTheCount) {
  const std::string sql =
      OnePassSql(" FROM T FINAL WHERE M", OrderPosition{5, "a'b"}, 11);
  const std::string after = R"((start_ms, session_id) < (5, 'a\'b'))";
  // Each of the three arrays keeps only the keys after the position.
  EXPECT_THAT(sql, HasSubstr("WITH groupArrayIf(start_ms, " + after +
                             ") AS page_starts"));
  EXPECT_THAT(sql, HasSubstr("groupArrayIf(session_id, " + after + ")"));
  EXPECT_THAT(sql, HasSubstr("groupArrayIf(bot, " + after + ")"));
  EXPECT_THAT(sql, Not(HasSubstr("groupArray(")));
  EXPECT_THAT(sql, HasSubstr("SELECT count(), "));
  // The position is not in the WHERE: the count stays every match's.
  EXPECT_THAT(sql, EndsWith(") FROM T FINAL WHERE M FORMAT RowBinary"));
}

TEST(RowBinaryReader, ReadsAnArrayOfTuples) {
  // [(7, 'id', 'b')]: the length as LEB128, then each tuple's fields.
  std::string data = "\x01";
  data.append("\x07\0\0\0\0\0\0\0", 8);
  data +=
      "\x02"
      "id"
      "\x01"
      "b";
  RowBinaryReader r(data);
  uint64_t n = 0;
  int64_t start = 0;
  std::string_view id, bot;
  ASSERT_TRUE(r.ReadVarUInt(&n));
  EXPECT_EQ(n, 1u);
  ASSERT_TRUE(r.ReadInt64(&start));
  ASSERT_TRUE(r.ReadString(&id));
  ASSERT_TRUE(r.ReadString(&bot));
  EXPECT_EQ(start, 7);
  EXPECT_EQ(id, "id");
  EXPECT_EQ(bot, "b");
  EXPECT_TRUE(r.done());
  EXPECT_FALSE(r.ReadVarUInt(&n));
  // A length past 64 bits is malformed.
  const std::string eleven = std::string(10, '\xff') + "\x01";
  RowBinaryReader too_long(eleven);
  EXPECT_FALSE(too_long.ReadVarUInt(&n));
}

TEST(RowBinaryReader, ReadsIntegersAndStrings) {
  std::string data("\x05\x00\x00\x00\x00\x00\x00\x80", 8);  // INT64_MIN + 5
  data += '\x03';
  data.append("a\0b", 3);
  data.append(1, '\0');
  data += "\x81\x01";  // a 129-byte string
  data += std::string(129, 'x');
  RowBinaryReader r(data);
  int64_t v = 0;
  std::string_view s;
  ASSERT_TRUE(r.ReadInt64(&v));
  EXPECT_EQ(v, INT64_MIN + 5);
  ASSERT_TRUE(r.ReadString(&s));
  EXPECT_EQ(s, std::string_view("a\0b", 3));
  ASSERT_TRUE(r.ReadString(&s));
  EXPECT_EQ(s, "");
  ASSERT_TRUE(r.ReadString(&s));
  EXPECT_EQ(s.size(), 129u);
  EXPECT_TRUE(r.done());
  EXPECT_FALSE(r.ReadString(&s));
}

TEST(RowBinaryReader, RefusesAStringPastTheEnd) {
  RowBinaryReader r(
      std::string_view("\x05"
                       "ab",
                       3));
  std::string_view s;
  EXPECT_FALSE(r.ReadString(&s));
}

}  // namespace
}  // namespace sessiondb
