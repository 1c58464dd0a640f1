// sessiondb purge: retention, deleting every session that started before a
// cutoff (sessiondb/utilities/retention.h).
#include <unistd.h>

#include <iostream>
#include <optional>
#include <string>

#include "absl/strings/str_format.h"
#include "command.h"
#include "progress_line.h"
#include "sessiondb/api_time.h"
#include "sessiondb/utilities/retention.h"

namespace sessiondb::tools {
namespace {

struct PurgeFlags {
  StoreFlags store;
  std::string before;
  std::optional<std::string> bot;
};

int RunPurge(const PurgeFlags& flags) {
  // A date alone means 00:00 UTC of that day: that day is kept.
  absl::StatusOr<ParsedTime> cutoff = ParseApiTime(flags.before, "--before");
  if (!cutoff.ok()) return Fail(cutoff.status());
  absl::StatusOr<std::unique_ptr<Store>> store =
      OpenStore(flags.store, /*create_if_missing=*/false);
  if (!store.ok()) return Fail(store.status());
  ProgressLine progress(std::cerr, ::isatty(STDERR_FILENO) == 1);
  RetentionOptions options;
  options.progress = [&progress](int64_t deleted) {
    const double seconds = progress.Seconds();
    progress.Update(absl::StrFormat("%d sessions deleted, %.0f/s", deleted,
                                    seconds > 0 ? deleted / seconds : 0.0));
  };
  absl::StatusOr<DeletionSummary> summary = DeleteSessionsBefore(
      **store,
      flags.bot.has_value() ? std::optional<std::string_view>(*flags.bot)
                            : std::nullopt,
      cutoff->ms, options);
  progress.Clear();
  if (!summary.ok()) return Fail(summary.status());
  std::cout << absl::StrFormat(
      "deleted %d sessions that started before %s%s in %d batches\n",
      summary->sessions_deleted, FormatIsoMillis(cutoff->ms),
      flags.bot.has_value() ? " on bot " + *flags.bot : "", summary->batches);
  return 0;
}

SESSIONDB_REGISTER_COMMAND(
    purge,
    Command{"purge", "delete every session that started before a time",
            [](CLI::App* app) {
              auto flags = std::make_shared<PurgeFlags>();
              flags->store.AddTo(app, /*with_now=*/false);
              app->add_option("--before", flags->before,
                              "cutoff: ISO date (00:00 UTC) or time")
                  ->required();
              app->add_option("--bot", flags->bot,
                              "only this botId (absent: every bot)");
              return std::function<int()>([flags] { return RunPurge(*flags); });
            }});

}  // namespace
}  // namespace sessiondb::tools
