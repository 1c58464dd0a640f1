// mhd_server: the getSessions routes (SPEC §5) on GNU libmicrohttpd, for the
// HTTP-stack comparison of docs/HTTP.md ("Choosing the HTTP stack") only. It
// is a peer to measure, not a product: the route logic is the project's
// RouteHandler (Admit with the head, Handle with the body), the transport is
// MHD with the configuration that suits this workload best:
//
//   - MHD_USE_EPOLL_INTERNAL_THREAD with MHD_OPTION_THREAD_POOL_SIZE event
//     threads: idle and slow connections cost a connection's memory, not a
//     thread;
//   - store work suspended off the event threads (MHD_ALLOW_SUSPEND_RESUME)
//     onto a pool of --workers threads, resumed when the answer is ready;
//     --workers 0 runs it inline on the event thread instead, to measure
//     what that costs (a slow query stalls every connection of that thread);
//   - MHD_OPTION_CONNECTION_LIMIT, _CONNECTION_TIMEOUT (idle),
//     _CONNECTION_MEMORY_LIMIT (bounds the header bytes: 431 beyond it);
//   - by hand, what MHD cannot express: 100 header lines (431), 415 for a
//     Content-Encoding, 400 for Content-Length with Transfer-Encoding or a
//     Transfer-Encoding but chunked, 413 by Content-Length before reading.
//
//   mhd_server --db DIR --apps FILE --port N [--host 127.0.0.1]
//              [--event-threads 2] [--workers 8] [--max-connections 1024]
//              [--idle-timeout 5] [--memory-limit 81920] [--quiet]
//              [--native-only]   (no hand-written limit: MHD's own answers)
//
// Prints "listening on http://HOST:PORT" and serves until SIGTERM/SIGINT.
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "codec/error_json.h"
#include "server/apps_config.h"
#include "server/apps_registry.h"
#include "server/route_handler.h"
#include "server/routes.h"
#include "sessiondb/store.h"

namespace {

using sessiondb::AdmittedRequest;
using sessiondb::ApiResponse;
using sessiondb::HttpErrorResponse;

constexpr size_t kMaxHeaderLines = 100;

struct Flags {
  std::string db;
  std::string apps;
  std::string host = "127.0.0.1";
  int port = 8080;
  unsigned event_threads = 2;
  unsigned workers = 8;
  unsigned max_connections = 1024;
  unsigned idle_timeout_s = 5;
  size_t memory_limit = 80 * 1024;  // headers up to 64 KiB + write buffer
  bool quiet = false;
  // No hand-written limit: what MHD does on its own (docs/HTTP.md's table).
  bool native_only = false;
};

// WorkerPool runs store work off the event threads.
class WorkerPool {
 public:
  explicit WorkerPool(unsigned n) {
    for (unsigned i = 0; i < n; ++i) threads_.emplace_back([this] { Loop(); });
  }
  ~WorkerPool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  void Submit(std::function<void()> job) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
  }

 private:
  void Loop() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

// Request is one request's state, from its head to its completion.
struct Request {
  std::chrono::steady_clock::time_point start =
      std::chrono::steady_clock::now();
  std::string method;
  std::string path;
  std::optional<AdmittedRequest> admitted;
  sessiondb::QueryParams params;
  std::string body;
  bool too_large = false;
  bool in_worker = false;
  std::optional<ApiResponse> answer;  // ready to queue
  const char* allow = nullptr;        // Allow header of a 405
  int status = 0;                     // as queued, for the log
  size_t bytes = 0;
};

struct Server {
  Flags flags;
  sessiondb::RouteHandler* handler = nullptr;
  WorkerPool* pool = nullptr;
};

// IsToken: the header value, spaces around it aside, equals `token` in any
// case.
bool IsToken(std::string_view value, std::string_view token) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
    value.remove_prefix(1);
  }
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
    value.remove_suffix(1);
  }
  if (value.size() != token.size()) return false;
  for (size_t i = 0; i < value.size(); ++i) {
    if (absl::ascii_tolower(static_cast<unsigned char>(value[i])) != token[i]) {
      return false;
    }
  }
  return true;
}

std::optional<std::string_view> Header(MHD_Connection* c, const char* name) {
  const char* v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
  if (v == nullptr) return std::nullopt;
  return std::string_view(v);
}

MHD_Result CollectArg(void* cls, MHD_ValueKind, const char* key,
                      const char* value) {
  static_cast<sessiondb::QueryParams*>(cls)->emplace(key, value ? value : "");
  return MHD_YES;
}

// ApiAnswer keeps the status and body of RouteHandler's answer: this peer
// serves the API, whose answers are all JSON (the explorer's files, with
// their own Content-Type, are sessiondb serve's only).
ApiResponse ApiAnswer(sessiondb::HttpAnswer answer) {
  return ApiResponse{answer.status, std::move(answer.body)};
}

MHD_Result Queue(MHD_Connection* c, Request* r, ApiResponse answer) {
  r->answer = std::move(answer);
  r->status = r->answer->status;
  r->bytes = r->answer->body.size();
  // The body lives in the Request, freed after the response is sent.
  MHD_Response* res = MHD_create_response_from_buffer(
      r->answer->body.size(), r->answer->body.data(), MHD_RESPMEM_PERSISTENT);
  MHD_add_response_header(res, MHD_HTTP_HEADER_CONTENT_TYPE,
                          "application/json");
  if (r->allow != nullptr) MHD_add_response_header(res, "Allow", r->allow);
  const MHD_Result ok =
      MHD_queue_response(c, static_cast<unsigned>(r->answer->status), res);
  MHD_destroy_response(res);
  return ok;
}

// EarlyAnswer is the hand-written part of SPEC §5's limits, decided from the
// head before any body byte is read; nullopt lets the request proceed.
std::optional<ApiResponse> EarlyAnswer(MHD_Connection* c) {
  const int lines =
      MHD_get_connection_values(c, MHD_HEADER_KIND, nullptr, nullptr);
  if (lines > static_cast<int>(kMaxHeaderLines)) {
    return HttpErrorResponse(
        431, absl::StrCat("headers: more than ", kMaxHeaderLines, " lines"));
  }
  if (auto ce = Header(c, MHD_HTTP_HEADER_CONTENT_ENCODING)) {
    if (!IsToken(*ce, "identity")) {
      return HttpErrorResponse(415, "Content-Encoding: only identity");
    }
  }
  auto te = Header(c, MHD_HTTP_HEADER_TRANSFER_ENCODING);
  if (te.has_value()) {
    if (Header(c, MHD_HTTP_HEADER_CONTENT_LENGTH).has_value()) {
      return HttpErrorResponse(400,
                               "Content-Length and Transfer-Encoding together");
    }
    if (!IsToken(*te, "chunked")) {
      return HttpErrorResponse(400, "Transfer-Encoding: only chunked");
    }
  }
  return std::nullopt;
}

MHD_Result OnRequest(void* cls, MHD_Connection* c, const char* url,
                     const char* method, const char* /*version*/,
                     const char* upload_data, size_t* upload_data_size,
                     void** con_cls) {
  Server* server = static_cast<Server*>(cls);
  auto* r = static_cast<Request*>(*con_cls);
  if (r == nullptr) {  // first call: the head only
    r = new Request;
    *con_cls = r;
    r->method = method;
    r->path = url;  // percent-decoded, without the query string
    if (!server->flags.native_only) {
      if (auto early = EarlyAnswer(c)) return Queue(c, r, *std::move(early));
    }
    const sessiondb::RequestHead head{r->method, r->path, Header(c, "auth"),
                                      Header(c, "Authorization")};
    absl::StatusOr<AdmittedRequest> admitted = server->handler->Admit(head);
    if (!admitted.ok()) {
      if (admitted.status().code() == absl::StatusCode::kUnimplemented) {
        r->allow =
            sessiondb::AllowedMethods(sessiondb::MatchRoute(r->path)->kind)
                .data();
      }
      // Queued before the body: MHD reads none of it and closes after.
      return Queue(c, r, sessiondb::ErrorResponse(admitted.status()));
    }
    r->admitted = *std::move(admitted);
    auto cl = Header(c, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl.has_value() && !server->flags.native_only) {
      const unsigned long long n =
          std::strtoull(std::string(*cl).c_str(), nullptr, 10);
      if (n > r->admitted->body_limit) {
        return Queue(c, r,
                     HttpErrorResponse(
                         413, absl::StrCat("body: larger than this route's "
                                           "limit of ",
                                           r->admitted->body_limit, " bytes")));
      }
    }
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, CollectArg, &r->params);
    return MHD_YES;
  }
  if (*upload_data_size != 0) {  // a piece of the body
    if (r->body.size() + *upload_data_size > r->admitted->body_limit) {
      // A chunked body past the limit: MHD cannot queue a response in the
      // middle of a body, so the connection is closed without one.
      r->too_large = true;
      return MHD_NO;
    }
    r->body.append(upload_data, *upload_data_size);
    *upload_data_size = 0;
    return MHD_YES;
  }
  // The whole request has arrived (or a worker resumed it).
  if (r->answer.has_value()) return Queue(c, r, *std::move(r->answer));
  if (server->pool == nullptr) {  // inline on the event thread
    return Queue(
        c, r,
        ApiAnswer(server->handler->Handle(*r->admitted, r->params, r->body)));
  }
  if (r->in_worker) return MHD_YES;  // spurious call while suspended
  r->in_worker = true;
  MHD_suspend_connection(c);
  server->pool->Submit([server, c, r] {
    r->answer =
        ApiAnswer(server->handler->Handle(*r->admitted, r->params, r->body));
    MHD_resume_connection(c);
  });
  return MHD_YES;
}

void OnCompleted(void* cls, MHD_Connection*, void** con_cls,
                 MHD_RequestTerminationCode term) {
  Server* server = static_cast<Server*>(cls);
  auto* r = static_cast<Request*>(*con_cls);
  if (r == nullptr) return;
  if (!server->flags.quiet) {
    const double ms = std::chrono::duration<double, std::milli>(
                          std::chrono::steady_clock::now() - r->start)
                          .count();
    std::string line = absl::StrFormat(
        "%s %s %d %.3fms %dB%s\n", r->method, r->path, r->status, ms, r->bytes,
        term == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (terminated)");
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
  delete r;
  *con_cls = nullptr;
}

int Usage(const char* why) {
  std::fprintf(stderr,
               "mhd_server: %s\nusage: mhd_server --db DIR --apps FILE "
               "--port N [--host H] [--event-threads N] [--workers N] "
               "[--max-connections N] [--idle-timeout S] [--memory-limit B] "
               "[--quiet] [--native-only]\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--quiet") {
      flags.quiet = true;
      continue;
    }
    if (a == "--native-only") {
      flags.native_only = true;
      continue;
    }
    if (i + 1 >= argc) return Usage("missing value");
    const char* v = argv[++i];
    if (a == "--db") {
      flags.db = v;
    } else if (a == "--apps") {
      flags.apps = v;
    } else if (a == "--host") {
      flags.host = v;
    } else if (a == "--port") {
      flags.port = std::atoi(v);
    } else if (a == "--event-threads") {
      flags.event_threads = static_cast<unsigned>(std::atoi(v));
    } else if (a == "--workers") {
      flags.workers = static_cast<unsigned>(std::atoi(v));
    } else if (a == "--max-connections") {
      flags.max_connections = static_cast<unsigned>(std::atoi(v));
    } else if (a == "--idle-timeout") {
      flags.idle_timeout_s = static_cast<unsigned>(std::atoi(v));
    } else if (a == "--memory-limit") {
      flags.memory_limit = static_cast<size_t>(std::atoll(v));
    } else {
      return Usage(argv[i - 1]);
    }
  }
  if (flags.db.empty() || flags.apps.empty()) return Usage("--db and --apps");
  if (flags.event_threads < 1) return Usage("--event-threads: at least 1");

  absl::StatusOr<sessiondb::AppsConfig> apps =
      sessiondb::AppsConfig::Load(flags.apps);
  if (!apps.ok()) {
    std::fprintf(stderr, "mhd_server: %s\n", apps.status().ToString().c_str());
    return 1;
  }
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  absl::StatusOr<std::unique_ptr<sessiondb::Store>> store =
      sessiondb::Store::Open(sessiondb::Options{}, flags.db);
  if (!store.ok()) {
    std::fprintf(stderr, "mhd_server: %s\n", store.status().ToString().c_str());
    return 1;
  }
  const sessiondb::AppsRegistry registry(*std::move(apps));
  sessiondb::RouteHandler handler(**store, registry, sessiondb::BodyLimits{},
                                  sessiondb::TokenRules{}, nullptr);
  std::unique_ptr<WorkerPool> pool;
  if (flags.workers > 0) pool = std::make_unique<WorkerPool>(flags.workers);
  Server server{flags, &handler, pool.get()};

  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(flags.port));
  if (inet_pton(AF_INET, flags.host.c_str(), &addr.sin_addr) != 1) {
    return Usage("--host: an IPv4 address");
  }
  unsigned mhd_flags =
      MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_TURBO;
  if (pool != nullptr) mhd_flags |= MHD_ALLOW_SUSPEND_RESUME;
  MHD_Daemon* daemon = MHD_start_daemon(
      mhd_flags, static_cast<uint16_t>(flags.port), nullptr, nullptr,
      &OnRequest, &server, MHD_OPTION_SOCK_ADDR,
      reinterpret_cast<sockaddr*>(&addr), MHD_OPTION_THREAD_POOL_SIZE,
      flags.event_threads, MHD_OPTION_CONNECTION_LIMIT, flags.max_connections,
      MHD_OPTION_CONNECTION_TIMEOUT, flags.idle_timeout_s,
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, flags.memory_limit,
      MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_STRICT_FOR_CLIENT, 1,
      MHD_OPTION_NOTIFY_COMPLETED, &OnCompleted, &server, MHD_OPTION_END);
  if (daemon == nullptr) {
    std::fprintf(stderr, "mhd_server: cannot listen on %s:%d\n",
                 flags.host.c_str(), flags.port);
    return 1;
  }
  const MHD_DaemonInfo* info =
      MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
  std::printf(
      "mhd_server: listening on http://%s:%u (%u event threads, %u "
      "workers, store %s)\n",
      flags.host.c_str(), info != nullptr ? info->port : 0u,
      flags.event_threads, flags.workers, flags.db.c_str());
  std::fflush(stdout);

  int signal = 0;
  sigwait(&stop_signals, &signal);
  MHD_stop_daemon(daemon);
  pool.reset();
  store->reset();
  std::fprintf(stderr, "mhd_server: stopped\n");
  return 0;
}
