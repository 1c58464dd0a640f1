// SPEC §5's transport limits, each against a real HttpServer on a loopback
// port with raw sockets: slow and idle clients (which must cost memory, not
// workers), oversized headers, deadlines, framing, encodings, body limits,
// the connection cap. Deadlines are set small through ServerOptions so the
// tests stay quick; no assertion is about speed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/apps_config.h"
#include "server/apps_registry.h"
#include "server/http_server.h"
#include "server/jwt.h"
#include "testing/server_thread.h"
#include "testing/status_matchers.h"
#include "testing/temp_store.h"

namespace sessiondb {
namespace {

using ::testing::HasSubstr;

constexpr char kAppsJson[] = R"({"apps": [
  {"appId": "cs-admin", "clientSecret": "admin-secret-0123456789abcdef0123456789",
   "scopes": ["admin:bot-sessions"]}
]})";

// Answer is one HTTP response as a raw client reads it.
struct Answer {
  int status = 0;  // 0: the connection closed or timed out first
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// ErrorShape: {"errors":[{"msg":…,"code":status}]} (checked loosely: the
// exact shape is pinned by http_server_test).
MATCHER_P2(IsErrorAnswer, code, msg_matcher, "") {
  if (arg.status != code) {
    *result_listener << "status " << arg.status << " body " << arg.body;
    return false;
  }
  if (!absl::StartsWith(arg.body, "{\"errors\":[{\"msg\":\"") ||
      !absl::EndsWith(arg.body, absl::StrCat("\",\"code\":", code, "}]}"))) {
    *result_listener << "body is not the error shape: " << arg.body;
    return false;
  }
  if (arg.Header("content-type") != "application/json") {
    *result_listener << "content-type " << arg.Header("content-type");
    return false;
  }
  return ::testing::ExplainMatchResult(msg_matcher, arg.body, result_listener);
}

// Client is one raw TCP connection to the server; every wait is bounded.
class Client {
 public:
  explicit Client(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ =
        ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~Client() { ::close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }

  // Send writes all of `data`; false if the peer closed or reset first.
  bool Send(std::string_view data) {
    while (!data.empty()) {
      pollfd p{fd_, POLLOUT, 0};
      if (::poll(&p, 1, 10000) != 1) return false;
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Read waits up to `timeout` for one response framed by Content-Length.
  Answer Read(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    Answer out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(deadline)) return out;
    }
    std::vector<std::string> lines =
        absl::StrSplit(buffer_.substr(0, end), "\r\n");
    buffer_.erase(0, end + 4);
    if (lines.empty() || lines[0].size() < 12) return out;
    int status = 0;
    if (!absl::SimpleAtoi(lines[0].substr(9, 3), &status)) return out;
    for (size_t i = 1; i < lines.size(); ++i) {
      const size_t colon = lines[i].find(':');
      if (colon == std::string::npos) continue;
      out.headers[absl::AsciiStrToLower(lines[i].substr(0, colon))] =
          std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
    }
    size_t length = 0;  // an interim (1xx) answer has no body
    if (status >= 200 &&
        !absl::SimpleAtoi(out.Header("content-length"), &length)) {
      return out;
    }
    while (buffer_.size() < length) {
      if (!Fill(deadline)) return out;
    }
    out.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    out.status = status;
    return out;
  }

  // HasInput: the server sent something (or closed) that is not read yet.
  bool HasInput() {
    if (!buffer_.empty()) return true;
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) == 1;
  }

  // ClosedByServer waits up to `timeout` for the end of the stream (bytes
  // that arrive meanwhile are kept for Read).
  bool ClosedByServer(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      const int left = static_cast<int>(
          std::chrono::duration_cast<std::chrono::milliseconds>(
              deadline - std::chrono::steady_clock::now())
              .count());
      if (left <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, left) != 1) return false;
      char chunk[4096];
      const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
      if (n <= 0) return true;  // EOF or reset
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

 private:
  bool Fill(std::chrono::steady_clock::time_point deadline) {
    const int left =
        static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                             deadline - std::chrono::steady_clock::now())
                             .count());
    if (left <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, left) != 1) return false;
    char chunk[65536];
    const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
};

class HttpLimitsTest : public sessiondb::testing::TempStoreTest {
 protected:
  void SetUp() override {
    TempStoreTest::SetUp();
    absl::StatusOr<AppsConfig> apps = AppsConfig::Parse(kAppsJson);
    ASSERT_OK(apps);
    apps_ = std::make_unique<AppsConfig>(*apps);
    registry_ = std::make_unique<AppsRegistry>(*std::move(apps));
    absl::StatusOr<std::string> token =
        MintToken(*apps_->Find("cs-admin"), absl::Now(), absl::Hours(1));
    ASSERT_OK(token);
    token_ = *token;
    options_.port = 0;
    options_.threads = 2;
    options_.request_log = [](std::string_view) {};
  }

  void TearDown() override {
    StopServer();
    TempStoreTest::TearDown();
  }

  void StartServer() {
    server_.Start(*store_, *registry_, options_);
    port_ = server_.port();
  }

  void StopServer() { server_.Stop(); }

  // Query is a well-formed getSessions request.
  std::string Query(const std::string& body = "{}") const {
    return absl::StrCat(
        "POST /api/public/getSessions HTTP/1.1\r\nHost: x\r\nauth: ", token_,
        "\r\nContent-Type: application/json\r\nContent-Length: ", body.size(),
        "\r\n\r\n", body);
  }

  // Head is a getSessions request header with the token and `fields`.
  std::string Head(const std::string& fields) const {
    return absl::StrCat(
        "POST /api/public/getSessions HTTP/1.1\r\nHost: x\r\nauth: ", token_,
        "\r\n", fields, "\r\n");
  }

  // QueryAnswers: a new connection's well-formed query gets its page.
  void ExpectQueryAnswers() {
    Client c(port_);
    ASSERT_TRUE(c.connected());
    ASSERT_TRUE(c.Send(Query()));
    Answer a = c.Read();
    EXPECT_EQ(a.status, 200) << a.body;
    EXPECT_THAT(a.body, HasSubstr("\"total\""));
  }

  ServerOptions options_;
  std::unique_ptr<AppsConfig> apps_;        // mints tokens
  std::unique_ptr<AppsRegistry> registry_;  // what the server reads
  std::string token_;
  sessiondb::testing::ServerThread server_;
  int port_ = 0;
};

// ---- Slow and idle clients cost memory, not workers ----

TEST_F(HttpLimitsTest, SlowlorisClientsDoNotDelayOthersAndGet408) {
  // Long enough that the queries below finish well within it even on a
  // loaded machine (the test checks that they did).
  options_.header_timeout = absl::Seconds(6);
  StartServer();
  constexpr int kSlow = 300;
  std::vector<std::unique_ptr<Client>> slow;
  for (int i = 0; i < kSlow; ++i) {
    slow.push_back(std::make_unique<Client>(port_));
    ASSERT_TRUE(slow.back()->connected());
    ASSERT_TRUE(slow.back()->Send(
        "POST /api/public/getSessions HTTP/1.1\r\nHost: x\r\nX-Slow: "));
  }
  // Each sends one more byte of its header every 100 ms.
  std::atomic<bool> dripping{true};
  std::thread drip([&] {
    while (dripping.load()) {
      for (auto& c : slow) c->Send("a");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  for (int i = 0; i < 5; ++i) ExpectQueryAnswers();
  dripping.store(false);
  drip.join();
  int still_waiting = 0;
  for (auto& c : slow) still_waiting += c->HasInput() ? 0 : 1;
  EXPECT_EQ(still_waiting, kSlow)
      << "the queries were answered while every slow client was mid-header";
  // Then the header deadline answers every one of them 408 and closes
  // (within one shared wait, so that a server without the deadline fails
  // this test in seconds rather than hangs it).
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  const auto left = [&] {
    return std::max(std::chrono::milliseconds(1),
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now()));
  };
  int answered = 0;
  for (auto& c : slow) {
    Answer a = c->Read(left());
    if (a.status == 0) continue;
    ++answered;
    EXPECT_THAT(a, IsErrorAnswer(408, HasSubstr("request header")));
    EXPECT_TRUE(c->ClosedByServer(left()));
  }
  EXPECT_EQ(answered, kSlow);
}

TEST_F(HttpLimitsTest, IdleKeepAliveConnectionsDoNotDelayOthers) {
  options_.keep_alive_timeout = absl::Seconds(60);
  options_.header_timeout = absl::Seconds(60);
  StartServer();
  constexpr int kIdle = 400;
  std::vector<std::unique_ptr<Client>> idle;
  for (int i = 0; i < kIdle; ++i) {
    idle.push_back(std::make_unique<Client>(port_));
    ASSERT_TRUE(idle.back()->connected());
    ASSERT_TRUE(idle.back()->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    Answer a = idle.back()->Read();
    ASSERT_EQ(a.status, 200) << "connection " << i;
    ASSERT_NE(a.Header("connection"), "close");
  }
  for (int i = 0; i < 3; ++i) ExpectQueryAnswers();
  // They were all kept alive all along: each still answers.
  for (auto& c : idle) {
    ASSERT_TRUE(c->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_EQ(c->Read().status, 200);
  }
}

TEST_F(HttpLimitsTest, IdleKeepAliveConnectionIsClosed) {
  options_.keep_alive_timeout = absl::Milliseconds(300);
  StartServer();
  Client c(port_);
  ASSERT_TRUE(c.Send(Query()));
  Answer a = c.Read();
  EXPECT_EQ(a.status, 200);
  EXPECT_THAT(a.Header("keep-alive"), HasSubstr("timeout="));
  EXPECT_TRUE(c.ClosedByServer(std::chrono::seconds(10)));
  // A connection that never sends a byte is closed the same way.
  Client silent(port_);
  EXPECT_TRUE(silent.ClosedByServer(std::chrono::seconds(10)));
  EXPECT_EQ(silent.Read(std::chrono::milliseconds(1)).status, 0)
      << "closed quietly, without an answer";
}

TEST_F(HttpLimitsTest, SeveralIoThreadsServeConcurrentKeepAliveClients) {
  options_.io_threads = 2;
  StartServer();
  constexpr int kClients = 8;
  constexpr int kRequests = 20;
  std::atomic<int> good{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&] {
      Client c(port_);
      for (int r = 0; r < kRequests; ++r) {
        if (!c.Send(Query())) return;
        if (c.Read().status == 200) ++good;
      }
    });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(good.load(), kClients * kRequests);
}

// ---- Header limits and deadline ----

TEST_F(HttpLimitsTest, TenThousandHeaderLinesAre431) {
  StartServer();
  Client c(port_);
  std::string fields;
  for (int i = 0; i < 10000; ++i) fields += "a: b\r\n";
  c.Send(Head(fields));  // the server may close before all of it is sent
  Answer a = c.Read();
  EXPECT_THAT(a, IsErrorAnswer(431, HasSubstr("more than 100 lines")));
  EXPECT_EQ(a.Header("connection"), "close");
  EXPECT_TRUE(c.ClosedByServer(std::chrono::seconds(10)));
}

TEST_F(HttpLimitsTest, HundredHeaderLinesAreFine) {
  StartServer();
  Client c(port_);
  std::string fields;
  for (int i = 0; i < 100 - 3; ++i) fields += "a: b\r\n";  // + Host, auth, CL
  ASSERT_TRUE(c.Send(Head(fields + "Content-Length: 0\r\n")));
  EXPECT_EQ(c.Read().status, 200);
}

TEST_F(HttpLimitsTest, SixtyFiveKibibytesOfHeaderAre431) {
  StartServer();
  Client c(port_);
  c.Send(Head(absl::StrCat("X-Big: ", std::string(65 << 10, 'x'), "\r\n")));
  Answer a = c.Read();
  EXPECT_THAT(a, IsErrorAnswer(431, HasSubstr("65536 bytes")));
  EXPECT_EQ(a.Header("connection"), "close");
  EXPECT_TRUE(c.ClosedByServer(std::chrono::seconds(10)));
}

TEST_F(HttpLimitsTest, HeaderNotCompleteInTimeIs408AndClosed) {
  options_.header_timeout = absl::Milliseconds(500);
  StartServer();
  Client c(port_);
  ASSERT_TRUE(c.Send("POST /api/public/getSessions HTTP/1.1\r\nHost: x\r\n"));
  Answer a = c.Read();
  EXPECT_THAT(a, IsErrorAnswer(408, HasSubstr("request header")));
  EXPECT_EQ(a.Header("connection"), "close");
  EXPECT_TRUE(c.ClosedByServer(std::chrono::seconds(10)));
}

TEST_F(HttpLimitsTest, StalledBodyIs408AndClosed) {
  options_.io_timeout = absl::Milliseconds(300);
  StartServer();
  Client c(port_);
  ASSERT_TRUE(c.Send(Head("Content-Length: 10\r\n") + "{\""));
  Answer a = c.Read();
  EXPECT_THAT(a, IsErrorAnswer(408, HasSubstr("body")));
  EXPECT_TRUE(c.ClosedByServer(std::chrono::seconds(10)));
}

TEST_F(HttpLimitsTest, StopEndsABodyThatTricklesInForever) {
  options_.io_timeout = absl::Milliseconds(500);
  StartServer();
  Client c(port_);
  ASSERT_TRUE(c.Send(Head("Content-Length: 100000\r\n") + "{"));
  // One byte every 100 ms: never a stall of io_timeout, never the end.
  std::atomic<bool> trickling{true};
  std::thread trickle([&] {
    while (trickling.load()) {
      c.Send(" ");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  server_.server()->Stop();
  // The server gives a busy connection io_timeout more after Stop, however
  // it trickles, so Run can return. (30 s only bounds a server that would
  // wait for the body forever: the test fails instead of hanging.)
  const bool closed = c.ClosedByServer(std::chrono::seconds(30));
  trickling.store(false);
  trickle.join();
  EXPECT_TRUE(closed);
}

// ---- Framing and encodings ----

TEST_F(HttpLimitsTest, ContentLengthWithTransferEncodingIs400) {
  StartServer();
  for (const char* fields :
       {"Content-Length: 2\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: chunked\r\nContent-Length: 2\r\n"}) {
    SCOPED_TRACE(fields);
    Client c(port_);
    ASSERT_TRUE(c.Send(Head(fields) + "2\r\n{}\r\n0\r\n\r\n"));
    Answer a = c.Read();
    EXPECT_THAT(a, IsErrorAnswer(400, HasSubstr("Content-Length together "
                                                "with Transfer-Encoding")));
    EXPECT_EQ(a.Header("connection"), "close");
    EXPECT_TRUE(c.ClosedByServer(std::chrono::seconds(10)));
  }
}

TEST_F(HttpLimitsTest, TransferEncodingGzipIs400) {
  StartServer();
  for (const char* te : {"gzip", "gzip, chunked"}) {
    SCOPED_TRACE(te);
    Client c(port_);
    ASSERT_TRUE(c.Send(Head(absl::StrCat("Transfer-Encoding: ", te, "\r\n"))));
    EXPECT_THAT(c.Read(), IsErrorAnswer(400, HasSubstr("Transfer-Encoding")));
  }
}

TEST_F(HttpLimitsTest, ContentEncodingGzipIs415) {
  StartServer();
  Client c(port_);
  // A gzip stream's first bytes; nothing is inflated.
  const std::string body = "\x1f\x8b\x08\x00\x00\x00\x00\x00";
  ASSERT_TRUE(c.Send(Head(absl::StrCat("Content-Encoding: gzip\r\n"
                                       "Content-Length: ",
                                       body.size(), "\r\n")) +
                     body));
  EXPECT_THAT(c.Read(), IsErrorAnswer(415, HasSubstr("Content-Encoding")));
  // identity is no encoding.
  Client d(port_);
  ASSERT_TRUE(d.Send(Head("Content-Encoding: identity\r\nContent-Length: "
                          "2\r\n") +
                     "{}"));
  EXPECT_EQ(d.Read().status, 200);
}

// ---- Body limits ----

TEST_F(HttpLimitsTest, BodyOverTheLimitIs413WithoutReadingTheRest) {
  StartServer();
  Client c(port_);
  // 100 MiB announced, 1 KiB sent: the answer comes without the rest.
  ASSERT_TRUE(
      c.Send(Head("Content-Length: 104857600\r\n") + std::string(1024, ' ')));
  Answer a = c.Read();
  EXPECT_THAT(a, IsErrorAnswer(413, HasSubstr("1048576")));
  EXPECT_EQ(a.Header("connection"), "close");
  EXPECT_TRUE(c.ClosedByServer(std::chrono::seconds(10)));
}

TEST_F(HttpLimitsTest, RefusedRequestsBodyIsNotRead) {
  StartServer();
  Client c(port_);
  // No token: 401 at once, though 100 MiB are announced and none sent.
  ASSERT_TRUE(
      c.Send("POST /api/public/getSessions HTTP/1.1\r\nHost: x\r\n"
             "Content-Length: 104857600\r\n\r\n"));
  Answer a = c.Read();
  EXPECT_THAT(a, IsErrorAnswer(401, HasSubstr("token")));
  EXPECT_EQ(a.Header("connection"), "close");
}

TEST_F(HttpLimitsTest, ChunkedBodyOverTheLimitIs413) {
  options_.body_limits.query_bytes = 1000;
  StartServer();
  Client c(port_);
  std::string chunks;
  for (int i = 0; i < 20; ++i)
    chunks += "64\r\n" + std::string(100, ' ') + "\r\n";
  c.Send(Head("Transfer-Encoding: chunked\r\n") + chunks + "0\r\n\r\n");
  Answer a = c.Read();
  EXPECT_THAT(a, IsErrorAnswer(413, HasSubstr("1000")));
  EXPECT_EQ(a.Header("connection"), "close");
}

TEST_F(HttpLimitsTest, ChunkedBodyWithinTheLimitIsRead) {
  options_.body_limits.query_bytes = 1000;
  StartServer();
  Client c(port_);
  ASSERT_TRUE(c.Send(Head("Transfer-Encoding: chunked\r\n") +
                     "1\r\n{\r\n1\r\n}\r\n0\r\n\r\n"));
  EXPECT_EQ(c.Read().status, 200);
}

TEST_F(HttpLimitsTest, OversizedChunkExtensionIs400NotAHeaderError) {
  StartServer();
  Client c(port_);
  // Beast bounds no chunk extension: the connection's buffer does, and what
  // overflows it is the body's framing, not the request header.
  c.Send(Head("Transfer-Encoding: chunked\r\n") + "1;" +
         std::string(200 * 1024, 'x'));
  EXPECT_THAT(c.Read(), IsErrorAnswer(400, HasSubstr("chunk")));
}

TEST_F(HttpLimitsTest, ExpectContinueIsAnsweredOnlyAfterAdmission) {
  StartServer();
  Client c(port_);
  ASSERT_TRUE(c.Send(Head("Expect: 100-continue\r\nContent-Length: 2\r\n")));
  EXPECT_EQ(c.Read().status, 100);
  ASSERT_TRUE(c.Send("{}"));
  EXPECT_EQ(c.Read().status, 200);
  // A refused request gets its final answer instead of 100 Continue.
  Client d(port_);
  ASSERT_TRUE(
      d.Send("POST /api/public/getSessions HTTP/1.1\r\nHost: x\r\n"
             "Expect: 100-continue\r\nContent-Length: 2\r\n\r\n"));
  EXPECT_THAT(d.Read(), IsErrorAnswer(401, HasSubstr("token")));
}

// ---- Connection cap ----

TEST_F(HttpLimitsTest, ConnectionsBeyondTheCapGet503AndAreClosed) {
  options_.max_connections = 4;
  options_.keep_alive_timeout = absl::Seconds(60);
  options_.header_timeout = absl::Seconds(60);
  StartServer();
  std::vector<std::unique_ptr<Client>> open;
  for (int i = 0; i < 4; ++i) {
    open.push_back(std::make_unique<Client>(port_));
    ASSERT_TRUE(open.back()->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_EQ(open.back()->Read().status, 200);
  }
  Client over(port_);
  ASSERT_TRUE(over.connected());
  Answer a = over.Read();
  EXPECT_THAT(a, IsErrorAnswer(503, HasSubstr("4 connections")));
  EXPECT_EQ(a.Header("connection"), "close");
  EXPECT_EQ(a.Header("retry-after"), "1");
  EXPECT_TRUE(over.ClosedByServer(std::chrono::seconds(10)));
  // Once one leaves, a new connection is served.
  open.pop_back();
  int status = 0;
  for (int attempt = 0; attempt < 100 && status != 200; ++attempt) {
    Client next(port_);
    next.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    status = next.Read().status;
    if (status != 200) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  EXPECT_EQ(status, 200);
}

}  // namespace
}  // namespace sessiondb
