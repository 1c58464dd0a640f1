// sessiondb: the command-line tool of SPEC §6.
//
//   sessiondb load  --db DIR FILE.ndjson
//   sessiondb load-users --db DIR FILE.ndjson
//   sessiondb query --db DIR [--bot BOTID] [--containment TYPE] [--now ISO]
//   [BODY_JSON] sessiondb query --db DIR [--now ISO] --batch QUERIES.ndjson
//   sessiondb explain --db DIR [--bot BOTID] [--containment TYPE] [--now ISO]
//   [BODY_JSON] sessiondb stats --db DIR
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "codec/error_json.h"
#include "codec/iso_time.h"
#include "ndjson_loader.h"
#include "sessiondb/store.h"
#include "simdjson.h"

namespace sessiondb {
namespace {

struct CommonFlags {
  std::string db;
  std::string now;
};

absl::StatusOr<std::unique_ptr<Store>> OpenStore(const CommonFlags& flags) {
  Options options;
  if (!flags.now.empty()) {
    absl::StatusOr<ParsedTime> now = ParseApiTime(flags.now, "--now");
    if (!now.ok()) return now.status();
    absl::Time fixed = absl::FromUnixMillis(now->ms);
    options.clock = [fixed] { return fixed; };
  }
  return Store::Open(options, flags.db);
}

int Fail(const absl::Status& s) {
  std::cerr << "sessiondb: " << s.message() << "\n";
  return 1;
}

int RunLoad(const CommonFlags& flags, const std::string& file, LoadKind kind) {
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

// BatchLine is one line of `query --batch`: {"bot": B|null,
// "containmentType": T|null, "body": {...}}.
struct BatchLine {
  std::optional<std::string> bot;
  std::optional<std::string> containment;
  std::string body;
};

absl::StatusOr<BatchLine> ParseBatchLine(simdjson::dom::parser& parser,
                                         const std::string& line) {
  simdjson::dom::element doc;
  if (parser.parse(line).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
    return absl::InvalidArgumentError("batch line: must be a JSON object");
  }
  BatchLine out;
  for (const char* key : {"bot", "containmentType"}) {
    simdjson::dom::element v;
    if (doc[key].get(v) != simdjson::SUCCESS || v.is_null()) continue;
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS) {
      return absl::InvalidArgumentError(
          absl::StrFormat("batch line: %s must be a string or null", key));
    }
    (std::string_view(key) == "bot" ? out.bot : out.containment) =
        std::string(s);
  }
  simdjson::dom::element body;
  if (doc["body"].get(body) == simdjson::SUCCESS && !body.is_null()) {
    out.body = simdjson::minify(body);
  }
  return out;
}

int RunQuery(const CommonFlags& flags, const std::optional<std::string>& bot,
             const std::optional<std::string>& containment,
             const std::string& body, const std::string& batch_file,
             bool explain) {
  absl::StatusOr<std::unique_ptr<Store>> store = OpenStore(flags);
  if (!store.ok()) return Fail(store.status());
  if (!batch_file.empty()) {
    std::ifstream in(batch_file);
    if (!in) return Fail(absl::NotFoundError("cannot open " + batch_file));
    simdjson::dom::parser parser;
    std::string line;
    std::string out;
    while (std::getline(in, line)) {
      absl::StatusOr<BatchLine> q = ParseBatchLine(parser, line);
      ApiResponse r =
          q.ok() ? (*store)->HandleGetSessions(q->bot, q->containment, q->body)
                 : ErrorResponse(q.status());
      out.assign(r.body);
      out.push_back('\n');
      std::fwrite(out.data(), 1, out.size(), stdout);
    }
    return 0;
  }
  if (explain) {
    absl::StatusOr<std::string> text =
        (*store)->ExplainGetSessions(bot, containment, body);
    if (!text.ok()) return Fail(text.status());
    std::cout << *text;
    return 0;
  }
  ApiResponse r = (*store)->HandleGetSessions(bot, containment, body);
  std::cout << r.body << "\n";
  return r.status == 200 ? 0 : 1;
}

int RunStats(const CommonFlags& flags) {
  absl::StatusOr<std::unique_ptr<Store>> store = OpenStore(flags);
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

}  // namespace
}  // namespace sessiondb

int main(int argc, char** argv) {
  using namespace sessiondb;
  CLI::App app{"sessiondb: an embeddable store that answers getSessions"};
  app.require_subcommand(1);
  CommonFlags flags;
  std::string file, body, batch_file;
  std::optional<std::string> bot, containment;

  auto add_db = [&](CLI::App* cmd) {
    cmd->add_option("--db", flags.db, "store directory")->required();
  };
  auto add_query_flags = [&](CLI::App* cmd) {
    add_db(cmd);
    cmd->add_option("--bot", bot, "botId (absent: the account-wide route)");
    cmd->add_option("--containment", containment,
                    "containmentType query parameter");
    cmd->add_option("--now", flags.now, "fix \"now\" (ISO date or time, UTC)");
    cmd->add_option("body", body, "request body JSON (default: empty)");
  };

  CLI::App* load = app.add_subcommand("load", "load sessions from NDJSON");
  add_db(load);
  load->add_option("file", file, "one session object per line")->required();
  CLI::App* load_users =
      app.add_subcommand("load-users", "load identity records");
  add_db(load_users);
  load_users->add_option("file", file, "one identity record per line")
      ->required();
  CLI::App* query = app.add_subcommand("query", "answer getSessions requests");
  add_query_flags(query);
  query->add_option("--batch", batch_file,
                    "NDJSON of {bot, containmentType, body}");
  CLI::App* explain =
      app.add_subcommand("explain", "show the plan of a request");
  add_query_flags(explain);
  CLI::App* stats = app.add_subcommand("stats", "summarize a store");
  add_db(stats);

  CLI11_PARSE(app, argc, argv);
  if (load->parsed()) return RunLoad(flags, file, LoadKind::kSessions);
  if (load_users->parsed()) return RunLoad(flags, file, LoadKind::kIdentities);
  if (query->parsed())
    return RunQuery(flags, bot, containment, body, batch_file, false);
  if (explain->parsed())
    return RunQuery(flags, bot, containment, body, "", true);
  if (stats->parsed()) return RunStats(flags);
  return 1;
}
