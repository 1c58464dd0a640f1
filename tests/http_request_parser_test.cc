// HttpRequestParser and ParseRequestHead: what the transport answers from a
// request header alone (SPEC §5), without a socket.
#include "server/http_request_parser.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/request_target.h"

namespace sessiondb {
namespace {

using ::testing::HasSubstr;

HeadParse Parse(const std::string& bytes, HeaderLimits limits = {}) {
  return ParseRequestHead(bytes, limits);
}

TEST(HttpRequestParserTest, KeepsTheFieldsTheEndpointReads) {
  HeadParse p = Parse(
      "POST /api/public/bot/st%2Dx/getSessions?containmentType=agent&a=b+c "
      "HTTP/1.1\r\nHost: x\r\nAUTH: tok\r\nAuthorization: Bearer y\r\n"
      "Content-Length: 2\r\nExpect: 100-continue\r\n\r\n{}");
  ASSERT_FALSE(p.refusal.has_value()) << p.refusal->message;
  ASSERT_TRUE(p.complete);
  EXPECT_EQ(p.head.method, "POST");
  EXPECT_EQ(p.head.path, "/api/public/bot/st-x/getSessions");
  EXPECT_EQ(p.head.params.find("containmentType")->second, "agent");
  EXPECT_EQ(p.head.params.find("a")->second, "b c");
  EXPECT_EQ(p.head.auth, "tok");
  EXPECT_EQ(p.head.authorization, "Bearer y");
  EXPECT_EQ(p.head.content_length, 2u);
  EXPECT_TRUE(p.head.expect_continue);
  EXPECT_TRUE(p.head.HasBody());
  EXPECT_EQ(p.head.lines, 5u);
}

TEST(HttpRequestParserTest, IncompleteHeaderIsNeitherCompleteNorRefused) {
  HeadParse p = Parse("GET /healthz HTTP/1.1\r\nHost: x\r\n");
  EXPECT_FALSE(p.complete);
  EXPECT_FALSE(p.refusal.has_value());
}

TEST(HttpRequestParserTest, TooManyLinesIs431) {
  std::string bytes = "GET /healthz HTTP/1.1\r\n";
  for (int i = 0; i < 101; ++i) absl::StrAppend(&bytes, "x", i, ": y\r\n");
  HeadParse p = Parse(bytes + "\r\n");
  ASSERT_TRUE(p.refusal.has_value());
  EXPECT_EQ(p.refusal->status, 431);
  EXPECT_THAT(p.refusal->message, HasSubstr("100 lines"));
  EXPECT_EQ(p.head.lines, 101u) << "stops at the first line over";
}

TEST(HttpRequestParserTest, OneHundredLinesAreFine) {
  std::string bytes = "GET /healthz HTTP/1.1\r\n";
  for (int i = 0; i < 100; ++i) absl::StrAppend(&bytes, "x", i, ": y\r\n");
  HeadParse p = Parse(bytes + "\r\n");
  EXPECT_FALSE(p.refusal.has_value());
  EXPECT_TRUE(p.complete);
}

TEST(HttpRequestParserTest, TooManyBytesIs431) {
  const std::string bytes = absl::StrCat(
      "GET /healthz HTTP/1.1\r\nx: ", std::string(65 << 10, 'a'), "\r\n");
  HeadParse p = Parse(bytes);
  ASSERT_TRUE(p.refusal.has_value());
  EXPECT_EQ(p.refusal->status, 431);
  EXPECT_THAT(p.refusal->message, HasSubstr("65536 bytes"));
}

// Beast bounds the request line and the fields each by its header_limit;
// the parser bounds them together.
TEST(HttpRequestParserTest, RequestLineCountsTowardsTheHeaderBytes) {
  HeaderLimits limits;
  limits.max_bytes = 200;
  const std::string line =
      absl::StrCat("GET /", std::string(150, 'a'), " HTTP/1.1\r\n");
  HeadParse p = Parse(
      absl::StrCat(line, "x: ", std::string(100, 'b'), "\r\n\r\n"), limits);
  ASSERT_TRUE(p.refusal.has_value());
  EXPECT_EQ(p.refusal->status, 431);
  p = Parse(absl::StrCat(line, "x: b\r\n\r\n"), limits);
  EXPECT_FALSE(p.refusal.has_value());
  EXPECT_TRUE(p.complete);
  EXPECT_LE(p.header_bytes, 200u);
}

TEST(HttpRequestParserTest, ContentLengthWithTransferEncodingIs400) {
  for (const char* fields :
       {"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"}) {
    SCOPED_TRACE(fields);
    HeadParse p = Parse(absl::StrCat(
        "POST /api/public/getSessions HTTP/1.1\r\n", fields, "\r\n"));
    ASSERT_TRUE(p.refusal.has_value());
    EXPECT_EQ(p.refusal->status, 400);
    EXPECT_THAT(p.refusal->message,
                HasSubstr("Content-Length together with Transfer-Encoding"));
  }
}

TEST(HttpRequestParserTest, TransferEncodingOtherThanChunkedIs400) {
  for (const char* te :
       {"gzip", "gzip, chunked", "chunked, gzip", "identity"}) {
    SCOPED_TRACE(te);
    HeadParse p = Parse(absl::StrCat(
        "POST /api/public/getSessions HTTP/1.1\r\nTransfer-Encoding: ", te,
        "\r\n\r\n"));
    ASSERT_TRUE(p.refusal.has_value());
    EXPECT_EQ(p.refusal->status, 400);
  }
}

TEST(HttpRequestParserTest, ContentEncodingIs415AfterAdmission) {
  HeadParse p = Parse(
      "POST /x HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: "
      "3\r\n\r\n");
  ASSERT_FALSE(p.refusal.has_value());
  std::optional<HttpRefusal> r = CheckBodyHeaders(p.head, 100);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 415);
  p = Parse(
      "POST /x HTTP/1.1\r\nContent-Encoding: identity\r\nContent-Length: "
      "3\r\n\r\n");
  EXPECT_FALSE(CheckBodyHeaders(p.head, 100).has_value());
}

TEST(HttpRequestParserTest, DeclaredBodyOverTheLimitIs413) {
  HeadParse p = Parse("POST /x HTTP/1.1\r\nContent-Length: 101\r\n\r\n");
  ASSERT_FALSE(p.refusal.has_value());
  EXPECT_EQ(CheckBodyHeaders(p.head, 100)->status, 413);
  EXPECT_FALSE(CheckBodyHeaders(p.head, 101).has_value());
}

TEST(HttpRequestParserTest, ChunkedBodyOverTheLimitIs413) {
  HttpRequestParser parser{HeaderLimits()};
  parser.eager(false);
  const std::string header =
      "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  boost::beast::error_code ec;
  size_t used = parser.Put(boost::asio::buffer(header), ec);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_EQ(used, header.size());
  ASSERT_TRUE(parser.is_header_done());
  parser.SetBodyLimit(10);
  const std::string chunks = "6\r\nabcdef\r\n6\r\nghijkl\r\n0\r\n\r\n";
  std::string_view rest = chunks;
  while (!ec && !rest.empty()) {
    used = parser.Put(boost::asio::buffer(rest.data(), rest.size()), ec);
    rest.remove_prefix(used);
    if (used == 0) break;
  }
  ASSERT_TRUE(ec);
  EXPECT_EQ(parser.RefusalFor(ec).status, 413);
}

// Found by fuzz_http_head: trailer fields went through the header's checks
// (and could have replaced the admitted token).
TEST(HttpRequestParserTest, TrailerFieldsChangeNothingAndAreBounded) {
  HeaderLimits limits;
  limits.max_lines = 3;
  HttpRequestParser parser(limits);
  parser.eager(false);
  const std::string header =
      "POST /x HTTP/1.1\r\nauth: a\r\nTransfer-Encoding: chunked\r\n\r\n";
  boost::beast::error_code ec;
  ASSERT_EQ(parser.Put(boost::asio::buffer(header), ec), header.size());
  ASSERT_TRUE(parser.is_header_done());
  parser.SetBodyLimit(100);
  std::string body = "1\r\nx\r\n0\r\nauth: b\r\nContent-Encoding: gzip\r\n\r\n";
  std::string_view rest = body;
  while (!ec && !rest.empty() && !parser.is_done()) {
    const size_t used =
        parser.Put(boost::asio::buffer(rest.data(), rest.size()), ec);
    rest.remove_prefix(used);
    if (used == 0) break;
  }
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(parser.head().auth, "a");
  EXPECT_FALSE(parser.head().content_encoding.has_value());
  EXPECT_EQ(parser.body(), "x");

  HttpRequestParser many(limits);
  many.eager(false);
  ec = {};
  ASSERT_EQ(many.Put(boost::asio::buffer(header), ec), header.size());
  many.SetBodyLimit(100);
  body = "0\r\na: 1\r\nb: 2\r\nc: 3\r\nd: 4\r\n\r\n";
  many.Put(boost::asio::buffer(body), ec);
  ASSERT_TRUE(ec);
  EXPECT_EQ(many.RefusalFor(ec).status, 400);
}

TEST(HttpRequestParserTest, UnknownMethodAndBadTargetAre400) {
  for (const char* line : {"BREW / HTTP/1.1", "GET http://x/ HTTP/1.1",
                           "GET / HTTP/2.0", "GET /"}) {
    SCOPED_TRACE(line);
    HeadParse p = Parse(absl::StrCat(line, "\r\n\r\n"));
    ASSERT_TRUE(p.refusal.has_value());
    EXPECT_EQ(p.refusal->status, 400);
  }
}

TEST(RequestTargetTest, SplitsAndDecodes) {
  RequestTarget t = SplitTarget("/a%20b+c?x=1%2B2&y&=z&w=a+b&bad=%zz");
  EXPECT_EQ(t.path, "/a b+c");
  EXPECT_EQ(t.params.find("x")->second, "1+2");
  EXPECT_EQ(t.params.find("y")->second, "");
  EXPECT_EQ(t.params.count(""), 0u);
  EXPECT_EQ(t.params.find("w")->second, "a b");
  EXPECT_EQ(t.params.find("bad")->second, "%zz");
  EXPECT_EQ(PercentDecode("%4", false), "%4");
}

}  // namespace
}  // namespace sessiondb
