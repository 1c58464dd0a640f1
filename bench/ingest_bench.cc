// Ingest: sessions per second for batched upserts with every index.
//
//   BM_Ingest/NewSessions/sessiondb       PutBatch of 1000 new sessions into
//                                         a fresh store, all indexes and
//                                         counters maintained
//   BM_Ingest/UpsertExisting/sessiondb    the same ids rewritten (end_time,
//                                         message count and a session tag
//                                         changed: the runtime rewriting a
//                                         session as it ends) into a store
//                                         that holds them, compacted first
//   BM_Ingest/PutEachExisting/sessiondb  the same rewrites, one Store::Put
//                                         each (a live runtime's write)
//   BM_Ingest/.../sqlite                  the SQLite peer doing the same (one
//                                         transaction per 1000, all indexes,
//                                         JSON text prepared untimed)
//
// Sessions are generated (gen_sessions.py's distribution, --ingest_sessions
// of them, default 200,000) and turned into Session structs before anything
// is timed. One iteration writes them all; run with --benchmark_repetitions.
// Times are process CPU time (RocksDB's flush and compaction threads
// included) and wall time; items_per_second is per CPU second, and
// perf_table.py derives the wall-clock rate from real_time.
//
//   ingest_bench [--ingest_sessions=200000] [--data_dir=build/bench-data]
//                [Google Benchmark flags]
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "bench_dataset.h"
#include "benchmark/benchmark.h"
#include "generator/session_generator.h"

namespace sessiondb::bench {
namespace {

using generator::GeneratedSessions;
using generator::GeneratorConfig;

namespace fs = std::filesystem;

constexpr size_t kBatch = 1000;

struct IngestData {
  int64_t sessions = 0;
  std::vector<std::vector<Session>> fresh, rewritten;
  std::vector<std::vector<std::string>> fresh_json, rewritten_json;
};

IngestData* g_data = nullptr;
std::string g_tmp_dir;
size_t g_memory_budget_bytes = size_t{1} << 30;

// Rewrite is the session as the runtime writes it again when it ends: a
// later end_time, more messages, a csat tag set (index entries change).
Session Rewrite(Session s) {
  s.end_time_ms = *s.end_time_ms + 45000;
  s.messages_exchanged += 2;
  bool found = false;
  for (Tag& t : s.session_tags) {
    if (t.name == "csat") {
      t.value.assign(1, t.value == "5" ? '4' : '5');
      found = true;
    }
  }
  if (!found) s.session_tags.push_back(Tag{"csat", "5"});
  return s;
}

IngestData* MakeData(int64_t sessions) {
  auto* d = new IngestData;
  GeneratorConfig config;
  config.sessions = sessions;
  const GeneratedSessions generated(config);
  d->sessions = static_cast<int64_t>(generated.size());
  for (size_t b = 0; b < generated.size(); b += kBatch) {
    const size_t e = std::min(generated.size(), b + kBatch);
    auto& fresh = d->fresh.emplace_back();
    auto& rewritten = d->rewritten.emplace_back();
    auto& fresh_json = d->fresh_json.emplace_back();
    auto& rewritten_json = d->rewritten_json.emplace_back();
    for (size_t i = b; i < e; ++i) {
      fresh.push_back(generated.ToSession(generated.rows()[i]));
      rewritten.push_back(Rewrite(fresh.back()));
      fresh_json.push_back(SessionToJson(fresh.back()));
      rewritten_json.push_back(SessionToJson(rewritten.back()));
    }
  }
  return d;
}

// BM_SessiondbIngest writes the fresh sessions, or (`existing`) their
// rewrites into a store holding them, by PutBatch, or one Put each.
void BM_SessiondbIngest(benchmark::State& state, bool existing,
                        bool one_by_one) {
  const std::string dir = g_tmp_dir + "/sessiondb";
  fs::remove_all(dir);
  absl::StatusOr<std::unique_ptr<StoreImpl>> store =
      OpenBenchStore(dir, g_memory_budget_bytes);
  if (!store.ok()) {
    state.SkipWithError(store.status().ToString().c_str());
    return;
  }
  if (existing) {
    for (const auto& batch : g_data->fresh) {
      if (absl::Status s = (*store)->PutBatch(batch); !s.ok()) {
        state.SkipWithError(s.ToString().c_str());
        return;
      }
    }
    // No compaction debt of the preload may run inside the timed region.
    if (absl::Status s = (*store)->Compact(); !s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      return;
    }
  }
  const auto& batches = existing ? g_data->rewritten : g_data->fresh;
  for (auto _ : state) {
    for (const auto& batch : batches) {
      absl::Status s;
      if (one_by_one) {
        for (const Session& session : batch) {
          s = (*store)->Put(session);
          if (!s.ok()) break;
        }
      } else {
        s = (*store)->PutBatch(batch);
      }
      if (!s.ok()) {
        state.SkipWithError(s.ToString().c_str());
        break;
      }
    }
  }
  state.SetItemsProcessed(state.iterations() * g_data->sessions);
  state.counters["sessions"] = static_cast<double>(g_data->sessions);
  store->reset();
  fs::remove_all(dir);
}

absl::Status SqliteLoad(SqlitePeer& peer,
                        const std::vector<std::vector<Session>>& batches,
                        const std::vector<std::vector<std::string>>& json) {
  for (size_t b = 0; b < batches.size(); ++b) {
    absl::Status s = peer.UpsertBatch(batches[b], json[b]);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

void BM_SqliteIngest(benchmark::State& state, bool existing) {
  const std::string path = g_tmp_dir + "/ingest.sqlite";
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix);
  absl::StatusOr<std::unique_ptr<SqlitePeer>> peer =
      SqlitePeer::Open(path, SqliteOptions());
  absl::Status s = peer.ok() ? (*peer)->CreateTables() : peer.status();
  if (s.ok()) s = (*peer)->CreateIndexes();
  if (s.ok() && existing) {
    s = SqliteLoad(**peer, g_data->fresh, g_data->fresh_json);
    if (s.ok()) s = (*peer)->Exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  if (!s.ok()) {
    state.SkipWithError(s.ToString().c_str());
    return;
  }
  for (auto _ : state) {
    s = existing ? SqliteLoad(**peer, g_data->rewritten, g_data->rewritten_json)
                 : SqliteLoad(**peer, g_data->fresh, g_data->fresh_json);
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * g_data->sessions);
  state.counters["sessions"] = static_cast<double>(g_data->sessions);
  peer->reset();
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix);
}

int Main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  int64_t sessions = 200000;
  std::string data_dir = "build/bench-data";
  for (int i = 1; i < argc; ++i) {
    std::string v;
    bool ok = true;
    if (FlagValue(argv[i], "ingest_sessions", &v)) {
      ok = absl::SimpleAtoi(v, &sessions) && sessions > 0;
    } else if (FlagValue(argv[i], "data_dir", &v)) {
      data_dir = v;
    } else {
      ok = false;
    }
    if (!ok) {
      std::cerr << "ingest_bench: unknown or malformed argument " << argv[i]
                << "\n";
      return 2;
    }
  }
#ifndef NDEBUG
  std::cerr << "WARNING: ingest_bench built without NDEBUG (assertions on): "
               "timings are not representative\n";
  benchmark::AddCustomContext("WARNING", "built without NDEBUG");
#else
  benchmark::AddCustomContext("sessiondb_build", "NDEBUG (optimized)");
#endif
  g_tmp_dir = absl::StrCat(data_dir, "/ingest-tmp-", getpid());
  fs::create_directories(g_tmp_dir);
  std::cerr << "preparing " << sessions << " sessions\n";
  g_data = MakeData(sessions);
  benchmark::AddCustomContext("ingest_sessions", absl::StrCat(sessions));
  benchmark::AddCustomContext("ingest_batch", absl::StrCat(kBatch));
  benchmark::AddCustomContext(
      "timing",
      "process CPU time (background flush/compaction included); "
      "items_per_second is per CPU second; wall rate = sessions / real_time");
  benchmark::AddCustomContext("sessiondb_memory_budget_bytes",
                              absl::StrCat(g_memory_budget_bytes));
  for (const bool existing : {false, true}) {
    const std::string shape = existing ? "UpsertExisting" : "NewSessions";
    benchmark::RegisterBenchmark(("BM_Ingest/" + shape + "/sessiondb").c_str(),
                                 [existing](benchmark::State& st) {
                                   BM_SessiondbIngest(st, existing,
                                                      /*one_by_one=*/false);
                                 })
        ->Iterations(1)
        ->MeasureProcessCPUTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(
        ("BM_Ingest/" + shape + "/sqlite").c_str(),
        [existing](benchmark::State& st) { BM_SqliteIngest(st, existing); })
        ->Iterations(1)
        ->MeasureProcessCPUTime()
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::RegisterBenchmark("BM_Ingest/PutEachExisting/sessiondb",
                               [](benchmark::State& st) {
                                 BM_SessiondbIngest(st, /*existing=*/true,
                                                    /*one_by_one=*/true);
                               })
      ->Iterations(1)
      ->MeasureProcessCPUTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  fs::remove_all(g_tmp_dir);
  return 0;
}

}  // namespace
}  // namespace sessiondb::bench

int main(int argc, char** argv) { return sessiondb::bench::Main(argc, argv); }
