#include "session_generator.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "py_random.h"

namespace sessiondb::generator {
namespace {

// The script's tables, in its order (weights are ints, as in the script:
// the running subtraction must see the same values).
struct Weighted {
  int index;
  int weight;
};
constexpr std::array<std::string_view, 8> kChannels = {
    "rtm", "web", "msteams", "slack", "whatsapp", "ivr", "email", "sms"};
constexpr std::array<Weighted, 8> kChannelWeights = {
    {{0, 40}, {1, 20}, {2, 10}, {3, 8}, {4, 8}, {5, 6}, {6, 4}, {7, 4}}};
constexpr std::array<Weighted, 5> kLangWeights = {
    {{0, 80}, {1, 7}, {2, 5}, {3, 5}, {4, 3}}};
// CONTAINMENT: selfService 70, dropOff 20, agent 10, as ContainmentType.
constexpr std::array<Weighted, 3> kContainmentWeights = {
    {{static_cast<int>(ContainmentType::kSelfService), 70},
     {static_cast<int>(ContainmentType::kDropOff), 20},
     {static_cast<int>(ContainmentType::kAgent), 10}}};

const std::vector<std::string>& LangList(uint8_t lang) {
  static const auto* langs = new std::array<std::vector<std::string>, 5>{
      std::vector<std::string>{"en"}, {"es"}, {"de"}, {"en", "es"}, {"fr"}};
  return (*langs)[lang];
}

// Tag vocabularies with names in sorted order (pick_tags sorts them first);
// values in the script's order (rng.choice indexes them).
struct TagVocab {
  std::string_view name;
  std::vector<std::string_view> values;
};
const std::vector<TagVocab>& UserTagVocab() {
  static const auto* v =
      new std::vector<TagVocab>{{"region", {"emea", "amer", "apac"}},
                                {"regular", {"newuser", "returning"}},
                                {"tier", {"gold", "silver", "bronze"}}};
  return *v;
}
const std::vector<TagVocab>& SessionTagVocab() {
  static const auto* v = new std::vector<TagVocab>{
      {"campaign", {"spring", "summer", "blackfriday", "none"}},
      {"csat", {"1", "2", "3", "4", "5"}},
      {"intent",
       {"billing", "refund", "order_status", "password_reset", "upgrade",
        "cancel", "shipping", "complaint", "greeting", "faq", "store_hours",
        "loyalty"}}};
  return *v;
}

template <size_t N>
int WeightedChoice(PyRandom& rng, const std::array<Weighted, N>& table) {
  int total = 0;
  for (const Weighted& w : table) total += w.weight;
  double x = rng.Random() * total;
  for (const Weighted& w : table) {
    x -= w.weight;
    if (x < 0) return w.index;
  }
  return table[N - 1].index;
}

// pick_tags(rng, vocab, max_count): returns the count; fills `out` with the
// chosen (name << 4 | value), names in sorted order.
uint8_t PickTags(PyRandom& rng, const std::vector<TagVocab>& vocab,
                 int max_count, uint8_t* out) {
  std::vector<int> names(vocab.size());
  for (size_t i = 0; i < names.size(); ++i) names[i] = static_cast<int>(i);
  rng.Shuffle(&names);
  const int count = static_cast<int>(rng.RandInt(0, max_count));
  std::vector<int> chosen(names.begin(), names.begin() + count);
  std::sort(chosen.begin(), chosen.end());
  for (int i = 0; i < count; ++i) {
    const int value =
        static_cast<int>(rng.RandBelow(vocab[chosen[i]].values.size()));
    out[i] = static_cast<uint8_t>(chosen[i] << 4 | value);
  }
  return static_cast<uint8_t>(count);
}

// Debian's Abseil has its own string_view type.
absl::string_view A(std::string_view s) { return {s.data(), s.size()}; }

std::string Iso(int64_t ms) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixMillis(ms),
                          absl::UTCTimeZone());
}

}  // namespace

std::string StableUuid(std::string_view kind, int64_t i, uint64_t seed) {
  // NAMESPACE_OID 6ba7b812-9dad-11d1-80b4-00c04fd430c8, then the name.
  std::string data = {'\x6b', '\xa7', '\xb8', '\x12', '\x9d', '\xad',
                      '\x11', '\xd1', '\x80', '\xb4', '\x00', '\xc0',
                      '\x4f', '\xd4', '\x30', '\xc8'};
  absl::StrAppend(&data, A(kind), ":", seed, ":", i);
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), hash, &len, EVP_sha1(), nullptr);
  hash[6] = static_cast<unsigned char>((hash[6] & 0x0f) | 0x50);
  hash[8] = static_cast<unsigned char>((hash[8] & 0x3f) | 0x80);
  std::string out;
  out.reserve(36);
  static constexpr char kHex[] = "0123456789abcdef";
  for (int b = 0; b < 16; ++b) {
    if (b == 4 || b == 6 || b == 8 || b == 10) out.push_back('-');
    out.push_back(kHex[hash[b] >> 4]);
    out.push_back(kHex[hash[b] & 0xf]);
  }
  return out;
}

std::string_view TagName(bool user_tag, uint8_t encoded) {
  const auto& vocab = user_tag ? UserTagVocab() : SessionTagVocab();
  return vocab[encoded >> 4].name;
}

std::string_view TagValue(bool user_tag, uint8_t encoded) {
  const auto& vocab = user_tag ? UserTagVocab() : SessionTagVocab();
  return vocab[encoded >> 4].values[encoded & 0xf];
}

GeneratedSessions::GeneratedSessions(const GeneratorConfig& config)
    : config_(config) {
  PyRandom rng(config.seed);
  const int64_t users = config.users > 0
                            ? config.users
                            : std::max<int64_t>(1, config.sessions / 4);
  const int64_t span = int64_t{config.days} * 86400 * 1000;
  std::vector<double> bot_weights;
  for (int b = 0; b < config.bots; ++b) {
    bot_weights.push_back(1.0 / (b + 1));
    bot_ids_.push_back(absl::StrCat("st-", StableUuid("bot", b, config.seed)));
  }
  double bot_total = 0;  // sum() of floats in 3.11: plain left-to-right adds
  for (double w : bot_weights) bot_total += w;
  user_ids_.reserve(users);
  for (int64_t u = 0; u < users; ++u) {
    user_ids_.push_back(absl::StrCat("u-", StableUuid("user", u, config.seed)));
  }

  rows_.resize(config.sessions);
  for (int64_t i = 0; i < config.sessions; ++i) {
    GeneratedSession& r = rows_[i];
    r = GeneratedSession{};
    r.start_ms =
        config.first_day_ms + static_cast<int64_t>(rng.Random() * span);
    r.interactive = rng.Random() < 0.8;
    r.containment = static_cast<uint8_t>(
        r.interactive ? WeightedChoice(rng, kContainmentWeights)
                      : static_cast<int>(ContainmentType::kSelfService));
    r.messages = static_cast<uint8_t>(r.interactive ? rng.RandInt(1, 30)
                                                    : rng.RandInt(1, 4));
    const auto duration = static_cast<int64_t>(rng.LogNormVariate(11.5, 1.2));
    r.end_ms = r.start_ms + duration;
    if (rng.Random() < 0.5) {
      const double x = rng.Random();
      // pow(), as Python's float ** int calls it (a constant exponent
      // would let the compiler turn it into multiplications).
      volatile double three = 3.0;
      r.user = static_cast<uint32_t>(static_cast<double>(users) *
                                     std::pow(x, three));
    } else {
      r.user = static_cast<uint32_t>(rng.RandBelow(users));
    }
    // The dict literal, in evaluation order.
    r.sid_prefix = static_cast<uint32_t>(
        (static_cast<uint64_t>(i) * 2654435761ULL + config.seed) &
        0xffffffffULL);
    r.sid_random = rng.GetRandBits(64);
    {
      double x = rng.Random() * bot_total;
      int bot = config.bots - 1;
      for (int b = 0; b < config.bots; ++b) {
        x -= bot_weights[b];
        if (x < 0) {
          bot = b;
          break;
        }
      }
      r.bot = static_cast<uint8_t>(bot);
    }
    r.channel = static_cast<uint8_t>(WeightedChoice(rng, kChannelWeights));
    r.lang = static_cast<uint8_t>(WeightedChoice(rng, kLangWeights));
    r.is_developer = rng.Random() < 0.02;
    r.num_user_tags = PickTags(rng, UserTagVocab(), 2, r.user_tags);
    r.num_session_tags = PickTags(rng, SessionTagVocab(), 3, r.session_tags);
    r.tasks = static_cast<uint8_t>(r.interactive ? rng.RandInt(0, 3) : 0);
  }
  // rows.sort(key=(end, sessionId)): the id's hex digits sort as the pair.
  std::sort(rows_.begin(), rows_.end(),
            [](const GeneratedSession& a, const GeneratedSession& b) {
              return std::tie(a.end_ms, a.sid_prefix, a.sid_random) <
                     std::tie(b.end_ms, b.sid_prefix, b.sid_random);
            });
}

std::string GeneratedSessions::SessionId(const GeneratedSession& row) {
  char buf[25];
  std::snprintf(buf, sizeof(buf), "%08x%016llx", row.sid_prefix,
                static_cast<unsigned long long>(row.sid_random));
  return std::string(buf, 24);
}

Session GeneratedSessions::ToSession(const GeneratedSession& row) const {
  Session s;
  s.session_id = SessionId(row);
  s.bot_id = bot_ids_[row.bot];
  s.channel = std::string(kChannels[row.channel]);
  s.user_id = user_ids_[row.user];
  s.start_time_ms = row.start_ms;
  s.end_time_ms = row.end_ms;
  s.session_lang = LangList(row.lang);
  s.session_type = row.interactive ? SessionType::kInteractive
                                   : SessionType::kNonInteractive;
  s.containment_type = static_cast<ContainmentType>(row.containment);
  s.is_developer = row.is_developer;
  s.session_status = SessionStatus::kClosed;
  for (int t = 0; t < row.num_user_tags; ++t) {
    s.user_tags.push_back(Tag{std::string(TagName(true, row.user_tags[t])),
                              std::string(TagValue(true, row.user_tags[t]))});
  }
  for (int t = 0; t < row.num_session_tags; ++t) {
    s.session_tags.push_back(
        Tag{std::string(TagName(false, row.session_tags[t])),
            std::string(TagValue(false, row.session_tags[t]))});
  }
  s.messages_exchanged = row.messages;
  s.tasks_executed = row.tasks;
  return s;
}

void GeneratedSessions::WriteScriptUsersNdjson(std::ostream& out) const {
  std::string line;
  for (size_t u = 0; u < user_ids_.size(); ++u) {
    line.clear();
    absl::StrAppend(&line, "{\"userId\":\"", user_ids_[u],
                    "\",\"aliases\":[\"user", u, "@example.com\",\"EMP-",
                    absl::StrFormat("%07d", u), "\"]}\n");
    out << line;
  }
}

void GeneratedSessions::WriteScriptNdjson(size_t begin, size_t end,
                                          std::ostream& out) const {
  static constexpr std::array<std::string_view, 3> kContainmentNames = {
      "dropOff", "selfService", "agent"};
  std::string line;
  for (size_t i = begin; i < end && i < rows_.size(); ++i) {
    const GeneratedSession& r = rows_[i];
    line.clear();
    absl::StrAppend(&line, "{\"sessionId\":\"", SessionId(r), "\",\"botId\":\"",
                    bot_ids_[r.bot], "\",\"channel\":\"",
                    A(kChannels[r.channel]), "\",\"userId\":\"",
                    user_ids_[r.user], "\",\"start_time\":\"", Iso(r.start_ms),
                    "\",\"end_time\":\"", Iso(r.end_ms),
                    "\",\"session_lang\":[");
    const auto& langs = LangList(r.lang);
    for (size_t l = 0; l < langs.size(); ++l) {
      absl::StrAppend(&line, l > 0 ? "," : "", "\"", langs[l], "\"");
    }
    absl::StrAppend(&line, "],\"sessionType\":\"",
                    r.interactive ? "interactive" : "non-interactive",
                    "\",\"containmentType\":\"",
                    A(kContainmentNames[r.containment]),
                    "\",\"isDeveloper\":", r.is_developer ? "true" : "false",
                    ",\"sessionStatus\":\"closed\",\"tags\":{\"userTags\":[");
    for (int t = 0; t < r.num_user_tags; ++t) {
      absl::StrAppend(&line, t > 0 ? "," : "", "{\"name\":\"",
                      A(TagName(true, r.user_tags[t])), "\",\"value\":\"",
                      A(TagValue(true, r.user_tags[t])), "\"}");
    }
    line += "],\"sessionTags\":[";
    for (int t = 0; t < r.num_session_tags; ++t) {
      absl::StrAppend(&line, t > 0 ? "," : "", "{\"name\":\"",
                      A(TagName(false, r.session_tags[t])), "\",\"value\":\"",
                      A(TagValue(false, r.session_tags[t])), "\"}");
    }
    absl::StrAppend(&line, "]},\"noOfMessagesExchanged\":", int{r.messages},
                    ",\"noOfTasksExecuted\":", int{r.tasks}, "}\n");
    out << line;
  }
}

}  // namespace sessiondb::generator
