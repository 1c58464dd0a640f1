// facets_bench: what SPEC §7's facets add to a page query, side by side in
// one run (issue 14's cost target: a week of per-day facets, with
// containmentType and sessionType, adds at most 25% to the plain page).
//
//   build/release/bench/facets_bench --db=STORE [--bot=BOTID]
//       --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//       --benchmark_enable_random_interleaving=true
//
// STORE is any store (opened for writing, as a runtime would, so use a
// copy; nothing is written to it but RocksDB's own files), e.g.
// one `sessiondb load` built from /work/data/s1m.ndjson. BOTID defaults to
// the store's busiest bot. Every case is a bot's week 2026-01-19..25 with
// limit 100, once plain and once with all three facets, in UTC and in zones
// whose local days are whole hours (America/New_York) or half hours
// (Asia/Kolkata) off UTC's; then the same for the bot's agent sessions (a
// cell filter) and one campaign tag (an index scope). BM_Page/<case>/plain
// and BM_Page/<case>/facets differ only in "facets".
#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "sessiondb/store.h"

namespace sessiondb::bench {
namespace {

struct FacetCase {
  std::string name;
  std::optional<std::string> containment;
  std::string body;  // without facets
};

std::unique_ptr<Store> g_store;
std::string g_bot;

void BM_Page(benchmark::State& state, const FacetCase* c, bool facets) {
  std::string body = c->body;
  if (facets) {
    body.pop_back();  // the closing brace
    body += R"(,"facets":["containmentType","sessionType","day"]})";
  }
  std::optional<std::string_view> param;
  if (c->containment) param = *c->containment;
  for (auto _ : state) {
    ApiResponse r = g_store->HandleGetSessions(g_bot, param, body);
    if (r.status != 200) {
      state.SkipWithError(r.body.c_str());
      break;
    }
    benchmark::DoNotOptimize(r.body.data());
  }
}

int Main(int argc, char** argv) {
  std::string db;
  std::vector<char*> rest = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.substr(0, 5) == "--db=") {
      db = std::string(arg.substr(5));
    } else if (arg.substr(0, 6) == "--bot=") {
      g_bot = std::string(arg.substr(6));
    } else {
      rest.push_back(argv[i]);
    }
  }
  int rest_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_argc, rest.data());
  if (db.empty()) {
    std::cerr << "facets_bench: --db=STORE is required\n";
    return 2;
  }
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(Options(), db);
  if (!store.ok()) {
    std::cerr << "facets_bench: " << store.status() << "\n";
    return 1;
  }
  g_store = *std::move(store);
  if (g_bot.empty()) {
    absl::StatusOr<StoreStats> stats = g_store->GetStats();
    if (!stats.ok() || stats->sessions_per_bot.empty()) {
      std::cerr << "facets_bench: no bot in " << db << "\n";
      return 1;
    }
    g_bot =
        std::max_element(
            stats->sessions_per_bot.begin(), stats->sessions_per_bot.end(),
            [](const auto& a, const auto& b) { return a.second < b.second; })
            ->first;
  }
  benchmark::AddCustomContext("bot", g_bot);
  const std::string week = R"("dateFrom":"2026-01-19","dateTo":"2026-01-25")";
  std::vector<FacetCase> cases;
  for (const char* zone : {"UTC", "America/New_York", "Asia/Kolkata"}) {
    const std::string tz = absl::StrCat(R"(,"timeZone":")", zone, R"(")");
    cases.push_back({absl::StrCat("BotWeek/", zone), std::nullopt,
                     absl::StrCat("{", week, tz, R"(,"limit":100})")});
    cases.push_back({absl::StrCat("BotWeekAgent/", zone), "agent",
                     absl::StrCat("{", week, tz, R"(,"limit":100})")});
    cases.push_back(
        {absl::StrCat("BotWeekOneTag/", zone), std::nullopt,
         absl::StrCat("{", week, tz,
                      R"(,"limit":100,"tags":{"and":[{"name":"campaign",)"
                      R"("values":["spring"],"type":"session"}]}})")});
  }
  for (const FacetCase& c : cases) {
    for (bool facets : {false, true}) {
      benchmark::RegisterBenchmark(
          absl::StrCat("BM_Page/", c.name, facets ? "/facets" : "/plain")
              .c_str(),
          BM_Page, &c, facets)
          ->Unit(benchmark::kMicrosecond);
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  g_store.reset();
  return 0;
}

}  // namespace
}  // namespace sessiondb::bench

int main(int argc, char** argv) { return sessiondb::bench::Main(argc, argv); }
