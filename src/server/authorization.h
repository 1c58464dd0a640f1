// Authorize: what an authenticated app may do (API.md §5 scopes).
//   bot:sessions        the bot-scoped getSessions route, for its bots only
//   admin:bot-sessions  both getSessions routes, every bot
//   sessions:write      POST /api/sessiondb/sessions
#ifndef SESSIONDB_SERVER_AUTHORIZATION_H_
#define SESSIONDB_SERVER_AUTHORIZATION_H_

#include "absl/status/status.h"
#include "server/apps_config.h"
#include "server/routes.h"

namespace sessiondb {

// Authorize returns OK when `app` may call `route`, else PermissionDenied
// naming the app and the scope or bot it lacks. /healthz needs nothing.
absl::Status Authorize(const App& app, const Route& route);

}  // namespace sessiondb

#endif  // SESSIONDB_SERVER_AUTHORIZATION_H_
