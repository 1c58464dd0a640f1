#include "server/http_connection.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "boost/asio/buffer.hpp"
#include "boost/asio/dispatch.hpp"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/http/error.hpp"
#include "boost/beast/http/write.hpp"
#include "codec/error_json.h"
#include "server/routes.h"

namespace sessiondb {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// Bytes asked of one read. A header may need up to max_header_bytes of
// buffer; a body is parsed (and the buffer emptied) as it arrives.
constexpr size_t kReadChunk = 16 << 10;

// After a closing answer the server stops sending, then discards what the
// client still sends for at most this long before closing: closing with
// unread bytes would reset the connection and could destroy the answer in
// flight (RFC 9112 §9.6). Nothing discarded is parsed or kept.
constexpr std::chrono::seconds kLinger{2};

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::chrono::steady_clock::duration ToChrono(absl::Duration d) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      absl::ToChronoNanoseconds(d));
}

// LoggedPath keeps a log line one line: control bytes, spaces and non-ASCII
// bytes are written as %XX.
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

}  // namespace

// ---- ConnectionRegistry ----

uint64_t ConnectionRegistry::Add(std::weak_ptr<HttpConnection> connection) {
  std::lock_guard<std::mutex> lock(mu_);
  const uint64_t id = next_id_++;
  connections_.emplace(id, std::move(connection));
  return id;
}

void ConnectionRegistry::Remove(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  connections_.erase(id);
}

size_t ConnectionRegistry::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return connections_.size();
}

std::vector<std::shared_ptr<HttpConnection>> ConnectionRegistry::Live() const {
  std::vector<std::shared_ptr<HttpConnection>> live;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, weak] : connections_) {
    if (std::shared_ptr<HttpConnection> c = weak.lock()) {
      live.push_back(std::move(c));
    }
  }
  return live;
}

// ---- HttpConnection ----

HttpConnection::HttpConnection(asio::ip::tcp::socket socket,
                               ServerContext& context)
    : socket_(std::move(socket)),
      context_(context),
      timer_(socket_.get_executor()),
      buffer_(context.options.header_limits.max_bytes + kReadChunk) {}

HttpConnection::~HttpConnection() {
  if (registry_id_.has_value()) context_.registry.Remove(*registry_id_);
}

void HttpConnection::Start() {
  registry_id_ = context_.registry.Add(weak_from_this());
  asio::dispatch(socket_.get_executor(), [self = shared_from_this()] {
    self->request_start_ = Clock::now();
    self->BeginRequest();
  });
}

void HttpConnection::Reject(ApiResponse answer) {
  asio::dispatch(socket_.get_executor(),
                 [self = shared_from_this(), answer = std::move(answer)]() {
                   self->request_start_ = Clock::now();
                   self->Respond(JsonAnswer(std::move(answer)),
                                 /*close=*/true);
                 });
}

void HttpConnection::StopWhenIdle() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    self->stopping_ = true;
    if (self->state_ == State::kIdle) return self->Close();
    // A busy connection gets io_timeout more however it trickles: no
    // deadline armed from now on is later than this one, so Run returns.
    self->stop_deadline_ =
        Clock::now() + ToChrono(self->context_.options.io_timeout);
  });
}

// BeginRequest waits for the next request: the idle deadline until its
// first byte, then the header deadline, both counted from request_start_.
void HttpConnection::BeginRequest() {
  // After an answer that said keep-alive, a pipelined request may sit unread:
  // linger so that closing does not reset the answer away.
  if (stopping_) return requests_ > 0 ? Linger() : Close();
  parser_.emplace(context_.options.header_limits);
  parser_->eager(false);  // stop after the header: it is admitted first
  header_done_.reset();
  admitted_ = AdmittedRequest{};
  logged_refusal_.clear();
  if (buffer_.size() == 0) {
    state_ = State::kIdle;
    buffer_.shrink_to_fit();  // an idle connection keeps no buffer
    ArmTimer(request_start_ +
             ToChrono(std::min(context_.options.keep_alive_timeout,
                               context_.options.header_timeout)));
    return ReadMore();
  }
  // The client sent the next request before this answer (pipelining).
  state_ = State::kHeader;
  ArmTimer(request_start_ + ToChrono(context_.options.header_timeout));
  Parse();
}

void HttpConnection::ReadMore() {
  if (reading_ || closed_) return;
  size_t room = buffer_.max_size() - buffer_.size();
  if (state_ == State::kLingering) {
    buffer_.clear();
    room = kReadChunk;
  }
  if (room == 0) {
    // The parser refuses a header at max_bytes and consumes a body as it is
    // parsed, but Beast does not bound a chunk's extensions or the trailer
    // (a body's framing, not its header).
    return Refuse({400, "body: a chunk header or trailer is too large"});
  }
  reading_ = true;
  socket_.async_read_some(
      buffer_.prepare(std::min(room, kReadChunk)),
      [self = shared_from_this()](beast::error_code ec, size_t n) {
        self->OnRead(ec, n);
      });
}

void HttpConnection::OnRead(beast::error_code ec, size_t n) {
  reading_ = false;
  if (closed_) return;
  if (ec) return Close();  // the client left or reset; nothing to answer
  if (state_ == State::kLingering) return ReadMore();  // dropped unread
  buffer_.commit(n);
  switch (state_) {
    case State::kIdle:
      state_ = State::kHeader;
      ArmTimer(request_start_ + ToChrono(context_.options.header_timeout));
      break;
    case State::kHeader:
      break;
    case State::kBody:
      ArmTimer(Clock::now() + ToChrono(context_.options.io_timeout));
      break;
    default:
      return;  // answering: the bytes wait for the next request
  }
  Parse();
}

void HttpConnection::Parse() {
  while (buffer_.size() > 0) {
    beast::error_code ec;
    const size_t used = parser_->Put(buffer_.data(), ec);
    buffer_.consume(used);
    if (ec == http::error::need_more) break;
    if (ec) return Refuse(parser_->RefusalFor(ec));
    if (state_ == State::kHeader && parser_->is_header_done()) {
      return OnHeader();
    }
    if (state_ == State::kBody && parser_->is_done()) return OnBody();
    if (used == 0) break;
  }
  ReadMore();
}

// OnHeader admits the request before any of its body is read: a refused
// request's body is never read (the connection closes after the answer
// when one was announced).
void HttpConnection::OnHeader() {
  header_done_ = Clock::now();
  DisarmTimer();
  const ParsedHead& head = parser_->head();
  absl::StatusOr<AdmittedRequest> admitted =
      context_.handler.Admit(head.View());
  if (!admitted.ok()) {
    logged_refusal_ = TokenRefusalReason(admitted.status());
    std::string allow;
    if (admitted.status().code() == absl::StatusCode::kUnimplemented) {
      if (std::optional<Route> route = MatchRoute(head.path)) {
        allow = std::string(AllowedMethods(route->kind));
      }
    }
    return Respond(JsonAnswer(ErrorResponse(admitted.status())), head.HasBody(),
                   allow);
  }
  admitted_ = *std::move(admitted);
  if (std::optional<HttpRefusal> refusal =
          CheckBodyHeaders(head, admitted_.body_limit)) {
    return Refuse(*refusal);
  }
  parser_->SetBodyLimit(admitted_.body_limit);
  if (parser_->is_done()) return OnBody();
  state_ = State::kBody;
  ArmTimer(Clock::now() + ToChrono(context_.options.io_timeout));
  if (head.expect_continue && buffer_.size() == 0) {
    state_ = State::kContinue;
    asio::async_write(
        socket_, asio::buffer(kContinue),
        [self = shared_from_this()](beast::error_code ec, size_t) {
          if (self->closed_) return;
          if (ec) return self->Close();
          self->state_ = State::kBody;
          self->Parse();
        });
    return;
  }
  Parse();
}

void HttpConnection::OnBody() {
  state_ = State::kWorking;
  DisarmTimer();
  // The work guard keeps Run's event loop alive until the answer is back.
  asio::post(context_.workers,
             [self = shared_from_this(),
              work = asio::make_work_guard(context_.io)]() mutable {
               HttpAnswer answer = self->RunHandler();
               asio::post(self->socket_.get_executor(),
                          [self, answer = std::move(answer)]() mutable {
                            self->Respond(std::move(answer), /*close=*/false);
                          });
               work.reset();
             });
}

// RunHandler runs on a worker; the connection touches none of what it reads
// until the answer is posted back.
HttpAnswer HttpConnection::RunHandler() {
  try {
    return context_.handler.Handle(admitted_, parser_->head().params,
                                   parser_->body());
  } catch (const std::exception& e) {
    return JsonAnswer(
        HttpErrorResponse(500, absl::StrCat("internal error: ", e.what())));
  } catch (...) {
    return JsonAnswer(
        HttpErrorResponse(500, "internal error: unknown exception"));
  }
}

void HttpConnection::Refuse(const HttpRefusal& refusal) {
  Respond(JsonAnswer(HttpErrorResponse(refusal.status, refusal.message)),
          /*close=*/true);
}

// Respond moves the rendered body into the response: a page is never copied
// between the store's rendering and the socket.
void HttpConnection::Respond(HttpAnswer answer, bool close,
                             std::string_view allow) {
  if (closed_) return;
  DisarmTimer();
  state_ = State::kWriting;
  ++requests_;
  const bool head_only = parser_.has_value() && parser_->is_header_done() &&
                         parser_->head().method == "HEAD";
  const bool keep_alive = !close && !stopping_ && parser_.has_value() &&
                          parser_->is_header_done() && parser_->keep_alive() &&
                          requests_ < context_.options.keep_alive_max_requests;
  close_after_write_ = !keep_alive;
  logged_status_ = answer.status;
  logged_bytes_ = answer.body.size();

  response_ = {};
  response_.version(11);
  response_.result(static_cast<unsigned>(answer.status));
  response_.set(http::field::content_type, answer.content_type);
  for (const auto& [name, value] : answer.headers) response_.set(name, value);
  if (!allow.empty()) response_.set(http::field::allow, allow);
  if (answer.status == 503) response_.set(http::field::retry_after, "1");
  if (keep_alive) {
    response_.set(
        http::field::keep_alive,
        absl::StrCat(
            "timeout=",
            absl::ToInt64Seconds(context_.options.keep_alive_timeout),
            ", max=", context_.options.keep_alive_max_requests - requests_));
    if (parser_->head().version == 10) {
      response_.set(http::field::connection, "keep-alive");
    }
  } else {
    response_.set(http::field::connection, "close");
  }
  response_.content_length(answer.body.size());
  if (!head_only) response_.body() = std::move(answer.body);
  serializer_.emplace(response_);
  WriteSome();
}

// WriteSome writes the answer piece by piece so that only a stall (no
// progress within io_timeout), not a large answer, fails the connection.
void HttpConnection::WriteSome() {
  ArmTimer(Clock::now() + ToChrono(context_.options.io_timeout));
  http::async_write_some(
      socket_, *serializer_,
      [self = shared_from_this()](beast::error_code ec, size_t) {
        if (self->closed_) return;
        if (ec) return self->Close();
        if (!self->serializer_->is_done()) return self->WriteSome();
        self->OnWritten();
      });
}

void HttpConnection::OnWritten() {
  DisarmTimer();
  Log();
  serializer_.reset();
  response_ = {};
  if (close_after_write_) return Linger();
  request_start_ = Clock::now();
  BeginRequest();
}

void HttpConnection::Linger() {
  state_ = State::kLingering;
  parser_.reset();
  beast::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  ArmTimer(Clock::now() + kLinger);
  ReadMore();
}

void HttpConnection::Close() {
  if (closed_) return;
  closed_ = true;
  DisarmTimer();
  beast::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

void HttpConnection::ArmTimer(Clock::time_point deadline) {
  if (stop_deadline_.has_value())
    deadline = std::min(deadline, *stop_deadline_);
  const uint64_t generation = ++timer_generation_;
  timer_.expires_at(deadline);
  timer_.async_wait(
      [self = shared_from_this(), generation](beast::error_code ec) {
        if (ec || generation != self->timer_generation_ || self->closed_) {
          return;
        }
        self->OnTimeout();
      });
}

void HttpConnection::DisarmTimer() {
  ++timer_generation_;
  timer_.cancel();
}

void HttpConnection::OnTimeout() {
  switch (state_) {
    case State::kIdle:
      return Close();  // no byte of a next request: close quietly
    case State::kHeader:
      return Refuse({408, absl::StrCat("request header: not complete within ",
                                       absl::FormatDuration(
                                           context_.options.header_timeout))});
    case State::kBody:
      return Refuse({408, absl::StrCat("body: no progress for ",
                                       absl::FormatDuration(
                                           context_.options.io_timeout))});
    case State::kContinue:
    case State::kWriting:
    case State::kLingering:
      return Close();
    case State::kWorking:
      return;  // no deadline on the store work
  }
}

// Log writes the request log line: time, method, path, status, latency from
// the parsed header (from the request's start when it never parsed) to the
// written answer, body bytes, the authorized app.
void HttpConnection::Log() {
  const bool have_head = parser_.has_value();
  const std::string method =
      have_head ? LoggedPath(parser_->head().method) : "-";
  const std::string path = have_head ? LoggedPath(parser_->head().path) : "-";
  const double ms = std::chrono::duration<double, std::milli>(
                        Clock::now() - header_done_.value_or(request_start_))
                        .count();
  std::string line = absl::StrCat(
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                       absl::UTCTimeZone()),
      " ", method, " ", path, " ", logged_status_, " ",
      absl::StrFormat("%.3fms", ms), " ", logged_bytes_,
      "B app=", admitted_.app != nullptr ? admitted_.app->app_id : "-");
  if (!logged_refusal_.empty()) {
    // C-escaped: the reason quotes the token's claims, which the client chose.
    absl::StrAppend(&line, " refused=\"", absl::CHexEscape(logged_refusal_),
                    "\"");
  }
  if (context_.options.request_log) {
    context_.options.request_log(line);
  } else {
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
}

}  // namespace sessiondb
