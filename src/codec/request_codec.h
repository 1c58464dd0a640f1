// The getSessions request codec: route parameter + body JSON -> SessionQuery.
#ifndef SESSIONDB_CODEC_REQUEST_CODEC_H_
#define SESSIONDB_CODEC_REQUEST_CODEC_H_

#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "sessiondb/query.h"

namespace sessiondb {

// ParseGetSessionsRequest applies API.md §3: `bot_id` absent is the
// account-wide route; `containment_param` is the raw query parameter
// (case-insensitive; absent: no filter); `body` the raw body ("" or "{}":
// all defaults). A date alone in dateFrom / dateTo becomes from_day /
// to_day (a day in timeZone), a time with an offset from_ms / to_ms; window
// defaults and the 7-day rule are NOT applied here (they need the clock and
// the zone; see ResolveDateWindow). timeZone must name a known zone;
// facets is SPEC §7's array of names. skip/offset are merged into skip; limit
// is not yet capped. With `sessionId` in the body every other field and the
// containment parameter are ignored and not validated.
// Returns InvalidArgument naming the field for any malformed input.
absl::StatusOr<SessionQuery> ParseGetSessionsRequest(
    std::optional<std::string_view> bot_id,
    std::optional<std::string_view> containment_param, std::string_view body);

}  // namespace sessiondb

#endif  // SESSIONDB_CODEC_REQUEST_CODEC_H_
