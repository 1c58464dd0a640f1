// Small helpers to build sessions in tests.
#ifndef SESSIONDB_TESTS_TESTING_SESSION_BUILDER_H_
#define SESSIONDB_TESTS_TESTING_SESSION_BUILDER_H_

#include <cstdint>
#include <string>

#include "sessiondb/session.h"

namespace sessiondb::testing {

inline Session MakeSession(std::string id, std::string bot, int64_t start_ms,
                           std::string user = "u-1") {
  Session s;
  s.session_id = std::move(id);
  s.bot_id = std::move(bot);
  s.channel = "rtm";
  s.user_id = std::move(user);
  s.start_time_ms = start_ms;
  s.end_time_ms = start_ms + 1000;
  s.session_lang = {"en"};
  return s;
}

}  // namespace sessiondb::testing

#endif  // SESSIONDB_TESTS_TESTING_SESSION_BUILDER_H_
