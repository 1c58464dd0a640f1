#include "server/route_handler.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/absl_compat.h"
#include "codec/error_json.h"
#include "server/authorization.h"
#include "server/explorer_page.h"
#include "server/ingest_body.h"
#include "server/jwt.h"

namespace sessiondb {
namespace {

std::string_view Trim(std::string_view s) {
  absl::string_view t = absl::StripAsciiWhitespace(AsAbsl(s));
  return std::string_view(t.data(), t.size());
}

// StripBearer removes a leading "Bearer " (any case) and the spaces after it.
std::optional<std::string_view> StripBearer(std::string_view value) {
  constexpr std::string_view kBearer = "bearer ";
  if (value.size() < kBearer.size() ||
      !absl::EqualsIgnoreCase(AsAbsl(value.substr(0, kBearer.size())),
                              AsAbsl(kBearer))) {
    return std::nullopt;
  }
  return Trim(value.substr(kBearer.size()));
}

// ContainmentParam is the containmentType query parameter. Repeating it with
// one value is harmless; with different values the request is ambiguous.
absl::StatusOr<std::optional<std::string_view>> ContainmentParam(
    const QueryParams& params) {
  auto [begin, end] = params.equal_range("containmentType");
  if (begin == end) return std::nullopt;
  for (auto it = std::next(begin); it != end; ++it) {
    if (it->second != begin->second) {
      return absl::InvalidArgumentError(
          "containmentType: given more than once with different values");
    }
  }
  return std::string_view(begin->second);
}

// The payload under which a refused token's reason travels to the log.
constexpr std::string_view kRefusalReasonUrl =
    "sessiondb.dev/server/token-refusal-reason";

// InvalidToken is the 401 of every refused token: one message for all, the
// reason kept as a payload.
absl::Status InvalidToken(const absl::Status& reason) {
  absl::Status status =
      absl::UnauthenticatedError(AsAbsl(kInvalidTokenMessage));
  status.SetPayload(AsAbsl(kRefusalReasonUrl), absl::Cord(reason.message()));
  return status;
}

}  // namespace

std::string TokenRefusalReason(const absl::Status& status) {
  const auto reason = status.GetPayload(AsAbsl(kRefusalReasonUrl));
  return reason.has_value() ? std::string(*reason) : std::string();
}

absl::StatusOr<std::string_view> BearerToken(const RequestHead& head) {
  if (head.auth.has_value()) {
    std::string_view token = Trim(*head.auth);
    if (std::optional<std::string_view> bare = StripBearer(token)) {
      token = *bare;
    }
    if (token.empty()) {
      return absl::UnauthenticatedError("token: the auth header is empty");
    }
    return token;
  }
  if (head.authorization.has_value()) {
    std::optional<std::string_view> token =
        StripBearer(Trim(*head.authorization));
    if (!token.has_value() || token->empty()) {
      return absl::UnauthenticatedError(
          "token: the Authorization header must be \"Bearer <JWT>\"");
    }
    return *token;
  }
  return absl::UnauthenticatedError(
      "token: missing; send the JWT in the auth header (or Authorization: "
      "Bearer)");
}

RouteHandler::RouteHandler(Store& store, const AppsRegistry& apps,
                           BodyLimits limits, TokenRules token_rules,
                           std::function<absl::Time()> clock)
    : store_(store),
      apps_(apps),
      limits_(limits),
      token_rules_(std::move(token_rules)),
      clock_(clock ? std::move(clock) : [] { return absl::Now(); }) {}

absl::StatusOr<AdmittedRequest> RouteHandler::Admit(
    const RequestHead& head) const {
  std::optional<Route> route = MatchRoute(head.path);
  if (!route.has_value()) {
    return absl::NotFoundError(absl::StrCat("no route ", AsAbsl(head.path)));
  }
  if (!IsMethodAllowed(route->kind, head.method)) {
    return absl::UnimplementedError(absl::StrCat(
        "method ", AsAbsl(head.method), " is not allowed on ",
        AsAbsl(head.path), "; use ", AsAbsl(AllowedMethods(route->kind))));
  }
  AdmittedRequest admitted{*std::move(route), nullptr, 0, nullptr};
  // The page holds no data: it asks the API, with the user's token.
  if (admitted.route.kind == RouteKind::kHealthz ||
      admitted.route.kind == RouteKind::kExplorerFile) {
    return admitted;
  }

  absl::StatusOr<std::string_view> token = BearerToken(head);
  if (!token.ok()) return token.status();
  admitted.apps = apps_.Current();
  absl::StatusOr<const App*> app =
      VerifyToken(*token, *admitted.apps, clock_(), token_rules_);
  if (!app.ok()) return InvalidToken(app.status());
  absl::Status allowed = Authorize(**app, admitted.route);
  if (!allowed.ok()) return allowed;
  admitted.app = *app;
  admitted.body_limit = admitted.route.kind == RouteKind::kIngestSessions
                            ? limits_.ingest_bytes
                            : limits_.query_bytes;
  return admitted;
}

HttpAnswer RouteHandler::Handle(const AdmittedRequest& request,
                                const QueryParams& params,
                                std::string_view body) const {
  switch (request.route.kind) {
    case RouteKind::kHealthz:
      return JsonAnswer(ApiResponse{200, R"({"status":"ok"})"});
    case RouteKind::kExplorerFile:
      return ExplorerAnswer(*request.route.file, params);
    case RouteKind::kIngestSessions:
      return JsonAnswer(HandleIngest(body));
    case RouteKind::kBotGetSessions:
    case RouteKind::kAccountGetSessions: {
      absl::StatusOr<std::optional<std::string_view>> containment =
          ContainmentParam(params);
      if (!containment.ok()) {
        return JsonAnswer(ErrorResponse(containment.status()));
      }
      std::optional<std::string_view> bot;
      if (request.route.kind == RouteKind::kBotGetSessions) {
        bot = request.route.bot_id;
      }
      return JsonAnswer(store_.HandleGetSessions(bot, *containment, body));
    }
  }
  return JsonAnswer(ErrorResponse(absl::InternalError("unknown route")));
}

ApiResponse RouteHandler::HandleIngest(std::string_view body) const {
  absl::StatusOr<std::vector<Session>> sessions = ParseIngestBody(body);
  if (!sessions.ok()) return ErrorResponse(sessions.status());
  absl::Status written = store_.PutBatch(*sessions);
  if (!written.ok()) return ErrorResponse(written);
  return ApiResponse{200, absl::StrCat("{\"written\":", sessions->size(), "}")};
}

}  // namespace sessiondb
