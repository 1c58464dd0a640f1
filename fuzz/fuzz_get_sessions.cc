// Fuzz target: the whole JSON front door (Store::HandleGetSessions) on a
// small store. Byte 0 picks the route (account-wide, a bot with sessions, an
// unknown bot), line 1 is the containmentType parameter (absent when byte 1
// is even), the rest is the body.
// Properties: the answer is 200 or 400, never a failure of the store; the
// body is one JSON object, a page (total, moreAvailable, sessions) for 200
// and {"errors":[{"msg","code":400}]} for 400; a page holds at most its
// limit of sessions and no more than total.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "fuzz_input.h"
#include "sessiondb/store.h"
#include "simdjson.h"

namespace {

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kBase = 20'000 * kDay;  // 2024-10-04

struct FuzzStore {
  std::string dir;
  std::unique_ptr<sessiondb::Store> store;
};

FuzzStore* g_store = nullptr;

void RemoveStore() {
  if (g_store == nullptr) return;
  g_store->store.reset();
  std::error_code ec;
  std::filesystem::remove_all(g_store->dir, ec);
}

sessiondb::Store& SmallStore() {
  if (g_store != nullptr) return *g_store->store;
  g_store = new FuzzStore();
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr && *tmp ? tmp : "/tmp") +
                        "/sessiondb-fuzz-XXXXXX";
  FUZZ_CHECK(mkdtemp(pattern.data()) != nullptr);
  g_store->dir = pattern;
  sessiondb::Options options;
  options.clock = [] { return absl::FromUnixMillis(kBase + 3 * kDay); };
  auto store = sessiondb::Store::Open(options, g_store->dir);
  FUZZ_CHECK(store.ok());
  g_store->store = *std::move(store);
  std::vector<sessiondb::Session> sessions;
  for (int i = 0; i < 60; ++i) {
    sessiondb::Session s;
    s.session_id = "s" + std::to_string(i);
    s.bot_id = i % 3 == 0 ? "st-bot-b" : "st-bot-a";
    s.channel = "rtm";
    s.user_id = "u-" + std::to_string(i % 4);
    s.start_time_ms = kBase + i * 3'600'000LL + (i % 7) * 1000;
    if (i % 5 != 0) s.end_time_ms = s.start_time_ms + 60'000;
    s.session_lang = {"en"};
    s.session_type = static_cast<sessiondb::SessionType>(i % 2);
    s.containment_type = static_cast<sessiondb::ContainmentType>(i % 3);
    s.user_tags = {{"tier", i % 2 ? "gold" : "free"}};
    s.session_tags = {{"topic", "t" + std::to_string(i % 3)}};
    sessions.push_back(std::move(s));
  }
  FUZZ_CHECK(g_store->store->PutBatch(sessions).ok());
  FUZZ_CHECK(
      g_store->store->LinkUserAliases({"u-1", {"Jane@Corp.com", "EMP-0042"}})
          .ok());
  // Registered once RocksDB's lazily built statics exist, so it runs before
  // they are destroyed (exit handlers run in reverse order).
  std::atexit(RemoveStore);
  return *g_store->store;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sessiondb::Store& store = SmallStore();
  sessiondb::fuzz::FuzzInput in(data, size);
  static constexpr std::string_view kBots[] = {"st-bot-a", "st-bot-b",
                                               "st-unknown"};
  const sessiondb::fuzz::FuzzInput::Route route = in.TakeRoute(kBots);
  const sessiondb::ApiResponse r =
      store.HandleGetSessions(route.bot, route.containment, in.Rest());
  FUZZ_CHECK(r.status == 200 || r.status == 400);

  static simdjson::dom::parser* json = new simdjson::dom::parser();
  simdjson::dom::element doc;
  FUZZ_CHECK(json->parse(r.body).get(doc) == simdjson::SUCCESS);
  simdjson::dom::object object;
  FUZZ_CHECK(doc.get(object) == simdjson::SUCCESS);
  if (r.status == 400) {
    simdjson::dom::array errors;
    FUZZ_CHECK(object["errors"].get(errors) == simdjson::SUCCESS);
    FUZZ_CHECK(errors.size() == 1);
    return 0;
  }
  int64_t total = 0;
  bool more = false;
  simdjson::dom::array sessions;
  FUZZ_CHECK(object["total"].get(total) == simdjson::SUCCESS);
  FUZZ_CHECK(object["moreAvailable"].get(more) == simdjson::SUCCESS);
  FUZZ_CHECK(object["sessions"].get(sessions) == simdjson::SUCCESS);
  FUZZ_CHECK(total >= 0 && total <= 60);
  FUZZ_CHECK(static_cast<int64_t>(sessions.size()) <= total);
  return 0;
}
