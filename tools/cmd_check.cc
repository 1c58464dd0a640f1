// sessiondb check: verify a whole store; --repair rebuilds derived data.
//
// Prints a summary on stdout and every inconsistency ("cf … key …: …") on
// stderr. Exit status: 0 consistent (after the repair, with --repair);
// 1 inconsistent; 2 the store could not be opened or read.
#include <iostream>

#include "absl/strings/str_format.h"
#include "command.h"

namespace sessiondb::tools {
namespace {

struct CheckFlags {
  StoreFlags store;
  bool repair = false;
  int max_reported = 1000;
};

void PrintList(const char* what, const std::vector<Inconsistency>& list,
               int64_t count) {
  for (const Inconsistency& i : list) {
    std::cerr << "sessiondb check: " << what << i.ToString() << "\n";
  }
  if (count > static_cast<int64_t>(list.size())) {
    std::cerr << "sessiondb check: … and " << count - list.size()
              << " more (raise --max-report)\n";
  }
}

int RunCheck(const CheckFlags& flags) {
  // Checking never creates a store; only a repair needs the writer's lock,
  // a check runs beside a running writer.
  Options open_options;
  open_options.create_if_missing = false;
  absl::StatusOr<std::unique_ptr<Store>> store =
      flags.repair ? Store::Open(open_options, flags.store.db)
                   : Store::OpenReader(open_options, flags.store.db);
  if (!store.ok()) {
    Fail(store.status());
    return 2;
  }
  CheckOptions options;
  options.repair = flags.repair;
  options.max_reported = flags.max_reported;
  absl::StatusOr<CheckReport> report = (*store)->Check(options);
  if (!report.ok()) {
    Fail(report.status());
    return 2;
  }
  std::cout << absl::StrFormat(
      "records:         %d\n"
      "index entries:   %d\n"
      "counters:        %d\n"
      "users:           %d\n"
      "bots:            %d\n"
      "inconsistencies: %d\n",
      report->records, report->index_entries, report->counters, report->users,
      report->bots, report->inconsistency_count);
  for (const std::string& cf : report->unverified_column_families) {
    std::cout << "not verified:    column family " << cf << "\n";
  }
  PrintList("", report->inconsistencies, report->inconsistency_count);
  if (report->repaired) {
    std::cout << absl::StrFormat(
        "repaired:        %d writes, %d records dropped\n"
        "after repair:    %d inconsistencies\n",
        report->repair_writes, report->dropped_records.size(),
        report->remaining_count);
    for (const std::string& key : report->dropped_records) {
      std::cerr << "sessiondb check: dropped unreadable or repeated record "
                << key << "\n";
    }
    PrintList("after repair: ", report->remaining, report->remaining_count);
  }
  std::cout << (report->consistent() ? "consistent\n" : "INCONSISTENT\n");
  return report->consistent() ? 0 : 1;
}

SESSIONDB_REGISTER_COMMAND(
    check,
    Command{"check",
            "verify every record, index entry, counter and map of a "
            "store; --repair rebuilds derived data from the records",
            [](CLI::App* app) {
              auto flags = std::make_shared<CheckFlags>();
              flags->store.AddTo(app, /*with_now=*/false);
              app->add_flag("--repair", flags->repair,
                            "rebuild indexes, counters, user counts "
                            "and the sessionId map from the records");
              app->add_option("--max-report", flags->max_reported,
                              "list at most this many inconsistencies");
              return std::function<int()>([flags] { return RunCheck(*flags); });
            }});

}  // namespace
}  // namespace sessiondb::tools
