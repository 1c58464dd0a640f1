// getSessions cursors (SPEC §7 `cursor` -> `nextCursor`): an opaque,
// tamper-evident token naming the last session a page returned, bound to
// the walk's filter, time zone and resolved window, signed by the store.
//
// Token := base64url-without-padding of
//   version(1)        = kCursorVersion (1)
//   start_ms(8)       the last session's start_time: int64 big-endian with
//                     the sign bit flipped
//   from_ms(8) to_ms(8)   the walk's resolved window, encoded alike
//   filter_digest(16) the first 16 bytes of SHA-256 of the canonical filter
//                     (CursorFilterDigest)
//   session_id(1-128) the last session's sessionId, the rest of the bytes
//                     but the MAC
//   mac(32)           HMAC-SHA256 under the store's cursor key
//                     (storage_engine.h kCursorKeyKey) of every byte before
// The layout reaches clients: a change needs a new version byte. The token
// is not secret (the sessionId is the page's own), only unforgeable.
#ifndef SESSIONDB_QUERY_PAGE_CURSOR_H_
#define SESSIONDB_QUERY_PAGE_CURSOR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "query/date_window.h"
#include "query/session_backend.h"
#include "sessiondb/query.h"

namespace sessiondb {

inline constexpr uint8_t kCursorVersion = 1;
inline constexpr size_t kCursorFilterDigestBytes = 16;

// PageCursor is a decoded cursor: the walk's window and filter digest, and
// the position (start_ms, session_id) the next page starts strictly after.
struct PageCursor {
  DateWindow window;
  std::string filter_digest;  // kCursorFilterDigestBytes
  int64_t start_ms = 0;
  std::string session_id;  // 1-128 bytes
};

// CursorFilterDigest hashes the canonical form of everything a cursor is
// bound to but the window: the route's bot (or none), containment,
// sessionType, userId as given, the tag filter and the time zone. Canonical:
// a condition's values are sorted and deduplicated and the conditions of
// each group sorted and deduplicated (AND and OR do not depend on order or
// repetition); an empty zone is "UTC".
std::string CursorFilterDigest(const SessionQuery& query);

// EncodePageCursor signs `cursor` under `key` and returns the token.
// REQUIRES: cursor.session_id is 1-128 bytes, filter_digest is
// kCursorFilterDigestBytes.
std::string EncodePageCursor(const PageCursor& cursor, std::string_view key);

// DecodePageCursor verifies and decodes a token signed under `key`.
// InvalidArgument naming `cursor` when it is not base64url, has an
// impossible length, fails the MAC (altered, or signed by another store) or
// names an unknown version.
absl::StatusOr<PageCursor> DecodePageCursor(std::string_view token,
                                            std::string_view key);

// CursorStart is where a cursor page starts: the window the walk reads and
// the position the page starts strictly after (none: the window's newest
// match, a walk's first page).
struct CursorStart {
  DateWindow window;
  std::optional<OrderPosition> after;
};

// StartFromCursor applies `*query.cursor`: "" starts a walk over
// `request_window` (the request's own, resolved); a token continues one.
// Then the token must verify under `key`, have been issued for the query's
// filter (CursorFilterDigest) and, when the request gave dateFrom or dateTo
// (HasDateBound), for the window they resolve to; without dates the
// token's window is the walk's (a default window does not slide).
// InvalidArgument naming `cursor` otherwise.
// REQUIRES: query.cursor has a value.
absl::StatusOr<CursorStart> StartFromCursor(const SessionQuery& query,
                                            const DateWindow& request_window,
                                            std::string_view key);

}  // namespace sessiondb

#endif  // SESSIONDB_QUERY_PAGE_CURSOR_H_
