#include "server/authorization.h"

#include "absl/strings/str_cat.h"
#include "base/absl_compat.h"

namespace sessiondb {

absl::Status Authorize(const App& app, const Route& route) {
  switch (route.kind) {
    case RouteKind::kHealthz:
    case RouteKind::kExplorerFile:
      return absl::OkStatus();
    case RouteKind::kBotGetSessions:
      if (app.admin_bot_sessions) return absl::OkStatus();
      if (!app.bot_sessions) {
        return absl::PermissionDeniedError(absl::StrCat(
            "app \"", app.app_id, "\" lacks scope ", AsAbsl(kScopeBotSessions),
            " or ", AsAbsl(kScopeAdminBotSessions)));
      }
      if (!app.bots.contains(route.bot_id)) {
        return absl::PermissionDeniedError(
            absl::StrCat("app \"", app.app_id, "\" may not read bot \"",
                         route.bot_id, "\""));
      }
      return absl::OkStatus();
    case RouteKind::kAccountGetSessions:
      if (app.admin_bot_sessions) return absl::OkStatus();
      return absl::PermissionDeniedError(
          absl::StrCat("app \"", app.app_id, "\" lacks scope ",
                       AsAbsl(kScopeAdminBotSessions),
                       " (the account-wide route reads every bot)"));
    case RouteKind::kIngestSessions:
      if (app.sessions_write) return absl::OkStatus();
      return absl::PermissionDeniedError(
          absl::StrCat("app \"", app.app_id, "\" lacks scope ",
                       AsAbsl(kScopeSessionsWrite)));
  }
  return absl::InternalError("unknown route");
}

}  // namespace sessiondb
