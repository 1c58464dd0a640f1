// Export: every session that matches a filter, in the API's order (start_time
// descending, sessionId descending), read from one snapshot of a Store, in
// constant memory. For offline tools: analytics jobs, migrations, audits.
//
// Unlike getSessions there is no 7-day window limit and no page: absent date
// bounds mean "from the oldest" and "through the newest" session.
//
// Example (typed, no JSON):
//   sessiondb::ExportFilter filter;
//   filter.bot_id = "st-…";
//   auto it = sessiondb::NewSessionExportIterator(*store, filter);
//   if (!it.ok()) return it.status();
//   for (; (*it)->Valid(); (*it)->Next()) Use((*it)->session());
//   if (!(*it)->status().ok()) return (*it)->status();
//
// Example (NDJSON to a stream):
//   sessiondb::ExportOptions options;  // ExportFormat::kNdjson
//   absl::StatusOr<sessiondb::ExportSummary> summary =
//       sessiondb::ExportSessionsTo(*store, filter, options, std::cout);
#ifndef SESSIONDB_UTILITIES_SESSION_EXPORT_H_
#define SESSIONDB_UTILITIES_SESSION_EXPORT_H_

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sessiondb/export.h"
#include "sessiondb/query.h"
#include "sessiondb/session.h"
#include "sessiondb/store.h"

namespace sessiondb {

// ExportFilter selects sessions as a getSessions request would (SessionFilter)
// within a window of start_time that is unbounded where a bound is absent.
struct ExportFilter : SessionFilter {
  // The window [from_ms, to_ms) of start_time. Absent: unbounded.
  std::optional<int64_t> from_ms;
  std::optional<int64_t> to_ms;
};

// SessionExportIterator walks the matches of an ExportFilter at the snapshot
// taken when it was created: writes that happen while it runs are not seen.
// It holds that snapshot (and so keeps the data it covers from being
// compacted away) until destroyed. Memory does not grow with the number of
// sessions. Not safe for concurrent use; independent iterators may run in
// parallel. REQUIRES: the Store outlives the iterator.
class SESSIONDB_EXPORT SessionExportIterator {
 public:
  virtual ~SessionExportIterator() = default;

  // Valid is false past the last match, or after an error (see status()).
  virtual bool Valid() const = 0;
  // Next moves to the next match. REQUIRES: Valid().
  virtual void Next() = 0;

  // session is the current match, decoded. The reference is valid until
  // the next call to Next. REQUIRES: Valid().
  virtual const Session& session() = 0;
  // json is the current match exactly as getSessions writes it in its
  // `sessions` array (API.md §4), without the cost of decoding. Valid until
  // the next call to Next. REQUIRES: Valid().
  virtual std::string_view json() = 0;
  // csv is the current match as one CSV row (ExportCsvHeader's columns,
  // RFC 4180 quoting, ending with CRLF). REQUIRES: Valid().
  virtual std::string_view csv() = 0;

  // status is OK unless reading failed: DataLoss naming the key for a
  // corrupt record or an index entry without its record.
  virtual absl::Status status() const = 0;
};

// NewSessionExportIterator positions a new iterator at the first match.
// InvalidArgument when from_ms > to_ms or a tag condition has no name, or
// when `store` was not opened by Store::Open.
SESSIONDB_EXPORT absl::StatusOr<std::unique_ptr<SessionExportIterator>>
NewSessionExportIterator(Store& store, const ExportFilter& filter);

// ExportSessions calls `fn` for every match, in order, from one snapshot.
// Stops at the first non-OK status `fn` returns and returns it. Returns how
// many sessions `fn` accepted.
SESSIONDB_EXPORT absl::StatusOr<int64_t> ExportSessions(
    Store& store, const ExportFilter& filter,
    absl::FunctionRef<absl::Status(const Session&)> fn);

enum class ExportFormat {
  // One session object per line, exactly as getSessions writes it (API.md §4),
  // each line ending with LF.
  kNdjson,
  // RFC 4180: a header row (ExportCsvHeader), then one row per session; rows
  // end with CRLF; a field holding a comma, quote, CR or LF is quoted, its
  // quotes doubled. end_time is empty for a live session; session_lang and
  // tags are JSON text as getSessions writes them.
  kCsv,
};

// ExportCsvHeader is the CSV header row, CRLF included: sessionId, botId,
// channel, userId, start_time, end_time, session_lang, sessionType,
// containmentType, isDeveloper, sessionStatus, tags, noOfMessagesExchanged,
// noOfTasksExecuted.
SESSIONDB_EXPORT std::string_view ExportCsvHeader();

// ExportSummary: what an export wrote.
struct ExportSummary {
  int64_t rows = 0;   // sessions written (the CSV header is not a row)
  int64_t bytes = 0;  // bytes written, the CSV header included
  double seconds = 0;
};

struct ExportOptions {
  ExportFormat format = ExportFormat::kNdjson;
  // Called with the running totals about every `progress_every` rows, and
  // not at all when empty. Default: empty.
  std::function<void(const ExportSummary&)> progress;
  // Default: 10000.
  int64_t progress_every = 10000;
};

// ExportSessionsTo writes every match to `out` in `options.format`, from one
// snapshot, buffering at most about 1 MiB. Fails with the iterator's error,
// or Unavailable when `out` fails (a full disk, a closed pipe). The stream
// is flushed on success.
SESSIONDB_EXPORT absl::StatusOr<ExportSummary> ExportSessionsTo(
    Store& store, const ExportFilter& filter, const ExportOptions& options,
    std::ostream& out);

}  // namespace sessiondb

#endif  // SESSIONDB_UTILITIES_SESSION_EXPORT_H_
