// Page latency per query shape, next to the floor: the same number of
// records read by a primary-key scan and written as JSON.
//
//   SESSIONDB_BENCH_NDJSON=sessions.ndjson get_sessions_bench [flags]
//
// tools/run_bench.sh generates the data and runs it.
//
// The store is loaded once per process into a temporary directory.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "api/store_impl.h"
#include "benchmark/benchmark.h"
#include "codec/record_json.h"
#include "codec/session_json.h"
#include "sessiondb/store.h"
#include "storage/key_codec.h"
#include "storage/record_codec.h"
#include "storage/storage_engine.h"

namespace sessiondb {
namespace {

struct Dataset {
  std::string dir;
  std::unique_ptr<Store> store;
  const StorageEngine* engine = nullptr;  // owned by store
  std::string busiest_bot;
  std::string heavy_user;
  int64_t sessions = 0;
  double load_seconds = 0;
};

Dataset* LoadDataset() {
  static Dataset* dataset = [] {
    auto* d = new Dataset;
    const char* path = std::getenv("SESSIONDB_BENCH_NDJSON");
    if (path == nullptr) {
      std::cerr << "set SESSIONDB_BENCH_NDJSON to a gen_sessions.py file\n";
      std::exit(2);
    }
    d->dir = std::filesystem::temp_directory_path() /
             absl::StrCat("sessiondb-bench-", getpid());
    auto engine = StorageEngine::Open(Options(), d->dir);
    if (!engine.ok()) {
      std::cerr << engine.status() << "\n";
      std::exit(1);
    }
    d->engine = engine->get();
    d->store = std::make_unique<StoreImpl>(std::move(*engine));
    std::ifstream in(path);
    SessionJsonParser parser;
    std::vector<Session> batch;
    std::map<std::string, int64_t> per_bot, per_user;
    std::string line;
    auto start = std::chrono::steady_clock::now();
    while (std::getline(in, line)) {
      auto s = parser.ParseSession(line);
      if (!s.ok()) continue;
      ++per_bot[s->bot_id];
      ++per_user[s->user_id];
      batch.push_back(*std::move(s));
      if (batch.size() == 1000) {
        if (!d->store->PutBatch(batch).ok()) std::exit(1);
        d->sessions += static_cast<int64_t>(batch.size());
        batch.clear();
      }
    }
    if (!d->store->PutBatch(batch).ok()) std::exit(1);
    d->sessions += static_cast<int64_t>(batch.size());
    d->load_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    for (const auto& [bot, n] : per_bot) {
      if (d->busiest_bot.empty() || n > per_bot[d->busiest_bot])
        d->busiest_bot = bot;
    }
    for (const auto& [user, n] : per_user) {
      if (d->heavy_user.empty() || n > per_user[d->heavy_user])
        d->heavy_user = user;
    }
    benchmark::AddCustomContext("sessions", std::to_string(d->sessions));
    benchmark::AddCustomContext(
        "load_sessions_per_s",
        std::to_string(static_cast<int64_t>(d->sessions / d->load_seconds)));
    return d;
  }();
  return dataset;
}

// A week that the generator's data (28 days from 2026-01-05) fills.
constexpr const char* kWeek =
    R"("dateFrom": "2026-01-19", "dateTo": "2026-01-25")";

void RunShape(benchmark::State& state, bool bot_scoped, const char* containment,
              const std::string& extra) {
  Dataset* d = LoadDataset();
  std::string body = absl::StrCat("{\"limit\": 100, ", kWeek, extra, "}");
  std::optional<std::string_view> bot;
  if (bot_scoped) bot = d->busiest_bot;
  std::optional<std::string_view> param;
  if (containment != nullptr) param = containment;
  for (auto _ : state) {
    ApiResponse r = d->store->HandleGetSessions(bot, param, body);
    if (r.status != 200) {
      state.SkipWithError(r.body.c_str());
      break;
    }
    benchmark::DoNotOptimize(r.body.data());
  }
}

void BM_GetSessions_BotWeek(benchmark::State& s) {
  RunShape(s, true, nullptr, "");
}
void BM_GetSessions_BotWeekAgent(benchmark::State& s) {
  RunShape(s, true, "agent", "");
}
void BM_GetSessions_BotWeekNonInteractive(benchmark::State& s) {
  RunShape(s, true, nullptr, R"(, "sessionType": "non-interactive")");
}
void BM_GetSessions_BotWeekHeavyUser(benchmark::State& s) {
  RunShape(s, true, nullptr,
           absl::StrCat(R"(, "userId": ")", LoadDataset()->heavy_user, "\""));
}
void BM_GetSessions_BotWeekOneTag(benchmark::State& s) {
  RunShape(s, true, nullptr,
           R"(, "tags": {"and": [{"name": "intent", "values": ["billing"]}]})");
}
void BM_GetSessions_AccountWeek(benchmark::State& s) {
  RunShape(s, false, nullptr, "");
}
void BM_GetSessions_BotWeekSkip5000(benchmark::State& s) {
  RunShape(s, true, nullptr, R"(, "skip": 5000)");
}

// The floor: the first 100 records of the busiest bot's week read by a plain
// RocksDB scan of the sessions column family, verified and written as JSON
// (what FLOOR.md measures): no parsing, planning or counting.
void BM_Floor_Scan100AndWriteJson(benchmark::State& state) {
  Dataset* d = LoadDataset();
  const uint32_t bot = *d->engine->bots().Find(d->busiest_bot);
  std::string prefix;
  AppendBot(bot, &prefix);
  const int64_t to_ms = 1768780800000 + 6 * 86400000LL;  // 2026-01-25
  const std::string start = OrderLowerBound(prefix, to_ms);
  std::string out;
  for (auto _ : state) {
    out.clear();
    std::unique_ptr<rocksdb::Iterator> it(d->engine->db()->NewIterator(
        rocksdb::ReadOptions(), d->engine->handle(Cf::kSessions)));
    int n = 0;
    for (it->Seek(start); it->Valid() && n < 100; it->Next(), ++n) {
      auto record = VerifyRecord(
          std::string_view(it->value().data(), it->value().size()), "");
      if (!record.ok()) {
        state.SkipWithError("corrupt record");
        return;
      }
      if (n > 0) out.push_back(',');
      AppendRecordJson(**record, &out);
    }
    benchmark::DoNotOptimize(out.data());
  }
}

BENCHMARK(BM_Floor_Scan100AndWriteJson)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_GetSessions_BotWeek)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_GetSessions_BotWeekAgent)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_GetSessions_BotWeekNonInteractive)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_GetSessions_BotWeekHeavyUser)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_GetSessions_BotWeekOneTag)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_GetSessions_AccountWeek)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_GetSessions_BotWeekSkip5000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace sessiondb

BENCHMARK_MAIN();
