// ClickHouseHttp (backends/clickhouse/clickhouse_http.h): URL forms, a
// dropped keep-alive connection and the deadline against a scripted
// loopback server; the *OnClickHouse cases against the real server of
// ctest's `clickhouse` fixture (they skip without it).
#include "backends/clickhouse/clickhouse_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

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

// ScriptedServer listens on a loopback port and runs `script` on its own
// thread with the listening socket: the test decides what each accepted
// connection gets.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::function<void(int listener)> script) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof(addr);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), size);
    ::listen(listener_, 4);
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &size);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this, script] { script(listener_); });
  }
  ~ScriptedServer() {
    ::shutdown(listener_, SHUT_RDWR);
    thread_.join();
    ::close(listener_);
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(port_);
  }

  // ReadRequest reads one request with a Content-Length body.
  static bool ReadRequest(int fd) {
    std::string data;
    char buf[4096];
    for (;;) {
      const size_t end = data.find("\r\n\r\n");
      if (end != std::string::npos) {
        const size_t at = data.find("Content-Length: ");
        const size_t length =
            at == std::string::npos ? 0 : std::stoul(data.substr(at + 16));
        if (data.size() >= end + 4 + length) return true;
      }
      const ssize_t n = ::read(fd, buf, sizeof(buf));
      if (n <= 0) return false;
      data.append(buf, static_cast<size_t>(n));
    }
  }

  static void Answer(int fd, const std::string& body) {
    const std::string response =
        "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\nConnection: Keep-Alive\r\n\r\n" + body;
    EXPECT_EQ(::write(fd, response.data(), response.size()),
              static_cast<ssize_t>(response.size()));
  }

 private:
  int listener_ = -1;
  int port_ = 0;
  std::thread thread_;
};

TEST(ClickHouseHttp, ReopensAKeepAliveConnectionTheServerClosed) {
  ScriptedServer server([](int listener) {
    // Connection 1: one answer, then closed as an idle keep-alive
    // connection is (ClickHouse's keep_alive_timeout).
    int fd = ::accept(listener, nullptr, nullptr);
    if (ScriptedServer::ReadRequest(fd)) ScriptedServer::Answer(fd, "one");
    ::close(fd);
    // Connection 2: the client's reconnect.
    fd = ::accept(listener, nullptr, nullptr);
    if (fd < 0) return;
    if (ScriptedServer::ReadRequest(fd)) ScriptedServer::Answer(fd, "two");
    ::close(fd);
  });
  absl::StatusOr<std::unique_ptr<ClickHouseHttp>> ch =
      ClickHouseHttp::Connect(server.url());
  ASSERT_OK(ch);
  absl::StatusOr<std::string> first = (*ch)->Query("SELECT 1");
  ASSERT_OK(first);
  EXPECT_EQ(*first, "one");
  // Let the close reach the client's socket before it is reused.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  absl::StatusOr<std::string> second = (*ch)->Query("SELECT 2");
  ASSERT_OK(second);
  EXPECT_EQ(*second, "two");
}

TEST(ClickHouseHttp, NoAnswerInTimeIsDeadlineExceeded) {
  ScriptedServer server([](int listener) {
    const int fd = ::accept(listener, nullptr, nullptr);
    ScriptedServer::ReadRequest(fd);  // and never answers
    ::recv(fd, nullptr, 0, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    ::close(fd);
  });
  ClickHouseHttpOptions options;
  options.timeout = std::chrono::milliseconds(100);
  absl::StatusOr<std::unique_ptr<ClickHouseHttp>> ch =
      ClickHouseHttp::Connect(server.url(), options);
  ASSERT_OK(ch);
  EXPECT_THAT(
      (*ch)->Query("SELECT sleep(3)"),
      StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr(server.url())));
}

TEST(ClickHouseHttp, ErrorIsClickHousesFirstLineOnClickHouse) {
  std::unique_ptr<ClickHouseHttp> ch = FixtureClickHouse();
  SKIP_WITHOUT_CLICKHOUSE(ch);
  absl::StatusOr<std::string> answer = ch->Query("SELEC 1");
  EXPECT_THAT(answer, StatusIs(absl::StatusCode::kInvalidArgument,
                               HasSubstr("Syntax error")));
  EXPECT_THAT(answer.status().message(), ::testing::Not(HasSubstr("\n")));
  // The connection is still usable after an error answer.
  EXPECT_THAT(ch->Query("SELECT 1"), IsOk());
}

TEST(ClickHouseHttp, InsertSendsRowsAndSettingsOnClickHouse) {
  std::unique_ptr<ClickHouseHttp> ch = FixtureClickHouse();
  SKIP_WITHOUT_CLICKHOUSE(ch);
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
