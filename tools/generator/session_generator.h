// The session distribution of ../shared/tools/gen_sessions.py, in C++.
//
// GenerateSessions(config) draws exactly the sessions the script writes for
// `gen_sessions.py --sessions N --seed S` (same random sequence, same order:
// by end_time, then sessionId), in a compact form (48 bytes a session), so
// 10M sessions fit in memory and take seconds instead of the script's
// minutes. WriteScriptNdjson reproduces the script's output byte for byte;
// `sessiondb generate` writes it; tools/run_bench.sh and the
// generator_matches_script test compare the two when the script is present.
//
// The distribution: 8 bots skewed 1/(b+1) (bot 0 the busiest), start times
// uniform over 28 days from 2026-01-05, 80% interactive, containment
// 70/20/10 selfService/dropOff/agent for interactive sessions, half the
// sessions from a cubically skewed set of heavy users (user 0 the heaviest),
// 0-2 user tags (regular, tier, region) and 0-3 session tags (intent,
// campaign, csat).
#ifndef SESSIONDB_TOOLS_GENERATOR_SESSION_GENERATOR_H_
#define SESSIONDB_TOOLS_GENERATOR_SESSION_GENERATOR_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "sessiondb/session.h"

namespace sessiondb::generator {

struct GeneratorConfig {
  int64_t sessions = 100000;  // --sessions
  int bots = 8;               // --bots
  int64_t users = 0;          // --users; 0: sessions / 4 (at least 1)
  int64_t first_day_ms = 1767571200000;  // --start 2026-01-05
  int days = 28;                         // --days
  uint64_t seed = 5;                     // --seed
};

// GeneratedSession is one session as indexes into the generator's
// vocabularies. Tags are (name index << 4 | value index) into the
// vocabularies' sorted name lists (see TagName / TagValue).
struct GeneratedSession {
  int64_t start_ms;
  int64_t end_ms;
  uint64_t sid_random;  // the sessionId's 16 random hex digits
  uint32_t sid_prefix;  // its first 8 hex digits
  uint32_t user;        // index into user ids
  uint8_t bot;
  uint8_t channel;
  uint8_t lang;
  uint8_t containment;  // ContainmentType value
  bool interactive;
  bool is_developer;
  uint8_t messages;
  uint8_t tasks;
  uint8_t num_user_tags;
  uint8_t num_session_tags;
  uint8_t user_tags[2];
  uint8_t session_tags[3];
};

// GeneratedSessions holds the sessions of one configuration and the id
// strings they refer to. Movable, not copyable (it can be large).
class GeneratedSessions {
 public:
  explicit GeneratedSessions(const GeneratorConfig& config);
  GeneratedSessions(const GeneratedSessions&) = delete;
  GeneratedSessions& operator=(const GeneratedSessions&) = delete;
  GeneratedSessions(GeneratedSessions&&) = default;
  GeneratedSessions& operator=(GeneratedSessions&&) = default;

  const GeneratorConfig& config() const { return config_; }
  const std::vector<GeneratedSession>& rows() const { return rows_; }
  size_t size() const { return rows_.size(); }
  const std::string& bot_id(int bot) const { return bot_ids_[bot]; }
  int num_bots() const { return static_cast<int>(bot_ids_.size()); }
  const std::string& user_id(uint32_t user) const { return user_ids_[user]; }
  static std::string SessionId(const GeneratedSession& row);

  // ToSession builds the Session the script's JSON line for `row` parses to.
  Session ToSession(const GeneratedSession& row) const;

  // WriteScriptNdjson writes rows [begin, end) exactly as gen_sessions.py
  // prints them (json.dumps with separators (",", ":")).
  void WriteScriptNdjson(size_t begin, size_t end, std::ostream& out) const;

  // WriteScriptUsersNdjson writes the user identity records as
  // gen_sessions.py's --users-out does: {"userId":…,"aliases":[
  // "user<i>@example.com","EMP-<i, 7 digits>"]}, one per user, in order.
  void WriteScriptUsersNdjson(std::ostream& out) const;

 private:
  GeneratorConfig config_;
  std::vector<std::string> bot_ids_;
  std::vector<std::string> user_ids_;
  std::vector<GeneratedSession> rows_;
};

// StableUuid is the script's stable_uuid(kind, i, seed): uuid5 in the OID
// namespace of "kind:seed:i".
std::string StableUuid(std::string_view kind, int64_t i, uint64_t seed);

// Vocabulary access for GeneratedSession tags.
std::string_view TagName(bool user_tag, uint8_t encoded);
std::string_view TagValue(bool user_tag, uint8_t encoded);

}  // namespace sessiondb::generator

#endif  // SESSIONDB_TOOLS_GENERATOR_SESSION_GENERATOR_H_
