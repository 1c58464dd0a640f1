#include "command.h"

#include <iostream>

#include "absl/time/time.h"
#include "sessiondb/api_time.h"

namespace sessiondb::tools {

std::vector<Command>& CommandRegistry() {
  static auto* registry = new std::vector<Command>();
  return *registry;
}

void StoreFlags::AddTo(CLI::App* app, bool with_now, bool db_required) {
  CLI::Option* option = app->add_option("--db", db, "store directory");
  if (db_required) option->required();
  if (with_now) {
    app->add_option("--now", now, "fix \"now\" (ISO date or time, UTC)");
  }
}

absl::StatusOr<Options> OptionsFrom(const StoreFlags& flags) {
  Options options;
  if (!flags.now.empty()) {
    absl::StatusOr<ParsedTime> now = ParseApiTime(flags.now, "--now");
    if (!now.ok()) return now.status();
    absl::Time fixed = absl::FromUnixMillis(now->ms);
    options.clock = [fixed] { return fixed; };
  }
  return options;
}

absl::StatusOr<std::unique_ptr<Store>> OpenStore(const StoreFlags& flags,
                                                 bool create_if_missing) {
  absl::StatusOr<Options> options = OptionsFrom(flags);
  if (!options.ok()) return options.status();
  options->create_if_missing = create_if_missing;
  return Store::Open(*options, flags.db);
}

absl::StatusOr<std::unique_ptr<Store>> OpenStoreReader(
    const StoreFlags& flags) {
  absl::StatusOr<Options> options = OptionsFrom(flags);
  if (!options.ok()) return options.status();
  return Store::OpenReader(*options, flags.db);
}

int Fail(const absl::Status& status) {
  std::cerr << "sessiondb: " << status.message() << "\n";
  return 1;
}

}  // namespace sessiondb::tools
