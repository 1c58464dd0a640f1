// The backend seam of getSessions: what a store that holds sessions must do
// so that one front door (api/get_sessions_front_door.h) answers SPEC §3, §4
// and §7 over it. The front door keeps every rule that does not depend on
// where the sessions are — parsing, validation, the date window and time
// zone, the cursor's check and signature, the facets' days, the response's
// bytes — and asks a backend only for
//   - the sessions named in a lookup by id,
//   - one page of a validated query: the exact total, the page's sessions in
//     the API's order (start_time desc, sessionId desc) and, when asked, the
//     facet counts per local day and cell,
//   - the key cursors are signed with.
// Backends: the embedded RocksDB store (api/rocksdb_backend.h) and a
// ClickHouse cluster the store was shipped to (backends/clickhouse/).
#ifndef SESSIONDB_QUERY_SESSION_BACKEND_H_
#define SESSIONDB_QUERY_SESSION_BACKEND_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "query/date_window.h"
#include "query/facet_tally.h"
#include "sessiondb/query.h"
#include "sessiondb/session.h"

namespace sessiondb {

// ExecutionStats counts the work one request did (sessiondb explain).
struct ExecutionStats {
  int64_t keys_visited = 0;   // index / primary keys stepped over
  int64_t records_read = 0;   // records fetched by key or decoded in a scan
  int64_t counters_read = 0;  // bucket counters read
  std::string page_path;      // how the page itself was read
  std::string facets_path;    // how the facets were counted (if asked)
};

// OrderPosition is a session's place in the API's order: (start_ms,
// session_id), newer first, then larger sessionId (bytes, unsigned) first.
struct OrderPosition {
  int64_t start_ms = 0;
  std::string session_id;
};

// PageSession is one session of an answer, as the backend holds it. Valid
// only during the sink's call.
class PageSession {
 public:
  virtual int64_t start_ms() const = 0;
  virtual std::string_view session_id() const = 0;
  // AppendJson appends the session exactly as getSessions renders it
  // (codec/record_json.h's bytes).
  virtual void AppendJson(std::string* out) const = 0;
  // ToSession is the typed record (Store::GetSessions).
  virtual absl::StatusOr<Session> ToSession() const = 0;

 protected:
  ~PageSession() = default;
};

// PageSink receives an answer's sessions in the API's order.
using PageSink = absl::FunctionRef<void(const PageSession&)>;

// PageRequest is one page of a validated query (not a lookup).
struct PageRequest {
  // The window the page reads: the request's, resolved in its zone, or the
  // cursor's when a walk continues.
  DateWindow window;
  int64_t skip = 0;   // >= 0; 0 with `after`
  int64_t limit = 1;  // >= 1, capped at kMaxPageSize already
  // Cursor paging: the page is the `limit` matches strictly after this
  // position; `more` then says whether a match follows the page.
  std::optional<OrderPosition> after;
};

// PageOutcome is what a backend found beside the sessions it emitted.
struct PageOutcome {
  int64_t total = 0;     // every match in the window, ignoring the page
  int64_t returned = 0;  // sessions emitted
  // A match follows the page: skip + returned < total, or with `after` a
  // match after the page's last session.
  bool more = false;
  std::string plan;  // how the backend answered, for explain
};

// LookupOutcome answers a lookup by sessionId.
struct LookupOutcome {
  int64_t found = 0;
  std::vector<std::string> invalid;  // once each, in request order
};

// SessionBackend is where the sessions are. Implementations say whether
// they are safe for concurrent use (both of the project's are).
class SessionBackend {
 public:
  virtual ~SessionBackend() = default;

  // Lookup emits the named sessions that exist (with bot_id: that belong to
  // it), each once, newest first, through `sink`, and lists the other ids.
  virtual absl::StatusOr<LookupOutcome> Lookup(
      const std::optional<std::string>& bot_id,
      const std::vector<std::string>& session_ids, PageSink sink,
      ExecutionStats* stats) = 0;

  // RunPage answers one page of `query` (its filter: bot or account-wide,
  // containment, sessionType, userId as API.md §2 resolves it, tags) over
  // `page`: the exact total of matches in page.window and the page's
  // sessions through `sink`, all from one consistent view where the backend
  // has one. With `facets` (may be null) every match of the window is also
  // counted there (FacetTally::Add or its day/cell forms).
  // REQUIRES: query passed validation; facets, if given, is empty and its
  // days tile page.window.
  virtual absl::StatusOr<PageOutcome> RunPage(const SessionQuery& query,
                                              const PageRequest& page,
                                              PageSink sink,
                                              ExecutionStats* stats,
                                              FacetTally* facets) = 0;

  // CursorKey is the key this backend's cursors are signed with: the
  // store's, so a cursor verifies wherever its store's sessions are read.
  virtual absl::StatusOr<std::string> CursorKey() = 0;
};

}  // namespace sessiondb

#endif  // SESSIONDB_QUERY_SESSION_BACKEND_H_
