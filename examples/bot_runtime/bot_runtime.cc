// bot_runtime: a bot runtime in miniature, embedding sessiondb.
//
// Worker threads hold conversations: each session is written when it starts
// (live: no end_time, sessionStatus active), upserted as messages arrive and
// tags are set, and closed. Meanwhile a reader thread serves getSessions
// pages through the JSON front door and the typed API, as the platform's API
// would, and checks each answer against what the workers had written when it
// asked. An analytics thread reads the same directory through its own
// reader (Store::OpenReader, as a separate process would), refreshing it to
// count the sessions written so far. At the end every bot's total, the
// live/closed split, a tag filter and an export are checked against what
// was written.
//
// Exit status 0 when every answer was right, 1 otherwise.
//
//   bot_runtime [--db DIR] [--threads N] [--conversations N]
// Without --db the store lives in a temporary directory, removed at exit.
#include <stdlib.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "sessiondb/options.h"
#include "sessiondb/query.h"
#include "sessiondb/session.h"
#include "sessiondb/store.h"
#include "sessiondb/utilities/session_export.h"

namespace {

constexpr int kBots = 3;
constexpr int64_t kHourMs = 3'600'000;
// The runtime's "now": fixed, so the run is the same every time.
const absl::Time kNow = absl::FromUnixSeconds(1768910400);  // 2026-01-20T12:00Z
const char* const kWindow =
    R"("dateFrom": "2026-01-19T12:00:00Z", "dateTo": "2026-01-20T12:00:00Z")";

std::string BotId(int i) { return "st-example-bot-" + std::to_string(i); }

struct Config {
  std::string db;
  int threads = 4;
  int conversations = 150;  // per thread
};

// Ledger: what the workers have written, as the reader may rely on it. A
// session counts as `begun` before its first write is issued and as `done`
// once that write returned, so an answer taken in between must lie within.
struct Ledger {
  std::array<std::atomic<int64_t>, kBots> begun{};
  std::array<std::atomic<int64_t>, kBots> done{};
  std::atomic<int64_t> writes{0};
  std::atomic<int64_t> live{0};  // left open on purpose
  std::atomic<int64_t> billing{0};
  std::atomic<bool> workers_running{true};

  int64_t Begun() const {
    int64_t n = 0;
    for (const auto& b : begun) n += b.load();
    return n;
  }
  int64_t Done() const {
    int64_t n = 0;
    for (const auto& d : done) n += d.load();
    return n;
  }
};

// Failures: what went wrong, printed at the end; any makes the exit 1.
class Failures {
 public:
  void Add(const std::string& what) {
    std::lock_guard<std::mutex> lock(mu_);
    if (messages_.size() < 20) messages_.push_back(what);
    ++count_;
  }
  int count() const { return count_; }
  void Print() const {
    for (const std::string& m : messages_) std::cerr << "FAIL: " << m << "\n";
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> messages_;
  int count_ = 0;
};

// TotalOf reads "total" from a getSessions response body.
std::optional<int64_t> TotalOf(std::string_view body) {
  constexpr std::string_view kKey = "\"total\":";
  size_t pos = body.find(kKey);
  if (pos == std::string_view::npos) return std::nullopt;
  pos += kKey.size();
  int64_t n = 0;
  bool digits = false;
  for (; pos < body.size() && body[pos] >= '0' && body[pos] <= '9'; ++pos) {
    n = n * 10 + (body[pos] - '0');
    digits = true;
  }
  return digits ? std::optional<int64_t>(n) : std::nullopt;
}

// Converse plays one worker's conversations.
void Converse(sessiondb::Store& store, int worker, const Config& config,
              Ledger& ledger, Failures& failures) {
  const int64_t base = absl::ToUnixMillis(kNow) - 20 * kHourMs;
  for (int i = 0; i < config.conversations; ++i) {
    const int bot = (worker + i) % kBots;
    sessiondb::Session s;
    s.session_id = "conv-" + std::to_string(worker) + "-" + std::to_string(i);
    s.bot_id = BotId(bot);
    s.channel = i % 2 == 0 ? "rtm" : "web";
    s.user_id = "u-" + std::to_string((worker * 7 + i) % 25);
    s.start_time_ms = base + (int64_t{i} * config.threads + worker) * 7'000;
    s.session_lang = {"en"};
    s.session_type = sessiondb::SessionType::kInteractive;
    s.containment_type = sessiondb::ContainmentType::kSelfService;
    // Live: no end_time, sessionStatus active (the default without one).

    ledger.begun[bot].fetch_add(1);
    absl::Status written = store.Put(s);
    ledger.done[bot].fetch_add(1);
    int64_t writes = 1;
    const int messages = 2 + i % 5;
    for (int m = 1; written.ok() && m <= messages; ++m) {
      s.messages_exchanged = m;
      if (m == 2) {
        const bool billing = i % 3 == 0;
        s.session_tags = {{"intent", billing ? "billing" : "greeting"}};
        if (billing) ledger.billing.fetch_add(1);
      }
      written = store.Put(s);
      ++writes;
    }
    if (written.ok() && i % 10 != 9) {  // one in ten stays open
      s.end_time_ms = s.start_time_ms + messages * 20'000;
      s.session_status = sessiondb::SessionStatus::kClosed;
      s.containment_type = i % 4 == 0
                               ? sessiondb::ContainmentType::kAgent
                               : sessiondb::ContainmentType::kSelfService;
      s.tasks_executed = i % 3;
      written = store.Put(s);
      ++writes;
    } else if (written.ok()) {
      ledger.live.fetch_add(1);
    }
    ledger.writes.fetch_add(writes);
    if (!written.ok())
      failures.Add(s.session_id + ": write failed: " + written.ToString());
  }
}

// Serve plays the API side while the workers run: alternately a JSON page
// (account-wide or one bot) and a typed page, each total checked against
// the ledger. Returns the pages served.
int64_t Serve(sessiondb::Store& store, Ledger& ledger, Failures& failures) {
  int64_t pages = 0;
  for (int round = 0; ledger.workers_running.load(); ++round) {
    // One bot's index, or kAllBots: account-wide. (A plain int: GCC 12 at
    // -O3 warns that an optional<int> read in the lambdas may be unset.)
    constexpr int kAllBots = -1;
    const int bot = round % 4 == 3 ? kAllBots : round % kBots;
    const bool one_bot = bot != kAllBots;
    auto lower = [&] {
      return one_bot ? ledger.done[bot].load() : ledger.Done();
    };
    auto upper = [&] {
      return one_bot ? ledger.begun[bot].load() : ledger.Begun();
    };
    const int64_t lo = lower();
    int64_t total = -1;
    if (round % 2 == 0) {
      const std::string body = std::string("{") + kWindow + R"(, "limit": 50})";
      std::optional<std::string> bot_id;
      if (one_bot) bot_id = BotId(bot);
      sessiondb::ApiResponse r = store.HandleGetSessions(
          bot_id ? std::optional<std::string_view>(*bot_id) : std::nullopt,
          std::nullopt, body);
      if (r.status != 200) {
        failures.Add("JSON page: HTTP " + std::to_string(r.status) + " " +
                     r.body);
        continue;
      }
      total = TotalOf(r.body).value_or(-1);
    } else {
      sessiondb::SessionQuery q;
      if (one_bot) q.bot_id = BotId(bot);
      q.from_ms = absl::ToUnixMillis(kNow) - 24 * kHourMs;
      q.to_ms = absl::ToUnixMillis(kNow);
      q.skip = round % 7;
      q.limit = 20;
      absl::StatusOr<sessiondb::SessionPage> page = store.GetSessions(q);
      if (!page.ok()) {
        failures.Add("typed page: " + page.status().ToString());
        continue;
      }
      total = page->total;
      const int64_t expected_size =
          std::max<int64_t>(0, std::min<int64_t>(q.limit, total - q.skip));
      if (static_cast<int64_t>(page->sessions.size()) != expected_size ||
          page->more_available != (q.skip + expected_size < total)) {
        failures.Add("typed page: " + std::to_string(page->sessions.size()) +
                     " sessions of total " + std::to_string(total) +
                     " at skip " + std::to_string(q.skip));
      }
    }
    const int64_t hi = upper();
    if (total < lo || total > hi) {
      failures.Add("page total " + std::to_string(total) + " outside [" +
                   std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
    ++pages;
  }
  return pages;
}

// Analyze plays an analytics job beside the runtime: a reader of the store's
// directory (Store::OpenReader; it would work the same from another process)
// that refreshes and counts the sessions, each count checked against the
// ledger: at least every session acknowledged before the refresh, at most
// every one begun. Returns the counts taken.
int64_t Analyze(sessiondb::Store& reader, Ledger& ledger, Failures& failures) {
  int64_t counts = 0;
  bool last = false;
  while (!last) {
    last = !ledger.workers_running.load();
    const int64_t lo = ledger.Done();
    absl::Status refreshed = reader.Refresh();
    absl::StatusOr<sessiondb::StoreStats> stats = reader.GetStats();
    if (!refreshed.ok() || !stats.ok()) {
      failures.Add("reader: " + refreshed.ToString() + " " +
                   stats.status().ToString());
      break;
    }
    const int64_t hi = ledger.Begun();
    if (stats->sessions < lo || stats->sessions > hi) {
      failures.Add("reader counted " + std::to_string(stats->sessions) +
                   " sessions, outside [" + std::to_string(lo) + ", " +
                   std::to_string(hi) + "]");
    }
    ++counts;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return counts;
}

// CheckFinal compares every bot's sessions with what the workers wrote.
void CheckFinal(sessiondb::Store& store, const Config& config,
                const Ledger& ledger, Failures& failures) {
  const int64_t written = int64_t{config.threads} * config.conversations;
  int64_t all = 0, live = 0, agent = 0;
  for (int bot = 0; bot < kBots; ++bot) {
    // Walk the bot's window page by page through the JSON front door.
    int64_t walked = 0, total = -1;
    for (int64_t skip = 0;; skip += 100) {
      const std::string body = std::string("{") + kWindow +
                               R"(, "limit": 100, "skip": )" +
                               std::to_string(skip) + "}";
      sessiondb::ApiResponse r =
          store.HandleGetSessions(BotId(bot), std::nullopt, body);
      total = TotalOf(r.body).value_or(-1);
      size_t count = 0;
      for (size_t p = r.body.find("\"sessionId\""); p != std::string::npos;
           p = r.body.find("\"sessionId\"", p + 1)) {
        ++count;
      }
      for (size_t p = r.body.find("\"sessionStatus\":\"active\"");
           p != std::string::npos;
           p = r.body.find("\"sessionStatus\":\"active\"", p + 1)) {
        ++live;
      }
      walked += static_cast<int64_t>(count);
      if (r.status != 200 ||
          r.body.find("\"moreAvailable\":true") == std::string::npos) {
        break;
      }
    }
    if (total != ledger.done[bot].load() || walked != total) {
      failures.Add(BotId(bot) + ": total " + std::to_string(total) +
                   ", pages held " + std::to_string(walked) + ", written " +
                   std::to_string(ledger.done[bot].load()));
    }
    all += walked;
    // The typed API: the bot's agent-contained sessions.
    sessiondb::SessionQuery q;
    q.bot_id = BotId(bot);
    q.containment = sessiondb::ContainmentType::kAgent;
    q.from_ms = absl::ToUnixMillis(kNow) - 24 * kHourMs;
    q.to_ms = absl::ToUnixMillis(kNow);
    absl::StatusOr<sessiondb::SessionPage> page = store.GetSessions(q);
    if (page.ok()) agent += page->total;
  }
  int64_t expected_agent = 0;
  for (int i = 0; i < config.conversations; ++i) {
    if (i % 10 != 9 && i % 4 == 0) expected_agent += config.threads;
  }
  if (all != written) {
    failures.Add("all bots: " + std::to_string(all) + " sessions, written " +
                 std::to_string(written));
  }
  if (live != ledger.live.load()) {
    failures.Add("live sessions: " + std::to_string(live) + ", left open " +
                 std::to_string(ledger.live.load()));
  }
  if (agent != expected_agent) {
    failures.Add("agent-contained: " + std::to_string(agent) + ", expected " +
                 std::to_string(expected_agent));
  }

  // A tag filter, account-wide, through the typed API.
  sessiondb::SessionQuery billing;
  billing.tags.all_of.push_back(
      {"intent", {"billing"}, sessiondb::TagKind::kSession});
  billing.from_ms = absl::ToUnixMillis(kNow) - 24 * kHourMs;
  billing.to_ms = absl::ToUnixMillis(kNow);
  absl::StatusOr<sessiondb::SessionPage> page = store.GetSessions(billing);
  if (!page.ok() || page->total != ledger.billing.load()) {
    failures.Add(
        "billing tag: " +
        (page.ok() ? std::to_string(page->total) : page.status().ToString()) +
        ", tagged " + std::to_string(ledger.billing.load()));
  }

  // An offline export of everything, without JSON.
  int64_t closed = 0;
  absl::StatusOr<int64_t> exported = sessiondb::ExportSessions(
      store, sessiondb::ExportFilter(), [&](const sessiondb::Session& s) {
        if (s.end_time_ms.has_value()) ++closed;
        return absl::OkStatus();
      });
  if (!exported.ok() || *exported != written ||
      closed != written - ledger.live.load()) {
    failures.Add("export: " +
                 (exported.ok() ? std::to_string(*exported)
                                : exported.status().ToString()) +
                 " sessions (" + std::to_string(closed) + " closed), written " +
                 std::to_string(written));
  }
  std::cout << "checked: " << all << " sessions on " << kBots << " bots, "
            << live << " live, " << agent << " agent-contained, "
            << (page.ok() ? page->total : -1) << " tagged billing, "
            << (exported.ok() ? *exported : -1) << " exported\n";
}

bool ParseArgs(int argc, char** argv, Config* config) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--db") {
      config->db = argv[i + 1];
    } else if (flag == "--threads") {
      config->threads = std::max(1, atoi(argv[i + 1]));
    } else if (flag == "--conversations") {
      config->conversations = std::max(1, atoi(argv[i + 1]));
    } else {
      return false;
    }
  }
  return argc % 2 == 1;
}

}  // namespace

int main(int argc, char** argv) {
  Config config;
  if (!ParseArgs(argc, argv, &config)) {
    std::cerr << "usage: bot_runtime [--db DIR] [--threads N] "
                 "[--conversations N]\n";
    return 2;
  }
  std::string temp_dir;
  if (config.db.empty()) {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "bot_runtime-XXXXXX")
            .string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      std::perror("mkdtemp");
      return 1;
    }
    config.db = temp_dir = tmpl;
  }

  int failures_count = 0;
  {
    sessiondb::Options options;
    options.clock = [] { return kNow; };
    absl::StatusOr<std::unique_ptr<sessiondb::Store>> store =
        sessiondb::Store::Open(options, config.db);
    if (!store.ok()) {
      std::cerr << "open " << config.db << ": " << store.status() << "\n";
      return 1;
    }
    absl::StatusOr<std::unique_ptr<sessiondb::Store>> analytics_reader =
        sessiondb::Store::OpenReader(sessiondb::Options(), config.db);
    if (!analytics_reader.ok()) {
      std::cerr << "open reader " << config.db << ": "
                << analytics_reader.status() << "\n";
      return 1;
    }
    Ledger ledger;
    Failures failures;
    std::vector<std::thread> workers;
    for (int t = 0; t < config.threads; ++t) {
      workers.emplace_back(Converse, std::ref(**store), t, std::cref(config),
                           std::ref(ledger), std::ref(failures));
    }
    int64_t pages = 0, counts = 0;
    std::thread reader([&] { pages = Serve(**store, ledger, failures); });
    std::thread analytics(
        [&] { counts = Analyze(**analytics_reader, ledger, failures); });
    for (std::thread& w : workers) w.join();
    ledger.workers_running = false;
    reader.join();
    analytics.join();

    std::cout << "wrote:   " << ledger.Done() << " conversations in "
              << ledger.writes.load() << " writes from " << config.threads
              << " threads (" << ledger.live.load() << " left open)\n"
              << "served:  " << pages
              << " getSessions pages while they ran (JSON and typed)\n"
              << "counted: " << counts
              << " times by an analytics reader beside the writer\n";
    CheckFinal(**store, config, ledger, failures);
    failures.Print();
    failures_count = failures.count();
  }
  if (!temp_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(temp_dir, ec);
  }
  std::cout << (failures_count == 0 ? "OK\n" : "FAILED\n");
  return failures_count == 0 ? 0 : 1;
}
