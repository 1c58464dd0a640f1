// HttpServer: `sessiondb serve` — the getSessions REST API of API.md §5 over
// HTTP/1.1 (cpp-httplib), with JWT auth, a worker pool, keep-alive, a request
// log line per request and a graceful stop.
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
  // response bytes, app. Called from worker threads, concurrently. Default
  // (empty): the line is written to stderr.
  std::function<void(std::string_view line)> request_log;

  // ---- Performance ----

  // Worker threads, 1-4096. Each open connection holds one worker as long as it
  // is kept alive (cpp-httplib's model); connections beyond this wait in the
  // queue until a worker frees. More threads serve more concurrent clients
  // at the price of one stack each. Default: 32.
  int threads = 32;

  // A connection is closed after this many requests (so queued connections
  // get a worker), or after this long idle. Default: 100 requests, 5 s.
  size_t keep_alive_max_requests = 100;
  absl::Duration keep_alive_timeout = absl::Seconds(5);

  // A read or write on a connection that stalls longer fails it.
  // Default: 5 s each.
  absl::Duration io_timeout = absl::Seconds(5);
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

  // Run accepts and serves connections until Stop. When it returns, every
  // request that was being handled has been answered and every worker has
  // exited. Returns Internal if the listening socket fails.
  absl::Status Run();

  // Stop makes Run stop accepting, finish in-flight requests and return.
  // Idle keep-alive connections are closed within the keep-alive timeout.
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
