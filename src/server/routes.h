// The routes of the HTTP endpoint (API.md §5) and how a request path maps to
// one. Paths match exactly (case-sensitive, no trailing slash).
#ifndef SESSIONDB_SERVER_ROUTES_H_
#define SESSIONDB_SERVER_ROUTES_H_

#include <optional>
#include <string>
#include <string_view>

#include "server/explorer_files.h"

namespace sessiondb {

enum class RouteKind {
  kBotGetSessions,      // POST /api/public/bot/{BotID}/getSessions
  kAccountGetSessions,  // POST /api/public/getSessions
  kIngestSessions,      // POST /api/sessiondb/sessions
  kHealthz,             // GET /healthz
  kExplorerFile,        // GET /, /explorer.css, /explorer.js (SPEC §8)
};

struct Route {
  RouteKind kind;
  std::string bot_id;  // kBotGetSessions only: the {BotID} path segment
  const ExplorerFile* file = nullptr;  // kExplorerFile only
};

// MatchRoute returns the route of a (percent-decoded) path, or nullopt.
std::optional<Route> MatchRoute(std::string_view path);

// AllowedMethods is the value of the Allow header for the route.
std::string_view AllowedMethods(RouteKind kind);

// IsMethodAllowed: POST for the API routes, GET or HEAD for /healthz and the
// explorer's files.
bool IsMethodAllowed(RouteKind kind, std::string_view method);

}  // namespace sessiondb

#endif  // SESSIONDB_SERVER_ROUTES_H_
