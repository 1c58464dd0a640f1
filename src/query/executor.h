// The executor: runs a Plan at one snapshot, producing the exact total and
// the records of one page, in the API's order.
#ifndef SESSIONDB_QUERY_EXECUTOR_H_
#define SESSIONDB_QUERY_EXECUTOR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "query/facet_tally.h"
#include "query/planner.h"
#include "query/session_backend.h"
#include "rocksdb/db.h"
#include "session_generated.h"

namespace sessiondb {

class StorageEngine;

// RecordSink receives the page's records in order. The record is valid only
// during the call.
using RecordSink = absl::FunctionRef<void(const fb::Session&)>;

// PageSpec is which matches of the API's order a page holds.
struct PageSpec {
  int64_t skip = 0;    // >= 0; 0 when after_order is set
  int64_t limit = 50;  // >= 1, capped already
  // Not empty: the page is the `limit` matches whose order suffix
  // (key_codec.h) is after this one, a cursor's position. The driver
  // streams Seek there; nothing before it is read.
  std::string after_order;
};

// PageResult is what the executor found beside the records it emitted.
struct PageResult {
  int64_t total = 0;     // every match of the plan's window
  int64_t returned = 0;  // records emitted
  // A match follows the page's last record. Skip paging: skip + returned <
  // total. Cursor paging: read past the page (a peek at the next match).
  bool more = false;
};

// ExecutePlan returns the total and calls `sink` for the page's matches
// (PageSpec). With `facets` (may be null) it also counts every match into
// it, from the same reads as the total where it can: the counters (local
// days as differences of UTC days with skip 0, else pieces cut at local
// midnights), or the scan that counts the total. Every read uses
// `snapshot`. DataLoss when a record fails verification or an index entry
// points to no record.
//
// REQUIRES: facets, if given, is empty and its days tile plan.window.
absl::StatusOr<PageResult> ExecutePlan(const StorageEngine& engine,
                                       const rocksdb::Snapshot* snapshot,
                                       const Plan& plan, const PageSpec& page,
                                       RecordSink sink, ExecutionStats* stats,
                                       FacetTally* facets = nullptr);

struct LookupResult {
  int64_t found = 0;
  std::vector<std::string> invalid;  // once each, in request order
};

// LookupSessions answers a lookup by sessionId (API.md §3): the named sessions
// that exist (and, with bot_id, belong to that bot), each once, newest
// first, through `sink`.
absl::StatusOr<LookupResult> LookupSessions(
    const StorageEngine& engine, const rocksdb::Snapshot* snapshot,
    const std::optional<std::string>& bot_id,
    const std::vector<std::string>& session_ids, RecordSink sink,
    ExecutionStats* stats);

}  // namespace sessiondb

#endif  // SESSIONDB_QUERY_EXECUTOR_H_
