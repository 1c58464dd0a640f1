// SqlString / SqlIdentifier (backends/clickhouse/sql_literal.h). The cases
// named *OnClickHouse read literals back from the real server of ctest's
// `clickhouse` fixture and skip without it.
#include "backends/clickhouse/sql_literal.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "backends/clickhouse/clickhouse_http.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/clickhouse_server.h"
#include "testing/status_matchers.h"

namespace sessiondb {
namespace {

using ::sessiondb::testing::FixtureClickHouse;
using ::sessiondb::testing::IsOk;
using ::sessiondb::testing::StatusIs;
using ::testing::HasSubstr;

TEST(SqlString, EscapesQuoteAndBackslash) {
  EXPECT_EQ(SqlString("it's"), R"('it\'s')");
  EXPECT_EQ(SqlString(R"(a\b)"), R"('a\\b')");
  EXPECT_EQ(SqlString(R"(\')"), R"('\\\'')");
}

TEST(SqlString, WritesControlBytesAsHex) {
  EXPECT_EQ(SqlString(std::string("a\0b", 3)), R"('a\x00b')");
  EXPECT_EQ(SqlString("\n\t\x7f"), R"('\x0a\x09\x7f')");
}

TEST(SqlString, KeepsOtherBytesAsIs) {
  EXPECT_EQ(SqlString("héllo \xff"), "'héllo \xff'");
  EXPECT_EQ(SqlString(""), "''");
}

TEST(SqlIdentifier, AcceptsPlainNames) {
  EXPECT_THAT(SqlIdentifier("sessiondb", "--database"), IsOk());
  EXPECT_THAT(SqlIdentifier("_db_2", "--database"), IsOk());
}

TEST(SqlIdentifier, RefusesAnythingElseNamingTheFlag) {
  for (const std::string& bad :
       std::vector<std::string>{"", "2db", "db-x", "db.x", "db`", "a b",
                                std::string(65, 'a'), std::string("d\0b", 3)}) {
    EXPECT_THAT(
        SqlIdentifier(bad, "--database"),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--database")))
        << absl::CEscape(bad);
  }
}

// Each literal is read back through hex(), so the answer's own escaping
// plays no part.
std::vector<std::string> RoundTrip(ClickHouseHttp& ch,
                                   const std::vector<std::string>& values) {
  std::string sql = "SELECT ";
  for (size_t i = 0; i < values.size(); ++i) {
    absl::StrAppend(&sql, i == 0 ? "" : ", ", "hex(", SqlString(values[i]),
                    ")");
  }
  absl::StatusOr<std::string> answer = ch.Query(sql);
  EXPECT_THAT(answer, IsOk());
  if (!answer.ok()) return {};
  std::vector<std::string> out;
  for (absl::string_view hex :
       absl::StrSplit(absl::StripSuffix(*answer, "\n"), '\t')) {
    out.push_back(absl::HexStringToBytes(hex));
  }
  return out;
}

TEST(SqlString, EveryByteRoundTripsOnClickHouse) {
  std::unique_ptr<ClickHouseHttp> ch = FixtureClickHouse();
  SKIP_WITHOUT_CLICKHOUSE(ch);
  std::vector<std::string> values;
  std::string all;
  for (int b = 0; b < 256; ++b) {
    values.push_back(std::string(1, static_cast<char>(b)));
    all.push_back(static_cast<char>(b));
  }
  values.push_back(all);
  std::vector<std::string> back = RoundTrip(*ch, values);
  ASSERT_EQ(back.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(back[i], values[i]) << "value " << i;
  }
}

TEST(SqlString, TrickyStringsRoundTripOnClickHouse) {
  std::unique_ptr<ClickHouseHttp> ch = FixtureClickHouse();
  SKIP_WITHOUT_CLICKHOUSE(ch);
  const std::vector<std::string> values = {
      "",
      "it's",
      "\\",
      "ends with a backslash\\",
      "\\'",
      "''",
      "'); DROP TABLE x; --",
      "\\x41 is not A",
      "\\N",
      "tab\there, newline\nthere, CR\r",
      std::string("nul\0inside", 10),
      "h\xc3\xa9llo \xf0\x9f\x98\x80",
      "\xff\xfe invalid UTF-8 \xc3",
      "?query=1&database=system",
  };
  EXPECT_EQ(RoundTrip(*ch, values), values);
}

}  // namespace
}  // namespace sessiondb
