// sessiondb stats: sessions per bot, aliases, size.
#include <iostream>

#include "absl/strings/str_format.h"
#include "command.h"

namespace sessiondb::tools {
namespace {

int RunStats(const StoreFlags& flags) {
  absl::StatusOr<std::unique_ptr<Store>> store = OpenStoreReader(flags);
  if (!store.ok()) return Fail(store.status());
  absl::StatusOr<StoreStats> stats = (*store)->GetStats();
  if (!stats.ok()) return Fail(stats.status());
  std::cout << absl::StrFormat(
      "sessions: %d\naliases:  %d\nbytes:    %d\nbots:     %d\n",
      stats->sessions, stats->aliases, stats->approximate_disk_bytes,
      stats->sessions_per_bot.size());
  for (const auto& [bot, n] : stats->sessions_per_bot) {
    std::cout << absl::StrFormat("  %s %d\n", bot, n);
  }
  return 0;
}

SESSIONDB_REGISTER_COMMAND(stats,
                           Command{
                               "stats", "summarize a store", [](CLI::App* app) {
                                 auto flags = std::make_shared<StoreFlags>();
                                 flags->AddTo(app, /*with_now=*/false);
                                 return std::function<int()>(
                                     [flags] { return RunStats(*flags); });
                               }});

}  // namespace
}  // namespace sessiondb::tools
