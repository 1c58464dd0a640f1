// ServerThread: an HttpServer bound on loopback and running on a thread of
// its own, for the tests that talk to it over sockets.
#ifndef SESSIONDB_TESTS_TESTING_SERVER_THREAD_H_
#define SESSIONDB_TESTS_TESTING_SERVER_THREAD_H_

#include <memory>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "server/apps_registry.h"
#include "server/http_server.h"
#include "sessiondb/store.h"
#include "testing/status_matchers.h"

namespace sessiondb::testing {

class ServerThread {
 public:
  ServerThread() = default;
  ServerThread(const ServerThread&) = delete;
  ServerThread& operator=(const ServerThread&) = delete;
  ~ServerThread() { Stop(); }

  // Start binds a server with `options` and runs it. A failed Bind fails the
  // test (ASSERT: the caller checks HasFatalFailure to stop too).
  void Start(Store& store, const AppsRegistry& apps, ServerOptions options) {
    absl::StatusOr<std::unique_ptr<HttpServer>> server =
        HttpServer::Bind(store, apps, std::move(options));
    ASSERT_OK(server);
    server_ = *std::move(server);
    run_ = std::thread([this] { run_status_ = server_->Run(); });
  }

  // Stop stops the server and waits for Run, which must have returned OK.
  // Nothing happens when no server runs.
  void Stop() {
    if (!server_) return;
    server_->Stop();
    run_.join();
    EXPECT_OK(run_status_);
    server_.reset();
  }

  // The running server (nullptr when none) and its port.
  HttpServer* server() const { return server_.get(); }
  int port() const { return server_ ? server_->port() : 0; }

 private:
  std::unique_ptr<HttpServer> server_;
  std::thread run_;
  absl::Status run_status_;
};

}  // namespace sessiondb::testing

#endif  // SESSIONDB_TESTS_TESTING_SERVER_THREAD_H_
