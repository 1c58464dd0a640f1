// The typed form of a getSessions request and its answer. The JSON front door
// (Store::HandleGetSessions) parses the API's body into a SessionQuery; a
// runtime that links the library can build one directly.
#ifndef SESSIONDB_QUERY_H_
#define SESSIONDB_QUERY_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "sessiondb/export.h"
#include "sessiondb/session.h"

namespace sessiondb {

// The page size cap: a larger limit is served as this many (API.md §3).
inline constexpr int64_t kMaxPageSize = 10000;
inline constexpr int64_t kDefaultPageSize = 50;
// The longest date window a request may span (API.md §3), and the default one.
inline constexpr int64_t kMaxWindowMs = 7LL * 24 * 3600 * 1000;
// The most ids one lookup by sessionId may name (API.md §3).
inline constexpr size_t kMaxLookupIds = 50;
// The most tag values, and tag conditions, one request's tags filter may hold
// in total (SPEC §5): each value costs the executor one index read.
inline constexpr size_t kMaxTagValues = 1000;
inline constexpr size_t kMaxTagConditions = 100;

enum class TagKind : uint8_t { kAny = 0, kUser = 1, kSession = 2 };

// TagCondition matches a session that carries a tag of `kind` (kAny: either
// kind) named `name` whose value is one of `values` (empty: any value).
// Matching is exact and case-sensitive.
struct TagCondition {
  std::string name;
  std::vector<std::string> values;
  TagKind kind = TagKind::kAny;
};

// TagFilter: every condition of all_of matches, and, when any_of is not
// empty, at least one of any_of.
struct TagFilter {
  std::vector<TagCondition> all_of;
  std::vector<TagCondition> any_of;
  bool empty() const { return all_of.empty() && any_of.empty(); }
};

// SessionFilter is which sessions match, apart from time: every field that
// is set must hold (AND). getSessions (SessionQuery) and export
// (ExportFilter) share it, with one meaning.
struct SessionFilter {
  std::optional<std::string> bot_id;  // absent: account-wide (every bot)
  std::optional<ContainmentType> containment;
  std::optional<SessionType> session_type;
  // An internal user id or an alias of one, resolved as API.md §2 says: the
  // id itself if any session has it, else the id its alias maps to, else
  // nothing matches.
  std::optional<std::string> user_id;
  TagFilter tags;
};

// FacetRequest names the facets (SPEC §7) a query asks for; none: no facets.
struct FacetRequest {
  bool containment_type = false;
  bool session_type = false;
  bool day = false;  // per local day of the window, in the query's time_zone
  bool any() const { return containment_type || session_type || day; }
};

// SessionQuery is a getSessions request: a filter, a window and a page.
struct SessionQuery : SessionFilter {
  // The window [from, to). A bound is an instant (from_ms / to_ms) or a day
  // in time_zone (from_day / to_day); give at most one of each pair
  // (InvalidArgument naming dateFrom / dateTo otherwise). from_day starts
  // the window at that day's local midnight; to_day is the window's last
  // day (it ends at the next local midnight). Absent bounds take the
  // defaults of SPEC §3 and §7: only from: to = from + 7 calendar days in
  // time_zone; only to: from = to - 7 calendar days; neither: to = the
  // store's clock, from = 7 calendar days before it. Both days: at most 7
  // days; otherwise at most 7 x 24 h, plus 1 h when time_zone's offset
  // changes within the window.
  std::optional<int64_t> from_ms;
  std::optional<int64_t> to_ms;
  std::optional<absl::CivilDay> from_day;
  std::optional<absl::CivilDay> to_day;
  // An IANA time zone name ("America/New_York"); empty or "UTC": UTC. It
  // places from_day / to_day, the one-sided defaults and the facets' days.
  // An unknown name is InvalidArgument naming timeZone.
  std::string time_zone;
  // Counts over every match of the filter and window (not the page), in
  // SessionPage::facets. Ignored in lookup by id.
  FacetRequest facets;
  int64_t skip = 0;                  // >= 0
  int64_t limit = kDefaultPageSize;  // >= 1; above kMaxPageSize serves that
  // Cursor paging (SPEC §7): "" starts a walk, a SessionPage::next_cursor
  // continues it with the next `limit` matches strictly after the previous
  // page's last session. The cursor is bound to the filter, the time zone
  // and the resolved window of the walk's first request: absent bounds take
  // the cursor's window; another filter, zone or window is InvalidArgument
  // naming `cursor`, as is a malformed cursor or one this store did not
  // sign. REQUIRES: skip == 0.
  std::optional<std::string> cursor;
  // Non-empty: lookup by id. Every other field but bot_id is ignored.
  std::vector<std::string> session_ids;
};

// DayFacet counts one local day's matches by containment.
struct DayFacet {
  absl::CivilDay date;
  // Indexed by ContainmentType.
  std::array<int64_t, 3> containment{};
};

// FacetCounts holds the facets a query asked for (the others are absent),
// counted over every match of its filter and window, at the page's snapshot.
struct FacetCounts {
  // Indexed by ContainmentType.
  std::optional<std::array<int64_t, 3>> containment_type;
  // Indexed by SessionType.
  std::optional<std::array<int64_t, 2>> session_type;
  // Every local day the window touches, oldest first, zeros included (an
  // empty window touches none).
  std::optional<std::vector<DayFacet>> day;
};

// SessionPage is the answer: the matches at positions [skip, skip + limit)
// of the order start_time descending, sessionId descending (with a cursor:
// the next `limit` matches after the cursor's position).
struct SessionPage {
  int64_t total = 0;  // all matches, ignoring skip and limit
  // A match follows the page's last session: skip + sessions.size() < total.
  bool more_available = false;
  std::vector<Session> sessions;
  // Lookup by id only: the requested ids not found, once each, in request
  // order.
  std::vector<std::string> invalid_sessions;
  // Present when the query asked for facets (never in lookup by id).
  std::optional<FacetCounts> facets;
  // Cursor paging only, and exactly when more_available: the cursor of the
  // next page (an opaque base64url string).
  std::optional<std::string> next_cursor;
};

// ApiResponse is what the JSON front door answers: an HTTP status code and
// the response body (the page, or {"errors":[{"msg":…,"code":…}]}).
struct ApiResponse {
  int status = 200;
  std::string body;
};

// ErrorResponse is the answer HandleGetSessions gives a request that failed
// with `status`: its HTTP code and {"errors":[{"msg":…,"code":…}]}.
SESSIONDB_EXPORT ApiResponse ErrorResponse(const absl::Status& status);

}  // namespace sessiondb

#endif  // SESSIONDB_QUERY_H_
