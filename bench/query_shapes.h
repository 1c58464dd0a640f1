// The getSessions query shapes of the benchmark (issue 3), each in one typed
// form from which both the API request (for sessiondb) and the SQL (for the
// SQLite peer) are derived, so the two engines are asked the same thing.
#ifndef SESSIONDB_BENCH_QUERY_SHAPES_H_
#define SESSIONDB_BENCH_QUERY_SHAPES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sessiondb/session.h"

namespace sessiondb::bench {

// The benchmark window: dateFrom 2026-01-19, dateTo 2026-01-25 (a date alone
// covers its whole day), i.e. [2026-01-19, 2026-01-26): 7 full days in the
// middle of the generator's 28 days.
inline constexpr const char* kWindowDateFrom = "2026-01-19";
inline constexpr const char* kWindowDateTo = "2026-01-25";
inline constexpr int64_t kWindowFromMs = 1768780800000;
inline constexpr int64_t kWindowToMs = 1769385600000;

// TagTerm: a tag of one kind with one value (the request's
// {"name": N, "values": [V], "type": "user"|"session"}).
struct TagTerm {
  bool user_tag = false;  // userTags (type "user") or sessionTags ("session")
  std::string name;
  std::string value;
};

// QueryShape is one benchmark case: page `skip / limit` of the sessions
// matching every filter, newest first, with the exact total.
struct QueryShape {
  std::string name;  // the benchmark name's shape part, e.g. "BotWeek"
  std::optional<std::string> bot_id;  // absent: account-wide
  std::optional<ContainmentType> containment;
  std::optional<SessionType> session_type;
  std::optional<std::string> user_id;
  std::vector<TagTerm> tags;  // all must match; the first drives SQLite
  int64_t skip = 0;
  int64_t limit = 100;

  // RequestBody is the getSessions body for this shape.
  std::string RequestBody() const;
  // ContainmentParam is the containmentType query parameter, if any.
  std::optional<std::string> ContainmentParam() const;
  // Describe is the request as one line, for logs: route, parameter, body.
  std::string Describe() const;
};

// DatasetFacts: what the shapes need to know about a dataset.
struct DatasetFacts {
  std::string busiest_bot;
  std::string heavy_user;  // most sessions of busiest_bot in the window
  std::string rare_user;   // exactly one session of busiest_bot in the window
};

// StandardShapes: bot + week; + containmentType; + sessionType; + heavy
// user; + rare user; + one tag; + two tags; account-wide; skip 50,000 and
// 90,000. Page 1 = limit 100 unless the name says otherwise.
std::vector<QueryShape> StandardShapes(const DatasetFacts& facts);

}  // namespace sessiondb::bench

#endif  // SESSIONDB_BENCH_QUERY_SHAPES_H_
