// Requests are written by hand (a POST needs four header lines) so an
// insert's body goes out from the caller's buffer without a copy; answers
// are parsed by Beast (chunked or not). Every socket operation is
// asynchronous under a deadline (beast::tcp_stream::expires_after) and
// driven to completion on the client's own io_context, which is how Beast
// gives a synchronous caller a timeout.
#include "backends/clickhouse/clickhouse_http.h"

#include <array>
#include <cstdint>
#include <limits>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "base/absl_compat.h"
#include "boost/asio/buffer.hpp"
#include "boost/asio/connect.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core/error.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/core/tcp_stream.hpp"
#include "boost/beast/http/error.hpp"
#include "boost/beast/http/parser.hpp"
#include "boost/beast/http/read.hpp"
#include "boost/beast/http/string_body.hpp"

namespace sessiondb {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr absl::string_view kDefaultPort = "8123";

struct ParsedUrl {
  std::string host;
  std::string port;
};

std::optional<ParsedUrl> ParseUrl(std::string_view url_text) {
  absl::string_view url = AsAbsl(url_text);
  if (!absl::ConsumePrefix(&url, "http://")) return std::nullopt;
  absl::ConsumeSuffix(&url, "/");
  if (url.empty() || url.find_first_of("/?#@ ") != absl::string_view::npos) {
    return std::nullopt;
  }
  ParsedUrl parsed;
  absl::string_view port;
  if (url.front() == '[') {  // [IPv6]:port
    const size_t close = url.find(']');
    if (close == absl::string_view::npos) return std::nullopt;
    parsed.host = std::string(url.substr(1, close - 1));
    absl::string_view rest = url.substr(close + 1);
    if (!rest.empty() && !absl::ConsumePrefix(&rest, ":")) return std::nullopt;
    port = rest;
  } else {
    const size_t colon = url.find(':');
    parsed.host = std::string(url.substr(0, colon));
    if (colon != absl::string_view::npos) port = url.substr(colon + 1);
    if (colon != absl::string_view::npos && port.empty()) return std::nullopt;
  }
  if (parsed.host.empty()) return std::nullopt;
  if (port.empty()) port = kDefaultPort;
  uint32_t number = 0;
  if (!absl::SimpleAtoi(port, &number) || number == 0 || number > 65535 ||
      !absl::ascii_isdigit(static_cast<unsigned char>(port.front()))) {
    return std::nullopt;
  }
  parsed.port = std::string(port);
  return parsed;
}

// FirstLine is ClickHouse's error message as one trimmed line (its answers
// end with a newline and sometimes add a stack trace below).
std::string FirstLine(std::string_view text) {
  absl::string_view body = absl::StripAsciiWhitespace(AsAbsl(text));
  return std::string(
      absl::StripAsciiWhitespace(body.substr(0, body.find('\n'))));
}

// Dropped: the error a request on a connection the server closed meanwhile
// (keep-alive timeout, restart) ends with.
bool Dropped(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == http::error::partial_message ||
         ec == asio::error::connection_aborted;
}

}  // namespace

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3 / 2);
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// Connection: the socket, its deadline and the buffer answers are read into.
class ClickHouseHttp::Connection {
 public:
  Connection(ParsedUrl url, const ClickHouseHttpOptions& options)
      : url_(std::move(url)), options_(options), stream_(io_) {}

  bool open() const { return open_; }
  const ParsedUrl& parsed() const { return url_; }

  // Open resolves and connects (a fresh resolve each time: a restarted
  // server may have moved).
  beast::error_code Open() {
    Close();
    beast::error_code ec;
    tcp::resolver resolver(io_);
    const tcp::resolver::results_type endpoints =
        resolver.resolve(url_.host, url_.port, ec);
    if (ec) return ec;
    stream_.expires_after(options_.timeout);
    stream_.async_connect(endpoints, [&ec](const beast::error_code& e,
                                           const tcp::endpoint&) { ec = e; });
    Run();
    if (ec) return ec;
    stream_.socket().set_option(tcp::no_delay(true), ec);
    open_ = true;
    buffer_.clear();
    return {};
  }

  void Close() {
    if (!open_) return;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
    open_ = false;
  }

  // Exchange writes one request and reads its answer into `response`.
  beast::error_code Exchange(const std::string& head, std::string_view body,
                             http::response<http::string_body>* response) {
    beast::error_code ec;
    stream_.expires_after(options_.timeout);
    const std::array<asio::const_buffer, 2> buffers = {
        asio::buffer(head), asio::buffer(body.data(), body.size())};
    asio::async_write(stream_, buffers,
                      [&ec](const beast::error_code& e, size_t) { ec = e; });
    Run();
    if (ec) return ec;
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    parser.header_limit(64 * 1024);
    http::async_read(stream_, buffer_, parser,
                     [&ec](const beast::error_code& e, size_t) { ec = e; });
    Run();
    if (ec) return ec;
    *response = parser.release();
    return {};
  }

 private:
  void Run() {
    io_.restart();
    io_.run();
  }

  const ParsedUrl url_;
  const ClickHouseHttpOptions options_;
  asio::io_context io_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  bool open_ = false;
};

absl::StatusOr<std::unique_ptr<ClickHouseHttp>> ClickHouseHttp::Connect(
    std::string_view url, const ClickHouseHttpOptions& options) {
  std::optional<ParsedUrl> parsed = ParseUrl(url);
  if (!parsed.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("clickhouse URL \"", AsAbsl(url),
                     "\": expected http://host:port (HTTP interface)"));
  }
  auto connection = std::make_unique<Connection>(*std::move(parsed), options);
  if (beast::error_code ec = connection->Open()) {
    return absl::UnavailableError(absl::StrCat(
        "clickhouse ", AsAbsl(url), ": cannot connect: ", ec.message()));
  }
  return std::unique_ptr<ClickHouseHttp>(
      new ClickHouseHttp(std::string(url), std::move(connection)));
}

ClickHouseHttp::ClickHouseHttp(std::string url,
                               std::unique_ptr<Connection> connection)
    : url_(std::move(url)), connection_(std::move(connection)) {}

ClickHouseHttp::~ClickHouseHttp() = default;

absl::StatusOr<std::string> ClickHouseHttp::Send(const std::string& target,
                                                 std::string_view body) {
  const std::string head = absl::StrCat(
      "POST ", target, " HTTP/1.1\r\nHost: ", connection_->parsed().host, ":",
      connection_->parsed().port, "\r\nContent-Length: ", body.size(),
      "\r\nConnection: keep-alive\r\n\r\n");
  for (int attempt = 0;; ++attempt) {
    const bool reused = connection_->open();
    if (!reused) {
      if (beast::error_code ec = connection_->Open()) {
        return absl::UnavailableError(absl::StrCat(
            "clickhouse ", url_, ": cannot connect: ", ec.message()));
      }
    }
    http::response<http::string_body> response;
    beast::error_code ec = connection_->Exchange(head, body, &response);
    if (ec) {
      connection_->Close();
      if (reused && attempt == 0 && Dropped(ec)) continue;
      if (ec == beast::error::timeout) {
        return absl::DeadlineExceededError(
            absl::StrCat("clickhouse ", url_, ": no answer in time"));
      }
      return absl::UnavailableError(
          absl::StrCat("clickhouse ", url_, ": ", ec.message()));
    }
    if (!response.keep_alive()) connection_->Close();
    const unsigned status = response.result_int();
    if (status == 200) return std::move(response.body());
    std::string message = FirstLine(response.body());
    if (message.empty()) message = absl::StrCat("HTTP ", status);
    message = absl::StrCat("clickhouse ", url_, ": ", message);
    if (status == 404) return absl::NotFoundError(message);  // no table
    if (status >= 400 && status < 500) {
      return absl::InvalidArgumentError(message);
    }
    return absl::InternalError(message);
  }
}

namespace {

std::string Target(const ClickHouseSettings& settings, std::string_view query) {
  std::string target = "/";
  char separator = '?';
  if (!query.empty()) {
    absl::StrAppend(&target, "?query=", UrlEncode(query));
    separator = '&';
  }
  for (const auto& [name, value] : settings) {
    target.push_back(separator);
    absl::StrAppend(&target, UrlEncode(name), "=", UrlEncode(value));
    separator = '&';
  }
  return target;
}

}  // namespace

absl::StatusOr<std::string> ClickHouseHttp::Query(
    std::string_view sql, const ClickHouseSettings& settings) {
  return Send(Target(settings, ""), sql);
}

absl::Status ClickHouseHttp::Insert(std::string_view insert_statement,
                                    std::string_view data,
                                    const ClickHouseSettings& settings) {
  return Send(Target(settings, insert_statement), data).status();
}

}  // namespace sessiondb
