// sessiondb export: every matching session, in the API's order, from one
// snapshot, as NDJSON or CSV (sessiondb/utilities/session_export.h).
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "command.h"
#include "progress_line.h"
#include "sessiondb/api_time.h"
#include "sessiondb/utilities/session_export.h"

namespace sessiondb::tools {
namespace {

// An offline scan reads each block once: a small cache keeps its memory
// flat whatever the store's size.
constexpr size_t kExportMemoryBudgetBytes = size_t{8} << 20;

struct ExportFlags {
  std::string db;
  std::optional<std::string> bot;
  std::optional<std::string> containment;
  std::optional<std::string> from;
  std::optional<std::string> to;
  std::optional<std::string> user;
  std::string format = "ndjson";
  std::string out;
};

// ParseFilter reads the flags as getSessions reads its body: a date-only
// --to covers that whole day.
absl::StatusOr<ExportFilter> ParseFilter(const ExportFlags& flags) {
  ExportFilter filter;
  filter.bot_id = flags.bot;
  filter.user_id = flags.user;
  if (flags.containment.has_value()) {
    absl::StatusOr<ContainmentType> c =
        ParseContainmentType(*flags.containment, "--containment");
    if (!c.ok()) return c.status();
    filter.containment = *c;
  }
  if (flags.from.has_value()) {
    absl::StatusOr<ParsedTime> t = ParseApiTime(*flags.from, "--from");
    if (!t.ok()) return t.status();
    filter.from_ms = t->ms;
  }
  if (flags.to.has_value()) {
    absl::StatusOr<ParsedTime> t = ParseApiTime(*flags.to, "--to");
    if (!t.ok()) return t.status();
    filter.to_ms = t->date_only
                       ? t->ms + absl::ToInt64Milliseconds(absl::Hours(24))
                       : t->ms;
  }
  return filter;
}

int RunExport(const ExportFlags& flags) {
  absl::StatusOr<ExportFilter> filter = ParseFilter(flags);
  if (!filter.ok()) return Fail(filter.status());
  ExportOptions options;
  if (flags.format == "csv") {
    options.format = ExportFormat::kCsv;
  } else if (flags.format != "ndjson") {
    return Fail(absl::InvalidArgumentError(absl::StrFormat(
        "--format: must be ndjson or csv, got \"%s\"", flags.format)));
  }
  ProgressLine progress(std::cerr, ::isatty(STDERR_FILENO) == 1);
  options.progress = [&progress](const ExportSummary& s) {
    progress.Update(absl::StrFormat("%d sessions, %.1f MiB, %.0f sessions/s",
                                    s.rows, s.bytes / 1048576.0,
                                    s.seconds > 0 ? s.rows / s.seconds : 0.0));
  };

  Options store_options;
  store_options.memory_budget_bytes = kExportMemoryBudgetBytes;
  absl::StatusOr<std::unique_ptr<Store>> store =
      Store::OpenReader(store_options, flags.db);
  if (!store.ok()) return Fail(store.status());

  std::ofstream file;
  if (!flags.out.empty()) {
    file.open(flags.out, std::ios::binary | std::ios::trunc);
    if (!file) {
      return Fail(absl::NotFoundError(
          absl::StrFormat("--out: cannot open \"%s\"", flags.out)));
    }
  } else {
    std::ios::sync_with_stdio(false);
  }
  std::ostream& out = flags.out.empty() ? std::cout : file;
  absl::StatusOr<ExportSummary> summary =
      ExportSessionsTo(**store, *filter, options, out);
  progress.Clear();
  if (!summary.ok()) return Fail(summary.status());
  std::cerr << absl::StrFormat(
      "exported %d sessions, %d bytes in %.2f s (%.0f sessions/s)\n",
      summary->rows, summary->bytes, summary->seconds,
      summary->seconds > 0 ? summary->rows / summary->seconds : 0.0);
  return 0;
}

SESSIONDB_REGISTER_COMMAND(
    export,
    Command{
        "export",
        "stream every matching session (NDJSON or CSV) from one "
        "snapshot",
        [](CLI::App* app) {
          auto flags = std::make_shared<ExportFlags>();
          app->add_option("--db", flags->db, "store directory")->required();
          app->add_option("--bot", flags->bot, "botId (absent: every bot)");
          app->add_option("--containment", flags->containment,
                          "dropOff, selfService or agent");
          app->add_option("--from", flags->from,
                          "first start_time (ISO date or time)");
          app->add_option("--to", flags->to,
                          "end of the window, exclusive (a date "
                          "alone covers that day)");
          app->add_option("--user", flags->user,
                          "internal userId or an alias of one");
          app->add_option("--format", flags->format, "ndjson (default) or csv");
          app->add_option("--out", flags->out, "output file (default: stdout)");
          return std::function<int()>([flags] { return RunExport(*flags); });
        }});

}  // namespace
}  // namespace sessiondb::tools
