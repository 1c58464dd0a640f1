// NdjsonLoader: streams an NDJSON file of sessions or identities into a
// store (sessions through Store::BulkLoad), reporting each rejected line
// (its number and why) and loading every valid one.
#ifndef SESSIONDB_TOOLS_NDJSON_LOADER_H_
#define SESSIONDB_TOOLS_NDJSON_LOADER_H_

#include <cstdint>
#include <iosfwd>
#include <string>

#include "absl/status/statusor.h"
#include "sessiondb/store.h"

namespace sessiondb {

struct LoadSummary {
  int64_t loaded = 0;
  int64_t rejected = 0;
  double seconds = 0;
};

enum class LoadKind { kSessions, kIdentities };

// LoadNdjson reads `in` line by line. Blank lines are skipped. Rejected lines
// are written to `errors` as "line N: reason". With `progress`, a progress
// line is redrawn on `errors` (for terminals). Fails only when the store
// refuses a write of valid records.
absl::StatusOr<LoadSummary> LoadNdjson(Store& store, LoadKind kind,
                                       std::istream& in, std::ostream& errors,
                                       bool progress);

}  // namespace sessiondb

#endif  // SESSIONDB_TOOLS_NDJSON_LOADER_H_
