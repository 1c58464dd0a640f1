// GetSessionsFrontDoor: the one implementation of getSessions' semantics
// (SPEC §3, §4, §7) over any SessionBackend (query/session_backend.h):
// request parsing and validation, the date window in the request's time
// zone, lookup mode, the cursor's check and the next cursor's signature,
// the facets' local days, and the response's exact bytes. The embedded
// store (StoreImpl) and the ClickHouse reader (backends/clickhouse/) both
// answer through it, so they differ only in where the sessions come from.
#ifndef SESSIONDB_API_GET_SESSIONS_FRONT_DOOR_H_
#define SESSIONDB_API_GET_SESSIONS_FRONT_DOOR_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "query/session_backend.h"
#include "sessiondb/query.h"

namespace sessiondb {

// Safe for concurrent use when the backend is. Borrows the backend, which
// must outlive it.
class GetSessionsFrontDoor {
 public:
  // `clock` is "now" for default windows (empty: absl::Now).
  GetSessionsFrontDoor(SessionBackend& backend,
                       std::function<absl::Time()> clock);

  // As Store::GetSessions: InvalidArgument naming the field for a bad
  // request; the backend's error otherwise.
  absl::StatusOr<SessionPage> GetSessions(const SessionQuery& query);
  // As Store::HandleGetSessions: never fails, errors are in the API's shape.
  ApiResponse HandleGetSessions(std::optional<std::string_view> bot_id,
                                std::optional<std::string_view> containment,
                                std::string_view body);
  // As Store::ExplainGetSessions.
  absl::StatusOr<std::string> ExplainGetSessions(
      std::optional<std::string_view> bot_id,
      std::optional<std::string_view> containment, std::string_view body);

 private:
  // Summary is an answer without its sessions (those went to the sink).
  struct Summary {
    int64_t total = 0;
    int64_t returned = 0;
    bool more_available = false;  // never in a lookup
    bool lookup = false;
    std::vector<std::string> invalid_sessions;
    // Cursor paging, when more_available: the next page's cursor.
    std::optional<std::string> next_cursor;
    std::string plan;
    DateWindow window;
    std::optional<FacetCounts> facets;  // when asked (not in lookups)
  };
  // Run validates `query` and has the backend answer it.
  absl::Status Run(const SessionQuery& query, PageSink sink, Summary* summary,
                   ExecutionStats* stats);
  int64_t NowMs() const;

  SessionBackend& backend_;
  const std::function<absl::Time()> clock_;
};

}  // namespace sessiondb

#endif  // SESSIONDB_API_GET_SESSIONS_FRONT_DOOR_H_
