// AppsConfig: the apps file of API.md §5 — every API client the server knows,
// with its client secret, its scopes and, for bot scope, the bots it may read.
//
//   {"apps": [
//     {"appId": "cs-reader", "clientSecret": "…", "scopes": ["bot:sessions"],
//      "bots": ["st-1"]},
//     {"appId": "cs-admin", "clientSecret": "…",
//      "scopes": ["admin:bot-sessions"]},
//     {"appId": "cs-writer", "clientSecret": "…", "scopes": ["sessions:write"]}
//   ]}
#ifndef SESSIONDB_SERVER_APPS_CONFIG_H_
#define SESSIONDB_SERVER_APPS_CONFIG_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"

namespace sessiondb {

// The scope strings of the apps file and what each grants.
inline constexpr std::string_view kScopeBotSessions = "bot:sessions";
inline constexpr std::string_view kScopeAdminBotSessions = "admin:bot-sessions";
inline constexpr std::string_view kScopeSessionsWrite = "sessions:write";

// The shortest clientSecret accepted: an HS256 key must be at least as long
// as the hash output (RFC 7518 §3.2), or one captured token lets anyone
// search the key offline.
inline constexpr size_t kMinClientSecretBytes = 32;

// App is one entry of the apps file. Plain value type.
struct App {
  std::string app_id;
  std::string client_secret;
  // bot:sessions: the bot-scoped route, for the bots in `bots` only.
  bool bot_sessions = false;
  // admin:bot-sessions: both getSessions routes, every bot.
  bool admin_bot_sessions = false;
  // sessions:write: POST /api/sessiondb/sessions.
  bool sessions_write = false;
  absl::flat_hash_set<std::string> bots;
};

// AppsConfig is immutable after Parse, so safe for concurrent use.
class AppsConfig {
 public:
  // Parse reads the apps file's JSON. Returns InvalidArgument naming the
  // entry and the field, e.g. `apps[1] (appId "cs-x"): scopes[0]: unknown
  // scope "bot:session"`. Rules: the top level is {"apps": [...]}, a
  // non-empty array; each entry has a unique non-empty appId, a clientSecret
  // of at least kMinClientSecretBytes bytes, scopes (an array of known scope
  // strings) and optionally
  // bots (an array of non-empty strings); unknown keys are errors, so that a
  // typo cannot silently widen or narrow access.
  static absl::StatusOr<AppsConfig> Parse(std::string_view json);

  // Load reads and parses the file at `path`; NotFound when it cannot be
  // read, otherwise as Parse with the path prefixed to the message.
  static absl::StatusOr<AppsConfig> Load(const std::string& path);

  // Find returns the app with this appId, or nullptr. The pointer lives as
  // long as this AppsConfig.
  const App* Find(std::string_view app_id) const;

  const std::vector<App>& apps() const { return apps_; }

 private:
  std::vector<App> apps_;
  absl::flat_hash_map<std::string, size_t> index_;  // appId -> apps_ index
};

// AppsFileAccessWarning returns a warning naming the file and its mode when
// group or others have any access to it (mode & 077): its secrets sign
// tokens. Empty when the file is private or cannot be examined.
std::string AppsFileAccessWarning(const std::string& path);

}  // namespace sessiondb

#endif  // SESSIONDB_SERVER_APPS_CONFIG_H_
