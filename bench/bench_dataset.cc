#include "bench_dataset.h"

#include <rocksdb/version.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "bench_storage_fingerprint.h"
#include "generator/session_generator.h"
#include "simdjson.h"

namespace sessiondb::bench {
namespace {

using generator::GeneratedSession;
using generator::GeneratedSessions;
using generator::GeneratorConfig;

namespace fs = std::filesystem;

// Bump when session_generator's output or the facts' definitions change:
// dataset.json of another version is rebuilt.
constexpr int kGeneratorVersion = 1;
constexpr size_t kBatch = 1000;

// Debian's Abseil has its own string_view type.
absl::string_view A(std::string_view s) { return {s.data(), s.size()}; }

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since)
      .count();
}

// JsonString escapes nothing: the values written are ids, numbers and
// hex fingerprints.
std::string Quote(std::string_view s) { return absl::StrCat("\"", A(s), "\""); }

absl::Status WriteFileAtomically(const std::string& path,
                                 const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    if (!out.good()) return absl::InternalError("cannot write " + tmp);
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec)
    return absl::InternalError("cannot rename " + tmp + ": " + ec.message());
  return absl::OkStatus();
}

std::string InfoToJson(const DatasetInfo& i) {
  return absl::StrCat(
      "{\n  \"sessions\": ", i.sessions, ",\n  \"seed\": ", i.seed,
      ",\n  \"generator_version\": ", i.generator_version, ",\n  \"window\": ",
      Quote(absl::StrCat(kWindowDateFrom, "..", kWindowDateTo)),
      ",\n  \"busiest_bot\": ", Quote(i.busiest_bot),
      ",\n  \"busiest_bot_week\": ", i.busiest_bot_week,
      ",\n  \"heavy_user\": ", Quote(i.heavy_user),
      ",\n  \"heavy_user_week\": ", i.heavy_user_week,
      ",\n  \"rare_user\": ", Quote(i.rare_user),
      ",\n  \"rare_user_total\": ", i.rare_user_total,
      ",\n  \"account_week\": ", i.account_week,
      ",\n  \"ndjson_bytes\": ", i.ndjson_bytes,
      ",\n  \"sqlite_load_seconds\": ", i.sqlite_load_seconds,
      ",\n  \"sqlite_index_seconds\": ", i.sqlite_index_seconds,
      ",\n  \"sqlite_bytes\": ", i.sqlite_bytes, "\n}\n");
}

std::string SdbToJson(const SessiondbBuildInfo& s) {
  return absl::StrCat("{\n  \"fingerprint\": ", Quote(s.fingerprint),
                      ",\n  \"sessions\": ", s.sessions,
                      ",\n  \"load_wall_seconds\": ", s.load_wall_seconds,
                      ",\n  \"load_cpu_seconds\": ", s.load_cpu_seconds,
                      ",\n  \"compaction_seconds\": ", s.compaction_seconds,
                      ",\n  \"bytes_loaded\": ", s.bytes_loaded,
                      ",\n  \"bytes_compacted\": ", s.bytes_compacted, "\n}\n");
}

// Readers: any missing or mistyped field makes the sidecar invalid (and
// the part it describes is rebuilt).
template <typename T>
bool Get(simdjson::dom::element doc, const char* key, T* out) {
  return doc[key].get(*out) == simdjson::SUCCESS;
}

bool ReadInfo(const std::string& path, DatasetInfo* i) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.load(path).get(doc) != simdjson::SUCCESS) return false;
  std::string_view bot, heavy, rare;
  uint64_t seed = 0;
  int64_t version = 0;
  const bool ok = Get(doc, "sessions", &i->sessions) &&
                  Get(doc, "seed", &seed) &&
                  Get(doc, "generator_version", &version) &&
                  Get(doc, "busiest_bot", &bot) &&
                  Get(doc, "busiest_bot_week", &i->busiest_bot_week) &&
                  Get(doc, "heavy_user", &heavy) &&
                  Get(doc, "heavy_user_week", &i->heavy_user_week) &&
                  Get(doc, "rare_user", &rare) &&
                  Get(doc, "rare_user_total", &i->rare_user_total) &&
                  Get(doc, "account_week", &i->account_week) &&
                  Get(doc, "ndjson_bytes", &i->ndjson_bytes) &&
                  Get(doc, "sqlite_load_seconds", &i->sqlite_load_seconds) &&
                  Get(doc, "sqlite_index_seconds", &i->sqlite_index_seconds) &&
                  Get(doc, "sqlite_bytes", &i->sqlite_bytes);
  i->seed = seed;
  i->generator_version = static_cast<int>(version);
  i->busiest_bot = std::string(bot);
  i->heavy_user = std::string(heavy);
  i->rare_user = std::string(rare);
  return ok;
}

bool ReadSdb(const std::string& path, SessiondbBuildInfo* s) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.load(path).get(doc) != simdjson::SUCCESS) return false;
  std::string_view fp;
  const bool ok = Get(doc, "fingerprint", &fp) &&
                  Get(doc, "sessions", &s->sessions) &&
                  Get(doc, "load_wall_seconds", &s->load_wall_seconds) &&
                  Get(doc, "load_cpu_seconds", &s->load_cpu_seconds) &&
                  Get(doc, "compaction_seconds", &s->compaction_seconds) &&
                  Get(doc, "bytes_loaded", &s->bytes_loaded) &&
                  Get(doc, "bytes_compacted", &s->bytes_compacted);
  s->fingerprint = std::string(fp);
  return ok;
}

// Facts: the busiest bot in the window, its heaviest user there, and a rare
// user: exactly one session of that bot in the window, and of those the one
// with the most sessions overall (its by-user history is long, its page
// short). Ties go to the smaller id.
void ComputeFacts(const GeneratedSessions& data, DatasetInfo* info) {
  std::vector<int64_t> bot_week(data.num_bots(), 0);
  for (const GeneratedSession& r : data.rows()) {
    if (r.start_ms >= kWindowFromMs && r.start_ms < kWindowToMs) {
      ++bot_week[r.bot];
      ++info->account_week;
    }
  }
  const int bot = static_cast<int>(
      std::max_element(bot_week.begin(), bot_week.end()) - bot_week.begin());
  info->busiest_bot = data.bot_id(bot);
  info->busiest_bot_week = bot_week[bot];
  absl::flat_hash_map<uint32_t, int64_t> week, total;
  for (const GeneratedSession& r : data.rows()) {
    ++total[r.user];
    if (r.bot == bot && r.start_ms >= kWindowFromMs && r.start_ms < kWindowToMs)
      ++week[r.user];
  }
  auto better = [&](int64_t n, uint32_t user, int64_t best_n,
                    const std::string& best) {
    return n > best_n || (n == best_n && data.user_id(user) < best);
  };
  int64_t heavy_n = -1, rare_total = -1;
  for (const auto& [user, n] : week) {
    if (better(n, user, heavy_n, info->heavy_user)) {
      heavy_n = n;
      info->heavy_user = data.user_id(user);
    }
    if (n == 1 && better(total[user], user, rare_total, info->rare_user)) {
      rare_total = total[user];
      info->rare_user = data.user_id(user);
    }
  }
  info->heavy_user_week = heavy_n;
  info->rare_user_total = rare_total;
}

std::vector<Session> Materialize(const GeneratedSessions& data, size_t begin,
                                 size_t end) {
  std::vector<Session> batch;
  batch.reserve(end - begin);
  for (size_t i = begin; i < end; ++i) {
    batch.push_back(data.ToSession(data.rows()[i]));
  }
  return batch;
}

class Progress {
 public:
  Progress(std::string what, size_t total)
      : what_(std::move(what)),
        total_(total),
        start_(std::chrono::steady_clock::now()) {}
  void Update(size_t done) {
    if (done * 10 / total_ == last_decile_ && done != total_) return;
    last_decile_ = done * 10 / total_;
    const double s = Seconds(start_);
    std::cerr << "  " << what_ << ": " << done << "/" << total_ << " in "
              << static_cast<int64_t>(s) << " s ("
              << static_cast<int64_t>(static_cast<double>(done) /
                                      std::max(s, 1e-9))
              << "/s)\n";
  }

 private:
  std::string what_;
  size_t total_;
  size_t last_decile_ = 0;
  std::chrono::steady_clock::time_point start_;
};

absl::Status BuildSqlite(const DatasetConfig& config,
                         const GeneratedSessions& data, const std::string& path,
                         DatasetInfo* info) {
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix);
  absl::StatusOr<std::unique_ptr<SqlitePeer>> peer =
      SqlitePeer::Open(path, config.sqlite);
  if (!peer.ok()) return peer.status();
  SESSIONDB_RETURN_IF_ERROR((*peer)->CreateTables());
  std::cerr << "building SQLite peer " << path << "\n";
  auto start = std::chrono::steady_clock::now();
  Progress progress("sqlite", data.size());
  std::vector<std::string> json;
  for (size_t b = 0; b < data.size(); b += kBatch) {
    const size_t e = std::min(data.size(), b + kBatch);
    std::vector<Session> batch = Materialize(data, b, e);
    json.clear();
    for (const Session& s : batch) json.push_back(SessionToJson(s));
    SESSIONDB_RETURN_IF_ERROR((*peer)->UpsertBatch(batch, json));
    progress.Update(e);
  }
  info->sqlite_load_seconds = Seconds(start);
  start = std::chrono::steady_clock::now();
  std::cerr << "  sqlite: creating indexes, ANALYZE\n";
  SESSIONDB_RETURN_IF_ERROR((*peer)->CreateIndexes());
  SESSIONDB_RETURN_IF_ERROR((*peer)->Finish());
  info->sqlite_index_seconds = Seconds(start);
  peer->reset();
  info->sqlite_bytes = 0;
  for (const char* suffix : {"", "-wal"}) {
    std::error_code ec;
    const auto n = fs::file_size(path + suffix, ec);
    if (!ec) info->sqlite_bytes += static_cast<int64_t>(n);
  }
  return absl::OkStatus();
}

absl::Status BuildSessiondb(const DatasetConfig& config,
                            const GeneratedSessions& data,
                            const std::string& dir, SessiondbBuildInfo* sdb) {
  fs::remove_all(dir);
  absl::StatusOr<std::unique_ptr<StoreImpl>> store =
      OpenBenchStore(dir, config.memory_budget_bytes);
  if (!store.ok()) return store.status();
  std::cerr << "building sessiondb store " << dir << "\n";
  Progress progress("sessiondb BulkLoad", data.size());
  // The generated sessions, materialized kBatch at a time.
  class GeneratedSource : public SessionSource {
   public:
    explicit GeneratedSource(const GeneratedSessions& data) : data_(data) {}
    absl::StatusOr<bool> Next(Session* session) override {
      if (next_ == chunk_.size()) {
        if (begin_ >= data_.size()) return false;
        const size_t end = std::min(data_.size(), begin_ + kBatch);
        chunk_ = Materialize(data_, begin_, end);
        begin_ = end;
        next_ = 0;
      }
      *session = std::move(chunk_[next_++]);
      return true;
    }

   private:
    const GeneratedSessions& data_;
    std::vector<Session> chunk_;
    size_t begin_ = 0;
    size_t next_ = 0;
  };
  GeneratedSource source(data);
  BulkLoadOptions load_options;
  load_options.progress = [&](int64_t n) {
    progress.Update(static_cast<size_t>(n));
  };
  const auto wall = std::chrono::steady_clock::now();
  const double cpu = ProcessCpuSeconds();
  absl::StatusOr<BulkLoadSummary> loaded =
      (*store)->BulkLoad(source, load_options);
  if (!loaded.ok()) return loaded.status();
  sdb->load_cpu_seconds += ProcessCpuSeconds() - cpu;
  sdb->load_wall_seconds += Seconds(wall);
  sdb->sessions = static_cast<int64_t>(data.size());
  sdb->bytes_loaded = DirectoryBytes(dir);
  std::cerr << "  sessiondb: full compaction\n";
  const auto start = std::chrono::steady_clock::now();
  SESSIONDB_RETURN_IF_ERROR((*store)->Compact());
  sdb->compaction_seconds = Seconds(start);
  store->reset();
  sdb->bytes_compacted = DirectoryBytes(dir);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<int64_t> ParseDatasetLabel(std::string_view label) {
  int64_t scale = 1;
  if (!label.empty() && (label.back() == 'm' || label.back() == 'M')) {
    scale = 1000000;
    label.remove_suffix(1);
  } else if (!label.empty() && (label.back() == 'k' || label.back() == 'K')) {
    scale = 1000;
    label.remove_suffix(1);
  }
  int64_t n = 0;
  if (!absl::SimpleAtoi(A(label), &n) || n < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dataset must be like 1m, 10m, 100k or 5000, got ", A(label)));
  }
  return n * scale;
}

bool FlagValue(std::string_view arg, std::string_view name,
               std::string* value) {
  const std::string prefix = "--" + std::string(name) + "=";
  if (arg.substr(0, prefix.size()) != prefix) return false;
  *value = std::string(arg.substr(prefix.size()));
  return true;
}

absl::StatusOr<bool> ParseDatasetFlag(std::string_view arg,
                                      DatasetConfig* config) {
  std::string v;
  if (FlagValue(arg, "dataset", &v)) {
    absl::StatusOr<int64_t> n = ParseDatasetLabel(v);
    if (!n.ok()) return n.status();
    config->label = v;
    config->sessions = *n;
    return true;
  }
  if (FlagValue(arg, "data_dir", &v)) {
    config->data_dir = v;
    return true;
  }
  if (arg == "--reuse_store") {
    config->reuse_store = true;
    return true;
  }
  return false;
}

absl::StatusOr<std::unique_ptr<StoreImpl>> OpenBenchStore(
    const std::string& dir, size_t memory_budget_bytes) {
  Options options;
  options.memory_budget_bytes = memory_budget_bytes;
  absl::StatusOr<std::unique_ptr<StorageEngine>> engine =
      StorageEngine::Open(options, dir);
  if (!engine.ok()) return engine.status();
  return std::make_unique<StoreImpl>(*std::move(engine));
}

int64_t DirectoryBytes(const std::string& dir) {
  int64_t total = 0;
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(dir, ec)) {
    if (entry.is_regular_file(ec)) {
      total += static_cast<int64_t>(entry.file_size(ec));
    }
  }
  return total;
}

double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) +
         static_cast<double>(ts.tv_nsec) * 1e-9;
}

absl::StatusOr<std::unique_ptr<Dataset>> Dataset::OpenOrBuild(
    const DatasetConfig& config) {
  std::unique_ptr<Dataset> d(new Dataset);
  d->config_ = config;
  const fs::path dir = fs::path(config.data_dir) / config.label;
  fs::create_directories(dir);
  const std::string info_path = dir / "dataset.json";
  const std::string sqlite_path = dir / "sessions.sqlite";
  const std::string fp = kStorageFingerprint;
  const std::string sdb_dir = dir / ("sessiondb-" + fp);
  const std::string sdb_path = sdb_dir + ".json";

  const bool info_ok = ReadInfo(info_path, &d->info_) &&
                       d->info_.sessions == config.sessions &&
                       d->info_.seed == config.seed &&
                       d->info_.generator_version == kGeneratorVersion &&
                       fs::exists(sqlite_path);
  // A new SQLite build regenerates the data; the store is rebuilt with it.
  std::string store_dir = sdb_dir;
  bool sdb_ok = info_ok && ReadSdb(sdb_path, &d->sdb_) &&
                d->sdb_.fingerprint == fp &&
                d->sdb_.sessions == config.sessions && fs::exists(sdb_dir);
  if (info_ok && !sdb_ok && config.reuse_store) {
    for (const auto& entry : fs::directory_iterator(dir)) {
      const std::string path = entry.path();
      if (entry.path().filename().string().rfind("sessiondb-", 0) != 0 ||
          path.size() < 5 || path.substr(path.size() - 5) != ".json") {
        continue;
      }
      const std::string other = path.substr(0, path.size() - 5);
      if (ReadSdb(path, &d->sdb_) && d->sdb_.sessions == config.sessions &&
          fs::exists(other)) {
        store_dir = other;
        sdb_ok = true;
        d->sdb_.stale_warning =
            absl::StrCat("REUSED a store built by storage code ",
                         d->sdb_.fingerprint, "; this binary's is ", fp);
        std::cerr << "WARNING: " << d->sdb_.stale_warning << "\n";
        break;
      }
    }
  }
  if (!info_ok || !sdb_ok) {
    std::cerr << "generating " << config.sessions
              << " sessions (gen_sessions.py --sessions " << config.sessions
              << " --seed " << config.seed << ")\n";
    const auto start = std::chrono::steady_clock::now();
    GeneratorConfig gen;
    gen.sessions = config.sessions;
    gen.seed = config.seed;
    const GeneratedSessions data(gen);
    std::cerr << "  generated in " << Seconds(start) << " s\n";
    if (!info_ok) {
      fs::remove(info_path);
      DatasetInfo info;
      info.sessions = config.sessions;
      info.seed = config.seed;
      info.generator_version = kGeneratorVersion;
      ComputeFacts(data, &info);
      for (size_t b = 0; b < data.size(); b += 10000) {
        std::ostringstream chunk;
        data.WriteScriptNdjson(b, b + 10000, chunk);
        info.ndjson_bytes += static_cast<int64_t>(chunk.tellp());
      }
      SESSIONDB_RETURN_IF_ERROR(BuildSqlite(config, data, sqlite_path, &info));
      SESSIONDB_RETURN_IF_ERROR(
          WriteFileAtomically(info_path, InfoToJson(info)));
      d->info_ = info;
    }
    // Stale stores (other fingerprints) go: they can be gigabytes.
    for (const auto& entry : fs::directory_iterator(dir)) {
      const std::string name = entry.path().filename();
      if (name.rfind("sessiondb-", 0) == 0) fs::remove_all(entry.path());
    }
    SessiondbBuildInfo sdb;
    sdb.fingerprint = fp;
    SESSIONDB_RETURN_IF_ERROR(BuildSessiondb(config, data, sdb_dir, &sdb));
    SESSIONDB_RETURN_IF_ERROR(WriteFileAtomically(sdb_path, SdbToJson(sdb)));
    d->sdb_ = sdb;
  }
  absl::StatusOr<std::unique_ptr<StoreImpl>> store =
      OpenBenchStore(store_dir, config.memory_budget_bytes);
  if (!store.ok()) return store.status();
  d->store_ = *std::move(store);
  absl::StatusOr<std::unique_ptr<SqlitePeer>> peer =
      SqlitePeer::Open(sqlite_path, config.sqlite);
  if (!peer.ok()) return peer.status();
  d->sqlite_ = *std::move(peer);
  return d;
}

std::vector<std::pair<std::string, std::string>> Dataset::Context() const {
  const DatasetInfo& i = info_;
  const SessiondbBuildInfo& s = sdb_;
  auto num = [](double v) { return absl::StrCat(v); };
  int64_t mmap = 0;
  if (sqlite3_stmt* st = nullptr;
      sqlite3_prepare_v2(sqlite_->db(), "PRAGMA mmap_size", -1, &st, nullptr) ==
      SQLITE_OK) {
    if (sqlite3_step(st) == SQLITE_ROW) mmap = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
  }
  return {
      {"dataset", config_.label},
      {"dataset_sessions", absl::StrCat(i.sessions)},
      {"dataset_generator",
       absl::StrCat("gen_sessions.py --sessions ", i.sessions, " --seed ",
                    i.seed, " (C++ port, byte-identical)")},
      {"window",
       absl::StrCat(kWindowDateFrom, " .. ", kWindowDateTo, " (7 days)")},
      {"busiest_bot", i.busiest_bot},
      {"busiest_bot_week_sessions", absl::StrCat(i.busiest_bot_week)},
      {"heavy_user", absl::StrCat(i.heavy_user, " (", i.heavy_user_week,
                                  " sessions in the window)")},
      {"rare_user", absl::StrCat(i.rare_user, " (1 session in the window, ",
                                 i.rare_user_total, " in all)")},
      {"account_week_sessions", absl::StrCat(i.account_week)},
      {"ndjson_bytes", absl::StrCat(i.ndjson_bytes)},
      {"sqlite_bytes", absl::StrCat(i.sqlite_bytes)},
      {"sqlite_version", sqlite3_libversion()},
      {"sqlite_cache_bytes", absl::StrCat(config_.sqlite.cache_bytes)},
      {"sqlite_mmap_bytes", absl::StrCat(mmap)},
      {"sqlite_bulk_load_seconds", num(i.sqlite_load_seconds)},
      {"sqlite_index_build_seconds", num(i.sqlite_index_seconds)},
      {"sessiondb_storage_fingerprint", s.fingerprint},
      {"sessiondb_memory_budget_bytes",
       absl::StrCat(config_.memory_budget_bytes)},
      {"sessiondb_bytes_loaded", absl::StrCat(s.bytes_loaded)},
      {"sessiondb_bytes_compacted", absl::StrCat(s.bytes_compacted)},
      {"sessiondb_load_wall_seconds", num(s.load_wall_seconds)},
      {"sessiondb_load_cpu_seconds", num(s.load_cpu_seconds)},
      {"sessiondb_load_sessions_per_wall_s",
       absl::StrCat(static_cast<int64_t>(s.sessions / s.load_wall_seconds))},
      {"sessiondb_load_sessions_per_cpu_s",
       absl::StrCat(static_cast<int64_t>(s.sessions / s.load_cpu_seconds))},
      {"sessiondb_compaction_seconds", num(s.compaction_seconds)},
      {"sessiondb_store_warning",
       s.stale_warning.empty() ? "none" : s.stale_warning},
      {"rocksdb_version",
       absl::StrCat(ROCKSDB_MAJOR, ".", ROCKSDB_MINOR, ".", ROCKSDB_PATCH)},
  };
}

}  // namespace sessiondb::bench
