// ClickHouseHttp: a small synchronous client of ClickHouse's HTTP interface
// (https://clickhouse.com/docs/en/interfaces/http), on Boost.Beast.
//
// A statement is POSTed as the request body (Query), or, for an INSERT, the
// statement goes in the `query=` URL parameter and the rows are the body
// (Insert). One keep-alive connection is reused across requests.
//
// Example:
//   SESSIONDB_ASSIGN_OR_RETURN(std::unique_ptr<ClickHouseHttp> ch,
//                              ClickHouseHttp::Connect("http://127.0.0.1:8123"));
//   SESSIONDB_ASSIGN_OR_RETURN(std::string tsv, ch->Query("SELECT version()"));
//   SESSIONDB_RETURN_IF_ERROR(ch->Insert(
//       "INSERT INTO db.t FORMAT RowBinary", rows, {{"database", "db"}}));
#ifndef SESSIONDB_BACKENDS_CLICKHOUSE_CLICKHOUSE_HTTP_H_
#define SESSIONDB_BACKENDS_CLICKHOUSE_CLICKHOUSE_HTTP_H_

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sessiondb {

// ClickHouseSettings are per-request settings sent as URL parameters, e.g.
// {"database", "sessiondb"} or {"max_threads", "2"}, in order.
using ClickHouseSettings = std::vector<std::pair<std::string, std::string>>;

struct ClickHouseHttpOptions {
  // How long one request may take, from connecting to the last byte of the
  // answer; past it the request fails with DeadlineExceeded and the
  // connection is closed. Default: 300 s.
  std::chrono::milliseconds timeout{300'000};
};

// Thread-compatible: one client per thread (the connection is its state);
// distinct clients may run in parallel.
class ClickHouseHttp {
 public:
  // Connect parses `url` (http://host[:port], port 8123 when absent, an
  // optional trailing '/') and opens a connection. InvalidArgument naming
  // the URL for any other form (https, a path, a query string, no host);
  // Unavailable naming the URL when the host cannot be resolved or does
  // not accept the connection.
  static absl::StatusOr<std::unique_ptr<ClickHouseHttp>> Connect(
      std::string_view url, const ClickHouseHttpOptions& options = {});

  ~ClickHouseHttp();
  ClickHouseHttp(const ClickHouseHttp&) = delete;
  ClickHouseHttp& operator=(const ClickHouseHttp&) = delete;

  // Query sends `sql` and returns the answer's body (in the statement's
  // FORMAT; TabSeparated when it names none). Errors, each naming the URL:
  // Unavailable when the server cannot be reached or drops the connection
  // (a keep-alive connection the server closed while idle is reopened and
  // the request sent once more); DeadlineExceeded past the timeout;
  // NotFound (HTTP 404: no such table or database), InvalidArgument (other
  // 4xx: a malformed statement) or Internal (any other non-200) with the
  // first line of ClickHouse's own message, trimmed. A statement that fails
  // after ClickHouse began streaming a 200 answer is only detected with
  // the setting wait_end_of_query=1.
  absl::StatusOr<std::string> Query(std::string_view sql,
                                    const ClickHouseSettings& settings = {});

  // Insert sends `insert_statement` (e.g. "INSERT INTO db.t FORMAT
  // RowBinary") URL-encoded in the query parameter and `data` as the body,
  // without copying it. Errors as Query's. An insert whose connection drops
  // before the answer may be resent once: callers write idempotently
  // (ReplacingMergeTree rows with versions).
  absl::Status Insert(std::string_view insert_statement, std::string_view data,
                      const ClickHouseSettings& settings = {});

  // url is the endpoint as given to Connect, for messages.
  const std::string& url() const { return url_; }

 private:
  class Connection;
  ClickHouseHttp(std::string url, std::unique_ptr<Connection> connection);

  // Send POSTs `body` to `target` and returns the answer's body, reopening a
  // dropped keep-alive connection once.
  absl::StatusOr<std::string> Send(const std::string& target,
                                   std::string_view body);

  const std::string url_;
  std::unique_ptr<Connection> connection_;
};

// UrlEncode percent-encodes every byte of `text` but RFC 3986's unreserved
// ones (A-Z a-z 0-9 - . _ ~), as a URL parameter's value needs.
std::string UrlEncode(std::string_view text);

}  // namespace sessiondb

#endif  // SESSIONDB_BACKENDS_CLICKHOUSE_CLICKHOUSE_HTTP_H_
