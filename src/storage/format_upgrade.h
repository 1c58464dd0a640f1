// Upgrades of a store written by an older format version, run by the
// writer's open (StorageEngine::CheckFormat) before anything else reads it.
#ifndef SESSIONDB_STORAGE_FORMAT_UPGRADE_H_
#define SESSIONDB_STORAGE_FORMAT_UPGRADE_H_

#include <string>

#include "absl/status/status.h"
#include "rocksdb/db.h"

namespace sessiondb {

// The oldest format version UpgradeFormat reads.
inline constexpr int kOldestUpgradableFormat = 3;

// UpgradeFormat brings a store of format `from` to this code's format in
// synced batches, the new version in the last: readers refuse the store
// until then, and an upgrade interrupted midway is redone whole by the next
// writer open (each step only puts values derived from older keys).
//   3 -> 4: puts the bot scope's quarter-hour counters, each the sum of its
//           fifteen minute counters (counters.h); no other key changes.
// REQUIRES: kOldestUpgradableFormat <= from < kFormatVersion, and the caller
// holds the store open for writing.
absl::Status UpgradeFormat(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* meta,
                           rocksdb::ColumnFamilyHandle* counts, int from);

}  // namespace sessiondb

#endif  // SESSIONDB_STORAGE_FORMAT_UPGRADE_H_
