// The cost of a cursor page against a skip page at the same depth, side by
// side in one run (docs/PERFORMANCE.md, "Cursors"):
//
//   BM_Page/<shape>/skip/page:N    {"skip": (N-1)*limit, "limit": limit}
//   BM_Page/<shape>/cursor/page:N  {"cursor": <nextCursor of page N-1>}
//
// Page 1 of both is the skip-0 page (the cursor one with "cursor": "").
// Shapes are on the busiest bot of the store in the week of
// kWindowDateFrom..kWindowDateTo (query_shapes.h): the bot alone (counted,
// the records read in order), agent only (counted, by_cell), one session tag
// (counted on the tag's counters, by_tag entries). The cursors of every depth
// are made before anything is timed, by walking the pages; each cursor
// page's sessionIds are checked equal to the skip page's.
//
//   cursor_bench --store=/work/data/st1m [--limit=50] [Google Benchmark flags]
//
// The store is opened with Store::OpenReader: nothing is written to it (a
// store no writer has given a cursor key signs with a key of the reader's
// own, which is as fast).
#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "query_shapes.h"
#include "sessiondb/store.h"

namespace sessiondb::bench {
namespace {

// The pages measured, those the shape has; and always its last one.
constexpr int kPages[] = {1, 10, 100, 1000};

struct CursorShape {
  std::string name;
  std::optional<std::string> containment;
  std::string filter;  // extra body fields, starting with ','
};

struct Prepared {
  std::string skip_body;
  std::string cursor_body;
  std::string error;  // non-empty: the case is skipped with it
};

Store* g_store = nullptr;
std::string g_bot;
int64_t g_limit = 50;
std::vector<CursorShape> g_shapes;
std::map<std::string, std::vector<int>> g_pages;  // per shape
std::map<std::pair<std::string, int>, Prepared> g_cases;

std::string WindowFields() {
  return absl::StrCat("\"dateFrom\":\"", kWindowDateFrom, "\",\"dateTo\":\"",
                      kWindowDateTo, "\"");
}

// Field pulls a string or number field's raw text out of a response body.
std::string Field(std::string_view body, std::string_view name) {
  const std::string key =
      absl::StrCat("\"", absl::string_view(name.data(), name.size()), "\":");
  const size_t at = body.find(key);
  if (at == std::string_view::npos) return "";
  size_t from = at + key.size();
  if (body[from] == '"') {
    ++from;
    return std::string(body.substr(from, body.find('"', from) - from));
  }
  return std::string(body.substr(from, body.find_first_of(",}", from) - from));
}

// SessionIdsOf lists a page's sessionIds, in order.
std::vector<std::string> SessionIdsOf(std::string_view body) {
  std::vector<std::string> ids;
  const std::string key = "\"sessionId\":\"";
  for (size_t at = body.find(key); at != std::string_view::npos;
       at = body.find(key, at + 1)) {
    const size_t from = at + key.size();
    ids.emplace_back(body.substr(from, body.find('"', from) - from));
  }
  return ids;
}

ApiResponse Call(const CursorShape& shape, const std::string& body) {
  return g_store->HandleGetSessions(
      g_bot,
      shape.containment.has_value()
          ? std::optional<std::string_view>(*shape.containment)
          : std::nullopt,
      body);
}

// Prepare walks each shape with cursors to the deepest page, keeping the
// cursor of every measured page and checking it against the skip page.
void Prepare() {
  for (const CursorShape& shape : g_shapes) {
    ApiResponse first =
        Call(shape, absl::StrCat("{", WindowFields(), ",\"limit\":", g_limit,
                                 shape.filter, "}"));
    int64_t total = 0;
    if (!absl::SimpleAtoi(Field(first.body, "total"), &total)) total = 0;
    const int last =
        static_cast<int>(std::max<int64_t>(1, (total + g_limit - 1) / g_limit));
    std::vector<int>& pages = g_pages[shape.name];
    for (int page : kPages)
      if (page < last) pages.push_back(page);
    pages.push_back(last);
    std::string cursor;
    int page = 1;
    for (int target : pages) {
      Prepared p;
      p.skip_body =
          absl::StrCat("{", WindowFields(), ",\"limit\":", g_limit,
                       ",\"skip\":", (target - 1) * g_limit, shape.filter, "}");
      for (; page < target && p.error.empty(); ++page) {
        ApiResponse r =
            Call(shape, absl::StrCat("{", WindowFields(),
                                     ",\"limit\":", g_limit, ",\"cursor\":\"",
                                     cursor, "\"", shape.filter, "}"));
        cursor = Field(r.body, "nextCursor");
        if (r.status != 200 || cursor.empty()) {
          p.error = absl::StrCat("no page ", page + 1, " (HTTP ", r.status,
                                 "): ", r.body.substr(0, 200));
        }
      }
      // The same window, spelled out (checked equal to the cursor's).
      p.cursor_body =
          absl::StrCat("{", WindowFields(), ",\"limit\":", g_limit,
                       ",\"cursor\":\"", cursor, "\"", shape.filter, "}");
      if (p.error.empty()) {
        ApiResponse by_skip = Call(shape, p.skip_body);
        ApiResponse by_cursor = Call(shape, p.cursor_body);
        if (by_skip.status != 200 || by_cursor.status != 200 ||
            SessionIdsOf(by_skip.body) != SessionIdsOf(by_cursor.body) ||
            Field(by_skip.body, "total") != Field(by_cursor.body, "total")) {
          p.error = absl::StrCat("page ", target,
                                 ": the skip and cursor "
                                 "pages differ: ",
                                 by_skip.body.substr(0, 120), " / ",
                                 by_cursor.body.substr(0, 120));
        }
      }
      if (!p.error.empty())
        std::cerr << shape.name << " page " << target << ": " << p.error
                  << "\n";
      g_cases[{shape.name, target}] = std::move(p);
    }
  }
}

void BM_Page(benchmark::State& state, const CursorShape* shape,
             bool by_cursor) {
  const int page = static_cast<int>(state.range(0));
  const Prepared& p = g_cases.at({shape->name, page});
  if (!p.error.empty()) {
    state.SkipWithError(p.error.c_str());
    return;
  }
  const std::string& body = by_cursor ? p.cursor_body : p.skip_body;
  int64_t sessions = 0;
  for (auto _ : state) {
    ApiResponse r = Call(*shape, body);
    if (r.status != 200) {
      state.SkipWithError(r.body.c_str());
      return;
    }
    benchmark::DoNotOptimize(r.body.data());
    sessions += g_limit;
  }
  state.SetItemsProcessed(sessions);
  state.counters["skip"] = static_cast<double>((page - 1) * g_limit);
}

}  // namespace
}  // namespace sessiondb::bench

int main(int argc, char** argv) {
  using namespace sessiondb::bench;  // NOLINT: main only
  std::string store_path = "/work/data/st1m";
  std::vector<char*> rest = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    std::string_view arg(argv[i]);
    if (arg.substr(0, 8) == "--store=") {
      store_path = std::string(arg.substr(8));
    } else if (arg.substr(0, 8) == "--limit=") {
      if (!absl::SimpleAtoi(std::string(arg.substr(8)), &g_limit) ||
          g_limit < 1) {
        std::cerr << "--limit must be a positive integer\n";
        return 2;
      }
    } else {
      rest.push_back(argv[i]);
    }
  }
  int rest_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_argc, rest.data());
#ifndef NDEBUG
  std::cerr << "WARNING: cursor_bench built without NDEBUG\n";
  benchmark::AddCustomContext("WARNING", "built without NDEBUG");
#endif
  absl::StatusOr<std::unique_ptr<sessiondb::Store>> store =
      sessiondb::Store::OpenReader(sessiondb::Options(), store_path);
  if (!store.ok()) {
    std::cerr << "opening " << store_path << ": " << store.status() << "\n";
    return 1;
  }
  g_store = store->get();
  absl::StatusOr<sessiondb::StoreStats> stats = g_store->GetStats();
  if (!stats.ok() || stats->sessions_per_bot.empty()) {
    std::cerr << "no bots in " << store_path << "\n";
    return 1;
  }
  int64_t most = -1;
  for (const auto& [bot, n] : stats->sessions_per_bot) {
    if (n > most) {
      most = n;
      g_bot = bot;
    }
  }
  g_shapes = {
      {"BotWeek", std::nullopt, ""},
      {"BotWeekAgent", "agent", ""},
      {"BotWeekOneTag", std::nullopt,
       ",\"tags\":{\"and\":[{\"name\":\"intent\",\"values\":[\"billing\"],"
       "\"type\":\"session\"}]}"},
  };
  benchmark::AddCustomContext("store", store_path);
  benchmark::AddCustomContext("bot", g_bot);
  benchmark::AddCustomContext("limit", std::to_string(g_limit));
  Prepare();
  for (const CursorShape& shape : g_shapes) {
    for (bool by_cursor : {false, true}) {
      benchmark::internal::Benchmark* b = benchmark::RegisterBenchmark(
          absl::StrCat("BM_Page/", shape.name, by_cursor ? "/cursor" : "/skip")
              .c_str(),
          BM_Page, &shape, by_cursor);
      b->ArgName("page")->Unit(benchmark::kMicrosecond);
      for (int page : g_pages[shape.name]) b->Arg(page);
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
