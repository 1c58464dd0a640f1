// sessiondb generate: deterministic test sessions, the distribution of
// gen_sessions.py byte for byte (tools/generator/session_generator.h), for
// trying the tool, sizing a deployment and the project's own tests and demo.
#include <fstream>
#include <iostream>

#include "absl/strings/str_format.h"
#include "command.h"
#include "generator/session_generator.h"
#include "sessiondb/api_time.h"

namespace sessiondb::tools {
namespace {

struct GenerateFlags {
  int64_t sessions = 100000;
  int bots = 8;
  int64_t users = 0;
  std::string start = "2026-01-05";
  int days = 28;
  uint64_t seed = 1;
  std::string users_out;
};

int RunGenerate(const GenerateFlags& flags) {
  if (flags.sessions < 0) {
    return Fail(absl::InvalidArgumentError("--sessions: must be >= 0"));
  }
  if (flags.bots < 1 || flags.bots > 255) {
    return Fail(absl::InvalidArgumentError("--bots: must be 1 to 255"));
  }
  if (flags.users < 0 || flags.users > UINT32_MAX) {
    return Fail(absl::InvalidArgumentError("--users: must be 0 to 2^32-1"));
  }
  if (flags.days < 1) {
    return Fail(absl::InvalidArgumentError("--days: must be >= 1"));
  }
  absl::StatusOr<ParsedTime> start = ParseApiTime(flags.start, "--start");
  if (!start.ok()) return Fail(start.status());
  if (!start->date_only) {
    return Fail(absl::InvalidArgumentError("--start: a date, YYYY-MM-DD"));
  }
  generator::GeneratorConfig config;
  config.sessions = flags.sessions;
  config.bots = flags.bots;
  config.users = flags.users;
  config.first_day_ms = start->ms;
  config.days = flags.days;
  config.seed = flags.seed;
  const generator::GeneratedSessions sessions(config);

  std::ios::sync_with_stdio(false);
  constexpr size_t kRowsPerWrite = 4096;
  for (size_t i = 0; i < sessions.size(); i += kRowsPerWrite) {
    sessions.WriteScriptNdjson(i, i + kRowsPerWrite, std::cout);
  }
  std::cout.flush();
  if (!std::cout) {
    return Fail(absl::DataLossError("writing the sessions to stdout failed"));
  }
  if (!flags.users_out.empty()) {
    std::ofstream users(flags.users_out);
    if (users) sessions.WriteScriptUsersNdjson(users);
    users.close();
    if (!users) {
      return Fail(absl::DataLossError(
          absl::StrFormat("--users-out: cannot write %s", flags.users_out)));
    }
  }
  return 0;
}

SESSIONDB_REGISTER_COMMAND(
    generate,
    Command{
        "generate",
        "write N deterministic test sessions as NDJSON to stdout "
        "(gen_sessions.py's distribution, byte for byte)",
        [](CLI::App* app) {
          auto flags = std::make_shared<GenerateFlags>();
          app->add_option("--sessions", flags->sessions, "how many (100000)");
          app->add_option("--bots", flags->bots,
                          "bots, skewed 1/(b+1): bot 0 the busiest (8)");
          app->add_option("--users", flags->users,
                          "distinct users (0: sessions / 4)");
          app->add_option("--start", flags->start,
                          "first day, UTC, YYYY-MM-DD (2026-01-05)");
          app->add_option("--days", flags->days, "days the starts span (28)");
          app->add_option("--seed", flags->seed, "random seed (1)");
          app->add_option("--users-out", flags->users_out,
                          "also write each user's identity record (userId, "
                          "two aliases) to this file, for load-users");
          return std::function<int()>([flags] { return RunGenerate(*flags); });
        }});

}  // namespace
}  // namespace sessiondb::tools
