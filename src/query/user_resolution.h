// userId filter resolution (API.md §2), shared by the planner and the export
// utility so both answer the same sessions for the same value.
#ifndef SESSIONDB_QUERY_USER_RESOLUTION_H_
#define SESSIONDB_QUERY_USER_RESOLUTION_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "rocksdb/db.h"

namespace sessiondb {

class StorageEngine;

// ResolveUser applies API.md §2 at `snapshot`: the id itself if any session
// has it, else the id its alias (ASCII case-insensitive) maps to, else
// nullopt (nothing matches).
absl::StatusOr<std::optional<std::string>> ResolveUser(
    const StorageEngine& engine, const rocksdb::Snapshot* snapshot,
    const std::string& value);

}  // namespace sessiondb

#endif  // SESSIONDB_QUERY_USER_RESOLUTION_H_
