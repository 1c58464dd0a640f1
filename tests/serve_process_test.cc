// The built `sessiondb serve` and `sessiondb token` as a user runs them
// (SPEC §5-§6): the token command prints only a token the server accepts, a
// malformed apps file stops serve at start, and SIGTERM during an ingest
// load loses no acknowledged batch.
#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/apps_config.h"
#include "server/jwt.h"
#include "sessiondb/store.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace sessiondb {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

#ifdef SESSIONDB_CLI_PATH
constexpr char kCli[] = SESSIONDB_CLI_PATH;
#else
constexpr char kCli[] = "";
#endif

constexpr char kAppsJson[] = R"({"apps": [
  {"appId": "cs-writer", "clientSecret": "writer-secret-0123456789abcdefghij",
   "scopes": ["sessions:write"]},
  {"appId": "cs-admin", "clientSecret": "admin-secret-0123456789abcdefghijk",
   "scopes": ["admin:bot-sessions"]}
]})";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// ServeProcess runs `sessiondb serve` as a child with stdout on a pipe and
// stderr in a file.
class ServeProcess {
 public:
  ServeProcess(const std::string& db, const std::string& apps,
               const std::string& stderr_path,
               const std::vector<std::string>& extra_args = {}) {
    std::vector<std::string> args = {
        kCli, "serve",    "--db",        db,          "--apps",
        apps, "--listen", "127.0.0.1:0", "--threads", "8"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int out[2];
    if (pipe(out) != 0) return;
    const int err =
        ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      dup2(err, STDERR_FILENO);
      ::close(out[0]);
      execv(argv[0], argv.data());
      _exit(127);
    }
    ::close(out[1]);
    ::close(err);
    stdout_ = fdopen(out[0], "r");
  }

  ~ServeProcess() {
    if (pid_ > 0 && !waited_) {
      kill(pid_, SIGKILL);
      Wait();
    }
    if (stdout_ != nullptr) fclose(stdout_);
  }

  // ReadListeningPort reads the first stdout line, "sessiondb: listening on
  // http://HOST:PORT (...)"; 0 if the server exited first.
  int ReadListeningPort() {
    char line[512];
    if (stdout_ == nullptr || fgets(line, sizeof(line), stdout_) == nullptr) {
      return 0;
    }
    first_line_ = line;
    std::smatch m;
    if (!std::regex_search(
            first_line_, m,
            std::regex("listening on http://127\\.0\\.0\\.1:([0-9]+)"))) {
      return 0;
    }
    return std::stoi(m[1]);
  }

  void Signal(int sig) { kill(pid_, sig); }

  // Wait returns the exit status, or -1 when killed by a signal.
  int Wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    waited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  const std::string& first_line() const { return first_line_; }

 private:
  pid_t pid_ = -1;
  FILE* stdout_ = nullptr;
  bool waited_ = false;
  std::string first_line_;
};

// RunCli runs the tool to completion and returns its stdout and exit status.
std::pair<std::string, int> RunCli(const std::string& args) {
  FILE* pipe =
      popen(absl::StrCat(kCli, " ", args, " 2>/dev/null").c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  const int status = pclose(pipe);
  return {out, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

class ServeProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string(kCli).empty()) GTEST_SKIP() << "built without the tool";
    apps_path_ = dir_.Sub("apps.json");
    std::ofstream(apps_path_) << kAppsJson;
    ASSERT_EQ(chmod(apps_path_.c_str(), 0600), 0);
  }

  std::string MintWithCli(const std::string& app) {
    auto [out, status] =
        RunCli(absl::StrCat("token --apps ", apps_path_, " --app ", app));
    EXPECT_EQ(status, 0);
    if (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }

  sessiondb::testing::TempDir dir_;
  std::string apps_path_;
};

TEST_F(ServeProcessTest, TokenCommandPrintsOnlyATokenOfThatApp) {
  auto [out, status] = RunCli(
      absl::StrCat("token --apps ", apps_path_, " --app cs-admin --ttl 60"));
  EXPECT_EQ(status, 0);
  EXPECT_THAT(
      out, MatchesRegex("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\n"));
  absl::StatusOr<AppsConfig> apps = AppsConfig::Parse(kAppsJson);
  ASSERT_OK(apps);
  out.pop_back();
  absl::StatusOr<const App*> app = VerifyToken(out, *apps, absl::Now());
  ASSERT_OK(app);
  EXPECT_EQ((*app)->app_id, "cs-admin");
  // --ttl 60, plus the verifier's minute of leeway for clock skew.
  EXPECT_THAT(VerifyToken(out, *apps, absl::Now() + absl::Seconds(121)),
              sessiondb::testing::StatusIs(absl::StatusCode::kUnauthenticated,
                                           HasSubstr("expired")));
}

TEST_F(ServeProcessTest, TokenCommandFailsForAnUnknownApp) {
  auto [out, status] =
      RunCli(absl::StrCat("token --apps ", apps_path_, " --app cs-nobody"));
  EXPECT_EQ(status, 1);
  EXPECT_EQ(out, "");
}

TEST_F(ServeProcessTest, MalformedAppsFileStopsServeNamingTheEntryAndField) {
  const std::string bad = dir_.Sub("bad.json");
  std::ofstream(bad) << R"({"apps": [
    {"appId": "a", "clientSecret": "a-secret-0123456789abcdefghijklmn",
     "scopes": ["bot:sessions"]},
    {"appId": "b", "clientSecret": "b-secret-0123456789abcdefghijklmn",
     "scopes": ["admin:sessions"]}]})";
  ServeProcess serve(dir_.Sub("db"), bad, dir_.Sub("stderr"));
  EXPECT_EQ(serve.ReadListeningPort(), 0);
  EXPECT_EQ(serve.Wait(), 1);
  EXPECT_THAT(ReadFile(dir_.Sub("stderr")),
              HasSubstr("apps[1] (appId \"b\"): scopes[0]: unknown scope "
                        "\"admin:sessions\""));
}

TEST_F(ServeProcessTest, ServePrintsItsAddressAndSigintStopsItCleanly) {
  ServeProcess serve(dir_.Sub("db"), apps_path_, dir_.Sub("stderr"));
  const int port = serve.ReadListeningPort();
  ASSERT_GT(port, 0) << ReadFile(dir_.Sub("stderr"));
  httplib::Client client("127.0.0.1", port);
  httplib::Result health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  httplib::Result page =
      client.Post("/api/public/getSessions",
                  {{"auth", MintWithCli("cs-admin")}}, "", "application/json");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->body, R"({"total":0,"moreAvailable":false,"sessions":[]})");
  serve.Signal(SIGINT);
  EXPECT_EQ(serve.Wait(), 0);
  const std::string log = ReadFile(dir_.Sub("stderr"));
  EXPECT_THAT(log, HasSubstr(" GET /healthz 200 "));
  EXPECT_THAT(log, HasSubstr(" POST /api/public/getSessions 200 "));
  EXPECT_THAT(log, HasSubstr("store closed"));
}

TEST_F(ServeProcessTest, ShortSecretStopsServeAndTokenNamingTheApp) {
  const std::string weak = dir_.Sub("weak.json");
  std::ofstream(weak) << R"({"apps": [
    {"appId": "cs-strong", "clientSecret": "strong-secret-0123456789abcdefghi",
     "scopes": ["admin:bot-sessions"]},
    {"appId": "cs-weak", "clientSecret": "abc", "scopes": ["bot:sessions"]}]})";
  ASSERT_EQ(chmod(weak.c_str(), 0600), 0);
  ServeProcess serve(dir_.Sub("db"), weak, dir_.Sub("stderr"));
  if (serve.ReadListeningPort() != 0) {
    serve.Signal(SIGKILL);  // started: fail rather than wait for it forever
    ADD_FAILURE() << "serve started with a 3-byte secret";
  }
  EXPECT_EQ(serve.Wait(), 1);
  EXPECT_THAT(ReadFile(dir_.Sub("stderr")),
              HasSubstr("apps[1] (appId \"cs-weak\"): clientSecret: must be "
                        "at least 32 bytes (RFC 7518 §3.2), got 3"));
  // token reads the same file the same way: it refuses too, even for the
  // app whose secret is long enough.
  auto [out, status] =
      RunCli(absl::StrCat("token --apps ", weak, " --app cs-strong"));
  EXPECT_EQ(status, 1);
  EXPECT_EQ(out, "");
}

// AccountWideStatus posts an empty account-wide getSessions with `token` to
// the server on `port` and returns the HTTP status (-1: no answer).
int AccountWideStatus(int port, const std::string& token) {
  httplib::Client client("127.0.0.1", port);
  httplib::Result r = client.Post("/api/public/getSessions", {{"auth", token}},
                                  "", "application/json");
  return r ? r->status : -1;
}

// WaitForLog waits (up to 10 s) until the file holds `text` `count` times.
bool WaitForLog(const std::string& path, const std::string& text,
                int count = 1) {
  for (int i = 0; i < 1000; ++i) {
    const std::string log = ReadFile(path);
    int found = 0;
    for (size_t at = log.find(text); at != std::string::npos;
         at = log.find(text, at + 1)) {
      ++found;
    }
    if (found >= count) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST_F(ServeProcessTest, SighupReloadsTheAppsFileAndABrokenOneKeepsTheOld) {
  const std::string err = dir_.Sub("stderr");
  ServeProcess serve(dir_.Sub("db"), apps_path_, err);
  const int port = serve.ReadListeningPort();
  ASSERT_GT(port, 0) << ReadFile(err);
  const auto status_with = [port](const std::string& token) {
    return AccountWideStatus(port, token);
  };
  const std::string old_admin = MintWithCli("cs-admin");
  const std::string writer = MintWithCli("cs-writer");
  EXPECT_EQ(status_with(old_admin), 200);

  // Rotate cs-admin's secret, drop cs-writer, add a reader scope to a new app.
  std::ofstream(apps_path_, std::ios::trunc) << R"({"apps": [
    {"appId": "cs-admin", "clientSecret": "rotated-admin-secret-0123456789abc",
     "scopes": ["admin:bot-sessions"]},
    {"appId": "cs-new", "clientSecret": "new-app-secret-0123456789abcdefghi",
     "scopes": ["admin:bot-sessions"]}]})";
  serve.Signal(SIGHUP);
  ASSERT_TRUE(WaitForLog(err, "SIGHUP: reloaded")) << ReadFile(err);
  EXPECT_THAT(ReadFile(err), HasSubstr("(2 apps)"));
  EXPECT_EQ(status_with(old_admin), 401);
  EXPECT_EQ(status_with(writer), 401);
  const std::string new_admin = MintWithCli("cs-admin");
  EXPECT_EQ(status_with(new_admin), 200);
  EXPECT_EQ(status_with(MintWithCli("cs-new")), 200);

  // A broken file (here a short secret) keeps the apps in force.
  std::ofstream(apps_path_, std::ios::trunc) << R"({"apps": [
    {"appId": "cs-admin", "clientSecret": "short", "scopes": []}]})";
  serve.Signal(SIGHUP);
  ASSERT_TRUE(WaitForLog(err, "SIGHUP: kept the apps in force"))
      << ReadFile(err);
  EXPECT_THAT(ReadFile(err),
              HasSubstr("apps[0] (appId \"cs-admin\"): clientSecret: must be "
                        "at least 32 bytes"));
  EXPECT_EQ(status_with(new_admin), 200);
  EXPECT_EQ(status_with(old_admin), 401);

  // An unreadable one too; the server keeps serving and stops cleanly.
  ASSERT_EQ(std::remove(apps_path_.c_str()), 0);
  serve.Signal(SIGHUP);
  ASSERT_TRUE(WaitForLog(err, "SIGHUP: kept the apps in force", 2))
      << ReadFile(err);
  EXPECT_EQ(status_with(new_admin), 200);
  serve.Signal(SIGINT);
  EXPECT_EQ(serve.Wait(), 0) << ReadFile(err);
}

TEST_F(ServeProcessTest, AppsFileReadableByOthersGetsAWarning) {
  const std::string err = dir_.Sub("stderr");
  {
    ServeProcess serve(dir_.Sub("db"), apps_path_, err);
    ASSERT_GT(serve.ReadListeningPort(), 0) << ReadFile(err);
    serve.Signal(SIGINT);
    EXPECT_EQ(serve.Wait(), 0);
  }
  EXPECT_THAT(ReadFile(err), Not(HasSubstr("warning")));
  ASSERT_EQ(chmod(apps_path_.c_str(), 0644), 0);
  ServeProcess serve(dir_.Sub("db"), apps_path_, err);
  ASSERT_GT(serve.ReadListeningPort(), 0) << ReadFile(err);
  serve.Signal(SIGINT);
  EXPECT_EQ(serve.Wait(), 0);
  EXPECT_THAT(ReadFile(err),
              HasSubstr(absl::StrCat("sessiondb: warning: ", apps_path_,
                                     " is accessible by group or others "
                                     "(mode 0644)")));
}

TEST_F(ServeProcessTest, MaxTokenAgeRefusesTokensIssuedLongerAgo) {
  const std::string err = dir_.Sub("stderr");
  ServeProcess serve(dir_.Sub("db"), apps_path_, err,
                     {"--max-token-age", "300"});
  const int port = serve.ReadListeningPort();
  ASSERT_GT(port, 0) << ReadFile(err);
  const auto status_with = [port](const std::string& token) {
    return AccountWideStatus(port, token);
  };
  absl::StatusOr<AppsConfig> apps = AppsConfig::Parse(kAppsJson);
  ASSERT_OK(apps);
  const App& admin = *apps->Find("cs-admin");
  // The tool's tokens are fresh; one minted 10 minutes ago with a day to
  // run is not.
  EXPECT_EQ(status_with(MintWithCli("cs-admin")), 200);
  EXPECT_EQ(status_with(*MintToken(admin, absl::Now() - absl::Minutes(10),
                                   absl::Hours(24))),
            401);
  serve.Signal(SIGINT);
  EXPECT_EQ(serve.Wait(), 0);
  auto [out, status] =
      RunCli(absl::StrCat("serve --db ", dir_.Sub("db"), " --apps ", apps_path_,
                          " --max-token-age -1"));
  EXPECT_EQ(status, 1);
}

std::string BatchBody(int client, int batch, int size) {
  std::string body;
  for (int i = 0; i < size; ++i) {
    absl::StrAppend(
        &body, R"({"sessionId": "c)", client, "-b", batch, "-", i,
        R"(", "botId": "st-load", "channel": "rtm", "userId": "u-)", i,
        R"(", "start_time": )", 1767225600000 + batch * 1000 + i,
        R"(, "sessionType": "interactive", "containmentType": "agent"})", "\n");
  }
  return body;
}

TEST_F(ServeProcessTest, SigtermDuringIngestLoadLosesNoAcknowledgedBatch) {
  constexpr int kClients = 4;
  constexpr int kMaxBatches = 400;  // per client: bounds the load
  constexpr int kBatchSize = 20;
  constexpr int kAcksBeforeSigterm = 40;
  const std::string db = dir_.Sub("db");
  ServeProcess serve(db, apps_path_, dir_.Sub("stderr"));
  const int port = serve.ReadListeningPort();
  ASSERT_GT(port, 0) << ReadFile(dir_.Sub("stderr"));
  const std::string token = MintWithCli("cs-writer");

  std::atomic<int> acked_count{0};
  std::mutex mu;
  std::vector<std::pair<int, int>> acked, unacked;  // (client, batch)
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_read_timeout(30, 0);
      for (int b = 0; b < kMaxBatches; ++b) {
        httplib::Result res =
            client.Post("/api/sessiondb/sessions", {{"auth", token}},
                        BatchBody(c, b, kBatchSize), "application/x-ndjson");
        const bool ok =
            res && res->status == 200 &&
            res->body == absl::StrCat("{\"written\":", kBatchSize, "}");
        std::lock_guard<std::mutex> lock(mu);
        (ok ? acked : unacked).emplace_back(c, b);
        if (ok) ++acked_count;
        // Once the server is gone every request fails: stop after the
        // first failure that is not an answer.
        if (!res) return;
      }
    });
  }
  // Bounded wait for some acknowledged batches, then SIGTERM mid-load.
  for (int i = 0; i < 60000 && acked_count.load() < kAcksBeforeSigterm; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_GE(acked_count.load(), kAcksBeforeSigterm);
  serve.Signal(SIGTERM);
  for (std::thread& t : clients) t.join();
  EXPECT_LT(acked.size(), static_cast<size_t>(kClients * kMaxBatches))
      << "SIGTERM came after the load, not during it";
  EXPECT_EQ(serve.Wait(), 0) << ReadFile(dir_.Sub("stderr"));
  EXPECT_THAT(ReadFile(dir_.Sub("stderr")), HasSubstr("SIGTERM"));

  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(Options(), db);
  ASSERT_OK(store);
  auto present = [&](int c, int b) {
    nlohmann::json ids = nlohmann::json::array();
    for (int i = 0; i < kBatchSize; ++i) {
      ids.push_back(absl::StrCat("c", c, "-b", b, "-", i));
    }
    ApiResponse r = (*store)->HandleGetSessions(
        "st-load", std::nullopt, nlohmann::json{{"sessionId", ids}}.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return nlohmann::json::parse(r.body)["total"].get<int>();
  };
  for (auto [c, b] : acked) {
    EXPECT_EQ(present(c, b), kBatchSize)
        << "acknowledged batch c" << c << "-b" << b << " lost";
  }
  for (auto [c, b] : unacked) {
    const int n = present(c, b);
    EXPECT_TRUE(n == 0 || n == kBatchSize)
        << "batch c" << c << "-b" << b << " applied in part: " << n;
  }
  RecordProperty("acknowledged_batches", static_cast<int>(acked.size()));
}

}  // namespace
}  // namespace sessiondb
