// Subcommands of the sessiondb tool. Each lives in its own cmd_*.cc file and
// registers itself with SESSIONDB_REGISTER_COMMAND, so adding one touches no
// shared dispatcher.
#ifndef SESSIONDB_TOOLS_COMMAND_H_
#define SESSIONDB_TOOLS_COMMAND_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sessiondb/store.h"

namespace sessiondb::tools {

// Command is one subcommand: Configure adds its options to `app` and returns
// the function that runs it once parsed (its result is the exit status).
struct Command {
  std::string name;
  std::string help;
  std::function<std::function<int()>(CLI::App* app)> configure;
};

std::vector<Command>& CommandRegistry();

struct CommandRegistrar {
  explicit CommandRegistrar(Command command) {
    CommandRegistry().push_back(std::move(command));
  }
};

#define SESSIONDB_REGISTER_COMMAND(id, ...)                           \
  static ::sessiondb::tools::CommandRegistrar command_registrar_##id( \
      __VA_ARGS__)

// StoreFlags: --db and --now, shared by the commands that open a store.
struct StoreFlags {
  std::string db;
  std::string now;  // fixes the clock: ISO date or time
  // db_required: false where --clickhouse may stand in for --db
  // (ReadSourceFlags).
  void AddTo(CLI::App* app, bool with_now, bool db_required = true);
};

// ReadSourceFlags: where query, explain and serve read — the store in --db,
// or the ClickHouse tables `sessiondb ship` filled (SPEC §9): --clickhouse
// URL[,URL…] [--cluster NAME] [--database DB].
struct ReadSourceFlags {
  StoreFlags store;
  std::string clickhouse;  // comma-separated HTTP endpoints
  std::string cluster;     // empty: one server, DB.sessions_local
  std::string database = "sessiondb";
  int64_t one_pass_rows = 0;  // ClickHouseReadOptions::one_pass_max_rows
  void AddTo(CLI::App* app);
  // where names the source for messages: the store's path or the URL.
  std::string where() const;
};

// OpenReadSource opens what `flags` name: a ClickHouse reader (a read-only
// Store, api/backend_store.h) with --clickhouse, else --db as a reader
// (as_writer false) or a writer. InvalidArgument unless exactly one of
// --db and --clickhouse is given.
absl::StatusOr<std::unique_ptr<Store>> OpenReadSource(
    const ReadSourceFlags& flags, bool as_writer);

// OptionsFrom is the store options the flags give: the clock --now fixes.
absl::StatusOr<Options> OptionsFrom(const StoreFlags& flags);

// OpenStore opens --db for writing, with the clock fixed by --now, if given.
// Without create_if_missing a path with no store fails naming it, creating
// nothing (commands that only delete or compact).
absl::StatusOr<std::unique_ptr<Store>> OpenStore(const StoreFlags& flags,
                                                 bool create_if_missing = true);

// OpenStoreReader opens --db as a reader (Store::OpenReader), with the clock
// fixed by --now, if given: it works while another process writes the
// store, and fails naming the path, creating nothing, when there is none.
absl::StatusOr<std::unique_ptr<Store>> OpenStoreReader(const StoreFlags& flags);

// Fail prints "sessiondb: <message>" on stderr and returns exit status 1.
int Fail(const absl::Status& status);

}  // namespace sessiondb::tools

#endif  // SESSIONDB_TOOLS_COMMAND_H_
