// HttpRequestParser reads one HTTP/1.1 request from bytes with Beast's
// incremental parser, keeps only what the endpoint needs (not every header
// field), and turns each way a request can break SPEC §5's transport limits
// into an HTTP refusal in the API's error shape:
//   header over HeaderLimits::max_bytes or max_lines  -> 431
//   Content-Length with Transfer-Encoding, a Transfer-Encoding other than
//   "chunked", a malformed request line, field or framing -> 400
//   (after the route admitted it, CheckBodyHeaders)
//   Content-Encoding other than identity              -> 415
//   body over the route's limit (declared or chunked) -> 413
//
// Example (the connection loop, simplified):
//   HttpRequestParser parser(limits);
//   size_t used = parser.Put(buffer, ec);
//   if (ec && ec != http::error::need_more) answer(parser.RefusalFor(ec));
//   if (parser.is_header_done()) ... Admit(parser.head().View()) ...
#ifndef SESSIONDB_SERVER_HTTP_REQUEST_PARSER_H_
#define SESSIONDB_SERVER_HTTP_REQUEST_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "boost/beast/core/string_type.hpp"
#include "boost/beast/http/basic_parser.hpp"
#include "server/header_limits.h"
#include "server/route_handler.h"

namespace sessiondb {

// HttpRefusal is an answer the transport gives without the route handler.
struct HttpRefusal {
  int status = 400;
  std::string message;
};

// ParsedHead is the request line and the header fields the endpoint reads.
struct ParsedHead {
  std::string method;
  std::string target;  // as sent
  std::string path;    // percent-decoded, no query string
  QueryParams params;
  int version = 11;  // 10 or 11
  std::optional<std::string> auth;
  std::optional<std::string> authorization;
  std::optional<std::string> content_encoding;  // first one not identity
  std::optional<uint64_t> content_length;
  bool chunked = false;
  bool expect_continue = false;  // Expect: 100-continue
  size_t lines = 0;              // header field lines seen

  // HasBody: the request declares a body (Content-Length > 0 or chunked).
  bool HasBody() const {
    return chunked || (content_length.has_value() && *content_length > 0);
  }
  // View is what RouteHandler::Admit reads; it points into this head.
  RequestHead View() const;
};

class HttpRequestParser final
    : public boost::beast::http::basic_parser</*isRequest=*/true> {
 public:
  explicit HttpRequestParser(const HeaderLimits& limits);

  // Put feeds bytes as Beast's put does, and also refuses (431) a header
  // whose request line and fields together exceed max_bytes (Beast's own
  // header_limit bounds each of the two separately). Use it, not put.
  size_t Put(boost::asio::const_buffer bytes, boost::beast::error_code& ec);

  // The request line and fields; complete once is_header_done().
  const ParsedHead& head() const { return head_; }

  // RefusalFor is the answer to a request whose parse failed with `ec`.
  HttpRefusal RefusalFor(boost::beast::error_code ec) const;

  // SetBodyLimit caps the body (Content-Length or the sum of the chunks);
  // call it after the header, before the body is parsed.
  void SetBodyLimit(size_t limit);

  // The body received so far; complete once is_done().
  std::string& body() { return body_; }

 private:
  void on_request_impl(boost::beast::http::verb method,
                       boost::beast::string_view method_str,
                       boost::beast::string_view target, int version,
                       boost::beast::error_code& ec) override;
  void on_response_impl(int, boost::beast::string_view, int,
                        boost::beast::error_code& ec) override;
  void on_field_impl(boost::beast::http::field name,
                     boost::beast::string_view name_str,
                     boost::beast::string_view value,
                     boost::beast::error_code& ec) override;
  void on_header_impl(boost::beast::error_code& ec) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         boost::beast::error_code& ec) override;
  size_t on_body_impl(boost::beast::string_view body,
                      boost::beast::error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t size,
                            boost::beast::string_view extensions,
                            boost::beast::error_code& ec) override;
  size_t on_chunk_body_impl(std::uint64_t remain,
                            boost::beast::string_view body,
                            boost::beast::error_code& ec) override;
  void on_finish_impl(boost::beast::error_code& ec) override;

  size_t AppendBody(std::string_view data, boost::beast::error_code& ec);
  void Refuse(int status, std::string message, boost::beast::error_code& ec);

  const HeaderLimits limits_;
  ParsedHead head_;
  std::optional<HttpRefusal> refusal_;  // set by the hooks, wins over ec
  bool saw_content_length_ = false;
  size_t trailer_lines_ = 0;
  size_t header_bytes_ = 0;  // consumed by Put while the header was parsed
  size_t body_limit_ = 0;
  std::string body_;
};

// CheckBodyHeaders decides what needs the admitted route's body limit:
// 415 for a Content-Encoding, 413 for a Content-Length over `body_limit`.
std::optional<HttpRefusal> CheckBodyHeaders(const ParsedHead& head,
                                            size_t body_limit);

// HeadParse is ParseRequestHead's outcome: the head, or the refusal.
struct HeadParse {
  bool complete = false;  // the header ended within the bytes
  std::optional<HttpRefusal> refusal;
  ParsedHead head;
  size_t header_bytes = 0;  // bytes the header took
};

// ParseRequestHead parses the header at the front of `bytes` as the server
// does (the fuzz target and the unit tests call it).
HeadParse ParseRequestHead(std::string_view bytes, const HeaderLimits& limits);

}  // namespace sessiondb

#endif  // SESSIONDB_SERVER_HTTP_REQUEST_PARSER_H_
