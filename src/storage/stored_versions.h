// Reading the version of a session the store holds: its sessionId map entry
// (the record's key), then the record. One definition for every writer that
// replaces stored sessions (SessionBatch, the bulk loader), so they agree on
// what a damaged map entry is.
#ifndef SESSIONDB_STORAGE_STORED_VERSIONS_H_
#define SESSIONDB_STORAGE_STORED_VERSIONS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace sessiondb {

class StorageEngine;

// The version of a session the store holds.
struct StoredVersion {
  std::string primary_key;  // at least kBotBytes + kTimeBytes (key_codec.h)
  std::string record;       // not verified yet (VerifyStoredRecord)
};

// ReadStoredVersion reads the stored version of `session_id` with two Gets;
// nullopt when the store holds none. DataLoss when its map entry is too
// short to be a record's key or names a missing record.
absl::StatusOr<std::optional<StoredVersion>> ReadStoredVersion(
    const StorageEngine& engine, std::string_view session_id);

// ReadStoredVersions is ReadStoredVersion for many sessions with two sorted
// MultiGets (the map in id order, then the records in key order; it sorts
// both itself): `session_ids` in any order but distinct (else
// InternalError); (*versions)[i] is that of session_ids[i]. Returns the
// bytes of the records read.
absl::StatusOr<size_t> ReadStoredVersions(
    const StorageEngine& engine, absl::Span<const std::string_view> session_ids,
    std::vector<std::optional<StoredVersion>>* versions);

}  // namespace sessiondb

#endif  // SESSIONDB_STORAGE_STORED_VERSIONS_H_
