// RowBinary rows of sessions_local (backends/clickhouse/session_rows.h):
// keys read back, and batches sorted as the table's ORDER BY sorts.
#include "backends/clickhouse/session_rows.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sessiondb {
namespace {

Session MakeSession(std::string bot, int64_t start_ms, std::string id) {
  Session s;
  s.bot_id = std::move(bot);
  s.start_time_ms = start_ms;
  s.session_id = std::move(id);
  s.user_id = "u";
  s.user_tags = {{"k", "v"}};
  return s;
}

TEST(SessionRows, KeysReadBackFromSessionAndTombstoneRows) {
  std::string rows;
  // A 200-byte id needs a two-byte length; NUL and 0xFF bytes pass as is.
  const std::string long_id(200, 'x');
  AppendSessionRow(MakeSession(std::string("b\0t", 3), -5, long_id),
                   "{\"json\":1}", 7, &rows);
  AppendTombstoneRow({"bot\xff", 42, "s"}, 8, &rows);
  // ReadRowBinaryKeys reads key-only rows: cut the session row's rest.
  std::string keys_only;
  keys_only.append(
      std::string("\x03"
                  "b\0t",
                  4));
  keys_only.append(std::string("\xfb\xff\xff\xff\xff\xff\xff\xff", 8));
  keys_only.append("\xc8\x01").append(long_id);
  std::vector<SessionRowKey> keys;
  ASSERT_TRUE(ReadRowBinaryKeys(keys_only, &keys));
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].bot, std::string("b\0t", 3));
  EXPECT_EQ(keys[0].start_ms, -5);
  EXPECT_EQ(keys[0].session_id, long_id);
  // The session row starts with exactly those key bytes.
  EXPECT_EQ(rows.substr(0, keys_only.size()), keys_only);
  EXPECT_FALSE(ReadRowBinaryKeys(keys_only.substr(0, 10), &keys));
}

TEST(SessionRows, SortOrdersByBotThenSignedStartThenIdAsBytes) {
  const std::vector<SessionRowKey> input = {
      {"b", 5, "z"}, {"a", 9, "a"}, {"b", -1, "y"}, {"b", 5, "\xff"},
      {"b", 5, "a"}, {"a", 9, "A"}, {"ab", 0, "x"}};
  std::string rows;
  std::vector<size_t> starts;
  for (const SessionRowKey& k : input) {
    starts.push_back(rows.size());
    if (k.session_id == "z") {
      AppendSessionRow(MakeSession(k.bot, k.start_ms, k.session_id), "{}", 1,
                       &rows);
    } else {
      AppendTombstoneRow(k, 1, &rows);
    }
  }
  std::string sorted;
  SortSessionRows(rows, starts, &sorted);
  ASSERT_EQ(sorted.size(), rows.size());
  // The expected order, each row encoded alone: bots as bytes ("a" <
  // "ab" < "b"), start_ms signed, session ids as bytes (0xFF last).
  std::vector<std::string> expected_rows;
  for (const SessionRowKey& k : std::vector<SessionRowKey>{{"a", 9, "A"},
                                                           {"a", 9, "a"},
                                                           {"ab", 0, "x"},
                                                           {"b", -1, "y"},
                                                           {"b", 5, "a"},
                                                           {"b", 5, "z"},
                                                           {"b", 5, "\xff"}}) {
    std::string row;
    if (k.session_id == "z") {
      AppendSessionRow(MakeSession(k.bot, k.start_ms, k.session_id), "{}", 1,
                       &row);
    } else {
      AppendTombstoneRow(k, 1, &row);
    }
    expected_rows.push_back(row);
  }
  std::string expected;
  for (const std::string& r : expected_rows) expected += r;
  EXPECT_EQ(sorted, expected);
}

}  // namespace
}  // namespace sessiondb
