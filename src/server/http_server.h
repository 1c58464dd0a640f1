// HttpServer: `sessiondb serve` — the getSessions REST API of API.md §5 over
// HTTP/1.1, with JWT auth, keep-alive, a request log line per request, a
// graceful stop and the transport limits of SPEC §5.
//
// Model: Boost.Beast on Asio. `io_threads` threads do all socket I/O
// asynchronously (one strand per connection); a request's store work
// (RouteHandler::Handle) runs on a pool of `threads` workers and its answer is
// posted back to the connection. An idle or slow connection holds a socket,
// a timer and its buffers (at most max_header_bytes plus 16 KiB while a
// header arrives, the body once admitted) — never a worker — so hundreds of
// slow clients do not delay anyone else. The rendered ApiResponse body is
// moved into the response, never copied.
//
// Example:
//   absl::StatusOr<std::unique_ptr<HttpServer>> server =
//       HttpServer::Bind(*store, apps_registry, ServerOptions());
//   if (!server.ok()) return server.status();
//   std::thread stopper([&] { WaitForSignal(); (*server)->Stop(); });
//   absl::Status s = (*server)->Run();  // returns once stopped and drained
#ifndef SESSIONDB_SERVER_HTTP_SERVER_H_
#define SESSIONDB_SERVER_HTTP_SERVER_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/apps_registry.h"
#include "server/header_limits.h"
#include "server/jwt.h"
#include "server/route_handler.h"
#include "sessiondb/store.h"

namespace sessiondb {

struct ServerOptions {
  // ---- Behaviour ----

  // Address to listen on. Default: 127.0.0.1 (loopback only).
  std::string host = "127.0.0.1";
  // Port; 0 picks a free one (see HttpServer::port()). Default: 8080.
  int port = 8080;

  // Request body limits per route; larger bodies are answered 413.
  BodyLimits body_limits;

  // What a token must meet besides its signature: clock-skew leeway and an
  // optional maximum age (`serve --max-token-age`). Default: TokenRules().
  TokenRules token_rules;

  // The clock tokens are checked against (exp, nbf, iat). Tests fix it; the
  // store's own clock (Options::clock) is separate. Default: absl::Now.
  std::function<absl::Time()> token_clock;

  // Receives one line per request: time, method, path, status, latency,
  // response bytes, app. Called from the I/O threads, concurrently when
  // io_threads > 1. Default (empty): the line is written to stderr.
  std::function<void(std::string_view line)> request_log;

  // ---- Limits on what clients send (SPEC §5) ----

  // Request line and header fields: at most 64 KiB and 100 field lines;
  // beyond either the answer is 431 and the connection is closed.
  HeaderLimits header_limits;

  // The whole header must arrive within this long of the connection's
  // accept (or of the end of the previous answer on it): else 408 and the
  // connection is closed. Default: 10 s.
  absl::Duration header_timeout = absl::Seconds(10);

  // A connection waiting for its next request is closed after this long
  // without a byte, or after this many requests (the last answer says
  // Connection: close). Default: 5 s, 100 requests.
  absl::Duration keep_alive_timeout = absl::Seconds(5);
  size_t keep_alive_max_requests = 100;

  // A body, or the sending of an answer, that makes no progress for this
  // long fails: 408 for a body, the connection is closed. Default: 5 s.
  absl::Duration io_timeout = absl::Seconds(5);

  // Open connections, idle ones included. A connection beyond the cap is
  // answered 503 (with Retry-After) at once, its request unread, and closed.
  // Default: 1024.
  size_t max_connections = 1024;

  // ---- Performance ----

  // Worker threads that run store work (getSessions, ingest), 1-4096: at
  // most this many requests are handled at once; answers wait for a worker
  // in a queue (one entry per connection at most). Default: 32.
  int threads = 32;

  // Threads that run the event loop (accept, read, parse, write), 0-64;
  // 0 is one per core. With one, hundreds of busy connections queue behind
  // it: docs/HTTP.md measured p99 at 512 connections 2.99 s with one and
  // 0.35 s with two on two cores. Default: 0 (one per core).
  int io_threads = 0;
};

// HttpServer serves one Store. Bind, then Run on one thread; Stop from any
// other. Borrows the store and the apps registry, which must outlive it;
// replacing the registry's apps takes effect from the next request.
class HttpServer {
 public:
  // Bind validates the options and binds the listening socket. Returns
  // InvalidArgument for bad options, Unavailable when the address cannot be
  // bound (in use, not local).
  static absl::StatusOr<std::unique_ptr<HttpServer>> Bind(
      Store& store, const AppsRegistry& apps, ServerOptions options);

  // REQUIRES: Run is not running (it returned, or was never called).
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound address: the port is the real one when options.port was 0.
  const std::string& host() const;
  int port() const;

  // Run accepts and serves connections until Stop, on the calling thread
  // (and io_threads - 1 more). When it returns, every request that was being
  // handled has been answered, every connection is closed and every worker
  // has exited. Returns Internal if the listening socket fails.
  absl::Status Run();

  // Stop makes Run stop accepting, close idle connections, finish in-flight
  // requests (their answers say Connection: close) and return. A connection
  // in the middle of sending a header may finish it within header_timeout.
  // Safe to call from any thread, more than once, before or during Run (not
  // from a signal handler: use a thread that waits for the signal).
  void Stop();

 private:
  class Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sessiondb

#endif  // SESSIONDB_SERVER_HTTP_SERVER_H_
