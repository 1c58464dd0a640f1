// The query planner: picks the access path for a getSessions request.
//
// Rules (docs/QUERY_PLANNER.md):
//  - no userId and no tags: kCounted. total and the skip position come from
//    the bot's bucket counters; the page is read from the primary range, or
//    with a cell filter from the by_cell ranges of the wanted cells (whose
//    values are record copies).
//  - userId: the by_user entries of (bot, user); the cell and the tags are in
//    the index value (the tags only while they fit its budget: past it, a
//    tag condition reads the record, index_payload.h). Without tags,
//    kIndexCounted: total and the skip position come from the (bot, user)
//    counters, and only the page's entries are read; with tags, kScanned
//    (every entry is tested).
//  - tags: the tag index of the condition (or the OR group) found smallest
//    (by its counters when every candidate is one typed tag, else by a
//    bounded probe; a lone candidate is not measured); the others are
//    residual. One condition, or two,
//    each with one value and one kind, is kIndexCounted on its (bot, tag)
//    or (bot, tag pair) counters; anything else is kScanned.
//  - otherwise (e.g. a tag condition without values whose name has too many
//    values): kScanned over the primary range, every predicate residual.
//  - an unknown bot or an unresolvable userId: kEmpty.
#ifndef SESSIONDB_QUERY_PLANNER_H_
#define SESSIONDB_QUERY_PLANNER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "query/date_window.h"
#include "query/record_filter.h"
#include "query/session_streams.h"
#include "rocksdb/db.h"
#include "sessiondb/query.h"

namespace sessiondb {

class StorageEngine;

// A tag condition without values is served from the index only while its
// name has at most this many distinct values per bot and kind.
inline constexpr int kMaxDiscoveredTagValues = 64;
// Keys a probe counts, at most, to compare candidate drivers.
inline constexpr int kProbeKeys = 128;

struct Plan {
  enum class Kind { kEmpty, kCounted, kIndexCounted, kScanned };
  Kind kind = Kind::kEmpty;
  std::vector<uint32_t> bots;
  DateWindow window;
  // kScanned: the driver streams, and where a candidate's cell is read.
  std::vector<StreamSpec> driver;
  // The driver is the sessions column family (values are records) rather
  // than an index (values are index_payload.h index values).
  bool driver_is_primary = false;
  // kIndexCounted: the counter scopes (counters.h) whose sum over the
  // window, in the cells of the mask, is exactly the driver's matches.
  std::vector<std::string> counter_scopes;
  // kIndexCounted: scopes that must count zero over the hours the window
  // touches for counter_scopes to be exact; otherwise the plan is run as
  // kScanned (a tag pair's counts leave out sessions with many tags).
  std::vector<std::string> guard_scopes;
  // Every predicate the driver does not guarantee (the cell mask always).
  RecordFilter residual;
  std::string description;
};

// PlanQuery reads only what it needs to decide (bot dictionary, user and
// alias maps, a few index keys for probes), all at `snapshot`.
// REQUIRES: query.session_ids is empty (lookups do not plan).
absl::StatusOr<Plan> PlanQuery(const StorageEngine& engine,
                               const rocksdb::Snapshot* snapshot,
                               const SessionQuery& query,
                               const DateWindow& window);

}  // namespace sessiondb

#endif  // SESSIONDB_QUERY_PLANNER_H_
