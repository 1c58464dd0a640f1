// Fuzz target: the getSessions request parser and validator
// (ParseGetSessionsRequest, SPEC §3) and the date window it feeds.
// Input: byte 0 picks the route (account-wide or one of a few bots), line 1
// is the containmentType query parameter (absent when byte 1 is even), the
// rest is the body.
// Properties: errors are InvalidArgument with a message; an accepted request
// has skip >= 0, limit >= 1 and at most 50 ids; the window resolves or is
// rejected InvalidArgument, and a resolved window is at most 7 days.
#include <cstdint>
#include <optional>
#include <string_view>

#include "codec/request_codec.h"
#include "fuzz_input.h"
#include "query/date_window.h"
#include "query/time_zone.h"
#include "sessiondb/query.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sessiondb::fuzz::FuzzInput in(data, size);
  static constexpr std::string_view kBots[] = {"st-bot-a", "", "st-\xff"};
  const sessiondb::fuzz::FuzzInput::Route route = in.TakeRoute(kBots);
  absl::StatusOr<sessiondb::SessionQuery> q =
      sessiondb::ParseGetSessionsRequest(route.bot, route.containment,
                                         in.Rest());
  if (!q.ok()) {
    FUZZ_CHECK(q.status().code() == absl::StatusCode::kInvalidArgument);
    FUZZ_CHECK(!q.status().message().empty());
    return 0;
  }
  FUZZ_CHECK(q->bot_id.has_value() == route.bot.has_value());
  if (!q->session_ids.empty()) {
    FUZZ_CHECK(q->session_ids.size() <= sessiondb::kMaxLookupIds);
    return 0;
  }
  FUZZ_CHECK(q->skip >= 0);
  FUZZ_CHECK(q->limit >= 1);
  constexpr int64_t kNow = 1'728'000'000'000;  // 2024-10-04
  absl::StatusOr<absl::TimeZone> tz =
      sessiondb::LoadRequestTimeZone(q->time_zone);
  FUZZ_CHECK(tz.ok());  // the parser accepted only known zones
  absl::StatusOr<sessiondb::DateWindow> w =
      sessiondb::ResolveDateWindow(*q, *tz, kNow);
  if (!w.ok()) {
    FUZZ_CHECK(w.status().code() == absl::StatusCode::kInvalidArgument);
    return 0;
  }
  FUZZ_CHECK(w->from_ms <= w->to_ms);
  // 7 x 24 h, plus 1 h across a DST change (SPEC §7).
  FUZZ_CHECK(w->to_ms - w->from_ms <= sessiondb::kMaxWindowMs + 3'600'000);
  return 0;
}
