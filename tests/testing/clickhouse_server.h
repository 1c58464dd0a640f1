// FixtureClickHouse: a client of the first server of ctest's `clickhouse`
// fixture (tests/CMakeLists.txt sets SESSIONDB_CH_URLS), or null when there
// is none or clickhouse-server is not installed; the test then skips:
//   std::unique_ptr<ClickHouseHttp> ch = FixtureClickHouse();
//   SKIP_WITHOUT_CLICKHOUSE(ch);
#ifndef SESSIONDB_TESTS_TESTING_CLICKHOUSE_SERVER_H_
#define SESSIONDB_TESTS_TESTING_CLICKHOUSE_SERVER_H_

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "backends/clickhouse/clickhouse_http.h"
#include "gtest/gtest.h"

namespace sessiondb::testing {

inline std::unique_ptr<ClickHouseHttp> FixtureClickHouse() {
  const char* urls = std::getenv("SESSIONDB_CH_URLS");
  if (urls == nullptr || *urls == '\0') return nullptr;
  if (std::system("command -v clickhouse-server >/dev/null 2>&1 || "
                  "test -x /usr/sbin/clickhouse-server") != 0) {
    return nullptr;
  }
  std::vector<std::string> list = absl::StrSplit(urls, ',');
  absl::StatusOr<std::unique_ptr<ClickHouseHttp>> client =
      ClickHouseHttp::Connect(list.front());
  EXPECT_TRUE(client.ok()) << client.status();
  return client.ok() ? *std::move(client) : nullptr;
}

}  // namespace sessiondb::testing

#define SKIP_WITHOUT_CLICKHOUSE(ch)                                       \
  if ((ch) == nullptr) {                                                  \
    GTEST_SKIP() << "no ClickHouse: SESSIONDB_CH_URLS is set by ctest's " \
                    "clickhouse fixture";                                 \
  }

#endif  // SESSIONDB_TESTS_TESTING_CLICKHOUSE_SERVER_H_
