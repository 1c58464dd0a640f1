// getSessions page latency per query shape, three ways side by side:
//
//   BM_Query/<Shape>/sessiondb  Store::HandleGetSessions (the JSON front
//                               door: parse, plan, exact total, page, body)
//   BM_Query/<Shape>/sqlite     the best-indexed SQLite peer answering the
//                               same request (sqlite_peer.h): COUNT(*) and
//                               the page in one read transaction, the same
//                               body
//   BM_Query/<Shape>/floor      the physical limit: the same page's 100
//                               records read by primary key (one MultiGet),
//                               verified and written as the same body
//
// Before anything is timed, every shape's answer is checked: total and
// page sessionIds of sessiondb and SQLite must agree, and the three bodies
// must be byte-identical; a shape that disagrees is skipped with an error
// (and a loud message naming the request) in all three cases.
//
//   query_bench [--dataset=1m|10m|N] [--data_dir=build/bench-data]
//               [--memory_budget_mb=1024] [--sqlite_cache_mb=1024]
//               [--reuse_store]  (see DatasetConfig::reuse_store)
//               [Google Benchmark flags]
//
// The dataset is built on first use and kept (bench_dataset.h).
// tools/run_bench.sh runs this with repetitions and prints the table.
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "bench_dataset.h"
#include "benchmark/benchmark.h"
#include "codec/record_json.h"
#include "query_shapes.h"
#include "rocksdb/db.h"
#include "storage/key_codec.h"
#include "storage/record_codec.h"

namespace sessiondb::bench {
namespace {

// ShapeCase: one shape prepared for the three benchmarks.
struct ShapeCase {
  QueryShape shape;
  std::optional<std::string> containment;
  std::string body;
  std::unique_ptr<SqlitePeer::PreparedQuery> sqlite;
  // The floor: the page's primary keys (in page order) and the response
  // envelope around the records.
  std::vector<std::string> floor_keys;
  std::string floor_head;
  // Non-empty: the shape's answers disagree (or failed); every case of the
  // shape is skipped with this message.
  std::string error;
  int64_t total = 0;
  int64_t returned = 0;
};

Dataset* g_dataset = nullptr;

// FirstDifference describes where two strings first differ.
std::string FirstDifference(std::string_view a, std::string_view b) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  const size_t from = i > 60 ? i - 60 : 0;
  return absl::StrCat("first difference at byte ", i,
                      ":\n      sessiondb: ", std::string(a.substr(from, 160)),
                      "\n      other:     ", std::string(b.substr(from, 160)));
}

SessionQuery TypedQuery(const QueryShape& shape) {
  SessionQuery q;
  q.bot_id = shape.bot_id;
  q.containment = shape.containment;
  q.session_type = shape.session_type;
  q.user_id = shape.user_id;
  for (const TagTerm& t : shape.tags) {
    q.tags.all_of.push_back(TagCondition{
        t.name, {t.value}, t.user_tag ? TagKind::kUser : TagKind::kSession});
  }
  q.from_ms = kWindowFromMs;
  q.to_ms = kWindowToMs;
  q.skip = shape.skip;
  q.limit = shape.limit;
  return q;
}

// RunFloor reads the case's records by key and writes the body into *out.
absl::Status RunFloor(const ShapeCase& c, std::vector<rocksdb::Slice>& keys,
                      std::vector<rocksdb::PinnableSlice>& values,
                      std::vector<rocksdb::Status>& statuses,
                      std::string* out) {
  const StorageEngine& engine = g_dataset->engine();
  out->clear();
  out->append(c.floor_head);
  engine.MultiGet(rocksdb::ReadOptions(), Cf::kSessions, keys, values.data(),
                  statuses.data());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!statuses[i].ok()) {
      return absl::InternalError(absl::StrCat("floor MultiGet ",
                                              DebugKey(c.floor_keys[i]), ": ",
                                              statuses[i].ToString()));
    }
    absl::StatusOr<const fb::Session*> record = VerifyRecord(
        std::string_view(values[i].data(), values[i].size()), "floor");
    if (!record.ok()) return record.status();
    if (i > 0) out->push_back(',');
    AppendRecordJson(**record, out);
    values[i].Reset();
  }
  out->append("]}");
  return absl::OkStatus();
}

struct FloorBuffers {
  explicit FloorBuffers(const ShapeCase& c)
      : values(c.floor_keys.size()), statuses(c.floor_keys.size()) {
    for (const std::string& k : c.floor_keys) keys.emplace_back(k);
  }
  std::vector<rocksdb::Slice> keys;
  std::vector<rocksdb::PinnableSlice> values;
  std::vector<rocksdb::Status> statuses;
};

// Prepare runs the shape once on every engine and compares the answers.
std::unique_ptr<ShapeCase> Prepare(const QueryShape& shape) {
  auto c = std::make_unique<ShapeCase>();
  c->shape = shape;
  c->containment = shape.ContainmentParam();
  c->body = shape.RequestBody();
  StoreImpl& store = g_dataset->store();
  auto fail = [&](std::string what) {
    c->error = absl::StrCat("MISMATCH/FAILURE in ", shape.name, ": ", what);
    std::cerr << "\n"
              << std::string(78, '!') << "\n!! " << c->error
              << "\n!! request: " << shape.Describe() << "\n"
              << std::string(78, '!') << "\n\n";
    return std::move(c);
  };

  // sessiondb, through both doors.
  std::optional<std::string_view> bot, param;
  if (shape.bot_id) bot = *shape.bot_id;
  if (c->containment) param = *c->containment;
  const ApiResponse response = store.HandleGetSessions(bot, param, c->body);
  if (response.status != 200) {
    return fail(absl::StrCat("sessiondb answered ", response.status, ": ",
                             response.body));
  }
  absl::StatusOr<SessionPage> page = store.GetSessions(TypedQuery(shape));
  if (!page.ok()) {
    return fail(
        absl::StrCat("sessiondb GetSessions: ", page.status().ToString()));
  }
  c->total = page->total;
  c->returned = static_cast<int64_t>(page->sessions.size());

  // SQLite.
  absl::StatusOr<std::unique_ptr<SqlitePeer::PreparedQuery>> prepared =
      g_dataset->sqlite().PrepareQuery(shape);
  if (!prepared.ok()) return fail(prepared.status().ToString());
  c->sqlite = *std::move(prepared);
  std::string sqlite_body;
  std::vector<std::string> sqlite_ids;
  int64_t sqlite_total = -1;
  if (absl::Status s = c->sqlite->Run(&sqlite_body, &sqlite_ids, &sqlite_total);
      !s.ok()) {
    return fail(s.ToString());
  }
  if (sqlite_total != page->total) {
    return fail(absl::StrCat("total: sessiondb ", page->total, ", SQLite ",
                             sqlite_total));
  }
  if (sqlite_ids.size() != page->sessions.size()) {
    return fail(absl::StrCat("page size: sessiondb ", page->sessions.size(),
                             ", SQLite ", sqlite_ids.size()));
  }
  for (size_t i = 0; i < sqlite_ids.size(); ++i) {
    if (sqlite_ids[i] != page->sessions[i].session_id) {
      return fail(absl::StrCat("page sessionIds differ at position ", i,
                               ": sessiondb ", page->sessions[i].session_id,
                               ", SQLite ", sqlite_ids[i]));
    }
  }
  if (response.body != sqlite_body) {
    return fail(
        absl::StrCat("response bodies differ (SQLite stores "
                     "SessionToJson), ",
                     FirstDifference(response.body, sqlite_body)));
  }

  // The floor: the same page by primary key.
  const StorageEngine& engine = g_dataset->engine();
  for (const Session& s : page->sessions) {
    const std::optional<uint32_t> bot_no = engine.bots().Find(s.bot_id);
    if (!bot_no) return fail("floor: unknown bot " + s.bot_id);
    c->floor_keys.push_back(SessionKey(*bot_no, s.start_time_ms, s.session_id));
  }
  const size_t head_end = response.body.find("\"sessions\":[");
  c->floor_head = response.body.substr(0, head_end + 12);
  FloorBuffers buffers(*c);
  std::string floor_body;
  if (absl::Status s = RunFloor(*c, buffers.keys, buffers.values,
                                buffers.statuses, &floor_body);
      !s.ok()) {
    return fail(s.ToString());
  }
  if (floor_body != response.body) {
    return fail(absl::StrCat("the floor's body differs from the response, ",
                             FirstDifference(response.body, floor_body)));
  }

  std::cerr << "  " << shape.name << ": total " << c->total << ", page "
            << c->returned << " (skip " << shape.skip
            << "): sessiondb == SQLite == floor\n      SQLite plan: "
            << c->sqlite->Plan() << "\n";
  if (absl::StatusOr<std::string> plan =
          store.ExplainGetSessions(bot, param, c->body);
      plan.ok()) {
    std::string indented;
    while (!plan->empty() && plan->back() == '\n') plan->pop_back();
    for (char ch : *plan) {
      indented.push_back(ch);
      if (ch == '\n') indented += "        ";
    }
    std::cerr << "      sessiondb explain:\n        " << indented << "\n";
  }
  if (c->returned < shape.limit) {
    std::cerr << "      note: a short page (" << c->returned << " of "
              << shape.limit << "): the shape matches only that many\n";
  }
  return c;
}

void BM_Sessiondb(benchmark::State& state, const ShapeCase* c) {
  if (!c->error.empty()) {
    state.SkipWithError(c->error.c_str());
    return;
  }
  StoreImpl& store = g_dataset->store();
  std::optional<std::string_view> bot, param;
  if (c->shape.bot_id) bot = *c->shape.bot_id;
  if (c->containment) param = *c->containment;
  for (auto _ : state) {
    ApiResponse r = store.HandleGetSessions(bot, param, c->body);
    if (r.status != 200) {
      state.SkipWithError(r.body.c_str());
      break;
    }
    benchmark::DoNotOptimize(r.body.data());
  }
  state.counters["total"] = static_cast<double>(c->total);
}

void BM_Sqlite(benchmark::State& state, const ShapeCase* c) {
  if (!c->error.empty()) {
    state.SkipWithError(c->error.c_str());
    return;
  }
  std::string body;
  for (auto _ : state) {
    absl::Status s = c->sqlite->Run(&body);
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(body.data());
  }
  state.counters["total"] = static_cast<double>(c->total);
}

void BM_Floor(benchmark::State& state, const ShapeCase* c) {
  if (!c->error.empty()) {
    state.SkipWithError(c->error.c_str());
    return;
  }
  FloorBuffers buffers(*c);
  std::string body;
  for (auto _ : state) {
    absl::Status s =
        RunFloor(*c, buffers.keys, buffers.values, buffers.statuses, &body);
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(body.data());
  }
  state.counters["records"] = static_cast<double>(c->floor_keys.size());
}

int Main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  DatasetConfig config;
  for (int i = 1; i < argc; ++i) {
    std::string v;
    int64_t mb = 0;
    absl::StatusOr<bool> dataset_flag = ParseDatasetFlag(argv[i], &config);
    if (!dataset_flag.ok()) {
      std::cerr << dataset_flag.status().message() << "\n";
      return 2;
    }
    if (*dataset_flag) {
      continue;
    } else if (FlagValue(argv[i], "memory_budget_mb", &v) &&
               absl::SimpleAtoi(v, &mb) && mb > 0) {
      config.memory_budget_bytes = static_cast<size_t>(mb) << 20;
    } else if (FlagValue(argv[i], "sqlite_cache_mb", &v) &&
               absl::SimpleAtoi(v, &mb) && mb > 0) {
      config.sqlite.cache_bytes = mb << 20;
    } else {
      std::cerr << "query_bench: unknown or malformed argument " << argv[i]
                << "\n";
      return 2;
    }
  }
#ifndef NDEBUG
  std::cerr << "WARNING: query_bench built without NDEBUG (assertions on): "
               "timings are not representative; build RelWithDebInfo or "
               "Release\n";
  benchmark::AddCustomContext("WARNING", "built without NDEBUG");
#else
  // Google Benchmark's own "Library was built as DEBUG" line is about
  // Debian's libbenchmark, not this code.
  benchmark::AddCustomContext("sessiondb_build", "NDEBUG (optimized)");
#endif
  absl::StatusOr<std::unique_ptr<Dataset>> dataset =
      Dataset::OpenOrBuild(config);
  if (!dataset.ok()) {
    std::cerr << "query_bench: " << dataset.status() << "\n";
    return 1;
  }
  g_dataset = dataset->get();
  for (const auto& [key, value] : g_dataset->Context()) {
    benchmark::AddCustomContext(key, value);
  }
  benchmark::AddCustomContext(
      "timing",
      "query cases: CPU time of the calling thread (RocksDB and "
      "SQLite both read on it); compare cpu_time on a busy machine");

  std::cerr << "checking every shape: sessiondb vs SQLite vs floor\n";
  std::vector<std::unique_ptr<ShapeCase>> cases;
  int mismatches = 0;
  for (const QueryShape& shape : StandardShapes(g_dataset->facts())) {
    cases.push_back(Prepare(shape));
    if (!cases.back()->error.empty()) ++mismatches;
  }
  benchmark::AddCustomContext(
      "answers_checked", mismatches == 0
                             ? "all shapes agree (total, page ids, body)"
                             : absl::StrCat(mismatches, " shapes DISAGREE"));
  for (const auto& c : cases) {
    const ShapeCase* p = c.get();
    const std::string base = "BM_Query/" + c->shape.name + "/";
    benchmark::RegisterBenchmark((base + "sessiondb").c_str(), BM_Sessiondb, p)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark((base + "sqlite").c_str(), BM_Sqlite, p)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark((base + "floor").c_str(), BM_Floor, p)
        ->Unit(benchmark::kMicrosecond);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  g_dataset = nullptr;
  if (mismatches > 0) {
    std::cerr << "query_bench: " << mismatches
              << " shapes disagree between sessiondb and SQLite (see above)\n";
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace sessiondb::bench

int main(int argc, char** argv) { return sessiondb::bench::Main(argc, argv); }
