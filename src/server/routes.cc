#include "server/routes.h"

#include <optional>
#include <string>
#include <string_view>

#include "server/explorer_page.h"

namespace sessiondb {

std::optional<Route> MatchRoute(std::string_view path) {
  if (path == "/api/public/getSessions") {
    return Route{RouteKind::kAccountGetSessions, {}};
  }
  if (path == "/api/sessiondb/sessions") {
    return Route{RouteKind::kIngestSessions, {}};
  }
  if (path == "/healthz") return Route{RouteKind::kHealthz, {}};
  if (const ExplorerFile* file = FindExplorerFile(path)) {
    return Route{RouteKind::kExplorerFile, {}, file};
  }
  constexpr std::string_view kBotPrefix = "/api/public/bot/";
  constexpr std::string_view kBotSuffix = "/getSessions";
  if (path.size() > kBotPrefix.size() + kBotSuffix.size() &&
      path.substr(0, kBotPrefix.size()) == kBotPrefix &&
      path.substr(path.size() - kBotSuffix.size()) == kBotSuffix) {
    std::string_view bot = path.substr(
        kBotPrefix.size(), path.size() - kBotPrefix.size() - kBotSuffix.size());
    if (bot.find('/') == std::string_view::npos) {
      return Route{RouteKind::kBotGetSessions, std::string(bot)};
    }
  }
  return std::nullopt;
}

namespace {

bool IsReadOnly(RouteKind kind) {
  return kind == RouteKind::kHealthz || kind == RouteKind::kExplorerFile;
}

}  // namespace

std::string_view AllowedMethods(RouteKind kind) {
  return IsReadOnly(kind) ? "GET, HEAD" : "POST";
}

bool IsMethodAllowed(RouteKind kind, std::string_view method) {
  if (IsReadOnly(kind)) return method == "GET" || method == "HEAD";
  return method == "POST";
}

}  // namespace sessiondb
