#include "api/get_sessions_front_door.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/status_macros.h"
#include "codec/error_json.h"
#include "codec/facets_json.h"
#include "codec/iso_time.h"
#include "codec/json_escape.h"
#include "codec/request_codec.h"
#include "query/date_window.h"
#include "query/facet_tally.h"
#include "query/filter_validation.h"
#include "query/page_cursor.h"
#include "query/time_zone.h"

namespace sessiondb {
namespace {

absl::Status ValidateQuery(const SessionQuery& q) {
  if (!q.session_ids.empty()) {
    if (q.session_ids.size() > kMaxLookupIds) {
      return absl::InvalidArgumentError(
          absl::StrCat("sessionId: at most ", kMaxLookupIds, " ids, got ",
                       q.session_ids.size()));
    }
    return absl::OkStatus();
  }
  if (q.skip < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("skip: must be an integer >= 0, got ", q.skip));
  }
  if (q.limit < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit: must be an integer >= 1, got ", q.limit));
  }
  if (q.cursor.has_value() && q.skip != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("skip: must be absent or 0 with a cursor, got ", q.skip));
  }
  return ValidateSessionFilter(q);
}

}  // namespace

GetSessionsFrontDoor::GetSessionsFrontDoor(SessionBackend& backend,
                                           std::function<absl::Time()> clock)
    : backend_(backend), clock_(std::move(clock)) {}

int64_t GetSessionsFrontDoor::NowMs() const {
  return absl::ToUnixMillis(clock_ ? clock_() : absl::Now());
}

absl::Status GetSessionsFrontDoor::Run(const SessionQuery& query, PageSink sink,
                                       Summary* summary,
                                       ExecutionStats* stats) {
  SESSIONDB_RETURN_IF_ERROR(ValidateQuery(query));
  if (!query.session_ids.empty()) {
    summary->lookup = true;
    SESSIONDB_ASSIGN_OR_RETURN(
        LookupOutcome lookup,
        backend_.Lookup(query.bot_id, query.session_ids, sink, stats));
    summary->total = lookup.found;
    summary->returned = lookup.found;
    summary->invalid_sessions = std::move(lookup.invalid);
    summary->plan = "lookup by sessionId";
    return absl::OkStatus();
  }
  SESSIONDB_ASSIGN_OR_RETURN(absl::TimeZone tz,
                             LoadRequestTimeZone(query.time_zone));
  SESSIONDB_ASSIGN_OR_RETURN(summary->window,
                             ResolveDateWindow(query, tz, NowMs()));
  PageRequest page;
  page.skip = query.skip;
  page.limit = std::min(query.limit, kMaxPageSize);
  // One read of the key serves the cursor's check and the next one's
  // signature.
  std::string cursor_key;
  if (query.cursor.has_value()) {
    SESSIONDB_ASSIGN_OR_RETURN(cursor_key, backend_.CursorKey());
    SESSIONDB_ASSIGN_OR_RETURN(
        CursorStart start, StartFromCursor(query, summary->window, cursor_key));
    summary->window = start.window;
    page.after = std::move(start.after);
  }
  page.window = summary->window;
  // The position of the page's last session, for the next cursor.
  PageCursor next;
  auto tracking_sink = [&](const PageSession& session) {
    if (query.cursor.has_value()) {
      next.start_ms = session.start_ms();
      next.session_id.assign(session.session_id());
    }
    sink(session);
  };
  std::optional<FacetTally> facets;
  if (query.facets.any()) {
    facets.emplace(query.facets, LocalDaysOf(summary->window, tz));
  }
  SESSIONDB_ASSIGN_OR_RETURN(PageOutcome result,
                             backend_.RunPage(query, page, tracking_sink, stats,
                                              facets ? &*facets : nullptr));
  summary->plan = std::move(result.plan);
  summary->total = result.total;
  summary->returned = result.returned;
  summary->more_available = result.more;
  if (facets) summary->facets = facets->Counts();
  if (query.cursor.has_value() && result.more) {
    next.window = summary->window;
    next.filter_digest = CursorFilterDigest(query);
    summary->next_cursor = EncodePageCursor(next, cursor_key);
  }
  return absl::OkStatus();
}

absl::StatusOr<SessionPage> GetSessionsFrontDoor::GetSessions(
    const SessionQuery& query) {
  SessionPage page;
  Summary summary;
  ExecutionStats stats;
  absl::Status decoded = absl::OkStatus();
  SESSIONDB_RETURN_IF_ERROR(Run(
      query,
      [&](const PageSession& s) {
        absl::StatusOr<Session> session = s.ToSession();
        if (session.ok()) {
          page.sessions.push_back(*std::move(session));
        } else if (decoded.ok()) {
          decoded = session.status();
        }
      },
      &summary, &stats));
  SESSIONDB_RETURN_IF_ERROR(decoded);
  page.total = summary.total;
  page.more_available = summary.more_available;
  page.invalid_sessions = std::move(summary.invalid_sessions);
  page.facets = std::move(summary.facets);
  page.next_cursor = std::move(summary.next_cursor);
  return page;
}

ApiResponse GetSessionsFrontDoor::HandleGetSessions(
    std::optional<std::string_view> bot_id,
    std::optional<std::string_view> containment_param, std::string_view body) {
  absl::StatusOr<SessionQuery> query =
      ParseGetSessionsRequest(bot_id, containment_param, body);
  if (!query.ok()) return ErrorResponse(query.status());
  std::string sessions;
  // A generated session's JSON is ~700 bytes; reserving for a typical page
  // avoids regrowing (and recopying) the buffer while it is written.
  sessions.reserve(
      static_cast<size_t>(std::clamp<int64_t>(query->limit, 1, 256)) * 768);
  Summary summary;
  ExecutionStats stats;
  bool first = true;
  absl::Status s = Run(
      *query,
      [&](const PageSession& session) {
        if (!first) sessions.push_back(',');
        first = false;
        session.AppendJson(&sessions);
      },
      &summary, &stats);
  if (!s.ok()) return ErrorResponse(s);

  // What follows the sessions is written first, so the body is allocated
  // once at its size: growing it past a reservation would copy the whole
  // page (and with facets it did, on every request).
  std::string tail;
  // A week of day facets is ~630 bytes; a plain page's tail ("}") fits in
  // the string itself.
  if (summary.facets.has_value()) tail.reserve(1024);
  if (summary.lookup) {
    tail += ",\"invalidSessions\":[";
    for (size_t i = 0; i < summary.invalid_sessions.size(); ++i) {
      if (i > 0) tail.push_back(',');
      AppendJsonString(summary.invalid_sessions[i], &tail);
    }
    tail += ']';
  }
  // SPEC §7: the opt-in keys follow, in this order: "facets", then
  // "nextCursor".
  if (summary.facets.has_value()) {
    tail += ",\"facets\":";
    AppendFacetsJson(*summary.facets, &tail);
  }
  if (summary.next_cursor.has_value()) {
    tail += ",\"nextCursor\":";
    AppendJsonString(*summary.next_cursor, &tail);
  }
  tail += '}';

  ApiResponse response;
  std::string& out = response.body;
  // {"total":N,"moreAvailable":false,"sessions":[ is at most 64 bytes.
  constexpr size_t kHeadBytes = 64;
  out.reserve(kHeadBytes + sessions.size() + 1 + tail.size());
  const bool more = summary.more_available;
  absl::StrAppend(&out, "{\"total\":", summary.total,
                  ",\"moreAvailable\":", more ? "true" : "false",
                  ",\"sessions\":[");
  out += sessions;
  out += ']';
  out += tail;
  return response;
}

absl::StatusOr<std::string> GetSessionsFrontDoor::ExplainGetSessions(
    std::optional<std::string_view> bot_id,
    std::optional<std::string_view> containment_param, std::string_view body) {
  SESSIONDB_ASSIGN_OR_RETURN(
      SessionQuery query,
      ParseGetSessionsRequest(bot_id, containment_param, body));
  Summary summary;
  ExecutionStats stats;
  SESSIONDB_RETURN_IF_ERROR(Run(
      query, [](const PageSession&) {}, &summary, &stats));
  std::string out = absl::StrCat("plan:          ", summary.plan, "\n");
  if (!summary.lookup) {
    absl::StrAppend(&out, "window:        [",
                    FormatIsoMillis(summary.window.from_ms), ", ",
                    FormatIsoMillis(summary.window.to_ms), ")\n");
  }
  if (query.cursor.has_value() && !query.cursor->empty()) {
    absl::StrAppend(&out, "cursor:        continues after a position\n");
  }
  absl::StrAppend(&out, "page read:     ", stats.page_path, "\n",
                  "total:         ", summary.total, "\n",
                  "returned:      ", summary.returned, "\n",
                  "keys visited:  ", stats.keys_visited, "\n",
                  "records read:  ", stats.records_read, "\n",
                  "counters read: ", stats.counters_read, "\n");
  if (summary.facets.has_value()) {
    absl::StrAppend(&out, "facets:        counted from ", stats.facets_path,
                    "\n");
  }
  return out;
}

}  // namespace sessiondb
