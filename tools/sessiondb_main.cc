// sessiondb: the command-line tool of SPEC §6. Subcommands live in cmd_*.cc
// and register themselves (command.h).
#include <functional>
#include <map>

#include "CLI/CLI.hpp"
#include "command.h"

int main(int argc, char** argv) {
  CLI::App app{"sessiondb: an embeddable store that answers getSessions"};
  app.require_subcommand(1);
  std::map<CLI::App*, std::function<int()>> runners;
  for (const auto& command : sessiondb::tools::CommandRegistry()) {
    CLI::App* sub = app.add_subcommand(command.name, command.help);
    runners[sub] = command.configure(sub);
  }
  CLI11_PARSE(app, argc, argv);
  for (auto& [sub, run] : runners) {
    if (sub->parsed()) return run();
  }
  return 1;
}
