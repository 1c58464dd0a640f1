// SqlString / SqlIdentifier (backends/clickhouse/sql_literal.h) and the
// ClickHouse HTTP client they are sent through. The cases named
// *OnClickHouse run against the real server of the ctest fixture
// `clickhouse` (SESSIONDB_CH_URLS, set by tests/CMakeLists.txt) and skip
// without it.
#include "backends/clickhouse/sql_literal.h"

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "backends/clickhouse/clickhouse_http.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace sessiondb {
namespace {

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

TEST(ClickHouseHttp, RefusesUrlsThatAreNotHttpHostPort) {
  for (const char* url : {"https://127.0.0.1:8123", "127.0.0.1:8123", "http://",
                          "http://h:8123/path", "http://h:x",
                          "http://h:8123?database=x", "http://h:0"}) {
    EXPECT_THAT(ClickHouseHttp::Connect(url),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(url)));
  }
}

TEST(ClickHouseHttp, UnreachableServerIsUnavailableNamingTheUrl) {
  // Port 1 on loopback: nothing listens there.
  EXPECT_THAT(
      ClickHouseHttp::Connect("http://127.0.0.1:1"),
      StatusIs(absl::StatusCode::kUnavailable, HasSubstr("127.0.0.1:1")));
}

TEST(UrlEncode, KeepsUnreservedBytesOnly) {
  EXPECT_EQ(UrlEncode("INSERT INTO a.b FORMAT RowBinary"),
            "INSERT%20INTO%20a.b%20FORMAT%20RowBinary");
  EXPECT_EQ(UrlEncode("a-_.~&=+%\xff"), "a-_.~%26%3D%2B%25%FF");
}

// A client of the fixture's first server, or null (the test skips): the
// fixture sets SESSIONDB_CH_URLS, and skips itself where clickhouse-server
// is not installed.
std::unique_ptr<ClickHouseHttp> FixtureServer() {
  const char* urls = std::getenv("SESSIONDB_CH_URLS");
  if (urls == nullptr || *urls == '\0') return nullptr;
  if (std::system("command -v clickhouse-server >/dev/null 2>&1 || "
                  "test -x /usr/sbin/clickhouse-server") != 0) {
    return nullptr;
  }
  std::vector<std::string> list = absl::StrSplit(urls, ',');
  absl::StatusOr<std::unique_ptr<ClickHouseHttp>> client =
      ClickHouseHttp::Connect(list.front());
  EXPECT_THAT(client, IsOk());
  return client.ok() ? *std::move(client) : nullptr;
}

#define SKIP_WITHOUT_SERVER(ch)                                           \
  if ((ch) == nullptr) {                                                  \
    GTEST_SKIP() << "no ClickHouse: SESSIONDB_CH_URLS is set by ctest's " \
                    "clickhouse fixture";                                 \
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
  std::unique_ptr<ClickHouseHttp> ch = FixtureServer();
  SKIP_WITHOUT_SERVER(ch);
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
  std::unique_ptr<ClickHouseHttp> ch = FixtureServer();
  SKIP_WITHOUT_SERVER(ch);
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

TEST(ClickHouseHttp, ErrorIsClickHousesFirstLineOnClickHouse) {
  std::unique_ptr<ClickHouseHttp> ch = FixtureServer();
  SKIP_WITHOUT_SERVER(ch);
  absl::StatusOr<std::string> answer = ch->Query("SELEC 1");
  EXPECT_THAT(answer, StatusIs(absl::StatusCode::kInvalidArgument,
                               HasSubstr("Syntax error")));
  EXPECT_THAT(answer.status().message(), ::testing::Not(HasSubstr("\n")));
  // The connection is still usable after an error answer.
  EXPECT_THAT(ch->Query("SELECT 1"), IsOk());
}

TEST(ClickHouseHttp, InsertSendsRowsAndSettingsOnClickHouse) {
  std::unique_ptr<ClickHouseHttp> ch = FixtureServer();
  SKIP_WITHOUT_SERVER(ch);
  ASSERT_OK(ch->Query("CREATE DATABASE IF NOT EXISTS sessiondb_http_test"));
  ASSERT_OK(ch->Query("DROP TABLE IF EXISTS sessiondb_http_test.t"));
  ASSERT_OK(ch->Query(
      "CREATE TABLE sessiondb_http_test.t (s String) ENGINE = Memory"));
  // RowBinary: a one-byte length, then the bytes; the table named without
  // its database, which comes from the `database` setting.
  const std::string rows = std::string(
      "\x03"
      "a\tb"
      "\x01"
      "\0",
      6);
  ASSERT_OK(ch->Insert("INSERT INTO t FORMAT RowBinary", rows,
                       {{"database", "sessiondb_http_test"}}));
  absl::StatusOr<std::string> answer =
      ch->Query("SELECT hex(s) FROM sessiondb_http_test.t ORDER BY s");
  ASSERT_OK(answer);
  EXPECT_EQ(*answer, "00\n610962\n");
  EXPECT_THAT(
      ch->Insert("INSERT INTO no_such_table FORMAT RowBinary", rows,
                 {{"database", "sessiondb_http_test"}}),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("no_such_table")));
  ASSERT_OK(ch->Query("DROP DATABASE sessiondb_http_test"));
}

}  // namespace
}  // namespace sessiondb
