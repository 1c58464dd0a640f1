// RouteHandler: the HTTP endpoint's logic, apart from the transport. The HTTP
// layer (http_server.h) calls Admit with the request line and headers before
// it reads the body, then Handle with the body.
#ifndef SESSIONDB_SERVER_ROUTE_HANDLER_H_
#define SESSIONDB_SERVER_ROUTE_HANDLER_H_

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/apps_config.h"
#include "server/apps_registry.h"
#include "server/http_answer.h"
#include "server/jwt.h"
#include "server/routes.h"
#include "sessiondb/query.h"
#include "sessiondb/store.h"

namespace sessiondb {

// BodyLimits caps request bodies per route; a larger body is answered 413.
struct BodyLimits {
  // getSessions bodies are small JSON objects. Default: 1 MiB.
  size_t query_bytes = size_t{1} << 20;
  // Ingest batches (NDJSON or a JSON array). Default: 64 MiB.
  size_t ingest_bytes = size_t{64} << 20;
};

// RequestHead is what Admit sees: no body yet.
struct RequestHead {
  std::string_view method;
  std::string_view path;  // percent-decoded, without the query string
  std::optional<std::string_view> auth;           // the `auth` header
  std::optional<std::string_view> authorization;  // `Authorization: Bearer …`
};

// AdmittedRequest is a request that may proceed: its route, its caller
// (nullptr for /healthz and the explorer's files) and the most body bytes it
// may send. It holds the
// apps config that admitted it, so `app` stays valid (and the same) until
// the request is answered, whatever a reload does meanwhile.
struct AdmittedRequest {
  Route route;
  const App* app = nullptr;
  size_t body_limit = 0;
  std::shared_ptr<const AppsConfig> apps;
};

// The one 401 message for every token that was sent but refused (malformed,
// wrongly signed, expired, for an unknown app, ...), so that a client cannot
// tell an unknown app id from a wrong signature. The reason is kept for the
// server's log: see TokenRefusalReason.
inline constexpr std::string_view kInvalidTokenMessage =
    "token: not accepted (malformed, wrongly signed, expired, too old, or "
    "not for a known app)";

// QueryParams are the decoded query-string parameters, in order.
using QueryParams = std::multimap<std::string, std::string>;

// RouteHandler is safe for concurrent use (the Store and the registry are;
// the rest is const). It borrows the store and the registry, which must
// outlive it; each request reads the registry's current apps once.
class RouteHandler {
 public:
  // `clock` is the time tokens are checked against (exp, nbf, iat), under
  // `token_rules`.
  RouteHandler(Store& store, const AppsRegistry& apps, BodyLimits limits,
               TokenRules token_rules, std::function<absl::Time()> clock);

  // Admit decides everything that needs no body, in this order: NotFound
  // (unknown route, 404), Unimplemented (wrong method, 405), Unauthenticated
  // (401: no token, naming where to send it; any refused token,
  // kInvalidTokenMessage), PermissionDenied (scope or bot, 403). Reads no
  // store data.
  absl::StatusOr<AdmittedRequest> Admit(const RequestHead& head) const;

  // Handle answers an admitted request whose body fits its limit: the
  // getSessions page, {"written": N} for ingest, or the error in the API's
  // shape (all JSON); or one of the explorer's files. Never fails.
  HttpAnswer Handle(const AdmittedRequest& request, const QueryParams& params,
                    std::string_view body) const;

 private:
  ApiResponse HandleIngest(std::string_view body) const;

  Store& store_;
  const AppsRegistry& apps_;
  const BodyLimits limits_;
  const TokenRules token_rules_;
  const std::function<absl::Time()> clock_;
};

// BearerToken extracts the token: the `auth` header as is (a leading
// "Bearer " is tolerated), else `Authorization: Bearer <token>`.
// Unauthenticated when neither carries one.
absl::StatusOr<std::string_view> BearerToken(const RequestHead& head);

// TokenRefusalReason returns why Admit refused a token (VerifyToken's
// message), which the 401 body does not say; for the server's own log.
// Empty for any other status.
std::string TokenRefusalReason(const absl::Status& status);

}  // namespace sessiondb

#endif  // SESSIONDB_SERVER_ROUTE_HANDLER_H_
