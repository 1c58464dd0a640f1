// Fuzz target: the HTTP request path of `sessiondb serve` before the route
// handler — HttpRequestParser over raw bytes (request line, header fields,
// Content-Length / chunked body), the header limits and CheckBodyHeaders.
// Input: byte 0 picks the limits (header lines 1-113, header bytes 64 B to
// 8 KiB, body 0-7,905 bytes); the rest is what a client sends.
// Properties: every refusal is 400, 413 or 431 from the parser and 413 or
// 415 from CheckBodyHeaders, with a message; an accepted header took at most
// max_bytes and max_lines, named a path that starts with '/', and a body
// never grows past its limit.
#include <cstdint>
#include <optional>
#include <string_view>

#include "boost/beast/http/error.hpp"
#include "fuzz_input.h"
#include "server/http_request_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace http = boost::beast::http;
  sessiondb::fuzz::FuzzInput in(data, size);
  const uint8_t pick = in.Byte();
  sessiondb::HeaderLimits limits;
  limits.max_lines = 1 + (pick & 7) * 16;
  limits.max_bytes = size_t{64} << ((pick >> 3) & 7);
  const size_t body_limit = static_cast<size_t>(pick >> 6) * 2635;
  const std::string_view bytes = in.Rest();

  sessiondb::HeadParse parse = sessiondb::ParseRequestHead(bytes, limits);
  if (parse.refusal.has_value()) {
    FUZZ_CHECK(parse.refusal->status == 400 || parse.refusal->status == 431);
    FUZZ_CHECK(!parse.refusal->message.empty());
    return 0;
  }
  if (!parse.complete) return 0;
  FUZZ_CHECK(parse.header_bytes <= bytes.size());
  FUZZ_CHECK(parse.header_bytes <= limits.max_bytes);
  FUZZ_CHECK(parse.head.lines <= limits.max_lines);
  FUZZ_CHECK(!parse.head.path.empty() && parse.head.path[0] == '/');
  FUZZ_CHECK(!(parse.head.chunked && parse.head.content_length.has_value()));
  if (std::optional<sessiondb::HttpRefusal> r =
          sessiondb::CheckBodyHeaders(parse.head, body_limit)) {
    FUZZ_CHECK(r->status == 413 || r->status == 415);
    return 0;
  }

  // The body, fed as the connection feeds it: in pieces of any size.
  sessiondb::HttpRequestParser parser(limits);
  parser.eager(false);
  boost::beast::error_code ec;
  std::string_view rest = bytes;
  while (!parser.is_header_done() && !ec) {
    const size_t used =
        parser.Put(boost::asio::const_buffer(rest.data(), rest.size()), ec);
    rest.remove_prefix(used);
    if (used == 0) break;
  }
  FUZZ_CHECK(!ec && parser.is_header_done());
  parser.SetBodyLimit(body_limit);
  size_t piece = 1 + (pick % 13);
  while (!parser.is_done() && !rest.empty()) {
    const size_t n = piece < rest.size() ? piece : rest.size();
    const size_t used =
        parser.Put(boost::asio::const_buffer(rest.data(), n), ec);
    rest.remove_prefix(used);
    if (ec == http::error::need_more) ec = {};
    if (ec) {
      const sessiondb::HttpRefusal r = parser.RefusalFor(ec);
      FUZZ_CHECK(r.status == 400 || r.status == 413);
      FUZZ_CHECK(!r.message.empty());
      break;
    }
    if (used == 0) {  // a chunk header longer than the piece: give more
      if (n == rest.size()) break;
      piece *= 2;
    }
  }
  FUZZ_CHECK(parser.body().size() <= body_limit);
  return 0;
}
