// Test-only fixture: a Store in a fresh temporary directory with a fixed
// clock, plus helpers to call the JSON front door and to compute expected
// answers independently of the code under test.
//
//   class GetSessionsWindow : public sessiondb::testing::TempStoreTest {};
//   TEST_F(GetSessionsWindow, ...) {
//     Put(MakeSession("s-1", UtcMs(2020, 2, 11)));
//     ApiResult r = Call(kBotA, std::nullopt, R"({"dateFrom": "2020-02-11"})");
//     EXPECT_THAT(r, IsPage());
//     EXPECT_THAT(SessionIds(r), ElementsAre("s-1"));
//   }
#ifndef SESSIONDB_TESTS_TESTING_TEMP_STORE_H_
#define SESSIONDB_TESTS_TESTING_TEMP_STORE_H_

#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sessiondb/options.h"
#include "sessiondb/query.h"
#include "sessiondb/session.h"
#include "sessiondb/store.h"
#include "testing/status_matchers.h"

namespace sessiondb::testing {

using OrderedJson = nlohmann::ordered_json;

inline constexpr int64_t kMsPerSecond = 1000;
inline constexpr int64_t kMsPerMinute = 60 * kMsPerSecond;
inline constexpr int64_t kMsPerHour = 60 * kMsPerMinute;
inline constexpr int64_t kMsPerDayForTests = 24 * kMsPerHour;
inline constexpr int64_t kWeekMs = 7 * kMsPerDayForTests;

inline constexpr char kBotA[] = "st-bot-a";
inline constexpr char kBotB[] = "st-bot-b";

// UtcMs is computed with Abseil's civil time, never with the code under test.
inline int64_t UtcMs(int y, int mo, int d, int h = 0, int mi = 0, int s = 0,
                     int ms = 0) {
  return absl::ToUnixMillis(absl::FromCivil(
             absl::CivilSecond(y, mo, d, h, mi, s), absl::UTCTimeZone())) +
         ms;
}

// MakeSession builds a valid closed session; tests change what they need.
inline Session MakeSession(std::string id, int64_t start_ms,
                           std::string bot = kBotA) {
  Session s;
  s.session_id = std::move(id);
  s.bot_id = std::move(bot);
  s.channel = "rtm";
  s.user_id = "u-default";
  s.start_time_ms = start_ms;
  s.end_time_ms = start_ms + 5 * kMsPerSecond;
  s.session_lang = {"en"};
  s.session_type = SessionType::kInteractive;
  s.containment_type = ContainmentType::kDropOff;
  return s;
}

// ExpectedIds is the model of SPEC §4: the sessions `keep` accepts, newest
// first, ties by sessionId descending (byte order).
inline std::vector<std::string> ExpectedIds(
    std::vector<Session> sessions,
    const std::function<bool(const Session&)>& keep) {
  std::vector<Session> kept;
  for (Session& s : sessions) {
    if (keep(s)) kept.push_back(std::move(s));
  }
  std::sort(kept.begin(), kept.end(), [](const Session& a, const Session& b) {
    if (a.start_time_ms != b.start_time_ms) {
      return a.start_time_ms > b.start_time_ms;
    }
    return a.session_id > b.session_id;
  });
  std::vector<std::string> ids;
  for (const Session& s : kept) ids.push_back(s.session_id);
  return ids;
}

// ApiResult is one answer of the JSON front door, parsed with nlohmann (an
// order-preserving object, so key order can be checked).
struct ApiResult {
  int status = 0;
  std::string raw;
  OrderedJson json;  // is_discarded() when the body is not JSON
};

inline void PrintTo(const ApiResult& r, std::ostream* os) {
  *os << "HTTP " << r.status << " " << r.raw;
}

// IsPage: HTTP 200 and a body of the page shape (total, moreAvailable,
// sessions[, invalidSessions]).
MATCHER(IsPage, "is a 200 page") {
  if (arg.status != 200) {
    *result_listener << "status " << arg.status;
    return false;
  }
  if (arg.json.is_discarded() || !arg.json.is_object()) {
    *result_listener << "body is not a JSON object";
    return false;
  }
  if (!arg.json.contains("total") || !arg.json["total"].is_number_integer() ||
      !arg.json.contains("moreAvailable") ||
      !arg.json["moreAvailable"].is_boolean() ||
      !arg.json.contains("sessions") || !arg.json["sessions"].is_array()) {
    *result_listener << "body lacks total/moreAvailable/sessions";
    return false;
  }
  return true;
}

// IsBadRequest: HTTP 400 and exactly {"errors":[{"msg": M, "code": 400}]}
// with M matching msg_matcher.
MATCHER_P(IsBadRequest, msg_matcher, "is a 400 error whose msg matches") {
  if (arg.status != 400) {
    *result_listener << "status " << arg.status;
    return false;
  }
  const OrderedJson& j = arg.json;
  if (j.is_discarded() || !j.is_object() || j.size() != 1 ||
      !j.contains("errors") || !j["errors"].is_array() ||
      j["errors"].size() != 1) {
    *result_listener << "body is not {\"errors\":[one error]}";
    return false;
  }
  const OrderedJson& e = j["errors"][0];
  if (!e.is_object() || e.size() != 2 || !e.contains("msg") ||
      !e["msg"].is_string() || !e.contains("code") || e["code"] != 400) {
    *result_listener << "error is not {\"msg\": string, \"code\": 400}";
    return false;
  }
  return ::testing::ExplainMatchResult(msg_matcher, e["msg"].get<std::string>(),
                                       result_listener);
}

// TempStoreTest opens a Store in a fresh directory under $TMPDIR (or /tmp),
// removed after the test. The clock reads now_ms_, which a test may change.
class TempStoreTest : public ::testing::Test {
 protected:
  // 2024-03-15T12:00:00.000Z: the default window is [03-08T12:00, 03-15T12:00).
  static int64_t DefaultNow() { return UtcMs(2024, 3, 15, 12, 0, 0); }

  void SetUp() override {
    const char* tmp = getenv("TMPDIR");
    std::string pattern =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") +
        "/sessiondb_spec_XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    ASSERT_NE(mkdtemp(buf.data()), nullptr) << "mkdtemp " << pattern;
    dir_ = buf.data();
    Reopen();
  }

  void TearDown() override {
    store_.reset();
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  void Reopen() {
    store_.reset();
    Options options;
    options.clock = [this] { return absl::FromUnixMillis(now_ms_.load()); };
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options, dir_);
    ASSERT_OK(store);
    store_ = *std::move(store);
  }

  void Put(const Session& s) { ASSERT_OK(store_->Put(s)); }
  void PutAll(const std::vector<Session>& sessions) {
    ASSERT_OK(store_->PutBatch(sessions));
  }

  ApiResult Call(std::optional<std::string_view> bot,
                 std::optional<std::string_view> containment,
                 std::string_view body) {
    ApiResponse r = store_->HandleGetSessions(bot, containment, body);
    ApiResult out;
    out.status = r.status;
    out.raw = r.body;
    out.json = OrderedJson::parse(r.body, nullptr, /*allow_exceptions=*/false);
    return out;
  }
  ApiResult CallJson(std::optional<std::string_view> bot,
                     std::optional<std::string_view> containment,
                     const nlohmann::json& body) {
    const std::string text = body.dump();
    return Call(bot, containment, std::string_view(text));
  }
  // CallBot: the bot-scoped route of kBotA, no containmentType parameter.
  ApiResult CallBot(const nlohmann::json& body) {
    return CallJson(kBotA, std::nullopt, body);
  }

  // SessionIds lists the sessionIds of a page in response order.
  static std::vector<std::string> SessionIds(const ApiResult& r) {
    std::vector<std::string> ids;
    if (r.json.is_discarded() || !r.json.is_object() ||
        !r.json.contains("sessions") || !r.json["sessions"].is_array()) {
      ADD_FAILURE() << "not a page: " << r.raw;
      return ids;
    }
    for (const auto& s : r.json["sessions"]) {
      if (s.contains("sessionId") && s["sessionId"].is_string()) {
        ids.push_back(s["sessionId"].get<std::string>());
      } else {
        ids.push_back("<no sessionId>");
      }
    }
    return ids;
  }
  static int64_t Total(const ApiResult& r) {
    if (r.json.is_discarded() || !r.json.contains("total") ||
        !r.json["total"].is_number_integer()) {
      ADD_FAILURE() << "no total: " << r.raw;
      return -1;
    }
    return r.json["total"].get<int64_t>();
  }
  static bool MoreAvailable(const ApiResult& r) {
    if (r.json.is_discarded() || !r.json.contains("moreAvailable") ||
        !r.json["moreAvailable"].is_boolean()) {
      ADD_FAILURE() << "no moreAvailable: " << r.raw;
      return false;
    }
    return r.json["moreAvailable"].get<bool>();
  }

  std::atomic<int64_t> now_ms_{DefaultNow()};
  std::string dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace sessiondb::testing

#endif  // SESSIONDB_TESTS_TESTING_TEMP_STORE_H_
