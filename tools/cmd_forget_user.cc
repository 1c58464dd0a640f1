// sessiondb forget-user: a data-subject erasure, deleting every session of a
// user and its aliases (sessiondb/utilities/retention.h).
#include <iostream>
#include <string>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "command.h"
#include "sessiondb/utilities/retention.h"

namespace sessiondb::tools {
namespace {

struct ForgetUserFlags {
  StoreFlags store;
  std::string user;
};

int RunForgetUser(const ForgetUserFlags& flags) {
  absl::StatusOr<std::unique_ptr<Store>> store =
      OpenStore(flags.store, /*create_if_missing=*/false);
  if (!store.ok()) return Fail(store.status());
  absl::StatusOr<DeletionSummary> summary = DeleteUser(**store, flags.user);
  if (!summary.ok()) return Fail(summary.status());
  std::cout << absl::StrFormat(
      "deleted %d sessions and %d aliases of user %s in %d batches\n",
      summary->sessions_deleted, summary->aliases_removed,
      summary->user_ids.empty() ? flags.user
                                : absl::StrJoin(summary->user_ids, ", "),
      summary->batches);
  return 0;
}

SESSIONDB_REGISTER_COMMAND(
    forget_user,
    Command{"forget-user",
            "erase a user: every session of it and of its aliases, and the "
            "aliases",
            [](CLI::App* app) {
              auto flags = std::make_shared<ForgetUserFlags>();
              flags->store.AddTo(app, /*with_now=*/false);
              app->add_option("user", flags->user,
                              "internal userId or an alias (email, "
                              "enterprise id)")
                  ->required();
              return std::function<int()>(
                  [flags] { return RunForgetUser(*flags); });
            }});

}  // namespace
}  // namespace sessiondb::tools
