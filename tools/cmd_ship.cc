// sessiondb ship: every session of one snapshot of the store to ClickHouse
// (SPEC §9; backends/clickhouse/clickhouse_ship.h does the work); with
// --follow, then every later write until SIGTERM/SIGINT
// (backends/clickhouse/clickhouse_follow.h).
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <iostream>
#include <optional>
#include <string>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "backends/clickhouse/clickhouse_follow.h"
#include "backends/clickhouse/clickhouse_ship.h"
#include "command.h"
#include "progress_line.h"

namespace sessiondb::tools {
namespace {

// Like export: one pass over every block, so a small cache keeps memory
// flat whatever the store's size.
constexpr size_t kShipMemoryBudgetBytes = size_t{8} << 20;

struct ShipFlags {
  std::string db;
  std::string clickhouse;
  std::optional<std::string> cluster;
  std::string database = "sessiondb";
  bool follow = false;
  double poll_seconds = 1;
  int64_t batch_rows = ShipOptions().batch_rows;
};

volatile sig_atomic_t stop_requested = 0;

void RequestStop(int) { stop_requested = 1; }

// RunFollow ships, then follows the writer until SIGTERM or SIGINT.
int RunFollow(Store& store, const ShipTarget& target, ShipOptions options,
              double poll_seconds) {
  struct sigaction action = {};
  action.sa_handler = RequestStop;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  ProgressLine line(std::cerr, tty);
  FollowOptions follow;
  follow.poll = absl::Seconds(poll_seconds);
  follow.stop = [] { return stop_requested != 0; };
  follow.ship = std::move(options);
  follow.progress = [&](const FollowProgress& p) {
    const std::string text = absl::StrFormat(
        "shipped through change %d; lag %d changes, %.1f s; this round %d "
        "sessions, %d tombstones%s; %d rounds, %d sessions in all",
        p.shipped_through, p.entries_behind, p.seconds_behind, p.sessions,
        p.tombstones, p.reshipped ? " (whole snapshot)" : "", p.rounds,
        p.total_sessions);
    if (p.resumed) {
      line.Clear();
      std::cerr << "ship --follow: ClickHouse holds this store through change "
                << p.shipped_through << "; following from there\n";
    } else if (tty) {
      line.Update(text);
    } else if (p.reshipped) {
      std::cerr << text << "\n";
    }
  };
  absl::Status s = FollowChanges(store, target, follow);
  line.Clear();
  if (!s.ok()) return Fail(s);
  std::cerr << "ship --follow: stopped\n";
  return 0;
}

int RunShip(const ShipFlags& flags) {
  ShipTarget target;
  absl::StatusOr<std::vector<std::string>> urls =
      ParseClickHouseUrls(flags.clickhouse);
  if (!urls.ok()) return Fail(urls.status());
  target.urls = *std::move(urls);
  target.cluster = flags.cluster;
  target.database = flags.database;

  Options store_options;
  store_options.memory_budget_bytes = kShipMemoryBudgetBytes;
  absl::StatusOr<std::unique_ptr<Store>> store =
      Store::OpenReader(store_options, flags.db);
  if (!store.ok()) return Fail(store.status());

  ShipOptions options;
  if (flags.batch_rows < 1) {
    return Fail(absl::InvalidArgumentError(absl::StrFormat(
        "--batch-rows: must be at least 1, got %d", flags.batch_rows)));
  }
  options.batch_rows = flags.batch_rows;
  if (flags.follow) {
    return RunFollow(**store, target, std::move(options), flags.poll_seconds);
  }
  ProgressLine progress(std::cerr, ::isatty(STDERR_FILENO) == 1);
  options.progress = [&progress](const ShipProgress& p) {
    progress.Update(absl::StrFormat(
        "%d sessions, %.1f MiB, %.0f sessions/s", p.sessions,
        p.bytes / 1048576.0, p.seconds > 0 ? p.sessions / p.seconds : 0.0));
  };
  absl::StatusOr<ShipSummary> summary = ShipSnapshot(**store, target, options);
  progress.Clear();
  if (!summary.ok()) return Fail(summary.status());
  std::cerr << absl::StrFormat(
      "shipped %d sessions (per shard: %s), %d tombstones, %d aliases (%d "
      "tombstones) at version %d in %.2f s (%.0f sessions/s)\n",
      summary->sessions, absl::StrJoin(summary->sessions_per_shard, " "),
      summary->tombstones, summary->aliases, summary->alias_tombstones,
      summary->version, summary->seconds,
      summary->seconds > 0 ? summary->sessions / summary->seconds : 0.0);
  std::cerr << absl::StrFormat(
      "  sessions %.2f s (%.0f/s, %.1f MiB RowBinary), tombstones %.2f s, "
      "aliases %.2f s\n",
      summary->sessions_seconds,
      summary->sessions_seconds > 0
          ? summary->sessions / summary->sessions_seconds
          : 0.0,
      summary->bytes / 1048576.0, summary->tombstones_seconds,
      summary->aliases_seconds);
  // The store's writer trims its change log up to what was shipped.
  if (absl::Status marked = MarkShipped(**store, summary->version);
      !marked.ok()) {
    std::cerr << "warning: the store's change log cannot be trimmed: "
              << marked.message() << "\n";
  }
  return 0;
}

SESSIONDB_REGISTER_COMMAND(
    ship,
    Command{"ship",
            "copy every session of one snapshot to ClickHouse (SPEC §9); "
            "re-running converges",
            [](CLI::App* app) {
              auto flags = std::make_shared<ShipFlags>();
              app->add_option("--db", flags->db, "store directory")->required();
              app->add_option("--clickhouse", flags->clickhouse,
                              "HTTP endpoint(s), URL[,URL…]: with --cluster "
                              "every shard's, in remote_servers' shard order")
                  ->required();
              app->add_option("--cluster", flags->cluster,
                              "cluster name in remote_servers (absent: one "
                              "server, no Distributed table)");
              app->add_option("--database", flags->database,
                              "ClickHouse database (default: sessiondb)");
              app->add_flag("--follow", flags->follow,
                            "then ship every later write (the store's change "
                            "log) until SIGTERM/SIGINT, printing the lag");
              app->add_option("--poll", flags->poll_seconds,
                              "with --follow: seconds between looks at an "
                              "idle store (default: 1)");
              app->add_option("--batch-rows", flags->batch_rows,
                              "rows per insert and shard (default 100000; "
                              "an insert also stops at 64 MiB)");
              return std::function<int()>([flags] { return RunShip(*flags); });
            }});

}  // namespace
}  // namespace sessiondb::tools
