// Randomized differential test of getSessions (SPEC §2-§4).
//
// A brute-force model (a std::map of sessions plus the alias map) answers the
// same random requests as the store, through the typed API
// (Store::GetSessions) and the JSON front door (Store::HandleGetSessions),
// with random upserts, deletes, batches and alias links between query rounds,
// and across close + reopen of the same directory. The model is written from
// the SPEC alone, never from the engine's code: it filters every session,
// sorts by (start_time desc, sessionId desc) and slices the page.
//
// Replay a failure with the seed printed in its trace:
//   SESSIONDB_TEST_SEED=<seed> ./differential_test
// Scale the work with SESSIONDB_DIFF_SCALE (default 1: rounds and requests per
// round grow linearly with it).
#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "sessiondb/store.h"
#include "testing/status_matchers.h"
#include "testing/test_seed.h"

namespace sessiondb {

// Readable gtest output for sessions (ADL finds it in sessiondb).
void PrintTo(const Session& s, std::ostream* os);

namespace {

using Json = nlohmann::ordered_json;
using ::sessiondb::testing::IsOk;

// SPEC constants, restated here rather than taken from the library headers.
constexpr int64_t kSecondMs = 1000;
constexpr int64_t kHourMs = 3600 * kSecondMs;
constexpr int64_t kDayMs = 24 * kHourMs;
constexpr int64_t kWeekMs = 7 * kDayMs;
constexpr int64_t kPageCap = 10000;
constexpr int64_t kDefaultLimit = 50;
constexpr size_t kLookupCap = 50;
constexpr uint64_t kDefaultSeed = 20260105;
constexpr int kDataDays = 20;
constexpr int kMaxMismatchesReported = 8;

int64_t DayStartMs(int y, int m, int d) {
  return absl::ToUnixMillis(
      absl::FromCivil(absl::CivilDay(y, m, d), absl::UTCTimeZone()));
}
const int64_t kT0 = DayStartMs(2026, 1, 5);

uint64_t TestSeed() { return sessiondb::testing::TestSeed(kDefaultSeed); }

int Scale() {
  const char* s = std::getenv("SESSIONDB_DIFF_SCALE");
  int v = s != nullptr ? std::atoi(s) : 1;
  return v < 1 ? 1 : v;
}

std::string Quote(std::string_view s) { return Json(std::string(s)).dump(); }

std::string Iso(int64_t ms) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixMillis(ms),
                          absl::UTCTimeZone());
}

bool ContainsAnyIgnoringCase(const std::string& text,
                             const std::vector<std::string>& needles) {
  std::string t = absl::AsciiStrToLower(text);
  for (const std::string& n : needles) {
    if (t.find(absl::AsciiStrToLower(n)) != std::string::npos) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------
// Random source.

class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}
  int64_t Uniform(int64_t lo, int64_t hi) {  // inclusive
    return std::uniform_int_distribution<int64_t>(lo, hi)(gen_);
  }
  bool Percent(int p) { return Uniform(0, 99) < p; }
  bool OneIn(int n) { return Uniform(0, n - 1) == 0; }
  double Unit() { return std::uniform_real_distribution<double>(0, 1)(gen_); }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[static_cast<size_t>(
        Uniform(0, static_cast<int64_t>(v.size()) - 1))];
  }
  std::string FlipCase(std::string s) {
    for (char& c : s) {
      if (std::isalpha(static_cast<unsigned char>(c)) && OneIn(2)) {
        c = std::isupper(static_cast<unsigned char>(c)) ? std::tolower(c)
                                                        : std::toupper(c);
      }
    }
    return s;
  }

 private:
  std::mt19937_64 gen_;
};

// ---------------------------------------------------------------------------
// The data universe: bots, users, aliases and tags, with the edge cases the
// SPEC makes observable.

struct WeightedBot {
  std::string id;
  int weight;
};
const std::vector<WeightedBot> kBots = {{"bot-a", 40},        {"bot-b", 20},
                                        {"bot-a1", 12},       {"bot", 10},
                                        {"bot-\xc3\xa9", 10}, {"b", 8}};
// Bot ids no session has: prefixes and case variants of real ones.
const std::vector<std::string> kUnknownBots = {"bot-", "bo", "BOT-A", "bot-c",
                                               std::string("bot-a\x01", 6)};

constexpr int kRegularUsers = 30;
std::string RegularUser(int i) { return absl::StrFormat("u-%02d", i); }
// "u-rare" is both a rarely used internal id and (initially) an alias of u-05;
// "shared@example.com" is an internal id that case-insensitively equals an
// alias of u-06. Resolution (SPEC §2) prefers the internal id while any session
// has it.
const std::string kRareUser = "u-rare";
const std::string kEmailLikeUser = "shared@example.com";

std::vector<UserIdentity> InitialIdentities() {
  std::vector<UserIdentity> out;
  for (int i = 0; i < kRegularUsers; ++i) {
    if (i % 7 == 0)
      continue;  // these users have no alias until a mutation links one
    out.push_back({RegularUser(i),
                   {absl::StrFormat("user%d@example.com", i),
                    absl::StrFormat("EMP-%04d", i)}});
  }
  out.push_back({RegularUser(5), {"u-rare"}});
  out.push_back({RegularUser(6), {"SHARED@example.com"}});
  out.push_back(
      {"u-ghost", {"ghost@example.com"}});  // no session ever has u-ghost
  return out;
}

const std::vector<std::pair<std::string, std::vector<std::string>>>
    kUserTagVocab = {{"regular", {"newuser", "returning", "NewUser"}},
                     {"tier", {"gold", "silver", ""}},
                     {"shared", {"x", "y"}}};
const std::vector<std::pair<std::string, std::vector<std::string>>>
    kSessionTagVocab = {{"intent", {"billing", "refund", "faq"}},
                        {"csat", {"1", "2", "3"}},
                        {"shared", {"x", "z"}}};

// Session ids that share prefixes, hold NUL or 0x01 bytes, or high code points,
// so byte-wise order and key prefixes are exercised by the sessionId tie-break.
const std::vector<std::string> kTrickyIds = {
    "a",
    "ab",
    "aa",
    "A",
    "b",
    "a a",
    "a~",
    "~",
    std::string("a\x01", 2),
    std::string("a\0", 2),
    std::string("a\0b", 3),
    std::string("a\0\0", 3),
    std::string("\0", 1),
    std::string("\x01", 1),
    "a\xc3\xbf",         // U+00FF
    "a\xef\xbf\xbf",     // U+FFFF
    "\xf4\x8f\xbf\xbf",  // U+10FFFF
    std::string(128, 'z'),
    std::string(127, 'z'),
};

const char* TypeName(SessionType t) {
  return t == SessionType::kInteractive ? "interactive" : "non-interactive";
}
const char* ContainmentName(ContainmentType c) {
  switch (c) {
    case ContainmentType::kDropOff:
      return "dropOff";
    case ContainmentType::kSelfService:
      return "selfService";
    case ContainmentType::kAgent:
      return "agent";
  }
  return "?";
}

// ---------------------------------------------------------------------------
// The model: SPEC §2-§4 by brute force.

struct ModelQuery {
  std::optional<std::string> bot;
  bool lookup = false;
  std::vector<std::string> ids;
  std::optional<ContainmentType> containment;
  std::optional<SessionType> type;
  std::optional<std::string> user;
  std::vector<TagCondition> all_of;
  std::vector<TagCondition> any_of;
  int64_t from = 0;
  int64_t to = 0;
  int64_t skip = 0;
  int64_t limit = kDefaultLimit;
};

// Expectation: either an error naming one of `fields`, or the answer to query.
struct Expectation {
  bool error = false;
  std::vector<std::string> fields;
  ModelQuery query;
};

struct ModelPage {
  int64_t total = 0;
  bool more = false;
  std::vector<Session> sessions;
  std::vector<std::string> invalid;
};

bool NewestFirst(const Session& a, const Session& b) {
  if (a.start_time_ms != b.start_time_ms)
    return a.start_time_ms > b.start_time_ms;
  return a.session_id > b.session_id;  // std::string compares bytes as unsigned
}

bool Carries(const std::vector<Tag>& tags, const TagCondition& c) {
  for (const Tag& t : tags) {
    if (t.name != c.name) continue;
    if (c.values.empty()) return true;
    if (std::find(c.values.begin(), c.values.end(), t.value) != c.values.end())
      return true;
  }
  return false;
}

bool TagMatches(const Session& s, const TagCondition& c) {
  switch (c.kind) {
    case TagKind::kUser:
      return Carries(s.user_tags, c);
    case TagKind::kSession:
      return Carries(s.session_tags, c);
    case TagKind::kAny:
      return Carries(s.user_tags, c) || Carries(s.session_tags, c);
  }
  return false;
}

class Model {
 public:
  void Put(Session s) {
    if (!s.session_status.has_value()) {
      s.session_status = s.end_time_ms.has_value() ? SessionStatus::kClosed
                                                   : SessionStatus::kActive;
    }
    std::string id = s.session_id;
    sessions_[id] = std::move(s);
  }
  bool Delete(const std::string& id) { return sessions_.erase(id) > 0; }
  void Link(const UserIdentity& identity) {
    for (const std::string& a : identity.aliases) {
      aliases_[absl::AsciiStrToLower(a)] = identity.user_id;
    }
  }

  const std::map<std::string, Session>& sessions() const { return sessions_; }
  size_t alias_count() const { return aliases_.size(); }
  const Session* Find(const std::string& id) const {
    auto it = sessions_.find(id);
    return it == sessions_.end() ? nullptr : &it->second;
  }
  std::map<std::string, int64_t> CountsPerBot() const {
    std::map<std::string, int64_t> out;
    for (const auto& [id, s] : sessions_) ++out[s.bot_id];
    return out;
  }

  // ResolveUser: SPEC §2. nullopt: nothing matches.
  std::optional<std::string> ResolveUser(const std::string& value) const {
    for (const auto& [id, s] : sessions_) {
      if (s.user_id == value) return value;
    }
    auto it = aliases_.find(absl::AsciiStrToLower(value));
    if (it != aliases_.end()) return it->second;
    return std::nullopt;
  }

  ModelPage Evaluate(const ModelQuery& q) const {
    ModelPage page;
    if (q.lookup) {
      std::set<std::string> found, invalid;
      for (const std::string& id : q.ids) {
        const Session* s = Find(id);
        if (s != nullptr && (!q.bot || s->bot_id == *q.bot)) {
          if (found.insert(id).second) page.sessions.push_back(*s);
        } else if (invalid.insert(id).second) {
          page.invalid.push_back(id);
        }
      }
      std::sort(page.sessions.begin(), page.sessions.end(), NewestFirst);
      page.total = static_cast<int64_t>(page.sessions.size());
      return page;
    }
    std::optional<std::string> user;
    if (q.user) {
      user = ResolveUser(*q.user);
      if (!user) return page;  // unknown user: empty, not an error
    }
    std::vector<Session> matches;
    for (const auto& [id, s] : sessions_) {
      if (q.bot && s.bot_id != *q.bot) continue;
      if (s.start_time_ms < q.from || s.start_time_ms >= q.to) continue;
      if (q.containment && s.containment_type != *q.containment) continue;
      if (q.type && s.session_type != *q.type) continue;
      if (user && s.user_id != *user) continue;
      bool ok = true;
      for (const TagCondition& c : q.all_of) ok = ok && TagMatches(s, c);
      if (!ok) continue;
      if (!q.any_of.empty() && std::none_of(q.any_of.begin(), q.any_of.end(),
                                            [&](const TagCondition& c) {
                                              return TagMatches(s, c);
                                            })) {
        continue;
      }
      matches.push_back(s);
    }
    std::sort(matches.begin(), matches.end(), NewestFirst);
    page.total = static_cast<int64_t>(matches.size());
    int64_t served = std::min(q.limit, kPageCap);
    if (q.skip < page.total) {
      int64_t end = std::min(page.total, q.skip + served);
      page.sessions.assign(matches.begin() + q.skip, matches.begin() + end);
    }
    page.more =
        q.skip + static_cast<int64_t>(page.sessions.size()) < page.total;
    return page;
  }

 private:
  std::map<std::string, Session> sessions_;
  std::map<std::string, std::string> aliases_;  // lower-cased alias -> user id
};

Expectation ErrorNaming(std::vector<std::string> fields) {
  Expectation e;
  e.error = true;
  e.fields = std::move(fields);
  return e;
}

const std::vector<std::string> kWindowFields = {"date", "window", "from"};

// Resolve: a typed request as SPEC §3 defines it, at clock time `now`.
Expectation Resolve(const SessionQuery& q, int64_t now) {
  Expectation e;
  e.query.bot = q.bot_id;
  if (!q.session_ids.empty()) {
    if (q.session_ids.size() > kLookupCap) return ErrorNaming({"session"});
    e.query.lookup = true;
    e.query.ids = q.session_ids;
    return e;
  }
  if (q.skip < 0) return ErrorNaming({"skip", "offset"});
  if (q.limit < 1) return ErrorNaming({"limit"});
  int64_t from, to;
  if (q.from_ms && q.to_ms) {
    from = *q.from_ms;
    to = *q.to_ms;
  } else if (q.from_ms) {
    from = *q.from_ms;
    to = from + kWeekMs;
  } else if (q.to_ms) {
    to = *q.to_ms;
    from = to - kWeekMs;
  } else {
    to = now;
    from = now - kWeekMs;
  }
  if (from > to || to - from > kWeekMs) return ErrorNaming(kWindowFields);
  e.query.from = from;
  e.query.to = to;
  e.query.containment = q.containment;
  e.query.type = q.session_type;
  e.query.user = q.user_id;
  e.query.all_of = q.tags.all_of;
  e.query.any_of = q.tags.any_of;
  e.query.skip = q.skip;
  e.query.limit = q.limit;
  return e;
}

// ---------------------------------------------------------------------------
// Expected JSON, written from the SPEC §4 response shape.

Json TagsJson(const std::vector<Tag>& tags) {
  Json out = Json::array();
  for (const Tag& t : tags) {
    Json o = Json::object();
    o["value"] = t.value;
    o["name"] = t.name;
    out.push_back(std::move(o));
  }
  return out;
}

Json SessionJson(const Session& s) {
  Json j = Json::object();
  j["sessionId"] = s.session_id;
  j["botId"] = s.bot_id;
  j["channel"] = s.channel;
  j["userId"] = s.user_id;
  j["start_time"] = Iso(s.start_time_ms);
  if (s.end_time_ms) j["end_time"] = Iso(*s.end_time_ms);
  j["session_lang"] = Json::array();
  for (const std::string& l : s.session_lang) j["session_lang"].push_back(l);
  j["sessionType"] = TypeName(s.session_type);
  j["containmentType"] = ContainmentName(s.containment_type);
  j["isDeveloper"] = s.is_developer;
  j["sessionStatus"] = s.session_status.value_or(SessionStatus::kActive) ==
                               SessionStatus::kActive
                           ? "active"
                           : "closed";
  Json tags = Json::object();
  tags["userTags"] = TagsJson(s.user_tags);
  tags["sessionTags"] = TagsJson(s.session_tags);
  j["tags"] = std::move(tags);
  j["noOfMessagesExchanged"] = s.messages_exchanged;
  j["noOfTasksExecuted"] = s.tasks_executed;
  return j;
}

Json TagConditionDebugJson(const TagCondition& c) {
  Json j = Json::object();
  j["name"] = c.name;
  j["values"] = c.values;
  j["kind"] = c.kind == TagKind::kAny    ? "any"
              : c.kind == TagKind::kUser ? "user"
                                         : "session";
  return j;
}

std::string DescribeTyped(const SessionQuery& q, int64_t now) {
  Json j = Json::object();
  j["now"] = Iso(now);
  j["bot"] = q.bot_id ? Json(*q.bot_id) : Json(nullptr);
  if (q.containment) j["containment"] = ContainmentName(*q.containment);
  if (q.session_type) j["sessionType"] = TypeName(*q.session_type);
  if (q.user_id) j["user"] = *q.user_id;
  for (const TagCondition& c : q.tags.all_of)
    j["all_of"].push_back(TagConditionDebugJson(c));
  for (const TagCondition& c : q.tags.any_of)
    j["any_of"].push_back(TagConditionDebugJson(c));
  if (q.from_ms)
    j["from"] = absl::StrCat(Iso(*q.from_ms), " (", *q.from_ms, ")");
  if (q.to_ms) j["to"] = absl::StrCat(Iso(*q.to_ms), " (", *q.to_ms, ")");
  j["skip"] = q.skip;
  j["limit"] = q.limit;
  if (!q.session_ids.empty()) j["ids"] = q.session_ids;
  return j.dump();
}

std::string IdList(const std::vector<std::string>& ids) {
  Json j = ids;
  std::string s = j.dump();
  if (s.size() > 3000) s = s.substr(0, 3000) + "...";
  return s;
}

// FirstDifference: where two id lists part, for a readable failure.
std::string FirstDifference(const std::vector<std::string>& got,
                            const std::vector<std::string>& want) {
  size_t i = 0;
  while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
  if (i == got.size() && i == want.size()) return "same ids";
  return absl::StrCat("first difference at #", i, ": got ",
                      i < got.size() ? Quote(got[i]) : "(end)", ", want ",
                      i < want.size() ? Quote(want[i]) : "(end)", " (",
                      got.size(), " vs ", want.size(), " ids)");
}

template <typename Container, typename F>
std::vector<std::string> IdsOf(const Container& c, F id_of) {
  std::vector<std::string> out;
  for (const auto& x : c) out.push_back(id_of(x));
  return out;
}

// ---------------------------------------------------------------------------
// The harness: one store, one model, one random source.

struct JsonRequest {
  std::optional<std::string> bot;
  std::optional<std::string> containment;
  std::string body;
};

std::string DescribeJson(const JsonRequest& r, int64_t now) {
  return absl::StrCat(
      "now=", Iso(now), " bot=", r.bot ? Quote(*r.bot) : "(account-wide)",
      " containmentType=", r.containment ? Quote(*r.containment) : "(absent)",
      " body=", r.body);
}

struct OptionSet {
  std::string name;
  size_t memory_budget_bytes;
};
void PrintTo(const OptionSet& o, std::ostream* os) { *os << o.name; }

class Harness {
 public:
  Harness(uint64_t seed, const OptionSet& option_set)
      : rng_(seed), option_set_(option_set) {
    std::string tmpl = ::testing::TempDir() + "/sessiondb_diff_XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    char* made = mkdtemp(buf.data());
    dir_ = made != nullptr ? std::string(made) : tmpl;
    for (int i = 0; i < 30; ++i) pool_times_.push_back(RandomPlainTime());
    for (int d = 0; d < kDataDays; d += 3)
      pool_times_.push_back(kT0 + d * kDayMs);
    for (int i = 0; i < 3; ++i) tricky_times_.push_back(RandomPlainTime());
  }
  ~Harness() {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  Options MakeOptions() {
    Options options;
    options.create_if_missing = true;
    options.clock = [this] { return absl::FromUnixMillis(now_ms_.load()); };
    options.memory_budget_bytes = option_set_.memory_budget_bytes;
    return options;
  }

  void Open() {
    absl::StatusOr<std::unique_ptr<Store>> s = Store::Open(MakeOptions(), dir_);
    ASSERT_OK(s);
    store_ = std::move(*s);
  }
  void Reopen() {
    store_.reset();
    Open();
  }

  bool TooManyMismatches() const {
    return mismatches_ >= kMaxMismatchesReported;
  }
  int64_t requests_checked() const { return requests_checked_; }
  std::string CoverageSummary() const {
    return absl::StrCat(requests_checked_, " requests (", errors_checked_,
                        " errors, ", lookups_checked_, " lookups, ",
                        nonempty_pages_, " non-empty pages, ", tie_breaks_seen_,
                        " pages with start_time ties)");
  }
  void CountCoverage(const Expectation& e, const ModelPage& page) {
    if (e.error) {
      ++errors_checked_;
      return;
    }
    if (e.query.lookup) ++lookups_checked_;
    if (!page.sessions.empty()) ++nonempty_pages_;
    for (size_t i = 1; i < page.sessions.size(); ++i) {
      if (page.sessions[i].start_time_ms ==
          page.sessions[i - 1].start_time_ms) {
        ++tie_breaks_seen_;
        break;
      }
    }
  }
  Model& model() { return model_; }
  Store& store() { return *store_; }
  Rng& rng() { return rng_; }

  // ---- Data generation ----

  int64_t RandomPlainTime() {
    return kT0 + rng_.Uniform(0, kDataDays * kDayMs - 1);
  }

  int64_t RandomStartTime() {
    int p = static_cast<int>(rng_.Uniform(0, 99));
    if (p < 25) return rng_.Pick(pool_times_);
    if (p < 30) return kT0 + rng_.Uniform(0, kDataDays) * kDayMs;
    if (p < 35) return kT0 + rng_.Uniform(0, kDataDays) * kDayMs - 1;
    if (p < 38)
      return kT0 - rng_.Uniform(1, 2 * kDayMs);  // before the busy window
    // On and next to hour boundaries, where time-bucketed counts split.
    if (p < 43) return kT0 + rng_.Uniform(0, kDataDays * 24) * kHourMs;
    if (p < 46) return kT0 + rng_.Uniform(0, kDataDays * 24) * kHourMs - 1;
    return RandomPlainTime();
  }

  std::string PickBot() {
    int total = 0;
    for (const auto& b : kBots) total += b.weight;
    int64_t x = rng_.Uniform(0, total - 1);
    for (const auto& b : kBots) {
      if (x < b.weight) return b.id;
      x -= b.weight;
    }
    return kBots[0].id;
  }

  std::string PickUser() {
    if (rng_.OneIn(100)) return kRareUser;
    if (rng_.OneIn(50)) return kEmailLikeUser;
    double u = rng_.Unit();
    return RegularUser(static_cast<int>(kRegularUsers * u * u));
  }

  std::vector<Tag> RandomTags(
      const std::vector<std::pair<std::string, std::vector<std::string>>>&
          vocab) {
    std::vector<Tag> tags;
    int n = static_cast<int>(rng_.Uniform(0, 3));
    for (int i = 0; i < n; ++i) {
      const auto& [name, values] = rng_.Pick(vocab);
      tags.push_back({name, rng_.Pick(values)});
    }
    if (!tags.empty() && rng_.Percent(15))
      tags.push_back(rng_.Pick(tags));  // duplicate tag
    return tags;
  }

  std::string NewSessionId() {
    if (rng_.Percent(15)) {
      for (int attempt = 0; attempt < 4; ++attempt) {
        const std::string& id = rng_.Pick(kTrickyIds);
        if (model_.Find(id) == nullptr && !reserved_.count(id)) return id;
      }
    }
    static const char kHex[] = "0123456789abcdef";
    while (true) {
      std::string id = rng_.OneIn(2) ? "s-" : "s";
      int64_t len = rng_.Uniform(1, 20);
      for (int64_t i = 0; i < len; ++i) id.push_back(kHex[rng_.Uniform(0, 15)]);
      if (model_.Find(id) == nullptr && !reserved_.count(id)) return id;
    }
  }

  bool IsTricky(const std::string& id) const {
    return std::find(kTrickyIds.begin(), kTrickyIds.end(), id) !=
           kTrickyIds.end();
  }

  Session RandomSession(const std::string& id) {
    static const std::vector<std::string> kChannels = {"rtm", "web", "msteams",
                                                       "slack"};
    static const std::vector<std::vector<std::string>> kLangs = {
        {}, {"en"}, {"en", "es"}, {"de"}};
    Session s;
    s.session_id = id;
    s.bot_id = PickBot();
    s.channel = rng_.Pick(kChannels);
    s.user_id = PickUser();
    s.start_time_ms = IsTricky(id) && rng_.OneIn(2) ? rng_.Pick(tricky_times_)
                                                    : RandomStartTime();
    SetRandomEnd(s);
    s.session_lang = rng_.Pick(kLangs);
    s.session_type = rng_.Percent(75) ? SessionType::kInteractive
                                      : SessionType::kNonInteractive;
    int c = static_cast<int>(rng_.Uniform(0, 9));
    s.containment_type = c < 6   ? ContainmentType::kSelfService
                         : c < 9 ? ContainmentType::kDropOff
                                 : ContainmentType::kAgent;
    s.is_developer = rng_.Percent(5);
    if (rng_.Percent(15)) {
      s.session_status =
          rng_.OneIn(2) ? SessionStatus::kActive : SessionStatus::kClosed;
    }
    s.user_tags = RandomTags(kUserTagVocab);
    s.session_tags = RandomTags(kSessionTagVocab);
    s.messages_exchanged = rng_.Uniform(0, 30);
    s.tasks_executed = rng_.Uniform(0, 3);
    return s;
  }

  void SetRandomEnd(Session& s) {
    if (rng_.Percent(15)) {
      s.end_time_ms.reset();  // live session
    } else {
      s.end_time_ms =
          s.start_time_ms + (rng_.OneIn(10) ? 0 : rng_.Uniform(1, 2 * kHourMs));
    }
  }

  // An existing session moved in some of the ways an upsert may move it.
  Session MovedSession(Session s) {
    if (rng_.Percent(40)) s.bot_id = PickBot();
    if (rng_.Percent(40)) {
      s.start_time_ms = rng_.OneIn(2) ? RandomStartTime()
                                      : s.start_time_ms + rng_.Uniform(-5, 5);
      SetRandomEnd(s);
    } else if (!s.end_time_ms && rng_.OneIn(2)) {
      s.end_time_ms =
          s.start_time_ms + rng_.Uniform(0, kHourMs);  // the live session ends
      if (rng_.OneIn(2)) s.session_status.reset();
    }
    if (rng_.Percent(30)) s.user_id = PickUser();
    if (rng_.Percent(30))
      s.containment_type = static_cast<ContainmentType>(rng_.Uniform(0, 2));
    if (rng_.Percent(20))
      s.session_type = static_cast<SessionType>(rng_.Uniform(0, 1));
    if (rng_.Percent(30)) s.user_tags = RandomTags(kUserTagVocab);
    if (rng_.Percent(30)) s.session_tags = RandomTags(kSessionTagVocab);
    if (rng_.Percent(20)) s.messages_exchanged = rng_.Uniform(0, 50);
    if (rng_.Percent(10)) {
      s.session_status =
          rng_.OneIn(2) ? std::optional<SessionStatus>()
                        : std::optional<SessionStatus>(SessionStatus::kActive);
    }
    return s;
  }

  const Session* RandomExisting() {
    if (model_.sessions().empty()) return nullptr;
    auto it = model_.sessions().begin();
    std::advance(
        it,
        rng_.Uniform(0, static_cast<int64_t>(model_.sessions().size()) - 1));
    return &it->second;
  }

  // ---- Loading and mutations, mirrored in the model ----

  void LoadInitial(int n) {
    for (const UserIdentity& identity : InitialIdentities()) {
      ASSERT_OK(store_->LinkUserAliases(identity));
      model_.Link(identity);
    }
    std::vector<Session> batch;
    for (int i = 0; i < n; ++i) {
      Session s = RandomSession(NewSessionId());
      reserved_.insert(s.session_id);
      batch.push_back(s);
      if (batch.size() == 200 || i == n - 1) {
        ASSERT_OK(store_->PutBatch(batch));
        for (const Session& b : batch) model_.Put(b);
        batch.clear();
        reserved_.clear();
      }
    }
  }

  // InvalidRecord breaks one SPEC §1 rule; `fields` are names the error may
  // use.
  Session InvalidRecord(std::vector<std::string>& fields, bool& names_id) {
    Session s =
        RandomSession("badrec-" + std::to_string(rng_.Uniform(0, 1 << 30)));
    names_id = true;
    switch (rng_.Uniform(0, 7)) {
      case 0:
        s.bot_id = "";
        fields = {"botId", "bot_id"};
        break;
      case 1:
        s.channel = std::string(65, 'c');
        fields = {"channel"};
        break;
      case 2:
        s.end_time_ms = s.start_time_ms - 1;
        fields = {"end_time", "endTime", "end_time_ms"};
        break;
      case 3:
        s.user_id = "";
        fields = {"userId", "user_id"};
        break;
      case 4:
        s.session_id = std::string(129, 'q');
        fields = {"sessionId", "session_id"};
        names_id = false;
        break;
      case 5:
        s.messages_exchanged = -1;
        fields = {"noOfMessagesExchanged", "messages"};
        break;
      case 6:
        s.user_tags.push_back({"", "v"});
        fields = {"name", "tag"};
        break;
      default:
        s.session_tags.push_back({"big", std::string(1025, 'v')});
        fields = {"value", "tag"};
        break;
    }
    return s;
  }

  void MutateOnce() {
    int p = static_cast<int>(rng_.Uniform(0, 99));
    if (p < 28) {  // new session
      Session s = RandomSession(NewSessionId());
      ASSERT_OK(store_->Put(s));
      model_.Put(s);
    } else if (p < 52) {  // upsert that moves an existing session
      const Session* old = RandomExisting();
      if (old == nullptr) return;
      Session s = MovedSession(*old);
      ASSERT_OK(store_->Put(s)) << "upsert of " << Quote(s.session_id);
      model_.Put(s);
    } else if (p < 62) {  // atomic batch, sessionIds may repeat (last wins)
      std::vector<Session> batch;
      int64_t n = rng_.Uniform(1, 30);
      for (int64_t i = 0; i < n; ++i) {
        int q = static_cast<int>(rng_.Uniform(0, 9));
        if (q < 4 || batch.empty()) {
          const Session* old = RandomExisting();
          batch.push_back(old != nullptr && q < 3
                              ? MovedSession(*old)
                              : RandomSession(NewSessionId()));
        } else if (q < 6) {
          batch.push_back(
              MovedSession(rng_.Pick(batch)));  // repeated id in the batch
        } else {
          batch.push_back(RandomSession(NewSessionId()));
        }
        reserved_.insert(batch.back().session_id);
      }
      reserved_.clear();
      ASSERT_OK(store_->PutBatch(batch));
      for (const Session& s : batch) model_.Put(s);
    } else if (p < 76) {  // delete
      const Session* old = RandomExisting();
      if (old == nullptr) return;
      std::string id = old->session_id;
      ASSERT_OK(store_->Delete(id)) << "delete of " << Quote(id);
      model_.Delete(id);
    } else if (p < 79) {  // delete of an absent id
      std::string id = NewSessionId();
      EXPECT_EQ(store_->Delete(id).code(), absl::StatusCode::kNotFound)
          << "delete of absent " << Quote(id);
    } else if (p < 84) {  // a batch with one invalid record is rejected whole
      std::vector<Session> batch;
      int64_t n = rng_.Uniform(1, 8);
      for (int64_t i = 0; i < n; ++i) {
        const Session* old = RandomExisting();
        batch.push_back(old != nullptr && rng_.OneIn(2)
                            ? MovedSession(*old)
                            : RandomSession(NewSessionId()));
        reserved_.insert(batch.back().session_id);
      }
      reserved_.clear();
      std::vector<std::string> fields;
      bool names_id = false;
      size_t bad_index = static_cast<size_t>(rng_.Uniform(0, n));
      Session bad = InvalidRecord(fields, names_id);
      batch.insert(batch.begin() + static_cast<int64_t>(bad_index), bad);
      absl::Status s = store_->PutBatch(batch);
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
      EXPECT_TRUE(ContainsAnyIgnoringCase(std::string(s.message()), fields))
          << "batch error should name one of " << IdList(fields) << ": " << s;
      EXPECT_THAT(std::string(s.message()),
                  ::testing::HasSubstr(std::to_string(bad_index)))
          << "batch error should name the record's index";
      if (names_id) {
        EXPECT_THAT(std::string(s.message()),
                    ::testing::HasSubstr(bad.session_id))
            << "batch error should name the record's sessionId";
      }
      // The model is unchanged: later queries check nothing was applied.
    } else if (p < 87) {  // a single invalid Put
      std::vector<std::string> fields;
      bool names_id = false;
      Session bad = InvalidRecord(fields, names_id);
      absl::Status s = store_->Put(bad);
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
      EXPECT_TRUE(ContainsAnyIgnoringCase(std::string(s.message()), fields))
          << "error should name one of " << IdList(fields) << ": " << s;
    } else if (p <
               95) {  // link aliases, sometimes re-linking one to another user
      UserIdentity identity;
      identity.user_id = rng_.OneIn(8)
                             ? kRareUser
                             : RegularUser(static_cast<int>(
                                   rng_.Uniform(0, kRegularUsers - 1)));
      int64_t n = rng_.Uniform(1, 3);
      for (int64_t i = 0; i < n; ++i) {
        int q = static_cast<int>(rng_.Uniform(0, 5));
        std::string alias =
            q == 0   ? absl::StrFormat("user%d@example.com",
                                       rng_.Uniform(0, kRegularUsers - 1))
            : q == 1 ? absl::StrFormat("EMP-%04d",
                                       rng_.Uniform(0, kRegularUsers - 1))
            : q == 2 ? std::string("u-rare")
            : q == 3
                ? std::string("SHARED@example.com")
                : absl::StrFormat("new%d@example.com", rng_.Uniform(0, 40));
        identity.aliases.push_back(rng_.FlipCase(alias));
      }
      ASSERT_OK(store_->LinkUserAliases(identity));
      model_.Link(identity);
    } else {  // every session of one rarely seen user goes away
      std::string user = rng_.OneIn(2) ? kRareUser : kEmailLikeUser;
      std::vector<std::string> ids;
      for (const auto& [id, s] : model_.sessions()) {
        if (s.user_id == user) ids.push_back(id);
      }
      for (const std::string& id : ids) {
        ASSERT_OK(store_->Delete(id));
        model_.Delete(id);
      }
    }
  }

  // ---- Request generation ----

  std::string RandomUserFilter() {
    int p = static_cast<int>(rng_.Uniform(0, 99));
    int i = static_cast<int>(rng_.Uniform(0, kRegularUsers - 1));
    if (p < 30)
      return RegularUser(
          static_cast<int>(kRegularUsers * rng_.Unit() * rng_.Unit()));
    if (p < 45) return rng_.FlipCase(absl::StrFormat("user%d@example.com", i));
    if (p < 55) return rng_.FlipCase(absl::StrFormat("EMP-%04d", i));
    if (p < 62) return rng_.OneIn(2) ? "u-rare" : "U-RARE";
    if (p < 70)
      return rng_.OneIn(2) ? kEmailLikeUser : rng_.FlipCase(kEmailLikeUser);
    if (p < 75) return "ghost@example.com";
    if (p < 80)
      return rng_.FlipCase(
          absl::StrFormat("new%d@example.com", rng_.Uniform(0, 40)));
    if (p < 85) return "nobody@example.com";
    if (p < 92)
      return absl::AsciiStrToUpper(RegularUser(i));  // internal ids are exact
    return absl::StrFormat("user%d@example.com", 7 * rng_.Uniform(0, 4));
  }

  TagCondition RandomCondition(bool allow_any_kind) {
    TagCondition c;
    int k = static_cast<int>(rng_.Uniform(0, allow_any_kind ? 2 : 1));
    c.kind = k == 0   ? TagKind::kUser
             : k == 1 ? TagKind::kSession
                      : TagKind::kAny;
    const auto& vocab = c.kind == TagKind::kSession ? kSessionTagVocab
                        : c.kind == TagKind::kUser  ? kUserTagVocab
                        : rng_.OneIn(2)             ? kSessionTagVocab
                                                    : kUserTagVocab;
    const auto& [name, values] = rng_.Pick(vocab);
    c.name = rng_.OneIn(25) ? "unknown-name" : name;
    int n = static_cast<int>(rng_.Uniform(0, 99));
    int count = n < 35 ? 0 : n < 75 ? 1 : static_cast<int>(rng_.Uniform(2, 3));
    for (int i = 0; i < count; ++i) {
      int q = static_cast<int>(rng_.Uniform(0, 9));
      c.values.push_back(q == 0   ? "GOLD"
                         : q == 1 ? ""
                         : q == 2 ? "x"
                                  : rng_.Pick(values));
    }
    return c;
  }

  // JSON-compatible tag filters never combine "and" with "or" in one object
  // (the SPEC shows them apart): with any_of, all_of holds only typed
  // conditions, written as userTags/sessionTags.
  TagFilter RandomTagFilter(bool json_compatible) {
    TagFilter f;
    int p = static_cast<int>(rng_.Uniform(0, 99));
    if (p < 55) return f;
    bool with_or = rng_.Percent(40);
    int64_t n_all = rng_.Uniform(with_or ? 0 : 1, 3);
    for (int64_t i = 0; i < n_all; ++i)
      f.all_of.push_back(RandomCondition(!(with_or && json_compatible)));
    if (with_or) {
      int64_t n_any = rng_.Uniform(1, 3);
      for (int64_t i = 0; i < n_any; ++i)
        f.any_of.push_back(RandomCondition(true));
    }
    return f;
  }

  int64_t AnchorTime() {
    if (rng_.OneIn(
            50)) {  // far from the data: before the epoch, near year 9999
      static const std::vector<int64_t> kFar = {-3 * kDayMs, -1, 0,
                                                DayStartMs(9999, 12, 20)};
      return rng_.Pick(kFar);
    }
    int p = static_cast<int>(rng_.Uniform(0, 99));
    const Session* s = RandomExisting();
    if (p < 40 && s != nullptr) return s->start_time_ms;
    if (p < 50 && s != nullptr)
      return s->start_time_ms + (rng_.OneIn(2) ? 1 : -1);
    if (p < 62) return kT0 + rng_.Uniform(-2, kDataDays + 2) * kDayMs;
    if (p < 70)
      return kT0 + rng_.Uniform(0, kDataDays * 24) * kHourMs +
             rng_.Uniform(-1, 1);
    return kT0 + rng_.Uniform(-2 * kDayMs, (kDataDays + 2) * kDayMs);
  }

  int64_t RandomSpan() {
    int p = static_cast<int>(rng_.Uniform(0, 99));
    const Session* s = RandomExisting();
    if (p < 30) return rng_.Uniform(0, kWeekMs);
    if (p < 45) return kWeekMs;
    if (p < 52) return 0;
    if (p < 67 && s != nullptr)
      return std::clamp<int64_t>(s->start_time_ms - kT0, 0, kWeekMs);
    if (p < 78) return rng_.Uniform(1, 7) * kDayMs;
    if (p < 85) return rng_.Uniform(1, 7 * 24) * kHourMs;
    return rng_.Uniform(0, 6 * kHourMs);
  }

  int64_t RandomLimit() {
    int p = static_cast<int>(rng_.Uniform(0, 99));
    if (p < 20) return kDefaultLimit;
    if (p < 40) return rng_.Uniform(1, 5);
    if (p < 55) return rng_.Uniform(1, 100);
    if (p < 65) return 1000;
    if (p < 75) return 10000;
    if (p < 85)
      return rng_.OneIn(2) ? 10001 : rng_.Uniform(10001, int64_t{1} << 40);
    return rng_.Uniform(1, 500);
  }

  // RandomQuery: a typed request. With probability `error_percent` it breaks
  // exactly one rule of SPEC §3 (the others hold).
  SessionQuery RandomQuery(bool json_compatible, int error_percent) {
    SessionQuery q;
    int scope = static_cast<int>(rng_.Uniform(0, 99));
    if (scope < 25) {
      q.bot_id.reset();
    } else if (scope < 95) {
      q.bot_id = rng_.Pick(kBots).id;
    } else {
      q.bot_id = rng_.Pick(kUnknownBots);
    }
    if (rng_.Percent(12)) {  // lookup by id: every other field is noise
      int64_t n = rng_.Percent(80) ? rng_.Uniform(1, 6) : rng_.Uniform(7, 50);
      for (int64_t i = 0; i < n; ++i) {
        const Session* s = RandomExisting();
        int p = static_cast<int>(rng_.Uniform(0, 9));
        if (p < 6 && s != nullptr) {
          q.session_ids.push_back(s->session_id);
        } else if (p < 8 && !q.session_ids.empty()) {
          q.session_ids.push_back(rng_.Pick(q.session_ids));  // duplicate
        } else {
          q.session_ids.push_back(rng_.OneIn(2) ? rng_.Pick(kTrickyIds)
                                                : NewSessionId());
        }
      }
      if (rng_.Percent(error_percent * 3)) {
        while (q.session_ids.size() <= kLookupCap)
          q.session_ids.push_back(rng_.Pick(q.session_ids));
      }
      if (rng_.OneIn(3)) q.skip = -1;
      if (rng_.OneIn(3)) q.limit = 0;
      if (rng_.OneIn(3)) q.from_ms = kT0 + 30 * kDayMs, q.to_ms = kT0;
      if (rng_.OneIn(3)) q.containment = ContainmentType::kAgent;
      if (rng_.OneIn(3)) q.user_id = "nobody@example.com";
      return q;
    }
    if (rng_.Percent(30))
      q.containment = static_cast<ContainmentType>(rng_.Uniform(0, 2));
    if (rng_.Percent(25))
      q.session_type = static_cast<SessionType>(rng_.Uniform(0, 1));
    if (rng_.Percent(25)) q.user_id = RandomUserFilter();
    q.tags = RandomTagFilter(json_compatible);
    int mode = static_cast<int>(rng_.Uniform(0, 99));
    int64_t anchor = AnchorTime();
    if (mode < 15) {
      // neither: the clock's window; the caller sets now = anchor
    } else if (mode < 70) {
      q.from_ms = anchor;
      q.to_ms = anchor + RandomSpan();
    } else if (mode < 85) {
      q.from_ms = anchor;
    } else {
      q.to_ms = anchor;
    }
    q.limit = RandomLimit();
    int sk = static_cast<int>(rng_.Uniform(0, 99));
    if (sk < 60) {
      q.skip = 0;
    } else if (sk < 75) {
      q.skip = rng_.Uniform(0, 20);
    } else if (sk < 87) {
      q.skip = rng_.Uniform(0, 400);
    } else {
      q.skip = rng_.Uniform(int64_t{1} << 20, int64_t{1} << 50);
    }
    // Extremes a careless skip + limit would overflow on.
    if (rng_.OneIn(50))
      q.skip = std::numeric_limits<int64_t>::max() - rng_.Uniform(0, 3);
    if (rng_.OneIn(50)) q.limit = std::numeric_limits<int64_t>::max();
    if (rng_.Percent(error_percent)) {
      switch (rng_.Uniform(0, 4)) {
        case 0:
          q.skip = -rng_.Uniform(1, 5);
          break;
        case 1:
          q.limit = -rng_.Uniform(0, 2);
          break;
        case 2:  // one millisecond longer than a week
          q.from_ms = anchor;
          q.to_ms = anchor + kWeekMs + 1;
          break;
        case 3:  // from after to
          q.from_ms = anchor;
          q.to_ms = anchor - rng_.Uniform(1, kDayMs);
          break;
        default:  // a longer window than a week, given as days
          q.from_ms = kT0;
          q.to_ms = kT0 + 8 * kDayMs;
          break;
      }
    }
    return q;
  }

  // Skip near the end of the answer (total-1, total, total+1, total-limit).
  void MaybeSkipNearEnd(SessionQuery& q, int64_t now) {
    if (!q.session_ids.empty() || !rng_.Percent(15)) return;
    Expectation e = Resolve(q, now);
    if (e.error) return;
    e.query.skip = 0;
    int64_t total = model_.Evaluate(e.query).total;
    int64_t c = rng_.Uniform(0, 3);
    q.skip =
        std::max<int64_t>(0, c == 0   ? total - 1
                             : c == 1 ? total
                             : c == 2 ? total + 1
                                      : total - std::min(q.limit, kPageCap));
  }

  int64_t NowFor(const SessionQuery& q) {
    if (!q.from_ms && !q.to_ms && q.session_ids.empty()) return AnchorTime();
    return kT0 + rng_.Uniform(-5, 30) * kDayMs + rng_.Uniform(0, kDayMs);
  }

  // ---- JSON rendering of a typed request (SPEC §3 syntax, varied) ----

  std::string ContainmentSpelling(ContainmentType c) {
    static const std::vector<std::string> kDrop = {"dropOff", "DropOff",
                                                   "dropoff", "DROPOFF"};
    static const std::vector<std::string> kSelf = {
        "selfService", "Selfservice", "selfservice", "SELFSERVICE"};
    static const std::vector<std::string> kAgent = {"agent", "Agent", "AGENT"};
    return rng_.Pick(c == ContainmentType::kDropOff       ? kDrop
                     : c == ContainmentType::kSelfService ? kSelf
                                                          : kAgent);
  }

  std::string TypeSpelling(SessionType t) {
    static const std::vector<std::string> kI = {"interactive", "Interactive",
                                                "INTERACTIVE"};
    static const std::vector<std::string> kN = {
        "non-interactive", "Non-Interactive", "NON-INTERACTIVE"};
    return rng_.Pick(t == SessionType::kInteractive ? kI : kN);
  }

  static std::string DateOnly(int64_t ms) {
    return absl::FormatTime("%Y-%m-%d", absl::FromUnixMillis(ms),
                            absl::UTCTimeZone());
  }

  // RenderTime writes `ms` as a date-time with a zone: Z or an offset, with 0-9
  // fraction digits (digits past the third are noise the SPEC truncates),
  // sometimes with a space before the T.
  std::string RenderTime(int64_t ms) {
    static const std::vector<int> kOffsetsMin = {60,  -330, 840, -720,
                                                 345, 0,    -60};
    int offset_min = rng_.Percent(55) ? 0 : rng_.Pick(kOffsetsMin);
    bool zulu = offset_min == 0 && rng_.Percent(70);
    absl::Time local = absl::FromUnixMillis(ms + int64_t{offset_min} * 60000);
    std::string s = absl::FormatTime("%Y-%m-%d", local, absl::UTCTimeZone());
    s += rng_.Percent(10) ? " T" : "T";
    s += absl::FormatTime("%H:%M:%S", local, absl::UTCTimeZone());
    int frac = static_cast<int>(((ms % 1000) + 1000) % 1000);
    std::vector<int> digit_choices = {3, 4, 6, 9};
    if (frac % 10 == 0) digit_choices.push_back(2);
    if (frac % 100 == 0) digit_choices.push_back(1);
    if (frac == 0) digit_choices.insert(digit_choices.end(), {0, 0, 0});
    int digits = rng_.Pick(digit_choices);
    if (digits > 0) {
      std::string f =
          absl::StrFormat("%03d", frac).substr(0, std::min(digits, 3));
      for (int i = 3; i < digits; ++i)
        f.push_back(static_cast<char>('0' + rng_.Uniform(0, 9)));
      s += "." + f;
    }
    if (zulu) {
      s += "Z";
    } else {
      int a = std::abs(offset_min);
      s += absl::StrFormat(
          "%c%02d:%02d",
          offset_min < 0 || (offset_min == 0 && rng_.OneIn(2)) ? '-' : '+',
          a / 60, a % 60);
    }
    return s;
  }

  std::string RenderFrom(int64_t ms) {
    if (ms % kDayMs == 0 && rng_.Percent(60)) return DateOnly(ms);
    return RenderTime(ms);
  }
  // A date alone as dateTo covers that whole day: the window ends at 00:00 of
  // the next day, so an end at midnight can be written as the previous date.
  std::string RenderTo(int64_t ms) {
    if (ms % kDayMs == 0 && rng_.Percent(60)) return DateOnly(ms - kDayMs);
    return RenderTime(ms);
  }

  Json RenderEntry(const TagCondition& c, bool with_type) {
    Json e = Json::object();
    e["name"] = c.name;
    if (c.values.size() == 1 && rng_.OneIn(2)) {
      e["value"] = c.values[0];
    } else if (!c.values.empty()) {
      e["values"] = c.values;
    }
    if (with_type && c.kind != TagKind::kAny) {
      e["type"] = c.kind == TagKind::kUser ? "user" : "session";
    }
    return e;
  }

  Json RenderTags(const TagFilter& f) {
    Json tags = Json::object();
    for (const TagCondition& c : f.all_of) {
      bool typed_list =
          c.kind != TagKind::kAny && (!f.any_of.empty() || rng_.OneIn(2));
      if (typed_list) {
        tags[c.kind == TagKind::kUser ? "userTags" : "sessionTags"].push_back(
            RenderEntry(c, false));
      } else {
        tags["and"].push_back(RenderEntry(c, true));
      }
    }
    for (const TagCondition& c : f.any_of)
      tags["or"].push_back(RenderEntry(c, true));
    return tags;
  }

  JsonRequest RenderJson(const SessionQuery& q) {
    JsonRequest r;
    r.bot = q.bot_id;
    if (q.containment) r.containment = ContainmentSpelling(*q.containment);
    Json body = Json::object();
    if (rng_.Percent(10))
      body["callId"] = "cl-123";  // unknown fields are ignored
    if (!q.session_ids.empty()) {
      if (q.session_ids.size() == 1 && rng_.OneIn(2)) {
        body["sessionId"] = q.session_ids[0];
      } else {
        body["sessionId"] = q.session_ids;
      }
      // Lookup ignores (and does not validate) everything else.
      if (rng_.OneIn(3)) body["limit"] = "10";
      if (rng_.OneIn(3)) body["skip"] = -1;
      if (rng_.OneIn(3)) body["dateFrom"] = "2026-02-30";
      if (rng_.OneIn(3)) body["tags"] = Json::object({{"bogus", 1}});
      if (rng_.OneIn(4)) body["sessionType"] = "chatty";
      if (rng_.OneIn(4)) body["userId"] = "nobody@example.com";
      r.body = body.dump();
      return r;
    }
    if (q.session_type) body["sessionType"] = TypeSpelling(*q.session_type);
    if (q.user_id) body["userId"] = *q.user_id;
    if (!q.tags.empty()) body["tags"] = RenderTags(q.tags);
    if (q.from_ms) body["dateFrom"] = RenderFrom(*q.from_ms);
    if (q.to_ms) body["dateTo"] = RenderTo(*q.to_ms);
    if (q.skip != 0 || rng_.OneIn(2)) {
      int p = static_cast<int>(rng_.Uniform(0, 9));
      if (p < 5)
        body["skip"] = q.skip;
      else if (p < 9)
        body["offset"] = q.skip;
      else
        body["skip"] = q.skip,
        body["offset"] = q.skip;  // the same value twice is fine
    }
    if (q.limit != kDefaultLimit || rng_.OneIn(2)) body["limit"] = q.limit;
    r.body = body.empty() && rng_.OneIn(2) ? "" : body.dump();
    return r;
  }

  // InjectJsonError: breaks one rule only the JSON form can break; returns the
  // names the error message may use for the field (empty: any 400 will do).
  std::vector<std::string> InjectJsonError(JsonRequest& r) {
    Json body = r.body.empty() ? Json::object() : Json::parse(r.body);
    std::vector<std::string> fields;
    switch (rng_.Uniform(0, 21)) {
      case 0:
        body["limit"] = "10";
        fields = {"limit"};
        break;
      case 1:
        body["limit"] = 2.5;
        fields = {"limit"};
        break;
      case 2:
        body["limit"] = 0;
        fields = {"limit"};
        break;
      case 3:
        body["skip"] = 5;
        body["offset"] = 6;
        fields = {"skip", "offset"};
        break;
      case 4:
        body["offset"] = -1;
        body.erase("skip");
        fields = {"offset", "skip"};
        break;
      case 5:
        body["sessionType"] = "chatty";
        fields = {"sessionType"};
        break;
      case 6:
        r.containment = "selfservicex";
        fields = {"containmentType"};
        break;
      case 7:
        body["dateFrom"] = "2026-02-30";
        fields = {"dateFrom"};
        break;
      case 8:
        body["dateTo"] = "2026-01-10T10:00:00";
        fields = {"dateTo"};
        break;  // no zone
      case 9:
        body["dateFrom"] = "2026-01-10T25:00:00Z";
        fields = {"dateFrom"};
        break;
      case 10:
        body["dateFrom"] = 1767571200000;
        fields = {"dateFrom"};
        break;
      case 11:
        body["tags"] = Json::object({{"or", Json::array()}});
        fields = {"or", "tags"};
        break;
      case 12:
        body["tags"] = Json::parse(R"({"and": [{"values": ["gold"]}]})");
        fields = {"name"};
        break;
      case 13:
        body["tags"] =
            Json::parse(R"({"and": [{"name": "tier", "type": "message"}]})");
        fields = {"type", "message"};
        break;
      case 14:
        body["tags"] = Json::parse(R"({"userTags": [], "foo": []})");
        fields = {"foo", "tags"};
        break;
      case 15:
        body["tags"] =
            Json::parse(R"({"or": [{"name": "tier", "values": []}]})");
        fields = {"values"};
        break;
      case 16:
        body["tags"] = Json::parse(
            R"({"sessionTags": [{"name": "csat", "values": [3]}]})");
        fields = {"values", "value"};
        break;
      case 17:
        body["userId"] = 42;
        fields = {"userId"};
        break;
      case 18:
        body["tags"] = "intent=billing";
        fields = {"tags"};
        break;
      case 19:
        body["sessionId"] = Json::array();
        fields = {"sessionId"};
        break;
      case 20:
        body["sessionId"] = Json::array({"a", 5});
        fields = {"sessionId"};
        break;
      default: {
        static const std::vector<std::string> kNotObjects = {
            "[1,2]", "null", "42", "{", "\"x\"", "{\"limit\": 5,}"};
        r.body = rng_.Pick(kNotObjects);
        return {};
      }
    }
    r.body = body.dump();
    return fields;
  }

  // ---- Checks ----

  void Mismatch() { ++mismatches_; }

  void CheckTyped(const SessionQuery& q, int64_t now) {
    ++requests_checked_;
    now_ms_ = now;
    SCOPED_TRACE("typed request: " + DescribeTyped(q, now));
    Expectation e = Resolve(q, now);
    absl::StatusOr<SessionPage> got = store_->GetSessions(q);
    if (e.error) {
      CountCoverage(e, ModelPage());
      bool ok = got.status().code() == absl::StatusCode::kInvalidArgument &&
                ContainsAnyIgnoringCase(std::string(got.status().message()),
                                        e.fields);
      EXPECT_TRUE(ok) << "expected InvalidArgument naming one of "
                      << IdList(e.fields) << ", got "
                      << (got.ok() ? "OK" : got.status().ToString());
      if (!ok) Mismatch();
      return;
    }
    if (!got.ok()) {
      ADD_FAILURE() << "expected OK, got " << got.status();
      Mismatch();
      return;
    }
    ModelPage want = model_.Evaluate(e.query);
    CountCoverage(e, want);
    auto id_of = [](const Session& s) { return s.session_id; };
    std::vector<std::string> want_ids = IdsOf(want.sessions, id_of);
    std::vector<std::string> got_ids = IdsOf(got->sessions, id_of);
    bool ok = true;
    if (got->total != want.total || got->more_available != want.more ||
        got_ids != want_ids || got->invalid_sessions != want.invalid) {
      ADD_FAILURE() << "total " << got->total << " (want " << want.total
                    << "), moreAvailable " << got->more_available << " (want "
                    << want.more << "), " << FirstDifference(got_ids, want_ids)
                    << "\n got ids  " << IdList(got_ids) << "\n want ids "
                    << IdList(want_ids) << "\n got invalidSessions  "
                    << IdList(got->invalid_sessions)
                    << "\n want invalidSessions " << IdList(want.invalid);
      ok = false;
    } else {
      for (size_t i = 0; i < want.sessions.size(); ++i) {
        if (!(got->sessions[i] == want.sessions[i])) {
          EXPECT_EQ(got->sessions[i], want.sessions[i]) << "session #" << i;
          ok = false;
          break;
        }
      }
    }
    if (!ok) Mismatch();
  }

  void CheckJson(const JsonRequest& r, const Expectation& e, int64_t now) {
    ++requests_checked_;
    now_ms_ = now;
    SCOPED_TRACE("JSON request: " + DescribeJson(r, now));
    ApiResponse resp = store_->HandleGetSessions(r.bot, r.containment, r.body);
    Json got;
    try {
      got = Json::parse(resp.body);
    } catch (const std::exception& ex) {
      ADD_FAILURE() << "response is not JSON (" << ex.what()
                    << "): " << resp.body.substr(0, 500);
      Mismatch();
      return;
    }
    if (e.error) {
      CountCoverage(e, ModelPage());
      bool ok = resp.status == 400 && got.is_object() && got.size() == 1 &&
                got.contains("errors") && got["errors"].is_array() &&
                !got["errors"].empty() &&
                got["errors"][0].value("code", 0) == 400 &&
                got["errors"][0].contains("msg") &&
                got["errors"][0]["msg"].is_string() &&
                (e.fields.empty() ||
                 ContainsAnyIgnoringCase(
                     got["errors"][0]["msg"].get<std::string>(), e.fields));
      EXPECT_TRUE(ok) << "expected a 400 error naming one of "
                      << IdList(e.fields) << ", got " << resp.status << " "
                      << resp.body.substr(0, 500);
      if (!ok) Mismatch();
      return;
    }
    if (resp.status != 200) {
      ADD_FAILURE() << "expected 200, got " << resp.status << " "
                    << resp.body.substr(0, 500);
      Mismatch();
      return;
    }
    ModelPage want = model_.Evaluate(e.query);
    CountCoverage(e, want);
    Json want_json = Json::object();
    want_json["total"] = want.total;
    want_json["moreAvailable"] = want.more;
    want_json["sessions"] = Json::array();
    for (const Session& s : want.sessions)
      want_json["sessions"].push_back(SessionJson(s));
    if (e.query.lookup) want_json["invalidSessions"] = want.invalid;

    std::vector<std::string> got_keys, want_keys;
    if (got.is_object()) {
      for (const auto& [k, v] : got.items()) got_keys.push_back(k);
    }
    for (const auto& [k, v] : want_json.items()) want_keys.push_back(k);
    bool ok = true;
    if (got_keys != want_keys) {
      ADD_FAILURE() << "response keys " << IdList(got_keys) << ", want "
                    << IdList(want_keys);
      ok = false;
    } else {
      std::vector<std::string> got_ids;
      for (const Json& s : got["sessions"]) {
        got_ids.push_back(s.contains("sessionId") && s["sessionId"].is_string()
                              ? s["sessionId"].get<std::string>()
                              : "<no sessionId>");
      }
      auto id_of = [](const Session& s) { return s.session_id; };
      std::vector<std::string> want_ids = IdsOf(want.sessions, id_of);
      if (got["total"] != want_json["total"] ||
          got["moreAvailable"] != want_json["moreAvailable"] ||
          got_ids != want_ids ||
          (e.query.lookup &&
           got["invalidSessions"] != want_json["invalidSessions"])) {
        ADD_FAILURE() << "total " << got["total"].dump() << " (want "
                      << want.total << "), moreAvailable "
                      << got["moreAvailable"].dump() << " (want " << want.more
                      << "), " << FirstDifference(got_ids, want_ids)
                      << "\n got ids  " << IdList(got_ids) << "\n want ids "
                      << IdList(want_ids)
                      << (e.query.lookup
                              ? "\n got invalidSessions  " +
                                    got["invalidSessions"].dump() +
                                    "\n want invalidSessions " +
                                    want_json["invalidSessions"].dump()
                              : "");
        ok = false;
      } else {
        for (size_t i = 0; i < want.sessions.size(); ++i) {
          if (got["sessions"][i] != want_json["sessions"][i]) {
            ADD_FAILURE() << "session #" << i << "\n got  "
                          << got["sessions"][i].dump() << "\n want "
                          << want_json["sessions"][i].dump();
            ok = false;
            break;
          }
        }
      }
    }
    if (!ok) Mismatch();
  }

  void CheckStats() {
    absl::StatusOr<StoreStats> stats = store_->GetStats();
    ASSERT_OK(stats);
    EXPECT_EQ(stats->sessions, static_cast<int64_t>(model_.sessions().size()));
    EXPECT_EQ(stats->aliases, static_cast<int64_t>(model_.alias_count()));
    std::map<std::string, int64_t> want = model_.CountsPerBot();
    std::map<std::string, int64_t> got;
    for (const auto& [bot, n] : stats->sessions_per_bot) {
      if (n != 0) got[bot] = n;  // bots seen once may stay listed with 0
      EXPECT_GE(n, 0) << "bot " << Quote(bot);
    }
    EXPECT_EQ(got, want) << "sessions per bot";
  }

  // One round of `n` typed and `n` JSON requests.
  void QueryRound(int n) {
    for (int i = 0; i < n && !TooManyMismatches(); ++i) {
      SessionQuery q =
          RandomQuery(/*json_compatible=*/false, /*error_percent=*/6);
      int64_t now = NowFor(q);
      MaybeSkipNearEnd(q, now);
      CheckTyped(q, now);
    }
    for (int i = 0; i < n && !TooManyMismatches(); ++i) {
      SessionQuery q =
          RandomQuery(/*json_compatible=*/true, /*error_percent=*/5);
      int64_t now = NowFor(q);
      MaybeSkipNearEnd(q, now);
      Expectation e = Resolve(q, now);
      JsonRequest r = RenderJson(q);
      if (!e.error && q.session_ids.empty() && rng_.Percent(8)) {
        e = ErrorNaming(InjectJsonError(r));
      }
      CheckJson(r, e, now);
    }
  }

 private:
  Rng rng_;
  OptionSet option_set_;
  std::string dir_;
  std::unique_ptr<Store> store_;
  Model model_;
  std::atomic<int64_t> now_ms_{0};
  std::vector<int64_t> pool_times_;
  std::vector<int64_t> tricky_times_;
  std::set<std::string> reserved_;  // ids taken by a batch being built
  int mismatches_ = 0;
  int64_t requests_checked_ = 0;
  int64_t errors_checked_ = 0;
  int64_t lookups_checked_ = 0;
  int64_t nonempty_pages_ = 0;
  int64_t tie_breaks_seen_ = 0;  // pages where two neighbours share start_time
};

// ---------------------------------------------------------------------------

class DifferentialTest : public ::testing::TestWithParam<OptionSet> {};

TEST_P(DifferentialTest, RandomRequestsMatchTheModelAcrossMutationsAndReopen) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(
      absl::StrCat("SESSIONDB_TEST_SEED=", seed, " options=", GetParam().name));
  std::cerr << "differential: SESSIONDB_TEST_SEED=" << seed
            << " options=" << GetParam().name << "\n";
  const int scale = Scale();
  const int rounds = 6 * scale;
  const int requests_per_round = 200 * scale;
  const int mutations_per_round = 120;

  Harness h(seed, GetParam());
  ASSERT_NO_FATAL_FAILURE(h.Open());
  ASSERT_NO_FATAL_FAILURE(h.LoadInitial(1500));
  for (int round = 0; round < rounds && !h.TooManyMismatches(); ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    h.QueryRound(requests_per_round);
    ASSERT_NO_FATAL_FAILURE(h.CheckStats());
    if (round % 2 == 1) {
      SCOPED_TRACE("after reopen");
      ASSERT_NO_FATAL_FAILURE(h.Reopen());
      ASSERT_NO_FATAL_FAILURE(h.CheckStats());
      h.QueryRound(requests_per_round / 2);
    }
    for (int i = 0; i < mutations_per_round; ++i)
      ASSERT_NO_FATAL_FAILURE(h.MutateOnce());
  }
  {
    SCOPED_TRACE("final, after reopen");
    ASSERT_NO_FATAL_FAILURE(h.Reopen());
    ASSERT_NO_FATAL_FAILURE(h.CheckStats());
    h.QueryRound(requests_per_round);
  }
  EXPECT_FALSE(h.TooManyMismatches())
      << "stopped early after " << kMaxMismatchesReported << " mismatches";
  std::cerr << "differential: " << h.CoverageSummary() << " against "
            << h.model().sessions().size() << " sessions at the end\n";
}

INSTANTIATE_TEST_SUITE_P(
    OptionSets, DifferentialTest,
    ::testing::Values(OptionSet{"Default", size_t{256} << 20},
                      // Tiny memtables (128 KiB) flush often: answers come
                      // from SST files and their compactions, not only the
                      // memtable.
                      OptionSet{"SmallMemtable", size_t{1} << 20}),
    [](const ::testing::TestParamInfo<OptionSet>& info) {
      return info.param.name;
    });

// More matches than the page size cap: every limit above it serves exactly the
// cap, and moreAvailable tells the rest. Then random requests with deep skips
// over the same dense day (10,050 sessions on 41 distinct times).
TEST(DifferentialDenseDay,
     LimitAboveTenThousandServesTenThousandAndDeepSkipsMatchTheModel) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(absl::StrCat("SESSIONDB_TEST_SEED=", seed));
  Harness h(seed, OptionSet{"Default", size_t{256} << 20});
  ASSERT_NO_FATAL_FAILURE(h.Open());
  const int64_t day = kT0 + 3 * kDayMs;
  std::vector<Session> batch;
  for (int i = 0; i < 10050; ++i) {
    Session s = h.RandomSession(absl::StrFormat("cap-%05d", i));
    s.bot_id = "bot-cap";
    // Few distinct times: most of the order is the sessionId tie-break.
    s.start_time_ms = day + h.rng().Uniform(0, 40) * kHourMs / 2;
    h.SetRandomEnd(s);
    batch.push_back(s);
    if (batch.size() == 1000 || i == 10049) {
      ASSERT_OK(h.store().PutBatch(batch));
      for (const Session& b : batch) h.model().Put(b);
      batch.clear();
    }
  }
  struct Case {
    int64_t skip;
    int64_t limit;
  };
  for (const Case& c :
       {Case{0, 10001}, Case{0, 10000}, Case{7, int64_t{1} << 40},
        Case{50, 10000}, Case{51, 20000}, Case{10049, 10000}}) {
    SessionQuery q;
    q.bot_id = "bot-cap";
    q.from_ms = day;
    q.to_ms = day + kDayMs;
    q.skip = c.skip;
    q.limit = c.limit;
    h.CheckTyped(q, day);
    JsonRequest r;
    r.bot = std::nullopt;  // account-wide: bot-cap is the only bot
    r.body = Json::object({{"dateFrom", Harness::DateOnly(day)},
                           {"dateTo", Harness::DateOnly(day)},
                           {"skip", c.skip},
                           {"limit", c.limit}})
                 .dump();
    Expectation e = Resolve(q, day);
    e.query.bot.reset();
    h.CheckJson(r, e, day);
  }
  // Random requests over the dense day: windows on and next to the
  // half-hour marks every session sits on, deep skips, every filter.
  Rng& rng = h.rng();
  for (int i = 0; i < 120 * Scale() && !h.TooManyMismatches(); ++i) {
    bool json = i % 2 == 1;
    SessionQuery q =
        h.RandomQuery(/*json_compatible=*/json, /*error_percent=*/0);
    if (!q.session_ids.empty()) continue;
    q.bot_id =
        rng.OneIn(3) ? std::nullopt : std::optional<std::string>("bot-cap");
    q.from_ms = day + rng.Uniform(-2, 42) * kHourMs / 2 + rng.Uniform(-1, 1);
    q.to_ms = *q.from_ms + (rng.OneIn(3) ? kDayMs
                                         : rng.Uniform(0, 44) * kHourMs / 2 +
                                               rng.Uniform(-1, 1));
    if (q.to_ms < q.from_ms) q.to_ms = q.from_ms;
    if (rng.OneIn(2)) q.skip = rng.Uniform(0, 10100);
    if (rng.OneIn(4)) q.user_id.reset();
    if (json) {
      h.CheckJson(h.RenderJson(q), Resolve(q, day), day);
    } else {
      h.CheckTyped(q, day);
    }
  }
  EXPECT_FALSE(h.TooManyMismatches());
}

}  // namespace

void PrintTo(const Session& s, std::ostream* os) {
  *os << SessionJson(s).dump();
}

}  // namespace sessiondb
