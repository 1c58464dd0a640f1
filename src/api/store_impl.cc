#include "api/store_impl.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "base/absl_compat.h"
#include "base/status_macros.h"
#include "codec/error_json.h"
#include "codec/facets_json.h"
#include "codec/iso_time.h"
#include "codec/json_escape.h"
#include "codec/record_json.h"
#include "codec/request_codec.h"
#include "query/date_window.h"
#include "query/facet_tally.h"
#include "query/filter_validation.h"
#include "query/page_cursor.h"
#include "query/planner.h"
#include "query/time_zone.h"
#include "storage/consistency_check.h"
#include "storage/counters.h"
#include "storage/key_codec.h"
#include "storage/record_codec.h"
#include "storage/rocksdb_status.h"

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

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const Options& options,
                                                   std::string_view path) {
  SESSIONDB_ASSIGN_OR_RETURN(std::unique_ptr<StorageEngine> engine,
                             StorageEngine::Open(options, path));
  return std::unique_ptr<Store>(new StoreImpl(std::move(engine)));
}

absl::StatusOr<std::unique_ptr<Store>> Store::OpenReader(
    const Options& options, std::string_view path) {
  SESSIONDB_ASSIGN_OR_RETURN(std::unique_ptr<StorageEngine> engine,
                             StorageEngine::OpenReader(options, path));
  return std::unique_ptr<Store>(new StoreImpl(std::move(engine)));
}

StoreImpl::StoreImpl(std::unique_ptr<StorageEngine> engine)
    : engine_(std::move(engine)) {}

int64_t StoreImpl::NowMs() const {
  const Options& o = engine_->options();
  return absl::ToUnixMillis(o.clock ? o.clock() : absl::Now());
}

absl::Status StoreImpl::Put(const Session& session) {
  SESSIONDB_RETURN_IF_ERROR(ValidateSession(session));
  return engine_->UpsertSessions(absl::MakeConstSpan(&session, 1));
}

absl::Status StoreImpl::PutBatch(absl::Span<const Session> sessions) {
  for (size_t i = 0; i < sessions.size(); ++i) {
    absl::Status s = ValidateSession(sessions[i]);
    if (!s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("sessions[", i, "] (sessionId \"",
                       sessions[i].session_id, "\"): ", s.message()));
    }
  }
  if (sessions.empty()) return absl::OkStatus();
  return engine_->UpsertSessions(sessions);
}

absl::StatusOr<BulkLoadSummary> StoreImpl::BulkLoad(
    SessionSource& source, const BulkLoadOptions& options) {
  return engine_->BulkLoad(source, options);
}

absl::Status StoreImpl::Delete(std::string_view session_id) {
  return engine_->DeleteSession(session_id);
}

absl::Status StoreImpl::LinkUserAliases(const UserIdentity& identity) {
  if (identity.user_id.empty() || identity.user_id.size() > 256) {
    return absl::InvalidArgumentError("userId: must be 1-256 bytes");
  }
  for (size_t i = 0; i < identity.aliases.size(); ++i) {
    if (identity.aliases[i].empty() || identity.aliases[i].size() > 256) {
      return absl::InvalidArgumentError(
          absl::StrCat("aliases[", i, "]: must be 1-256 bytes"));
    }
  }
  return engine_->PutAliases(identity);
}

absl::Status StoreImpl::Run(const SessionQuery& query, RecordSink sink,
                            PageSummary* summary, ExecutionStats* stats) {
  SESSIONDB_RETURN_IF_ERROR(ValidateQuery(query));
  ReadView snapshot(*engine_);
  if (!query.session_ids.empty()) {
    summary->lookup = true;
    SESSIONDB_ASSIGN_OR_RETURN(
        LookupResult lookup,
        LookupSessions(*engine_, snapshot.snapshot(), query.bot_id,
                       query.session_ids, sink, stats));
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
  PageSpec page;
  page.skip = query.skip;
  page.limit = std::min(query.limit, kMaxPageSize);
  // One read of the key serves the cursor's check and the next one's
  // signature.
  const std::string cursor_key =
      query.cursor.has_value() ? engine_->cursor_key() : std::string();
  if (query.cursor.has_value()) {
    SESSIONDB_ASSIGN_OR_RETURN(
        CursorStart start, StartFromCursor(query, summary->window, cursor_key));
    summary->window = start.window;
    page.after_order = std::move(start.after_order);
  }
  SESSIONDB_ASSIGN_OR_RETURN(Plan plan, PlanQuery(*engine_, snapshot.snapshot(),
                                                  query, summary->window));
  summary->plan = plan.description;
  // The position of the page's last session, for the next cursor.
  PageCursor next;
  auto tracking_sink = [&](const fb::Session& record) {
    if (query.cursor.has_value()) {
      next.start_ms = record.start_time_ms();
      next.session_id.assign(record.session_id()->string_view());
    }
    sink(record);
  };
  std::optional<FacetTally> facets;
  if (query.facets.any()) {
    facets.emplace(query.facets, LocalDaysOf(summary->window, tz));
  }
  SESSIONDB_ASSIGN_OR_RETURN(
      PageResult result,
      ExecutePlan(*engine_, snapshot.snapshot(), plan, page, tracking_sink,
                  stats, facets ? &*facets : nullptr));
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

absl::StatusOr<SessionPage> StoreImpl::GetSessions(const SessionQuery& query) {
  SessionPage page;
  PageSummary summary;
  ExecutionStats stats;
  SESSIONDB_RETURN_IF_ERROR(Run(
      query,
      [&](const fb::Session& r) { page.sessions.push_back(DecodeRecord(r)); },
      &summary, &stats));
  page.total = summary.total;
  page.more_available = summary.more_available;
  page.invalid_sessions = std::move(summary.invalid_sessions);
  page.facets = std::move(summary.facets);
  page.next_cursor = std::move(summary.next_cursor);
  return page;
}

ApiResponse StoreImpl::HandleGetSessions(
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
  PageSummary summary;
  ExecutionStats stats;
  bool first = true;
  absl::Status s = Run(
      *query,
      [&](const fb::Session& r) {
        if (!first) sessions.push_back(',');
        first = false;
        AppendRecordJson(r, &sessions);
      },
      &summary, &stats);
  if (!s.ok()) return ErrorResponse(s);

  ApiResponse response;
  std::string& out = response.body;
  out.reserve(sessions.size() + 64);
  const bool more = summary.more_available;
  absl::StrAppend(&out, "{\"total\":", summary.total,
                  ",\"moreAvailable\":", more ? "true" : "false",
                  ",\"sessions\":[");
  out += sessions;
  out += ']';
  if (summary.lookup) {
    out += ",\"invalidSessions\":[";
    for (size_t i = 0; i < summary.invalid_sessions.size(); ++i) {
      if (i > 0) out.push_back(',');
      AppendJsonString(summary.invalid_sessions[i], &out);
    }
    out += ']';
  }
  // SPEC §7: the opt-in keys follow, in this order: "facets", then
  // "nextCursor".
  if (summary.facets.has_value()) {
    out += ",\"facets\":";
    AppendFacetsJson(*summary.facets, &out);
  }
  if (summary.next_cursor.has_value()) {
    out += ",\"nextCursor\":";
    AppendJsonString(*summary.next_cursor, &out);
  }
  out += '}';
  return response;
}

absl::StatusOr<std::string> StoreImpl::ExplainGetSessions(
    std::optional<std::string_view> bot_id,
    std::optional<std::string_view> containment_param, std::string_view body) {
  SESSIONDB_ASSIGN_OR_RETURN(
      SessionQuery query,
      ParseGetSessionsRequest(bot_id, containment_param, body));
  PageSummary summary;
  ExecutionStats stats;
  SESSIONDB_RETURN_IF_ERROR(Run(
      query, [](const fb::Session&) {}, &summary, &stats));
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

absl::StatusOr<StoreStats> StoreImpl::GetStats() {
  StoreStats stats;
  ReadView view(*engine_);
  rocksdb::ReadOptions ro;
  ro.snapshot = view.snapshot();
  for (const auto& [no, bot_id] : engine_->bots().All()) {
    std::string value;
    rocksdb::Status s =
        engine_->Get(ro, Cf::kCounts, BotTotalCounterKey(no), &value);
    if (!s.ok() && !s.IsNotFound())
      return FromRocksStatus(s, "reading counters");
    int64_t n = 0;
    for (int64_t c : DecodeCellCounts(value)) n += c;
    stats.sessions += n;
    stats.sessions_per_bot.emplace_back(bot_id, n);
  }
  std::sort(stats.sessions_per_bot.begin(), stats.sessions_per_bot.end());
  std::unique_ptr<rocksdb::Iterator> it =
      engine_->NewIterator(ro, Cf::kAliases);
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++stats.aliases;
  SESSIONDB_RETURN_IF_ERROR(FromRocksStatus(it->status(), "counting aliases"));
  stats.approximate_disk_bytes = engine_->ApproximateBytes();
  return stats;
}

absl::StatusOr<CheckReport> StoreImpl::Check(const CheckOptions& options) {
  if (options.repair) return RepairInconsistencies(*engine_, options);
  return FindInconsistencies(*engine_, options);
}

absl::Status StoreImpl::Compact() { return engine_->CompactAll(); }

absl::Status StoreImpl::Refresh() { return engine_->CatchUp(); }

}  // namespace sessiondb
