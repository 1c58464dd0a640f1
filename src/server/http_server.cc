#include "server/http_server.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/socket_base.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/strand.hpp"
#include "boost/asio/thread_pool.hpp"
#include "codec/error_json.h"
#include "server/http_connection.h"

namespace sessiondb {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr int kListenBacklog = 1024;

// Each worker has its own stack; beyond this a typo (--threads 100000) would
// exhaust memory rather than serve more clients.
constexpr int kMaxThreads = 4096;
constexpr int kMaxIoThreads = 64;

// An accept that fails for want of a resource (descriptors, memory) is
// retried after this pause instead of spinning.
constexpr std::chrono::milliseconds kAcceptRetry{100};

bool IsTransientAcceptError(const boost::system::error_code& ec) {
  return ec == asio::error::no_descriptors ||
         ec == asio::error::no_buffer_space || ec == asio::error::no_memory ||
         ec == asio::error::connection_aborted ||
         ec == asio::error::connection_reset || ec.value() == ENFILE ||
         ec.value() == EPROTO || ec.value() == EPERM;
}

}  // namespace

// HttpServer::Impl owns the event loop, the listening socket and the worker
// pool; the connections (http_connection.h) do the rest.
class HttpServer::Impl {
 public:
  Impl(Store& store, const AppsRegistry& apps, ServerOptions options)
      : options_(std::move(options)),
        handler_(store, apps, options_.body_limits, options_.token_rules,
                 options_.token_clock),
        acceptor_(asio::make_strand(io_)),
        accept_retry_(acceptor_.get_executor()),
        workers_(static_cast<size_t>(options_.threads)),
        context_{options_, handler_, io_, workers_, registry_} {}

  absl::Status BindSocket();
  void Accept();
  void OnAccept(const boost::system::error_code& ec, tcp::socket socket);
  void RunLoop();     // one I/O thread
  void StopOnLoop();  // runs on the acceptor's strand

  ServerOptions options_;
  RouteHandler handler_;
  asio::io_context io_;
  // The acceptor, its retry timer and StopOnLoop share one strand: with
  // several I/O threads an accept never runs beside the Stop that closes the
  // acceptor, and a connection accepted before Stop is registered before
  // Stop looks at the registry.
  tcp::acceptor acceptor_;
  asio::steady_timer accept_retry_;
  asio::thread_pool workers_;
  ConnectionRegistry registry_;
  ServerContext context_;
  std::atomic<bool> stop_requested_{false};
  bool listen_failed_ = false;  // event loop only
};

absl::Status HttpServer::Impl::BindSocket() {
  boost::system::error_code ec;
  tcp::resolver resolver(io_);
  const auto endpoints = resolver.resolve(
      options_.host, std::to_string(options_.port),
      tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (!ec) {
    ec = asio::error::host_not_found;
    for (const auto& entry : endpoints) {
      boost::system::error_code attempt;
      acceptor_.open(entry.endpoint().protocol(), attempt);
      // SO_REUSEADDR only (no SO_REUSEPORT): a second server on a port in
      // use fails here instead of silently splitting its traffic.
      if (!attempt) {
        acceptor_.set_option(asio::socket_base::reuse_address(true), attempt);
      }
      if (!attempt) acceptor_.bind(entry.endpoint(), attempt);
      if (!attempt) acceptor_.listen(kListenBacklog, attempt);
      if (!attempt) {
        ec = {};
        break;
      }
      ec = attempt;
      boost::system::error_code ignored;
      acceptor_.close(ignored);
    }
  }
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options_.host, ":", options_.port,
                     " (", ec.message(), ")"));
  }
  options_.port = acceptor_.local_endpoint().port();
  return absl::OkStatus();
}

void HttpServer::Impl::Accept() {
  // Each connection gets its own strand, so io_threads > 1 never runs two
  // handlers of one connection at once.
  acceptor_.async_accept(
      asio::make_strand(io_),
      [this](const boost::system::error_code& ec, tcp::socket socket) {
        OnAccept(ec, std::move(socket));
      });
}

void HttpServer::Impl::OnAccept(const boost::system::error_code& ec,
                                tcp::socket socket) {
  if (stop_requested_.load() || !acceptor_.is_open()) return;
  if (ec) {
    if (!IsTransientAcceptError(ec)) {
      listen_failed_ = true;
      return StopOnLoop();
    }
    accept_retry_.expires_after(kAcceptRetry);
    accept_retry_.async_wait([this](const boost::system::error_code& wait) {
      if (!wait && acceptor_.is_open()) Accept();
    });
    return;
  }
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  auto connection =
      std::make_shared<HttpConnection>(std::move(socket), context_);
  if (registry_.size() >= options_.max_connections) {
    connection->Reject(HttpErrorResponse(
        503, absl::StrCat("server busy: ", options_.max_connections,
                          " connections open; retry later")));
  } else {
    connection->Start();
  }
  Accept();
}

void HttpServer::Impl::RunLoop() {
  // run() returns once nothing is left to do: the acceptor closed (Stop),
  // every connection closed, every answer back from the workers. A handler
  // that throws (memory exhausted) is logged and the loop goes on.
  while (true) {
    try {
      io_.run();
      return;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "sessiondb: serve: event loop: %s\n", e.what());
    }
  }
}

void HttpServer::Impl::StopOnLoop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  accept_retry_.cancel();
  for (const std::shared_ptr<HttpConnection>& c : registry_.Live()) {
    c->StopWhenIdle();
  }
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  boost::system::error_code ignored;
  impl_->acceptor_.close(ignored);
  impl_->workers_.join();
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Bind(
    Store& store, const AppsRegistry& apps, ServerOptions options) {
  if (options.threads < 1 || options.threads > kMaxThreads) {
    return absl::InvalidArgumentError(absl::StrCat(
        "threads: must be 1-", kMaxThreads, ", got ", options.threads));
  }
  if (options.io_threads < 0 || options.io_threads > kMaxIoThreads) {
    return absl::InvalidArgumentError(absl::StrCat(
        "io_threads: must be 0-", kMaxIoThreads, ", got ", options.io_threads));
  }
  if (options.io_threads == 0) {
    options.io_threads =
        static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u,
                                    static_cast<unsigned>(kMaxIoThreads)));
  }
  if (options.port < 0 || options.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("port: must be 0-65535, got ", options.port));
  }
  if (options.keep_alive_max_requests < 1) {
    return absl::InvalidArgumentError(
        "keep_alive_max_requests: must be at least 1");
  }
  if (options.max_connections < 1) {
    return absl::InvalidArgumentError("max_connections: must be at least 1");
  }
  if (options.header_limits.max_bytes < 64 ||
      options.header_limits.max_bytes > (size_t{1} << 30)) {
    return absl::InvalidArgumentError(
        "header_limits.max_bytes: must be 64 bytes to 1 GiB");
  }
  if (options.header_limits.max_lines < 1) {
    return absl::InvalidArgumentError(
        "header_limits.max_lines: must be at least 1");
  }
  for (const auto& [name, d] :
       {std::pair{"header_timeout", options.header_timeout},
        std::pair{"keep_alive_timeout", options.keep_alive_timeout},
        std::pair{"io_timeout", options.io_timeout}}) {
    if (d <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": must be positive"));
    }
  }
  auto impl = std::make_unique<Impl>(store, apps, std::move(options));
  absl::Status bound = impl->BindSocket();
  if (!bound.ok()) return bound;
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

const std::string& HttpServer::host() const { return impl_->options_.host; }
int HttpServer::port() const { return impl_->options_.port; }

absl::Status HttpServer::Run() {
  if (impl_->stop_requested_.load()) {
    boost::system::error_code ignored;
    impl_->acceptor_.close(ignored);
    return absl::OkStatus();
  }
  impl_->Accept();
  std::vector<std::thread> extra;
  for (int i = 1; i < impl_->options_.io_threads; ++i) {
    extra.emplace_back([this] { impl_->RunLoop(); });
  }
  impl_->RunLoop();
  for (std::thread& t : extra) t.join();
  impl_->workers_.join();
  if (impl_->listen_failed_) {
    return absl::InternalError("the listening socket failed");
  }
  return absl::OkStatus();
}

void HttpServer::Stop() {
  if (impl_->stop_requested_.exchange(true)) return;
  asio::post(impl_->acceptor_.get_executor(),
             [impl = impl_.get()] { impl->StopOnLoop(); });
}

}  // namespace sessiondb
