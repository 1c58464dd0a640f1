// sessiondb load / load-users: NDJSON files into a store (SPEC §6).
#include <unistd.h>

#include <fstream>
#include <iostream>

#include "absl/strings/str_format.h"
#include "command.h"
#include "ndjson_loader.h"

namespace sessiondb::tools {
namespace {

int RunLoad(const StoreFlags& flags, const std::string& file, LoadKind kind) {
  std::ifstream in(file);
  if (!in) return Fail(absl::NotFoundError("cannot open " + file));
  absl::StatusOr<std::unique_ptr<Store>> store = OpenStore(flags);
  if (!store.ok()) return Fail(store.status());
  absl::StatusOr<LoadSummary> summary =
      LoadNdjson(**store, kind, in, std::cerr, isatty(STDERR_FILENO) != 0);
  if (!summary.ok()) return Fail(summary.status());
  std::cout << absl::StrFormat(
      "loaded %d %s, rejected %d lines, %.2f s (%.0f/s)\n", summary->loaded,
      kind == LoadKind::kSessions ? "sessions" : "identities",
      summary->rejected, summary->seconds,
      summary->seconds > 0 ? summary->loaded / summary->seconds : 0.0);
  return summary->rejected == 0 ? 0 : 1;
}

Command LoadCommand(const char* name, const char* help, LoadKind kind) {
  return {name, help, [kind](CLI::App* app) {
            auto flags = std::make_shared<StoreFlags>();
            auto file = std::make_shared<std::string>();
            flags->AddTo(app, /*with_now=*/false);
            app->add_option("file", *file, "NDJSON, one record per line")
                ->required();
            return std::function<int()>(
                [flags, file, kind] { return RunLoad(*flags, *file, kind); });
          }};
}

SESSIONDB_REGISTER_COMMAND(load,
                           LoadCommand("load", "load sessions from NDJSON",
                                       LoadKind::kSessions));
SESSIONDB_REGISTER_COMMAND(load_users, LoadCommand("load-users",
                                                   "load user identity records",
                                                   LoadKind::kIdentities));

}  // namespace
}  // namespace sessiondb::tools
