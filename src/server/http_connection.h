// HttpConnection: one accepted TCP connection of HttpServer, from accept to
// close — read and parse each request under SPEC §5's limits and deadlines,
// admit it, hand its store work to the worker pool, write the answer, keep
// the connection alive or close it. Internal to http_server.cc.
//
// Every member runs on the connection's strand except the store work, which
// runs on a worker while the connection waits (it reads nothing meanwhile).
#ifndef SESSIONDB_SERVER_HTTP_CONNECTION_H_
#define SESSIONDB_SERVER_HTTP_CONNECTION_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/thread_pool.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/http/message.hpp"
#include "boost/beast/http/serializer.hpp"
#include "boost/beast/http/string_body.hpp"
#include "server/http_request_parser.h"
#include "server/http_server.h"
#include "server/route_handler.h"

namespace sessiondb {

class HttpConnection;

// ConnectionRegistry knows the open connections (for the cap and for Stop).
// Thread-safe.
class ConnectionRegistry {
 public:
  uint64_t Add(std::weak_ptr<HttpConnection> connection);
  void Remove(uint64_t id);
  size_t size() const;
  std::vector<std::shared_ptr<HttpConnection>> Live() const;

 private:
  mutable std::mutex mu_;
  uint64_t next_id_ = 0;
  std::unordered_map<uint64_t, std::weak_ptr<HttpConnection>> connections_;
};

// ServerContext is what every connection of one server shares; it outlives
// them (the server's Run returns only once they are gone).
struct ServerContext {
  const ServerOptions& options;
  const RouteHandler& handler;
  boost::asio::io_context& io;
  boost::asio::thread_pool& workers;
  ConnectionRegistry& registry;
};

class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  // `socket`'s executor must be a strand of context.io.
  HttpConnection(boost::asio::ip::tcp::socket socket, ServerContext& context);
  ~HttpConnection();

  // Start registers the connection and serves requests until it closes.
  void Start();
  // Reject answers `answer` (the connection cap's 503) without reading the
  // request, then closes. The connection is not registered.
  void Reject(ApiResponse answer);
  // StopWhenIdle: the server is stopping. An idle connection closes now; a
  // busy one closes after its current answer.
  void StopWhenIdle();

 private:
  enum class State {
    kIdle,       // waiting for the first byte of a request
    kHeader,     // part of a header arrived
    kContinue,   // writing "100 Continue"
    kBody,       // admitted, reading the body
    kWorking,    // the store work runs on a worker
    kWriting,    // writing the answer
    kLingering,  // answered and closing: discarding what the client still sends
  };
  using Clock = std::chrono::steady_clock;

  void BeginRequest();
  void ReadMore();
  void OnRead(boost::beast::error_code ec, size_t n);
  void Parse();
  void OnHeader();
  void OnBody();
  HttpAnswer RunHandler();
  void Respond(HttpAnswer answer, bool close, std::string_view allow = {});
  void Refuse(const HttpRefusal& refusal);
  void WriteSome();
  void OnWritten();
  void Linger();
  void Close();
  void ArmTimer(Clock::time_point deadline);
  void DisarmTimer();
  void OnTimeout();
  void Log();

  boost::asio::ip::tcp::socket socket_;
  ServerContext& context_;
  boost::asio::steady_timer timer_;
  uint64_t timer_generation_ = 0;
  std::optional<uint64_t> registry_id_;
  boost::beast::flat_buffer buffer_;
  std::optional<HttpRequestParser> parser_;
  AdmittedRequest admitted_;

  State state_ = State::kIdle;
  bool reading_ = false;   // an async_read_some is pending
  bool stopping_ = false;  // the server is stopping
  // Set when the server stops while this connection is busy: the latest any
  // deadline may be (ArmTimer), so a trickling client cannot hold Run.
  std::optional<Clock::time_point> stop_deadline_;
  bool closed_ = false;
  size_t requests_ = 0;

  Clock::time_point request_start_;  // accept or end of the previous answer
  std::optional<Clock::time_point> header_done_;

  // The answer being written, and what its log line needs.
  boost::beast::http::response<boost::beast::http::string_body> response_;
  std::optional<
      boost::beast::http::response_serializer<boost::beast::http::string_body>>
      serializer_;
  bool close_after_write_ = false;
  int logged_status_ = 0;
  size_t logged_bytes_ = 0;
  std::string logged_refusal_;  // TokenRefusalReason of a refused token
};

}  // namespace sessiondb

#endif  // SESSIONDB_SERVER_HTTP_CONNECTION_H_
