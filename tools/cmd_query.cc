// sessiondb query / explain: answer getSessions requests (SPEC §6).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

#include "absl/strings/str_format.h"
#include "command.h"
#include "simdjson.h"

namespace sessiondb::tools {
namespace {

struct QueryFlags {
  ReadSourceFlags source;
  std::optional<std::string> bot;
  std::optional<std::string> containment;
  std::string body;
  std::string batch_file;
};

// BatchLine is one line of `query --batch`:
// {"bot": B|null, "containmentType": T|null, "body": {...}}.
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

int RunBatch(Store& store, const std::string& file) {
  std::ifstream in(file);
  if (!in) return Fail(absl::NotFoundError("cannot open " + file));
  simdjson::dom::parser parser;
  std::string line;
  while (std::getline(in, line)) {
    absl::StatusOr<BatchLine> q = ParseBatchLine(parser, line);
    ApiResponse r =
        q.ok() ? store.HandleGetSessions(q->bot, q->containment, q->body)
               : ErrorResponse(q.status());
    r.body.push_back('\n');
    std::fwrite(r.body.data(), 1, r.body.size(), stdout);
  }
  return 0;
}

int RunQuery(const QueryFlags& flags, bool explain) {
  absl::StatusOr<std::unique_ptr<Store>> store =
      OpenReadSource(flags.source, /*as_writer=*/false);
  if (!store.ok()) return Fail(store.status());
  if (!flags.batch_file.empty()) return RunBatch(**store, flags.batch_file);
  if (explain) {
    absl::StatusOr<std::string> text =
        (*store)->ExplainGetSessions(flags.bot, flags.containment, flags.body);
    if (!text.ok()) return Fail(text.status());
    std::cout << *text;
    return 0;
  }
  ApiResponse r =
      (*store)->HandleGetSessions(flags.bot, flags.containment, flags.body);
  std::cout << r.body << "\n";
  return r.status == 200 ? 0 : 1;
}

Command QueryCommand(const char* name, const char* help, bool explain) {
  return {name, help, [explain](CLI::App* app) {
            auto flags = std::make_shared<QueryFlags>();
            flags->source.AddTo(app);
            app->add_option("--bot", flags->bot,
                            "botId (absent: the account-wide route)");
            app->add_option("--containment", flags->containment,
                            "the containmentType query parameter");
            app->add_option("body", flags->body,
                            "request body JSON (default: empty)");
            if (!explain) {
              app->add_option(
                  "--batch", flags->batch_file,
                  "NDJSON of {bot, containmentType, body}, one per line");
            }
            return std::function<int()>(
                [flags, explain] { return RunQuery(*flags, explain); });
          }};
}

SESSIONDB_REGISTER_COMMAND(query,
                           QueryCommand("query", "answer getSessions requests",
                                        false));
SESSIONDB_REGISTER_COMMAND(
    explain, QueryCommand("explain", "show how a request is answered", true));

}  // namespace
}  // namespace sessiondb::tools
