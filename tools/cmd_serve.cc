// sessiondb serve: the getSessions REST API over HTTP (SPEC §5), until
// SIGTERM or SIGINT; then in-flight requests finish and the store closes.
// SIGHUP re-reads the apps file (a broken one keeps the apps in force).
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

#include <atomic>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "command.h"
#include "server/apps_config.h"
#include "server/apps_registry.h"
#include "server/http_server.h"

namespace sessiondb::tools {
namespace {

struct ServeFlags {
  ReadSourceFlags source;  // --db, or --clickhouse (read-only)
  std::string apps_file;
  std::string listen = "127.0.0.1:8080";
  int threads = ServerOptions().threads;
  int64_t max_token_age_seconds = 0;  // 0: no maximum
  // Transport limits (SPEC §5); defaults are ServerOptions' own.
  int io_threads = ServerOptions().io_threads;
  size_t max_connections = ServerOptions().max_connections;
  size_t max_header_bytes = ServerOptions().header_limits.max_bytes;
  size_t max_header_lines = ServerOptions().header_limits.max_lines;
  double header_timeout_s =
      absl::ToDoubleSeconds(ServerOptions().header_timeout);
  double keep_alive_timeout_s =
      absl::ToDoubleSeconds(ServerOptions().keep_alive_timeout);
  size_t keep_alive_max_requests = ServerOptions().keep_alive_max_requests;
  double io_timeout_s = absl::ToDoubleSeconds(ServerOptions().io_timeout);
  size_t max_query_body = ServerOptions().body_limits.query_bytes;
  size_t max_ingest_body = ServerOptions().body_limits.ingest_bytes;
};

// ApplyLimits copies the transport-limit flags into the options.
void ApplyLimits(const ServeFlags& flags, ServerOptions* options) {
  options->io_threads = flags.io_threads;
  options->max_connections = flags.max_connections;
  options->header_limits.max_bytes = flags.max_header_bytes;
  options->header_limits.max_lines = flags.max_header_lines;
  options->header_timeout = absl::Seconds(flags.header_timeout_s);
  options->keep_alive_timeout = absl::Seconds(flags.keep_alive_timeout_s);
  options->keep_alive_max_requests = flags.keep_alive_max_requests;
  options->io_timeout = absl::Seconds(flags.io_timeout_s);
  options->body_limits.query_bytes = flags.max_query_body;
  options->body_limits.ingest_bytes = flags.max_ingest_body;
}

// RaiseOpenFileLimit lifts the soft limit on open files to the hard one:
// every connection holds a descriptor, and with a common soft limit of 1,024
// the connection cap (--max-connections) could never be reached — accept
// would fail first and clients would wait instead of getting the 503. Warns
// when even the hard limit is below the cap plus a margin for the store.
void RaiseOpenFileLimit(size_t max_connections) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) getrlimit(RLIMIT_NOFILE, &limit);
  }
  constexpr size_t kStoreAndSpareFiles = 256;
  if (limit.rlim_cur != RLIM_INFINITY &&
      limit.rlim_cur < max_connections + kStoreAndSpareFiles) {
    std::cerr << "sessiondb: warning: the open-file limit (" << limit.rlim_cur
              << ") is below --max-connections (" << max_connections << ") + "
              << kStoreAndSpareFiles
              << ": beyond it clients wait for accept instead of a 503\n";
  }
}

// WarnIfShared writes AppsFileAccessWarning's warning, if any, to stderr.
void WarnIfShared(const std::string& path) {
  const std::string warning = AppsFileAccessWarning(path);
  if (!warning.empty()) std::cerr << "sessiondb: " << warning << "\n";
}

// ReloadApps re-reads the apps file on SIGHUP. A file that does not load
// leaves the apps in force; either way stderr says what happened.
void ReloadApps(const std::string& path, AppsRegistry& registry) {
  absl::StatusOr<AppsConfig> apps = AppsConfig::Load(path);
  if (!apps.ok()) {
    std::cerr << "sessiondb: SIGHUP: kept the apps in force; "
              << apps.status().message() << "\n";
    return;
  }
  WarnIfShared(path);
  const size_t count = apps->apps().size();
  registry.Replace(*std::move(apps));
  std::cerr << "sessiondb: SIGHUP: reloaded " << path << " (" << count
            << " apps)\n";
}

// ParseListen splits HOST:PORT; an IPv6 host is written in brackets.
absl::Status ParseListen(const std::string& listen, ServerOptions* options) {
  const size_t colon = listen.rfind(':');
  const auto bad = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen: expected HOST:PORT, got \"", listen, "\""));
  };
  if (colon == std::string::npos || colon == 0) return bad();
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string port_text = listen.substr(colon + 1);
  int port = -1;
  auto [end, error] = std::from_chars(
      port_text.data(), port_text.data() + port_text.size(), port);
  if (host.empty() || port_text.empty() || error != std::errc() ||
      end != port_text.data() + port_text.size() || port < 0 || port > 65535) {
    return bad();
  }
  options->host = host;
  options->port = port;
  return absl::OkStatus();
}

// AddLimitFlags declares one flag per transport limit (docs/HTTP.md).
void AddLimitFlags(CLI::App* app, ServeFlags* flags) {
  app->add_option("--io-threads", flags->io_threads,
                  "event-loop threads doing all socket I/O; 0: one per core "
                  "(default 0)");
  app->add_option("--max-connections", flags->max_connections,
                  "open connections; beyond, 503 and close (default 1024)");
  app->add_option("--max-header-bytes", flags->max_header_bytes,
                  "request line and header bytes; beyond, 431 (default "
                  "65536)");
  app->add_option("--max-header-lines", flags->max_header_lines,
                  "header field lines; beyond, 431 (default 100)");
  app->add_option("--header-timeout", flags->header_timeout_s,
                  "seconds for a whole request header to arrive; then 408 "
                  "and close (default 10)");
  app->add_option("--keep-alive-timeout", flags->keep_alive_timeout_s,
                  "seconds an idle connection is kept (default 5)");
  app->add_option("--keep-alive-requests", flags->keep_alive_max_requests,
                  "requests per connection (default 100)");
  app->add_option("--io-timeout", flags->io_timeout_s,
                  "seconds a body or an answer may stall; then 408 or close "
                  "(default 5)");
  app->add_option("--max-query-body", flags->max_query_body,
                  "getSessions body bytes; beyond, 413 (default 1048576)");
  app->add_option("--max-ingest-body", flags->max_ingest_body,
                  "ingest body bytes; beyond, 413 (default 67108864)");
}

int RunServe(const ServeFlags& flags) {
  ServerOptions options;
  options.threads = flags.threads;
  ApplyLimits(flags, &options);
  absl::Status listen = ParseListen(flags.listen, &options);
  if (!listen.ok()) return Fail(listen);
  if (flags.max_token_age_seconds < 0) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("--max-token-age: must be 0 (no maximum) or more, got ",
                     flags.max_token_age_seconds)));
  }
  if (flags.max_token_age_seconds > 0) {
    options.token_rules.max_age = absl::Seconds(flags.max_token_age_seconds);
  }
  // A malformed apps file stops serve before anything else happens.
  absl::StatusOr<AppsConfig> apps = AppsConfig::Load(flags.apps_file);
  if (!apps.ok()) return Fail(apps.status());
  WarnIfShared(flags.apps_file);
  AppsRegistry registry(*std::move(apps));
  RaiseOpenFileLimit(options.max_connections);

  // SIGTERM, SIGINT and SIGHUP are taken by one thread with sigwait, so they
  // must be blocked before any other thread starts (RocksDB's included).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  absl::StatusOr<std::unique_ptr<Store>> store =
      OpenReadSource(flags.source, /*as_writer=*/true);
  if (!store.ok()) return Fail(store.status());
  absl::StatusOr<std::unique_ptr<HttpServer>> server =
      HttpServer::Bind(**store, registry, options);
  if (!server.ok()) return Fail(server.status());

  std::atomic<bool> signalled{false};
  std::thread waiter([&] {
    int signal = 0;
    while (sigwait(&signals, &signal) == 0 && signal == SIGHUP) {
      ReloadApps(flags.apps_file, registry);
    }
    if (signalled.exchange(true)) return;
    std::cerr << "sessiondb: " << (signal == SIGINT ? "SIGINT" : "SIGTERM")
              << ": finishing in-flight requests\n";
    (*server)->Stop();
  });
  std::cout << "sessiondb: listening on http://"
            << ((*server)->host().find(':') != std::string::npos
                    ? absl::StrCat("[", (*server)->host(), "]")
                    : (*server)->host())
            << ":" << (*server)->port() << " (" << options.threads
            << " threads, " << flags.source.where() << ")" << std::endl;

  absl::Status ran = (*server)->Run();
  if (!signalled.exchange(true)) {
    // Run ended without a signal: wake the waiter with one of its own.
    pthread_kill(waiter.native_handle(), SIGTERM);
  }
  waiter.join();
  server->reset();
  store->reset();
  std::cerr << "sessiondb: stopped; store closed\n";
  if (!ran.ok()) return Fail(ran);
  return 0;
}

SESSIONDB_REGISTER_COMMAND(
    serve,
    Command{"serve", "answer the getSessions REST API over HTTP",
            [](CLI::App* app) {
              auto flags = std::make_shared<ServeFlags>();
              flags->source.AddTo(app);
              app->add_option("--apps", flags->apps_file,
                              "apps file (JSON, SPEC §5)")
                  ->required();
              app->add_option("--listen", flags->listen,
                              "HOST:PORT (default 127.0.0.1:8080; port 0 "
                              "picks a free one)");
              app->add_option("--threads", flags->threads,
                              "worker threads for store work: at most this "
                              "many requests are handled at once (default "
                              "32)");
              app->add_option("--max-token-age", flags->max_token_age_seconds,
                              "refuse tokens issued (iat) more than SECONDS "
                              "ago, and tokens without iat or exp (default: "
                              "no maximum)");
              AddLimitFlags(app, flags.get());
              return std::function<int()>([flags] { return RunServe(*flags); });
            }});

}  // namespace
}  // namespace sessiondb::tools
