#include "server/http_server.h"

#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "base/absl_compat.h"
#include "codec/error_json.h"
#include "server/routes.h"

namespace sessiondb {
namespace {

// cpp-httplib (Debian's build) listens with a backlog of 5, too few for a
// burst of clients connecting at once; the socket is re-listened with this.
constexpr int kListenBacklog = 1024;

// Each worker has its own stack; beyond this a typo (--threads 100000) would
// exhaust memory rather than serve more clients.
constexpr int kMaxThreads = 4096;

// RequestTrace carries what the request log needs from the start of a
// request to its log line. A request runs on one worker thread from routing
// to logging, so the trace is per thread.
struct RequestTrace {
  std::chrono::steady_clock::time_point start;
  bool started = false;
  std::string app;
};
thread_local RequestTrace request_trace;

std::optional<std::string_view> HeaderValue(const httplib::Request& req,
                                            const char* name) {
  // httplib's headers are a case-insensitive multimap.
  auto it = req.headers.find(name);
  if (it == req.headers.end()) return std::nullopt;
  return std::string_view(it->second);
}

// LoggedPath keeps a log line one line: control bytes, spaces and non-ASCII
// bytes of the (decoded) path are written as %XX.
std::string LoggedPath(std::string_view path) {
  std::string out;
  for (char c : path) {
    const auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b >= 0x7f) {
      absl::StrAppendFormat(&out, "%%%02X", b);
    } else {
      out.push_back(c);
    }
  }
  return out.empty() ? "-" : out;
}

// The methods cpp-httplib dispatches to handlers; it answers any other
// method 400 before routing, which the error handler turns into 404/405.
bool IsDispatchedMethod(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "POST" || m == "PUT" ||
         m == "DELETE" || m == "OPTIONS" || m == "PATCH";
}

void SetAnswer(const ApiResponse& answer, httplib::Response& res) {
  res.status = answer.status;
  res.set_content(answer.body, "application/json");
}

enum class BodyOutcome { kRead, kTooLarge, kUnreadable, kMultipart };

struct BodyRead {
  BodyOutcome outcome = BodyOutcome::kRead;
  std::string text;
};

// ReadBody reads the request body through cpp-httplib, keeping at most
// `limit` bytes. A longer body is still read to its end (and dropped), so
// the connection stays in step for its next request; bodies above the
// server-wide cap are skipped by cpp-httplib itself (status 413).
BodyRead ReadBody(const httplib::Request& req, httplib::Response& res,
                  const httplib::ContentReader* reader, size_t limit) {
  BodyRead out;
  if (reader == nullptr) {  // GET, HEAD, OPTIONS: cpp-httplib reads nothing
    if (req.body.size() > limit) {
      out.outcome = BodyOutcome::kTooLarge;
    } else {
      out.text = req.body;
    }
    return out;
  }
  // An HTTP/1.1 request without Content-Length or chunked framing has no
  // body; cpp-httplib 0.11 would otherwise read until the client closes.
  const bool chunked =
      absl::AsciiStrToLower(req.get_header_value("Transfer-Encoding"))
          .find("chunked") != std::string::npos;
  if (!req.has_header("Content-Length") && !chunked) return out;
  if (req.is_multipart_form_data()) {
    const bool ok =
        (*reader)([](const httplib::MultipartFormData&) { return true; },
                  [](const char*, size_t) { return true; });
    out.outcome = ok ? BodyOutcome::kMultipart : BodyOutcome::kUnreadable;
    return out;
  }
  size_t seen = 0;
  const bool ok = (*reader)([&](const char* data, size_t n) {
    seen += n;
    if (seen <= limit) out.text.append(data, n);
    return true;
  });
  if (!ok) {
    out.outcome =
        res.status == 413 ? BodyOutcome::kTooLarge : BodyOutcome::kUnreadable;
  } else if (seen > limit) {
    out.outcome = BodyOutcome::kTooLarge;
  }
  if (out.outcome != BodyOutcome::kRead) out.text.clear();
  return out;
}

// Listener exposes the listening socket of cpp-httplib's Server.
class Listener : public httplib::Server {
 public:
  // RaiseBacklog re-listens: on Linux that only resizes the accept queue.
  // If it fails the library's small backlog stays, which slows bursts of
  // connections but loses none.
  void RaiseBacklog(int backlog) { ::listen(svr_sock_, backlog); }
  // CloseUnused closes the socket of a server that never ran (cpp-httplib
  // closes it only when listening ends).
  void CloseUnused() {
    const auto sock = svr_sock_.exchange(INVALID_SOCKET);
    if (sock != INVALID_SOCKET) ::close(sock);
  }
};

}  // namespace

// HttpServer::Impl holds the cpp-httplib server, the options and the route
// logic; HttpServer's methods reach into it directly.
class HttpServer::Impl {
 public:
  Impl(Store& store, const AppsRegistry& apps, ServerOptions options)
      : options_(std::move(options)),
        handler_(store, apps, options_.body_limits, options_.token_rules,
                 options_.token_clock) {}

  void Configure();
  absl::Status BindSocket();

  Listener server_;
  ServerOptions options_;
  RouteHandler handler_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> run_entered_{false};
  std::atomic<bool> run_returned_{false};

 private:
  void Serve(const httplib::Request& req, httplib::Response& res,
             const httplib::ContentReader* reader);
  httplib::Server::HandlerResponse AnswerError(const httplib::Request& req,
                                               httplib::Response& res);
  void Log(const httplib::Request& req, const httplib::Response& res);
};

void HttpServer::Impl::Configure() {
  const size_t threads = static_cast<size_t>(options_.threads);
  server_.new_task_queue = [threads] {
    return new httplib::ThreadPool(threads);
  };
  // SO_REUSEADDR only: cpp-httplib's default adds SO_REUSEPORT, which would
  // let a second server bind the same port and split its traffic silently.
  server_.set_socket_options([](auto sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server_.set_tcp_nodelay(true);
  server_.set_keep_alive_max_count(options_.keep_alive_max_requests);
  server_.set_keep_alive_timeout(
      absl::ToInt64Seconds(options_.keep_alive_timeout));
  const auto io_us = absl::ToInt64Microseconds(options_.io_timeout);
  server_.set_read_timeout(io_us / 1000000, io_us % 1000000);
  server_.set_write_timeout(io_us / 1000000, io_us % 1000000);
  server_.set_payload_max_length(std::max(options_.body_limits.query_bytes,
                                          options_.body_limits.ingest_bytes));

  server_.set_pre_routing_handler(
      [](const httplib::Request&, httplib::Response&) {
        request_trace.start = std::chrono::steady_clock::now();
        request_trace.started = true;
        request_trace.app.clear();
        return httplib::Server::HandlerResponse::Unhandled;
      });
  // Every route goes through Serve, which decides 404 and 405 itself; the
  // content-reader forms let it authorize a request before reading its body.
  const std::string any = ".*";
  server_.Get(any, [this](const httplib::Request& req, httplib::Response& res) {
    Serve(req, res, nullptr);
  });
  server_.Options(any,
                  [this](const httplib::Request& req, httplib::Response& res) {
                    Serve(req, res, nullptr);
                  });
  auto with_body = [this](const httplib::Request& req, httplib::Response& res,
                          const httplib::ContentReader& reader) {
    Serve(req, res, &reader);
  };
  server_.Post(any, with_body);
  server_.Put(any, with_body);
  server_.Patch(any, with_body);
  server_.Delete(any, with_body);
  server_.set_error_handler(httplib::Server::HandlerWithResponse(
      [this](const httplib::Request& req, httplib::Response& res) {
        return AnswerError(req, res);
      }));
  server_.set_exception_handler([](const httplib::Request&,
                                   httplib::Response& res,
                                   std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
      // Not a std::exception: the generic message stays.
    }
    SetAnswer(HttpErrorResponse(500, absl::StrCat("internal error: ", what)),
              res);
  });
  server_.set_logger([this](const httplib::Request& req,
                            const httplib::Response& res) { Log(req, res); });
}

absl::Status HttpServer::Impl::BindSocket() {
  errno = 0;
  int port = options_.port;
  if (port == 0) {
    port = server_.bind_to_any_port(options_.host);
  } else if (!server_.bind_to_port(options_.host, port)) {
    port = -1;
  }
  if (port < 0) {
    const int error = errno;
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", options_.host, ":", options_.port,
        error != 0 ? absl::StrCat(" (", std::strerror(error), ")") : ""));
  }
  options_.port = port;
  server_.RaiseBacklog(kListenBacklog);
  return absl::OkStatus();
}

void HttpServer::Impl::Serve(const httplib::Request& req,
                             httplib::Response& res,
                             const httplib::ContentReader* reader) {
  const RequestHead head{req.method, req.path, HeaderValue(req, "auth"),
                         HeaderValue(req, "Authorization")};
  // Routing and authorization use the request line and headers only, so an
  // unknown or unauthorized request never has its body kept (it is read and
  // dropped, to keep the connection in step).
  absl::StatusOr<AdmittedRequest> admitted = handler_.Admit(head);
  const BodyRead body =
      ReadBody(req, res, reader, admitted.ok() ? admitted->body_limit : 0);
  if (!admitted.ok()) {
    if (admitted.status().code() == absl::StatusCode::kUnimplemented) {
      res.set_header("Allow",
                     std::string(AllowedMethods(MatchRoute(req.path)->kind)));
    }
    SetAnswer(ErrorResponse(admitted.status()), res);
    return;
  }
  if (admitted->app != nullptr) request_trace.app = admitted->app->app_id;
  switch (body.outcome) {
    case BodyOutcome::kRead:
      SetAnswer(handler_.Handle(*admitted, req.params, body.text), res);
      return;
    case BodyOutcome::kTooLarge:
      SetAnswer(HttpErrorResponse(
                    413, absl::StrCat("body: larger than this route's limit "
                                      "of ",
                                      admitted->body_limit, " bytes")),
                res);
      return;
    case BodyOutcome::kMultipart:
      SetAnswer(HttpErrorResponse(400,
                                  "body: multipart/form-data is not "
                                  "accepted; send JSON"),
                res);
      return;
    case BodyOutcome::kUnreadable:
      res.set_header("Connection", "close");
      SetAnswer(HttpErrorResponse(400, "body: could not be read"), res);
      return;
  }
}

httplib::Server::HandlerResponse HttpServer::Impl::AnswerError(
    const httplib::Request& req, httplib::Response& res) {
  // Serve's own answers already carry their JSON body.
  if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
  if (res.status == 400 && !req.path.empty() &&
      !IsDispatchedMethod(req.method)) {
    std::optional<Route> route = MatchRoute(req.path);
    if (route.has_value()) {
      res.set_header("Allow", std::string(AllowedMethods(route->kind)));
      SetAnswer(HttpErrorResponse(
                    405, absl::StrCat("method ", req.method,
                                      " is not allowed on ", req.path, "; use ",
                                      AsAbsl(AllowedMethods(route->kind)))),
                res);
    } else {
      SetAnswer(HttpErrorResponse(404, absl::StrCat("no route ", req.path)),
                res);
    }
    return httplib::Server::HandlerResponse::Handled;
  }
  std::string message;
  switch (res.status) {
    case 400:
      message = "malformed HTTP request";
      break;
    case 404:
      message = absl::StrCat("no route ", req.path);
      break;
    case 413:
      message = absl::StrCat("body: larger than the server's limit of ",
                             std::max(options_.body_limits.query_bytes,
                                      options_.body_limits.ingest_bytes),
                             " bytes");
      break;
    case 414:
      message = "request URI too long";
      break;
    default:
      message = res.status >= 500 ? "internal error"
                                  : absl::StrCat("HTTP error ", res.status);
  }
  SetAnswer(HttpErrorResponse(res.status, message), res);
  return httplib::Server::HandlerResponse::Handled;
}

void HttpServer::Impl::Log(const httplib::Request& req,
                           const httplib::Response& res) {
  RequestTrace& trace = request_trace;
  std::string latency = "-";
  if (trace.started) {
    const double ms = std::chrono::duration<double, std::milli>(
                          std::chrono::steady_clock::now() - trace.start)
                          .count();
    latency = absl::StrFormat("%.3fms", ms);
  }
  std::string line = absl::StrCat(
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                       absl::UTCTimeZone()),
      " ", req.method.empty() ? "-" : LoggedPath(req.method), " ",
      LoggedPath(req.path), " ", res.status, " ", latency, " ", res.body.size(),
      "B app=", trace.app.empty() ? "-" : trace.app);
  trace.started = false;
  trace.app.clear();
  if (options_.request_log) {
    options_.request_log(line);
  } else {
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  if (!impl_->run_entered_.load()) impl_->server_.CloseUnused();
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Bind(
    Store& store, const AppsRegistry& apps, ServerOptions options) {
  if (options.threads < 1 || options.threads > kMaxThreads) {
    return absl::InvalidArgumentError(absl::StrCat(
        "threads: must be 1-", kMaxThreads, ", got ", options.threads));
  }
  if (options.port < 0 || options.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("port: must be 0-65535, got ", options.port));
  }
  if (options.keep_alive_max_requests < 1) {
    return absl::InvalidArgumentError(
        "keep_alive_max_requests: must be at least 1");
  }
  auto impl = std::make_unique<Impl>(store, apps, std::move(options));
  impl->Configure();
  absl::Status bound = impl->BindSocket();
  if (!bound.ok()) return bound;
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

const std::string& HttpServer::host() const { return impl_->options_.host; }
int HttpServer::port() const { return impl_->options_.port; }

absl::Status HttpServer::Run() {
  impl_->run_entered_.store(true);
  bool ok = true;
  if (!impl_->stop_requested_.load()) ok = impl_->server_.listen_after_bind();
  impl_->run_returned_.store(true);
  if (!ok) return absl::InternalError("the listening socket failed");
  return absl::OkStatus();
}

void HttpServer::Stop() {
  if (impl_->stop_requested_.exchange(true)) return;
  // Run may have entered but not yet started listening: cpp-httplib's stop()
  // does nothing until then, so wait for either.
  if (!impl_->run_entered_.load()) return;
  while (!impl_->server_.is_running() && !impl_->run_returned_.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl_->server_.stop();
}

}  // namespace sessiondb
