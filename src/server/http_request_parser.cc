#include "server/http_request_parser.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/absl_compat.h"
#include "boost/beast/http/error.hpp"
#include "server/request_target.h"

namespace sessiondb {
namespace http = boost::beast::http;
namespace {

std::string_view Std(boost::beast::string_view s) {
  return std::string_view(s.data(), s.size());
}

std::string_view Trim(std::string_view s) {
  absl::string_view t = absl::StripAsciiWhitespace(AsAbsl(s));
  return std::string_view(t.data(), t.size());
}

bool IEquals(std::string_view a, std::string_view b) {
  return absl::EqualsIgnoreCase(AsAbsl(a), AsAbsl(b));
}

// The methods a request line may name (cpp-httplib's list, which the
// endpoint kept): others are malformed (400) rather than 404/405.
bool IsKnownMethod(std::string_view m) {
  for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "DELETE",
                                 "CONNECT", "OPTIONS", "TRACE", "PATCH"}) {
    if (m == known) return true;
  }
  return false;
}

}  // namespace

RequestHead ParsedHead::View() const {
  RequestHead view{method, path, std::nullopt, std::nullopt};
  if (auth.has_value()) view.auth = *auth;
  if (authorization.has_value()) view.authorization = *authorization;
  return view;
}

HttpRequestParser::HttpRequestParser(const HeaderLimits& limits)
    : limits_(limits) {
  header_limit(static_cast<std::uint32_t>(
      std::min<size_t>(limits.max_bytes, UINT32_MAX)));
  // No limit while the header is parsed (Beast would refuse a
  // Content-Length over it before the route is known); the body reads
  // nothing until SetBodyLimit.
  body_limit(boost::none);
}

size_t HttpRequestParser::Put(boost::asio::const_buffer bytes,
                              boost::beast::error_code& ec) {
  const bool in_header = !is_header_done();
  const size_t used = put(bytes, ec);
  if (!in_header) return used;
  header_bytes_ += used;
  const bool over =
      ec == http::error::need_more
          // Unfinished with max_bytes at hand: it cannot end within them.
          ? header_bytes_ + (bytes.size() - used) >= limits_.max_bytes
          : !ec && header_bytes_ > limits_.max_bytes;
  if (over) {
    ec = {};
    Refuse(431,
           absl::StrCat("request header: larger than ", limits_.max_bytes,
                        " bytes"),
           ec);
  }
  return used;
}

void HttpRequestParser::SetBodyLimit(size_t limit) {
  body_limit_ = limit;
  body_limit(static_cast<std::uint64_t>(limit));
}

void HttpRequestParser::Refuse(int status, std::string message,
                               boost::beast::error_code& ec) {
  if (!refusal_.has_value()) {
    refusal_ = HttpRefusal{status, std::move(message)};
  }
  ec = http::error::bad_field;  // stops the parser; refusal_ says why
}

HttpRefusal HttpRequestParser::RefusalFor(boost::beast::error_code ec) const {
  if (refusal_.has_value()) return *refusal_;
  if (ec == http::error::header_limit) {
    return {431, absl::StrCat("request header: larger than ", limits_.max_bytes,
                              " bytes")};
  }
  if (ec == http::error::body_limit) {
    return {413, absl::StrCat("body: larger than this route's limit of ",
                              body_limit_, " bytes")};
  }
  if (ec == http::error::bad_transfer_encoding ||
      ec == http::error::bad_content_length) {
    // Beast refuses the second of the two framing fields before this
    // parser sees it, so the first one seen tells which pair it was.
    if (saw_content_length_ || head_.chunked) {
      return {400,
              "malformed HTTP request: Content-Length together with "
              "Transfer-Encoding"};
    }
    return {400, ec == http::error::bad_transfer_encoding
                     ? "malformed HTTP request: Transfer-Encoding given twice"
                     : "malformed HTTP request: bad Content-Length"};
  }
  if (ec == http::error::multiple_content_length) {
    return {400, "malformed HTTP request: conflicting Content-Length values"};
  }
  if (ec == http::error::partial_message) {
    return {400, "malformed HTTP request: the body ended early"};
  }
  return {400, absl::StrCat("malformed HTTP request: ", ec.message())};
}

void HttpRequestParser::on_request_impl(http::verb,
                                        boost::beast::string_view method_str,
                                        boost::beast::string_view target,
                                        int version,
                                        boost::beast::error_code& ec) {
  head_.method = std::string(Std(method_str));
  head_.version = version;
  if (!IsKnownMethod(head_.method)) {
    return Refuse(400, "malformed HTTP request: unknown method", ec);
  }
  if (version != 10 && version != 11) {
    return Refuse(400, "malformed HTTP request: HTTP version not supported",
                  ec);
  }
  if (target.empty() || target.front() != '/') {
    return Refuse(400, "malformed HTTP request: the target must be a path", ec);
  }
  head_.target = std::string(Std(target));
  RequestTarget split = SplitTarget(head_.target);
  head_.path = std::move(split.path);
  head_.params = std::move(split.params);
}

void HttpRequestParser::on_response_impl(int, boost::beast::string_view, int,
                                         boost::beast::error_code& ec) {
  ec = http::error::bad_method;  // never called for a request parser
}

void HttpRequestParser::on_field_impl(http::field name,
                                      boost::beast::string_view name_str,
                                      boost::beast::string_view value_str,
                                      boost::beast::error_code& ec) {
  if (is_header_done()) {
    // A field of a chunked body's trailer: the request was admitted on its
    // header, so the trailer changes nothing; it is only bounded.
    if (++trailer_lines_ > limits_.max_lines) {
      return Refuse(
          400,
          absl::StrCat("body: more than ", limits_.max_lines, " trailer lines"),
          ec);
    }
    return;
  }
  if (++head_.lines > limits_.max_lines) {
    return Refuse(
        431,
        absl::StrCat("request header: more than ", limits_.max_lines, " lines"),
        ec);
  }
  const std::string_view value = Trim(Std(value_str));
  switch (name) {
    case http::field::content_length:
      // Beast validated it (digits, one value) before this hook; the value
      // is read once the header is done (on_header_impl).
      saw_content_length_ = true;
      return;
    case http::field::transfer_encoding:
      if (!IEquals(value, "chunked")) {
        return Refuse(400,
                      absl::StrCat("malformed HTTP request: Transfer-Encoding "
                                   "must be chunked, got \"",
                                   AsAbsl(value), "\""),
                      ec);
      }
      head_.chunked = true;
      return;
    case http::field::content_encoding:
      if (!head_.content_encoding.has_value() && !value.empty() &&
          !IEquals(value, "identity")) {
        head_.content_encoding = std::string(value);
      }
      return;
    case http::field::expect:
      if (IEquals(value, "100-continue")) head_.expect_continue = true;
      return;
    case http::field::authorization:
      if (!head_.authorization.has_value()) {
        head_.authorization = std::string(Std(value_str));
      }
      return;
    default:
      if (!head_.auth.has_value() && IEquals(Std(name_str), "auth")) {
        head_.auth = std::string(Std(value_str));
      }
      return;
  }
}

void HttpRequestParser::on_header_impl(boost::beast::error_code&) {
  if (boost::optional<std::uint64_t> n = content_length()) {
    head_.content_length = *n;
  }
}

void HttpRequestParser::on_body_init_impl(
    const boost::optional<std::uint64_t>& content_length,
    boost::beast::error_code&) {
  if (content_length.has_value()) {
    body_.reserve(static_cast<size_t>(
        std::min<std::uint64_t>(*content_length, body_limit_)));
  }
}

size_t HttpRequestParser::AppendBody(std::string_view data,
                                     boost::beast::error_code& ec) {
  if (data.size() > body_limit_ - std::min(body_limit_, body_.size())) {
    ec = http::error::body_limit;  // Beast checks too; this is the backstop
    return 0;
  }
  body_.append(data);
  return data.size();
}

size_t HttpRequestParser::on_body_impl(boost::beast::string_view body,
                                       boost::beast::error_code& ec) {
  return AppendBody(Std(body), ec);
}

void HttpRequestParser::on_chunk_header_impl(std::uint64_t,
                                             boost::beast::string_view,
                                             boost::beast::error_code&) {}

size_t HttpRequestParser::on_chunk_body_impl(std::uint64_t,
                                             boost::beast::string_view body,
                                             boost::beast::error_code& ec) {
  return AppendBody(Std(body), ec);
}

void HttpRequestParser::on_finish_impl(boost::beast::error_code&) {}

std::optional<HttpRefusal> CheckBodyHeaders(const ParsedHead& head,
                                            size_t body_limit) {
  if (head.content_encoding.has_value()) {
    return HttpRefusal{
        415, absl::StrCat("Content-Encoding: only identity is accepted, got \"",
                          *head.content_encoding, "\"")};
  }
  if (head.content_length.has_value() && *head.content_length > body_limit) {
    return HttpRefusal{413,
                       absl::StrCat("body: larger than this route's limit of ",
                                    body_limit, " bytes")};
  }
  return std::nullopt;
}

HeadParse ParseRequestHead(std::string_view bytes, const HeaderLimits& limits) {
  HeadParse out;
  HttpRequestParser parser(limits);
  parser.eager(false);
  boost::beast::error_code ec;
  size_t used = 0;
  std::string_view rest = bytes;
  // Fed until the header ends or more is needed, as the connection feeds it
  // (Beast consumes the request line on its own when the fields are not
  // all there yet).
  while (!parser.is_header_done() && !ec) {
    const size_t n =
        parser.Put(boost::asio::const_buffer(rest.data(), rest.size()), ec);
    used += n;
    rest.remove_prefix(n);
    if (n == 0) break;
  }
  if (ec == http::error::need_more) {
    // Incomplete within the limit: neither complete nor refused.
  } else if (ec) {
    out.refusal = parser.RefusalFor(ec);
  } else {
    out.complete = parser.is_header_done();
    out.header_bytes = out.complete ? used : 0;
  }
  out.head = parser.head();
  return out;
}

}  // namespace sessiondb
