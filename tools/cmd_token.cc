// sessiondb token: mint a signed JWT for an app of the apps file (SPEC §5),
// for tests, demos and scripts. Prints the token and nothing else.
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "command.h"
#include "server/apps_config.h"
#include "server/jwt.h"

namespace sessiondb::tools {
namespace {

struct TokenFlags {
  std::string apps_file;
  std::string app_id;
  int64_t ttl_seconds = 3600;
};

int RunToken(const TokenFlags& flags) {
  if (flags.ttl_seconds <= 0) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("--ttl: must be positive, got ", flags.ttl_seconds)));
  }
  absl::StatusOr<AppsConfig> apps = AppsConfig::Load(flags.apps_file);
  if (!apps.ok()) return Fail(apps.status());
  const App* app = apps->Find(flags.app_id);
  if (app == nullptr) {
    return Fail(absl::NotFoundError(absl::StrCat(
        "--app: no app \"", flags.app_id, "\" in ", flags.apps_file)));
  }
  absl::StatusOr<std::string> token =
      MintToken(*app, absl::Now(), absl::Seconds(flags.ttl_seconds));
  if (!token.ok()) return Fail(token.status());
  std::cout << *token << "\n";
  return 0;
}

SESSIONDB_REGISTER_COMMAND(
    token,
    Command{"token", "print a signed JWT for an app of the apps file",
            [](CLI::App* app) {
              auto flags = std::make_shared<TokenFlags>();
              app->add_option("--apps", flags->apps_file,
                              "apps file (JSON, SPEC §5)")
                  ->required();
              app->add_option("--app", flags->app_id, "appId")->required();
              app->add_option("--ttl", flags->ttl_seconds,
                              "seconds until the token expires "
                              "(default 3600)");
              return std::function<int()>([flags] { return RunToken(*flags); });
            }});

}  // namespace
}  // namespace sessiondb::tools
